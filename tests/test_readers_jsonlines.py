"""detectron2, mmengine and mmcv JSON lines: steps, splits, NaN, resumes; property tests."""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losslog.errors import InputError
from losslog.readers import registry
from losslog.readers.base import make_probe
from losslog.readers.jsonlines import Detectron2Reader, MmcvReader, MmengineReader
from tests.readers_helpers import copy_fixture, fixture, naming_of, points, read_all, read_one


@pytest.mark.parametrize(
    ("rel", "name"),
    [
        ("detectron2/metrics.json", "detectron2"),
        ("mmengine/work_dir/20240102_030405/vis_data/scalars.json", "mmengine"),
        ("mmengine/work_dir/20240102_030405/vis_data/20240102_030405.json", "mmengine"),
        ("mmcv/20220101_120000.log.json", "mmcv"),
    ],
)
def test_detected(rel: str, name: str) -> None:
    reader = registry.best_reader(make_probe(fixture(rel)))
    assert reader is not None and reader.name == name


def test_detectron2_names_and_nan_literals() -> None:
    run = read_one(fixture("detectron2/metrics.json"), keep_all=True)
    assert naming_of(run, "total_loss") == ("train", "total_loss")
    assert naming_of(run, "fast_rcnn/cls_accuracy") == ("train", "fast_rcnn/cls_accuracy")
    assert naming_of(run, "bbox/AP") == ("val", "bbox/AP")
    aps = points(run, "bbox/APs")
    assert len(aps) == 2 and all(math.isnan(v) for v in aps)  # NaN literal: kept as a point


def test_detectron2_out_of_order_lines_and_resume() -> None:
    run = read_one(fixture("detectron2/metrics.json"))
    # lines came as 19, 39, 29 (eval), 59, then 59 again, 79: two writes of one step with no
    # rewind of the steps are not a resume (two writers do that): both are kept, none "replaced"
    assert points(run, "bbox/AP", "step") == [29, 59]
    assert points(run, "total_loss", "step") == [19, 39, 59, 59, 79]
    assert points(run, "total_loss") == [1.56, 0.85, 0.48, 0.45, 0.40]
    assert run.replaced_points == 0


def test_mmengine_work_dir_is_one_run() -> None:
    found = read_all(fixture("mmengine"))
    assert [r.name for r in found.runs] == ["work_dir/20240102_030405"]
    run = found.runs[0]
    assert run.format == "mmengine"
    assert run.meta["config_file"].endswith("config.py")


def test_mmengine_validation_lines_count_epochs() -> None:
    run = read_one(fixture("mmengine/work_dir/20240102_030405/vis_data/scalars.json"))
    assert naming_of(run, "loss") == ("train", "loss")
    assert naming_of(run, "val/accuracy/top1") == ("val", "accuracy/top1")
    assert points(run, "val/accuracy/top1", "epoch") == [1, 2]
    assert points(run, "val/accuracy/top1", "step") == [10, 22]  # at the last training step
    assert points(run, "loss", "epoch") == [1, 1, 2, 2]
    assert points(run, "val/time", "step") == [10, 22]
    assert run.replaced_points == 0  # val/time does not collide with the training time


def test_mmengine_iteration_loop(tmp_path: Path) -> None:
    path = tmp_path / "scalars.json"
    lines = [
        {"lr": 0.01, "loss": 2.0, "iter": 10, "step": 10},
        {"mIoU": 41.2, "aAcc": 80.1, "step": 10},
        {"lr": 0.01, "loss": 1.5, "iter": 20, "step": 20},
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    run = MmengineReader().read(path)[0]
    assert points(run, "val/mIoU", "step") == [10]
    assert math.isnan(points(run, "val/mIoU", "epoch")[0])
    assert naming_of(run, "val/aAcc") == ("val", "aAcc")


def test_mmcv_modes_and_global_steps() -> None:
    run = read_one(fixture("mmcv/20220101_120000.log.json"))
    assert run.meta["seed"] == 0 and "env_info" in run.meta
    assert naming_of(run, "loss") == ("train", "loss")
    assert naming_of(run, "acc") == ("train", "accuracy")
    assert naming_of(run, "val/bbox_mAP") == ("val", "bbox_mAP")
    assert points(run, "loss", "step") == [50, 100, 675]  # epoch 2 starts after 625 iterations
    assert points(run, "val/bbox_mAP", "step") == [625, 1250]
    assert points(run, "val/bbox_mAP", "epoch") == [1, 2]
    assert "val/bbox_mAP_copypaste" not in run.tags  # a string, not a value
    assert run.replaced_points == 0


def test_cut_off_last_line_is_a_warning(tmp_path: Path) -> None:
    path = copy_fixture("detectron2/metrics.json", tmp_path)
    path.write_text(path.read_text() + '{"iteration": 99, "total_lo')
    run = read_one(path)
    assert points(run, "total_loss", "step")[-1] == 79
    assert any("incomplete last line" in w for w in run.warnings)


def test_broken_line_in_the_middle_names_the_line(tmp_path: Path) -> None:
    """Skipped and said with its line (it was an error for the whole file before issue 13)."""
    path = tmp_path / "metrics.json"
    path.write_text('{"iteration": 1, "loss": 1}\n{"iteration": 2, "lo\n{"iteration": 3, "loss": 1}\n')
    (run,) = Detectron2Reader().read(path)
    assert any("1 corrupt line skipped" in w and "line 2" in w for w in run.warnings), run.warnings


def test_a_line_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "x.log.json"
    path.write_text('{"mode": "train", "epoch": 1, "iter": 1, "loss": 1}\n[1, 2]\n{"mode": "train"}\n')
    (run,) = MmcvReader().read(path)
    assert any("found list" in w and "line 2" in w for w in run.warnings), run.warnings


def test_only_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "metrics.json"
    path.write_text("\n \n")
    with pytest.raises(InputError):
        Detectron2Reader().read(path)


_value = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6),
    st.text(max_size=5),
    st.sampled_from(["nan", "NAN", " inf", "-Infinity", "abc", "1.5"]),
    st.none(),
    st.booleans(),
)
_record = st.fixed_dictionaries(
    {"iteration": st.integers(0, 10**6)},
    optional={"total_loss": _value, "lr": _value, "bbox/AP": _value, "note": _value},
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(_record, min_size=1, max_size=30))
def test_detectron2_keeps_every_number_in_write_order(tmp_path: Path, records: list[dict[str, object]]) -> None:
    path = tmp_path / "metrics.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    run = Detectron2Reader().read(path)[0]
    for key in ("total_loss", "lr", "bbox/AP", "note"):
        # numbers, and the words for a non-finite value written as text ("nan", " INF "): the same
        # evidence of divergence (issue 13); any other string is a label, never a value
        nonfinite = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
        want = [
            (float(r["iteration"]), float(v.strip().lower() if isinstance(v, str) else v))  # type: ignore[arg-type]
            for r in records
            if (v := r.get(key)) is not None
            and (
                (isinstance(v, (int, float)) and not isinstance(v, bool))
                or (isinstance(v, str) and v.strip().lower() in nonfinite)
            )
        ]
        sub = run.frame[run.frame["tag"] == key]
        got = list(zip(sub["step"].tolist(), sub["value"].tolist(), strict=True))
        assert len(got) == len(want)
        for (gs, gv), (ws, wv) in zip(got, want, strict=True):
            assert gs == ws
            assert gv == wv or (math.isnan(gv) and math.isnan(wv))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=1, max_size=300))
def test_garbage_never_escapes_as_a_traceback(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "metrics.json"
    path.write_bytes(data)
    for reader in (Detectron2Reader(), MmengineReader(), MmcvReader()):
        # ParseError is an InputError: a clear message, never a crash
        with contextlib.suppress(InputError):
            reader.read(path)


def test_plain_json_lines_keyed_by_step(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text('{"step": 1, "loss": 2.0, "val_loss": 2.5}\n{"step": 2, "loss": 1.5}\n')
    run = read_one(path)
    assert run.format == "mmengine"
    assert naming_of(run, "loss") == ("train", "loss")
    assert naming_of(run, "val_loss") == ("val", "loss")
    assert points(run, "loss", "step") == [1, 2]


# --- a history saved as one JSON object of per-epoch lists ---------------------------------------


def test_keras_history_json_dump(tmp_path: Path) -> None:
    """``json.dump(history.history, f)``: list position is the epoch, counted from 0."""
    import json

    from losslog.readers import registry
    from losslog.readers.base import make_probe

    path = tmp_path / "history.json"
    path.write_text(json.dumps({"loss": [0.9, 0.6, 0.5], "accuracy": [0.5, 0.7, 0.8], "val_loss": [0.8, 0.7, 0.72]}))
    assert registry.best_reader(make_probe(path)).name == "history-json"  # type: ignore[union-attr]
    run = read_one(path)
    assert naming_of(run, "val_loss") == ("val", "loss")
    assert points(run, "val_loss") == [0.8, 0.7, 0.72]
    assert points(run, "val_loss", "epoch") == [0.0, 1.0, 2.0]
    assert run.meta["epoch_base"] == 0


def test_custom_history_json_names_and_skipped_keys(tmp_path: Path) -> None:
    import json

    path = tmp_path / "training_history.json"
    path.write_text(
        json.dumps({"train_losses": [0.04, 0.005], "val_losses": [0.006, None], "config": {"lr": 1e-4}}, indent=2)
    )
    run = read_one(path)
    assert naming_of(run, "train_losses") == ("train", "loss")
    assert naming_of(run, "val_losses") == ("val", "loss")
    assert points(run, "val_losses") == [0.006]  # null is an absence
    assert run.meta["skipped_keys"] == ["config"]


def test_json_object_without_lists_is_not_a_history(tmp_path: Path) -> None:
    from losslog.readers import registry
    from losslog.readers.base import make_probe

    path = tmp_path / "config.json"
    path.write_text('{"lr": 0.001, "layers": [64, 64]}')
    reader = registry.best_reader(make_probe(path))
    assert reader is None or reader.name != "history-json"


def test_json_of_number_lists_without_a_metric_is_not_a_history(tmp_path: Path) -> None:
    """A normalization config ({"mean": [...], "std": [...]}) has lists of numbers but no metric."""
    path = tmp_path / "norm.json"
    path.write_text('{"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}')
    reader = registry.best_reader(make_probe(path))
    assert reader is None or reader.name != "history-json"


def test_a_corrupt_line_in_the_middle_costs_that_line_only(tmp_path: Path) -> None:
    """Issue 13: a corrupt record costs that record, never the rest; and it is said."""
    from losslog.readers.discover import discover

    path = tmp_path / "metrics.json"
    lines = [json.dumps({"iteration": i, "total_loss": 1.0 / (i + 1)}) for i in range(20)]
    lines[7] = '{"iteration": 7, "total_loss": 0.1'  # garbled mid-file
    lines[12] = "[1, 2]"
    path.write_text("\n".join(lines) + "\n")
    found = discover([path])
    assert not found.errors
    (run,) = found.runs
    assert len(run.series("total_loss")) == 18
    assert any("2 corrupt lines skipped" in w and "line 8" in w for w in run.warnings), run.warnings


def test_a_file_of_mostly_broken_lines_is_still_an_error(tmp_path: Path) -> None:
    from losslog.readers.discover import discover

    path = tmp_path / "metrics.json"
    path.write_text('{"iteration": 1, "total_loss": 0.5}\n{"iteration": 2,\nnot json\n')
    found = discover([path])
    assert found.errors and not found.runs
