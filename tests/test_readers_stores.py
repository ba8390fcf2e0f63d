"""Folder formats: MLflow's file store and DVCLive's output folder."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from losslog.errors import ParseError
from losslog.readers import registry
from losslog.readers.base import make_probe
from losslog.readers.mlflow import MlflowReader
from tests.readers_helpers import copy_fixture, fixture, naming_of, points, read_all, read_one

RUN = "mlflow/mlruns/1/0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("rel", ["mlflow/mlruns", "mlflow/mlruns/1", RUN])
def test_mlflow_claims_store_experiment_and_run_folders(rel: str) -> None:
    reader = registry.best_reader(make_probe(fixture(rel)))
    assert reader is not None and reader.name == "mlflow"


def test_mlflow_store_runs_named_by_experiment_and_run_name() -> None:
    found = read_all(fixture("mlflow"))
    assert [r.name for r in found.runs] == ["mlruns/demo/tiny"]  # the deleted run is skipped
    run = found.runs[0]
    assert run.meta["params"] == {"lr": "0.01"}
    assert run.meta["tags"]["mlflow.user"] == "root"


def test_mlflow_metric_files_and_nested_keys() -> None:
    run = read_one(fixture(RUN))
    assert naming_of(run, "train_loss") == ("train", "loss")
    assert naming_of(run, "val/acc") == ("val", "accuracy")
    assert points(run, "val/acc", "step") == [0, 1, 2]
    assert points(run, "train_loss", "wall_time") == [1700000001.0, 1700000002.0, 1700000003.0]
    assert math.isnan(points(run, "val_loss")[-1])


def test_mlflow_old_lines_without_step_and_a_cut_off_line(tmp_path: Path) -> None:
    run_dir = copy_fixture(RUN, tmp_path)
    (run_dir / "metrics" / "old").write_text("1700000001000 0.5\n1700000002000 0.4\n17000000")
    run = MlflowReader().read(run_dir)[0]
    assert points(run, "old", "step") == [0, 1]
    assert any("incomplete last line" in w for w in run.warnings)


def test_mlflow_last_line_that_parses_is_read_whatever_the_clock(tmp_path: Path) -> None:
    """Batch reading never asks the clock: a complete last line without its line end is a point."""
    run_dir = copy_fixture(RUN, tmp_path)
    (run_dir / "metrics" / "live").write_text("1700000001000 0.5 0\n1700000002000 0.4 1")
    run = MlflowReader().read(run_dir)[0]
    assert points(run, "live", "step") == [0, 1]


def test_mlflow_garbage_line_names_file_and_line(tmp_path: Path) -> None:
    run_dir = copy_fixture(RUN, tmp_path)
    (run_dir / "metrics" / "bad").write_text("1700000001000 0.5 0\nnot a metric line\n1700000003000 0.4 2\n")
    with pytest.raises(ParseError, match="line 2") as info:
        MlflowReader().read(run_dir)
    assert "bad" in str(info.value)


def test_mlflow_run_name_falls_back_to_meta_yaml(tmp_path: Path) -> None:
    run_dir = copy_fixture(RUN, tmp_path)
    (run_dir / "tags" / "mlflow.runName").unlink()
    from losslog.readers.mlflow import run_name

    assert run_name(run_dir) == "tiny"


def test_dvclive_folder() -> None:
    found = read_all(fixture("dvclive"))
    assert [r.name for r in found.runs] == ["dvclive"]
    run = found.runs[0]
    assert run.format == "dvclive"
    assert naming_of(run, "train/loss") == ("train", "loss")
    assert naming_of(run, "eval/loss") == ("val", "loss")
    assert naming_of(run, "eval/acc") == ("val", "accuracy")
    assert points(run, "eval/loss") == [0.72, 0.67, 0.62]
    assert points(run, "eval/loss", "wall_time")[0] == 1700000000.0
    assert run.meta["summary"]["eval"]["loss"] == 0.62
    assert run.meta["params"] == {"lr": 0.001, "epochs": 3}


def test_dvclive_broken_metric_file_is_a_warning_not_the_end(tmp_path: Path) -> None:
    folder = copy_fixture("dvclive/dvclive", tmp_path)
    (folder / "plots" / "metrics" / "train" / "acc.tsv").write_bytes(b"")
    run = read_one(folder)
    assert "train/loss" in run.tags
    assert any("acc.tsv" in w for w in run.warnings)


@pytest.mark.parametrize(("rel", "fmt"), [("mlflow", "mlflow"), ("dvclive", "dvclive")])
def test_forced_folder_format_on_the_project_folder(rel: str, fmt: str) -> None:
    found = read_all(fixture(rel), fmt=fmt)
    assert len(found.runs) == 1 and found.runs[0].format == fmt
