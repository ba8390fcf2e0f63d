"""Folder walking: run names, skipped files, Hugging Face checkpoint copies."""

from __future__ import annotations

import json
from pathlib import Path

from losslog.readers.discover import discover
from tests.conftest import curve_rows, keras_csv_text


def trainer_state(steps: int) -> str:
    history = []
    for s in range(1, steps + 1):
        history.append({"epoch": float(s), "loss": 1.0 / s, "learning_rate": 1e-3, "step": s * 10})
        history.append({"epoch": float(s), "eval_loss": 1.1 / s, "step": s * 10})
    return json.dumps({"log_history": history, "global_step": steps * 10})


def test_runs_named_by_relative_path_and_non_logs_ignored(tmp_path: Path) -> None:
    for name in ("a", "b/deep"):
        p = tmp_path / name / "training.log"
        p.parent.mkdir(parents=True)
        p.write_text(keras_csv_text(curve_rows(5)))
    (tmp_path / "a" / "notes.md").write_text("# notes about the run\n")
    (tmp_path / "a" / "model.bin").write_bytes(bytes(range(256)))
    found = discover([tmp_path])
    assert sorted(r.name for r in found.runs) == ["a", "b/deep"]
    assert not found.errors
    assert {p.name for p in found.ignored} >= {"notes.md", "model.bin"}


def test_hf_checkpoint_copies_are_not_counted_twice(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for n in (10, 20):
        ck = out / f"checkpoint-{n}"
        ck.mkdir(parents=True)
        (ck / "trainer_state.json").write_text(trainer_state(n // 10))
    (out / "trainer_state.json").write_text(trainer_state(2))
    found = discover([tmp_path])
    assert [r.name for r in found.runs] == ["out"]


def test_hf_only_checkpoints_newest_stands_for_the_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for n in (10, 20, 30):
        ck = out / f"checkpoint-{n}"
        ck.mkdir(parents=True)
        (ck / "trainer_state.json").write_text(trainer_state(n // 10))
    found = discover([tmp_path])
    assert [r.name for r in found.runs] == ["out/checkpoint-30"]
    assert len(found.runs[0].series("eval_loss")) == 3


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "README.txt").write_text("nothing here\n")
    found = discover([tmp_path])
    assert not found.runs
    assert "no training logs found" in found.errors[0].message


def test_same_names_from_different_folders_are_told_apart(tmp_path: Path) -> None:
    paths = []
    for model in ("resnet", "vit"):
        p = tmp_path / model / "version_0" / "training.log"
        p.parent.mkdir(parents=True)
        p.write_text(keras_csv_text(curve_rows(4)))
        paths.append(p)
    found = discover(paths)
    assert [r.name for r in found.runs] == ["resnet/version_0", "vit/version_0"]
