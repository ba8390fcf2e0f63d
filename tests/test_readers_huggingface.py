"""Hugging Face trainer_state.json: train and eval entries, float epochs, summary, checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from losslog.analysis.run_analysis import analyze
from losslog.errors import ParseError
from losslog.readers.discover import discover
from losslog.readers.huggingface import HuggingFaceReader
from tests.readers_helpers import best_epoch, copy_fixture, fixture, naming_of, points, read_all, read_one


def test_train_and_eval_entries() -> None:
    run = read_one(fixture("hf/out/trainer_state.json"))
    assert run.format == "huggingface"
    assert naming_of(run, "loss") == ("train", "loss")
    assert naming_of(run, "eval_loss") == ("val", "loss")
    assert naming_of(run, "eval_accuracy") == ("val", "accuracy")
    assert naming_of(run, "learning_rate")[1] == "lr"
    assert points(run, "eval_loss") == [0.61, 0.39, 0.35, 0.41]
    assert points(run, "eval_loss", "step") == [10, 20, 30, 40]
    assert points(run, "eval_loss", "epoch") == [1.0, 2.0, 3.0, 4.0]
    assert points(run, "loss", "epoch")[:2] == [0.5, 1.0]


def test_summary_entry_is_meta_not_a_point() -> None:
    run = read_one(fixture("hf/out/trainer_state.json"))
    assert "train_loss" not in run.tags and "train_runtime" not in run.tags
    assert run.meta["summary"]["train_loss"] == 0.49
    assert run.meta["best_metric"] == 0.35
    assert run.meta["best_model_checkpoint"] == "out/checkpoint-30"
    assert run.meta["config"]["hidden_size"] == 16


def test_best_epoch_as_the_log_counts_it() -> None:
    run = read_one(fixture("hf/out/trainer_state.json"))
    assert best_epoch(run, "eval_loss") == 3.0
    assert best_epoch(run, "eval_accuracy", "max") == 3.0
    analysis = analyze(run)
    assert analysis.best is not None and analysis.best.epoch == 3.0


def test_checkpoint_copies_are_not_counted_twice() -> None:
    found = read_all(fixture("hf"))
    assert [r.name for r in found.runs] == ["out"]
    assert any(p.name == "checkpoint-30" for p in found.ignored)


def test_a_checkpoint_given_by_name_is_read() -> None:
    run = read_one(fixture("hf/out/checkpoint-30/trainer_state.json"))
    assert points(run, "eval_loss") == [0.61, 0.39, 0.35]
    assert "summary" not in run.meta


def test_log_history_missing_is_a_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps({"global_step": 3}))
    with pytest.raises(ParseError, match="log_history"):
        HuggingFaceReader().read(path)


def test_truncated_state_names_the_line(tmp_path: Path) -> None:
    src = copy_fixture("hf/out/trainer_state.json", tmp_path)
    text = src.read_text()
    src.write_text(text[: len(text) // 2])
    found = discover([src])
    assert not found.runs
    assert "invalid JSON" in str(found.errors[0]) and "line" in str(found.errors[0])


def test_non_numeric_and_odd_entries_are_skipped_with_warnings(tmp_path: Path) -> None:
    path = tmp_path / "trainer_state.json"
    history = [
        {"epoch": 0.5, "loss": 0.7, "step": 5, "note": "text"},
        "garbage",
        {"epoch": 1.0, "loss": float("nan"), "step": 10},
        {"epoch": 1.0, "eval_loss": 0.6},
    ]
    path.write_text(json.dumps({"log_history": history}))
    run = read_one(path)
    assert points(run, "loss", "step") == [5, 10]
    assert str(points(run, "loss")[1]) == "nan"  # NaN kept: divergence evidence
    assert len(run.warnings) == 2


def test_evaluation_after_training_is_not_a_point(tmp_path: Path) -> None:
    src = fixture("hf/out/trainer_state.json")
    state = json.loads(src.read_text())
    # load_best_model_at_end + trainer.evaluate(): the best model's loss, logged at the last step
    state["log_history"].append({"epoch": 4.0, "eval_loss": 0.35, "eval_accuracy": 0.97, "step": 40})
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps(state))
    run = read_one(path)
    assert points(run, "eval_loss") == [0.61, 0.39, 0.35, 0.41]
    assert run.meta["after_training"][0]["eval_loss"] == 0.35
    assert best_epoch(run, "eval_loss") == 3.0
