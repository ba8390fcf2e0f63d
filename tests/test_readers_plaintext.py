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
