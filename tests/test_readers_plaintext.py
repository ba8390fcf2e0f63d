"""Plain-text training output: nanoGPT, llm.c, modded-nanogpt, Keras, HF console, mmengine."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losslog.errors import InputError, ParseError
from losslog.readers import registry
from losslog.readers.base import make_probe
from losslog.readers.plaintext import TextLogReader, parse_text
from tests.readers_helpers import fixture, naming_of, points, read_one


@pytest.mark.parametrize(
    "rel",
    [
        "text/nanogpt_train.log",
        "text/llmc_main.log",
        "text/modded_nanogpt.log",
        "text/keras_fit_verbose1.txt",
        "text/keras_fit_verbose2.txt",
        "text/hf_console_v5.txt",
        "text/hf_console_v4_tqdm.txt",
        "text/mmengine_runner.log",
        "text/mmengine_iter.log",
    ],
)
def test_detected_as_text(rel: str) -> None:
    reader = registry.best_reader(make_probe(fixture(rel)))
    assert reader is not None and reader.name == "text"


def test_nanogpt_eval_and_iteration_lines() -> None:
    run = read_one(fixture("text/nanogpt_train.log"))
    assert naming_of(run, "train loss") == ("train", "loss")
    assert naming_of(run, "val loss") == ("val", "loss")
    assert naming_of(run, "loss") == ("train", "loss")
    assert points(run, "val loss", "step") == [0, 30, 60]
    assert points(run, "val loss") == [5.3, 5.01, 4.8]
    assert points(run, "loss", "step") == [0, 10, 20, 30, 40, 50]
    assert points(run, "mfu")[0] == -100.0


def test_llmc_short_keys() -> None:
    run = read_one(fixture("text/llmc_main.log"))
    assert naming_of(run, "trl") == ("train", "loss")
    assert naming_of(run, "tel") == ("val", "loss")
    assert naming_of(run, "eval") == ("val", "hellaswag_accuracy")
    assert points(run, "tel", "step") == [0, 4]
    assert points(run, "norm") == [1.25]


def test_modded_nanogpt_units_and_nan() -> None:
    run = read_one(fixture("text/modded_nanogpt.log"))
    assert naming_of(run, "val_loss") == ("val", "loss")
    assert points(run, "val_loss", "step") == [0, 125, 250]
    assert points(run, "train_time_ms") == [0, 24, 7662, 15325]
    assert math.isnan(points(run, "step_avg_ms")[1])


def test_keras_verbose2_epochs_from_one() -> None:
    run = read_one(fixture("text/keras_fit_verbose2.txt"))
    assert naming_of(run, "val_loss") == ("val", "loss")
    assert points(run, "val_loss", "epoch") == [1, 2, 3]
    assert points(run, "loss") == [1.1393, 1.1342, 1.1293]
    assert run.meta["epoch_base"] == 1


def test_keras_progress_bar_last_update_of_an_epoch_wins() -> None:
    run = read_one(fixture("text/keras_fit_verbose1.txt"))
    assert points(run, "loss") == [1.1393, 1.1342]
    assert points(run, "val_loss") == [1.2514, 1.2459]


@pytest.mark.parametrize("rel", ["text/hf_console_v5.txt", "text/hf_console_v4_tqdm.txt"])
def test_hf_console_dicts(rel: str) -> None:
    run = read_one(fixture(rel))
    assert naming_of(run, "eval_loss") == ("val", "loss")
    assert naming_of(run, "loss") == ("train", "loss")
    assert points(run, "eval_loss", "epoch") == [1.0, 2.0]
    assert points(run, "eval_loss", "step") == [1.0, 2.0]  # no step in the console: the epoch


def test_hf_console_summary_is_meta() -> None:
    run = read_one(fixture("text/hf_console_v5.txt"))
    assert "train_loss" not in run.tags
    assert run.meta["summary"]["train_runtime"] == "3.075"


def test_mmengine_runner_log() -> None:
    run = read_one(fixture("text/mmengine_runner.log"))
    assert naming_of(run, "loss") == ("train", "loss")
    assert naming_of(run, "val/accuracy/top1") == ("val", "accuracy/top1")
    assert points(run, "loss", "step") == [5, 10, 17, 22]
    assert points(run, "val/accuracy/top1", "step") == [12, 24]  # end of each 12-iteration epoch
    assert points(run, "val/accuracy/top1", "epoch") == [1, 2]
    assert "eta" not in run.tags


def test_mmengine_iteration_runner_log() -> None:
    run = read_one(fixture("text/mmengine_iter.log"))
    assert points(run, "loss", "step") == [10, 20]
    assert points(run, "val/mIoU", "step") == [20]
    assert naming_of(run, "val/aAcc") == ("val", "aAcc")


def test_mmcv_text_lines_with_commas() -> None:
    st_ = parse_text(
        "2022-01-01 12:00:00,000 - mmdet - INFO - Epoch [1][50/625]\tlr: 2.000e-02, eta: 1 day, 2:00:00, "
        "time: 0.412, data_time: 0.052, memory: 3846, loss_cls: 0.5000, loss: 1.0000\n"
        "2022-01-01 12:10:00,000 - mmdet - INFO - Epoch(val) [1][625]\tbbox_mAP: 0.2500, bbox_mAP_50: 0.4000\n"
    )
    frame = st_.points.frame()
    assert set(frame["tag"]) >= {"loss", "loss_cls", "val/bbox_mAP"}
    assert frame[frame["tag"] == "loss"]["step"].tolist() == [50]


def test_unrecognized_text_is_not_claimed_and_is_an_error_when_forced(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Shopping list\n- eggs: 12\n")
    assert TextLogReader().sniff(make_probe(path)) == 0
    with pytest.raises(ParseError, match="no training-log lines"):
        TextLogReader().read(path)


def test_source_code_quoting_log_lines_is_not_a_log(tmp_path: Path) -> None:
    path = tmp_path / "fixtures.py"
    path.write_text('LINE = "step 100: train loss 2.10, val loss 2.31"\nstep 1: train loss 1.0, val loss 1.0\n')
    assert TextLogReader().sniff(make_probe(path)) == 0


def test_latin1_log_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes("r\xe9sum\xe9 run\nstep 0: train loss 5.0, val loss 5.1\n".encode("latin-1"))
    run = read_one(path)
    assert points(run, "val loss") == [5.1]
    assert any("Latin-1" in w for w in run.warnings)


def test_utf16_log(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes("step 0: train loss 5.0, val loss 5.1\r\n".encode("utf-16"))
    assert points(read_one(path), "train loss") == [5.0]


def test_last_line_without_line_end_is_read_whatever_the_clock(tmp_path: Path) -> None:
    """Batch reading never asks the clock (the live-file rule belongs to a future ``watch``)."""
    import os
    import time

    path = tmp_path / "train.log"
    path.write_text("iter 0: loss 5.1500, time 12.30ms, mfu -100.00%\niter 10: loss 5.0")
    fresh = points(read_one(path), "loss")
    old = time.time() - 3600
    os.utime(path, (old, old))
    assert fresh == points(read_one(path), "loss") == [5.15, 5.0]


def test_empty_and_binary_files(tmp_path: Path) -> None:
    empty = tmp_path / "train.log"
    empty.write_bytes(b"   \n")
    with pytest.raises(InputError, match="empty"):
        TextLogReader().read(empty)
    binary = tmp_path / "model.log"
    binary.write_bytes(b"\x00\x01\x02step 0: train loss 1, val loss 2\n" * 10)
    assert TextLogReader().sniff(make_probe(binary)) == 0
    with pytest.raises(InputError, match="binary"):
        TextLogReader().read(binary)


_num = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: round(x, 4))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    evals=st.lists(st.tuples(st.integers(0, 10**6), _num, _num), min_size=1, max_size=20),
    noise=st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30), max_size=5),
)
def test_nanogpt_lines_round_trip(evals: list[tuple[int, float, float]], noise: list[str]) -> None:
    lines = [f"step {s}: train loss {t:.4f}, val loss {v:.4f}" for s, t, v in evals]
    text = "\n".join(noise + lines + noise) + "\n"
    frame = parse_text(text).points.frame()
    val = frame[frame["tag"] == "val loss"]
    assert val["step"].tolist()[-len(evals) :] == [float(s) for s, _, _ in evals]
    assert val["value"].tolist()[-len(evals) :] == pytest.approx([round(v, 4) for _, _, v in evals])


@settings(max_examples=60)
@given(text=st.text(max_size=400))
def test_any_text_parses_without_crashing(text: str) -> None:
    st_ = parse_text(text)
    frame = st_.points.frame()
    assert list(frame.columns) == ["metric", "split", "step", "epoch", "value", "wall_time", "tag"]


def test_hf_console_evaluation_after_training_is_meta(tmp_path: Path) -> None:
    path = tmp_path / "console.txt"
    path.write_text(
        fixture("text/hf_console_v5.txt").read_text()
        + "{'eval_loss': '0.3877', 'eval_accuracy': '0.9688', 'epoch': '2'}\n"
    )
    run = read_one(path)
    assert points(run, "eval_loss") == [0.6053, 0.3877]
    assert run.replaced_points == 0
    assert run.meta["after_training"][0]["eval_loss"] == "0.3877"


def test_keras_progress_bar_with_colour_codes(tmp_path: Path) -> None:
    path = tmp_path / "fit.log"
    bar = "\x1b[32m" + "\u2501" * 20 + "\x1b[0m"
    path.write_text(
        "Epoch 1/1\n"
        f"\r\x1b[1m1/6\x1b[0m {bar} \x1b[1m0s\x1b[0m 5ms/step - loss: 1.5000\x1b[2K"
        f"\r\x1b[1m6/6\x1b[0m {bar} \x1b[1m0s\x1b[0m 5ms/step - loss: 1.1342 - val_loss: 1.2459\n"
    )
    run = read_one(path)
    assert points(run, "loss") == [1.1342]
    assert points(run, "val_loss") == [1.2459]


def test_pytorch_tutorial_lines(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_text(
        "Epoch [1/2], Step [100/600], Loss: 0.2212\nEpoch [1/2], Step [200/600], Loss: 0.1500\n"
        "Epoch [2/2], Step [100/600], Loss: 0.0900, Accuracy: 97.5\n"
    )
    run = read_one(path)
    assert naming_of(run, "Loss") == ("train", "loss")  # case folded: "Loss" is the same metric as "loss"
    assert points(run, "Loss", "step") == [100, 200, 700]
    assert points(run, "Loss", "epoch") == [1, 1, 2]
    assert points(run, "Accuracy") == [97.5]


# --- custom scripts: Python logging lines, key: value pairs, percentages -------------------------


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_python_logging_lines_with_percentages(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "train.log",
        "2024-01-01 12:00:00 INFO Starting training on cuda\n"
        "2024-01-01 12:00:05 INFO Epoch 1/35, Train Loss: 1.6279, Test Acc: 59.86%\n"
        "2024-01-01 12:00:10 INFO Epoch 2/35, Train Loss: 1.2001, Test Acc: 63.10%\n"
        "2024-01-01 12:00:15 INFO Epoch 3/35, Train Loss: 0.9876, Test Acc: 65.00%\n",
    )
    assert registry.best_reader(make_probe(path)).name == "text"  # type: ignore[union-attr]
    run = read_one(path)
    assert naming_of(run, "Train Loss") == ("train", "loss")
    assert naming_of(run, "Test Acc") == ("test", "accuracy")
    assert points(run, "Test Acc") == pytest.approx([0.5986, 0.631, 0.65])
    assert points(run, "Train Loss", "epoch") == [1.0, 2.0, 3.0]
    assert run.meta["percent_tags"] == ["Test Acc"]
    assert run.meta["epoch_base"] == 1
    assert any("percentages" in w and "Test Acc" in w for w in run.warnings)


def test_pipe_separated_pairs_with_equals_and_spaces(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "out.txt",
        "epoch 1 | train_loss=0.71 | val_loss 0.80 | val_acc 70.5%\n"
        "epoch 2 | train_loss=0.51 | val_loss 0.62 | val_acc 81.2%\n",
    )
    run = read_one(path)
    assert run.format == "text"
    assert naming_of(run, "val_loss") == ("val", "loss")
    assert points(run, "val_loss") == [0.8, 0.62]
    assert points(run, "val_acc") == pytest.approx([0.705, 0.812])
    assert points(run, "train_loss", "step") == [1.0, 2.0]


def test_two_space_separated_pairs_and_a_spaced_percent(tmp_path: Path) -> None:
    path = _write(tmp_path, "log.txt", "Epoch: 1  Loss: 0.5  Accuracy: 85.0 %\nEpoch: 2  Loss: 0.3  Accuracy: 91.2 %\n")
    run = read_one(path)
    assert points(run, "Loss") == [0.5, 0.3]
    assert points(run, "Accuracy") == pytest.approx([0.85, 0.912])


def test_step_and_iter_lines_and_validation_prefixes(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "run.log",
        "INFO:root:[Epoch 1] step 100 loss=0.41 lr=1e-4\n"
        "INFO:root:[Epoch 1] step 200 loss=0.35 lr=1e-4\n"
        "iter 200 validation_loss: 0.52, valid accuracy: 0.8\n",
    )
    run = read_one(path)
    assert points(run, "loss", "step") == [100.0, 200.0]
    assert points(run, "loss", "epoch") == [1.0, 1.0]
    assert naming_of(run, "validation_loss") == ("val", "loss")
    assert naming_of(run, "valid accuracy") == ("val", "accuracy")
    assert points(run, "validation_loss", "step") == [200.0]


def test_a_single_stray_line_is_not_a_log(tmp_path: Path) -> None:
    path = _write(tmp_path, "notes.txt", "We tried step 3: lr=0.1 and it was fine.\nNothing else here.\n")
    assert registry.best_reader(make_probe(path)) is None


@given(
    values=st.lists(st.floats(0.001, 99.0, allow_nan=False).map(lambda v: round(v, 4)), min_size=2, max_size=8),
    sep=st.sampled_from([", ", " | ", "  ", " - "]),
    kv=st.sampled_from([": ", "=", " "]),
)
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_key_value_lines_round_trip(values: list[float], sep: str, kv: str) -> None:
    text = "".join(
        f"Epoch {i + 1}/{len(values)}{sep}val_loss{kv}{v}{sep}train_loss{kv}{v + 1}\n" for i, v in enumerate(values)
    )
    st_ = parse_text(text)
    frame = st_.points.frame()
    got = frame[frame["tag"] == "val_loss"]["value"].tolist()
    assert got == pytest.approx(values)
    assert frame[frame["tag"] == "val_loss"]["epoch"].tolist() == [float(i + 1) for i in range(len(values))]


# --- mmengine runner logs whose config dump is longer than the sniffed head ----------------------


def _mmengine_long_config(tmp_path: Path, config_lines: int) -> Path:
    head = (
        "2024/01/02 03:04:05 - mmengine - INFO - \n"
        "------------------------------------------------------------\n"
        "System environment:\n    sys.platform: linux\n"
        "------------------------------------------------------------\n\n"
        "2024/01/02 03:04:05 - mmengine - INFO - Config:\n"
    )
    config = "".join(
        f"model_setting_{i} = dict(type='Layer', channels={i}, norm_cfg=dict(type='BN'))\n" for i in range(config_lines)
    )
    body = (
        "2024/01/02 03:04:06 - mmengine - INFO - Epoch(train) [1][ 5/10]  lr: 5.0000e-02  time: 0.0016  loss: 0.7000\n"
        "2024/01/02 03:04:06 - mmengine - INFO - Epoch(train) [1][10/10]  lr: 5.0000e-02  time: 0.0011  loss: 0.6500\n"
        "2024/01/02 03:04:06 - mmengine - INFO - Epoch(val) [1][2/2]    accuracy/top1: 68.7500  time: 0.0006\n"
    )
    path = tmp_path / "20240102_030405.log"
    path.write_text(head + config + body)
    return path


def test_mmengine_log_with_config_dump_past_the_head(tmp_path: Path) -> None:
    from losslog.readers.base import HEAD_BYTES

    path = _mmengine_long_config(tmp_path, 1500)
    assert path.stat().st_size > HEAD_BYTES  # the first metric line is past what sniffing sees at once
    reader = registry.best_reader(make_probe(path))
    assert reader is not None and reader.name == "text"
    run = read_one(path)
    assert points(run, "loss") == [0.7, 0.65]
    assert naming_of(run, "val/accuracy/top1")[0] == "val"


def test_far_scan_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MM_SCAN_BYTES the scan gives up: sniffing a huge non-log stays cheap."""
    from losslog.readers import plaintext

    path = _mmengine_long_config(tmp_path, 1500)
    monkeypatch.setattr(plaintext, "MM_SCAN_BYTES", 1024 * 1024 // 4)  # one chunk only
    big = path.read_text()
    split = big.index("2024/01/02 03:04:06")
    path.write_text(big[:split] + "# filler\n" * 200_000 + big[split:])
    assert registry.best_reader(make_probe(path)) is None


def test_counter_within_the_epoch_becomes_a_global_step(tmp_path: Path) -> None:
    """``ep: 0, batch: 20`` restarts the batch count every epoch: steps must keep rising."""
    path = _write(
        tmp_path,
        "train.log",
        "ep: 0, batch: 20, time: 9.17, loss: 10.98\n"
        "ep: 0, batch: 40, time: 8.38, loss: 10.50\n"
        "ep: 1, batch: 20, time: 8.35, loss: 9.75\n"
        "ep: 1, batch: 40, time: 8.40, loss: 9.10\n",
    )
    run = read_one(path, keep_all=True)
    assert points(run, "loss", "step") == [20.0, 40.0, 60.0, 80.0]
    assert points(run, "loss", "epoch") == [0.0, 0.0, 1.0, 1.0]
    assert run.replaced_points == 0


def test_python_logging_timestamps_with_comma_milliseconds_are_text(tmp_path: Path) -> None:
    """``2026-02-13 15:03:06,467 - pkg.mod - INFO - ...`` splits at its comma into two cells that
    hold " - ": a W&B chart export looks like that too, but its rows start with a number."""
    path = _write(
        tmp_path,
        "training.log",
        "2026-02-13 15:01:52,084 - __main__ - INFO - Starting training\n"
        "2026-02-13 15:03:06,467 - pkg.mod - INFO - Epoch 20/200: train_loss=0.4954, val_loss=0.4380, val_acc=0.8400\n"
        "2026-02-13 15:03:08,544 - pkg.mod - INFO - Epoch 40/200: train_loss=0.4540, val_loss=0.4080, val_acc=0.8671\n"
        "2026-02-13 15:03:14,280 - pkg.models - INFO - Early stopping at epoch 90\n",
    )
    reader = registry.best_reader(make_probe(path))
    assert reader is not None and reader.name == "text"
    run = read_one(path)
    assert points(run, "val_acc") == [0.84, 0.8671]
    assert points(run, "val_loss", "epoch") == [20.0, 40.0]


def test_why_declined_does_not_call_a_log_a_table(tmp_path: Path) -> None:
    path = _write(tmp_path, "run.log", "2026-02-13 15:01:52,084 - __main__ - INFO - Starting training\n" * 3)
    assert registry.best_reader(make_probe(path)) is None
    assert "plain text" in registry.why_declined(make_probe(path))
