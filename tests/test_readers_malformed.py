"""Bad input to every file reader: empty, binary, wrong encoding, truncated anywhere, NaN.

Whatever the bytes, a reader either returns runs or raises a ``LossLogError`` with a one-line
message: never another exception (which a user would see as a traceback).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losslog.errors import InputError, LossLogError
from losslog.model import Run
from losslog.readers import registry
from losslog.readers.base import Reader, make_probe
from tests.readers_helpers import fixture

#: (reader name, a fixture in its format, file name to use)
CASES = [
    ("lightning", "lightning/my_model/version_0/metrics.csv", "metrics.csv"),
    ("huggingface", "hf/out/trainer_state.json", "trainer_state.json"),
    ("ultralytics", "ultralytics/results.csv", "results.csv"),
    ("ultralytics", "ultralytics/results_v8.0_padded.csv", "results.csv"),
    ("fastai", "fastai/history_appended.csv", "history.csv"),
    ("tensorboard-csv", "tb_download/run-exp_a-tag-val_loss.csv", "run-a-tag-loss.csv"),
    ("tensorboard-json", "tb_download/run-exp_b-tag-val_loss.json", "run-a-tag-loss.json"),
    ("long-csv", "long_csv/tbparse.csv", "tidy.csv"),
    ("detectron2", "detectron2/metrics.json", "metrics.json"),
    ("mmengine", "mmengine/work_dir/20240102_030405/vis_data/scalars.json", "scalars.json"),
    ("mmcv", "mmcv/20220101_120000.log.json", "x.log.json"),
    ("wandb", "wandb/run_history.csv", "history.csv"),
    ("wandb", "wandb/wandb_export_2024-01-01T00_00_00.000+00_00.csv", "wandb_export.csv"),
    ("text", "text/nanogpt_train.log", "train.log"),
    ("text", "text/keras_fit_verbose1.txt", "fit.txt"),
    ("text", "text/mmengine_runner.log", "run.log"),
]
IDS = [f"{name}:{Path(rel).name}" for name, rel, _ in CASES]
#: one written value per fixture and how the tool would write a NaN in its place
NAN_EDITS = {
    "lightning/my_model/version_0/metrics.csv": (",0.61\r\n", ",nan\r\n"),
    "hf/out/trainer_state.json": ('"eval_loss": 0.35', '"eval_loss": NaN'),
    "ultralytics/results.csv": (",2.1,", ",nan,"),
    "ultralytics/results_v8.0_padded.csv": ("1.1897", "   nan"),
    "fastai/history_appended.csv": ("0.46557915210723877", "nan"),
    "tb_download/run-exp_a-tag-val_loss.csv": (",0.69\r\n", ",nan\r\n"),
    "tb_download/run-exp_b-tag-val_loss.json": ("0.78]", "NaN]"),
    "long_csv/tbparse.csv": (",0.8\n", ",nan\n"),
    "detectron2/metrics.json": ('"total_loss": 0.85', '"total_loss": NaN'),
    "mmengine/work_dir/20240102_030405/vis_data/scalars.json": ('"loss": 0.46', '"loss": NaN'),
    "mmcv/20220101_120000.log.json": ('"loss": 0.9,', '"loss": NaN,'),
    "wandb/run_history.csv": (",0.55,", ",nan,"),
    "wandb/wandb_export_2024-01-01T00_00_00.000+00_00.csv": ('"0.9","0.9","0.9"', '"NaN","NaN","NaN"'),
    "text/nanogpt_train.log": ("val loss 4.8000", "val loss nan"),
    "text/keras_fit_verbose1.txt": ("val_loss: 1.2459", "val_loss: nan"),
    "text/mmengine_runner.log": ("loss: 0.4600", "loss: nan"),
}


def _reader(name: str) -> Reader:
    return registry.get(name)


def _read(reader: Reader, path: Path) -> list[Run] | LossLogError:
    try:
        return reader.read(path)
    except LossLogError as exc:
        assert "\n" not in exc.message, exc.message  # one line
        return exc


@pytest.mark.parametrize(("name", "rel", "fname"), CASES, ids=IDS)
def test_fixture_is_detected_as_its_format(name: str, rel: str, fname: str) -> None:
    reader = registry.best_reader(make_probe(fixture(rel)))
    assert reader is not None and reader.name == name


@pytest.mark.parametrize(("name", "rel", "fname"), CASES, ids=IDS)
def test_empty_file(tmp_path: Path, name: str, rel: str, fname: str) -> None:
    path = tmp_path / fname
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        _reader(name).read(path)


@pytest.mark.parametrize(("name", "rel", "fname"), CASES, ids=IDS)
def test_binary_garbage(tmp_path: Path, name: str, rel: str, fname: str) -> None:
    path = tmp_path / fname
    path.write_bytes(bytes(range(256)) * 8)
    assert _reader(name).sniff(make_probe(path)) == 0
    with pytest.raises(InputError, match="binary"):
        _reader(name).read(path)


@pytest.mark.parametrize(("name", "rel", "fname"), CASES, ids=IDS)
def test_wrong_encoding_is_read_with_a_warning(tmp_path: Path, name: str, rel: str, fname: str) -> None:
    data = fixture(rel).read_bytes()
    path = tmp_path / fname
    # a Latin-1 byte (an accented letter) that is invalid UTF-8, on a line of its own at the end
    path.write_bytes(data + b"\n\xe9\n")
    result = _read(_reader(name), path)
    if isinstance(result, list):
        assert any("Latin-1" in w for run in result for w in run.warnings)


@pytest.mark.parametrize(("name", "rel", "fname"), CASES, ids=IDS)
def test_nan_and_inf_values_are_kept(tmp_path: Path, name: str, rel: str, fname: str) -> None:
    data = fixture(rel).read_bytes()
    old, new = NAN_EDITS[rel]
    assert old.encode() in data
    path = tmp_path / fname
    path.write_bytes(data.replace(old.encode(), new.encode(), 1))
    runs = _reader(name).read(path)
    assert any(math.isnan(v) for run in runs for v in run.frame["value"].tolist())


@pytest.mark.parametrize(("name", "rel", "fname"), CASES, ids=IDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fraction=st.floats(0.0, 1.0))
def test_truncated_anywhere_never_crashes(tmp_path: Path, name: str, rel: str, fname: str, fraction: float) -> None:
    """A file still being written can stop at any byte."""
    data = fixture(rel).read_bytes()
    path = tmp_path / fname
    path.write_bytes(data[: int(len(data) * fraction)])
    result = _read(_reader(name), path)
    if isinstance(result, list):
        for run in result:
            assert list(run.frame.columns) == ["metric", "split", "step", "epoch", "value", "wall_time", "tag"]


@pytest.mark.parametrize("name", ["mlflow", "dvclive", "tensorboard-download", "mmengine-dir"])
def test_folder_readers_on_an_empty_folder(tmp_path: Path, name: str) -> None:
    reader = _reader(name)
    assert reader.sniff(make_probe(tmp_path)) == 0
    result = _read(reader, tmp_path)
    assert isinstance(result, InputError) or result == []
