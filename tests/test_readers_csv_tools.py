"""Tool-specific CSV files: Ultralytics results.csv, fastai history.csv, W&B exports."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from losslog.readers import registry
from losslog.readers.base import make_probe
from losslog.readers.fastai import clock_seconds
from tests.readers_helpers import copy_fixture, fixture, naming_of, points, read_all, read_one


@pytest.mark.parametrize(
    ("rel", "name"),
    [
        ("ultralytics/results.csv", "ultralytics"),
        ("ultralytics/results_v8.0_padded.csv", "ultralytics"),
        ("fastai/history.csv", "fastai"),
        ("fastai/history_appended.csv", "fastai"),
        ("wandb/run_history.csv", "wandb"),
        ("wandb/wandb_export_2024-01-01T00_00_00.000+00_00.csv", "wandb"),
    ],
)
def test_detected(rel: str, name: str) -> None:
    reader = registry.best_reader(make_probe(fixture(rel)))
    assert reader is not None and reader.name == name


def test_ultralytics_current_headers() -> None:
    run = read_one(fixture("ultralytics/results.csv"))
    assert naming_of(run, "train/box_loss") == ("train", "box_loss")
    assert naming_of(run, "val/box_loss") == ("val", "box_loss")
    assert naming_of(run, "metrics/mAP50(B)") == ("val", "mAP50")
    assert naming_of(run, "metrics/mAP50-95(B)") == ("val", "mAP50-95")
    assert naming_of(run, "lr/pg0")[1] == "lr/pg0"
    assert points(run, "train/box_loss", "epoch") == [1, 2, 3]
    assert run.meta["epoch_base"] == 1


def test_ultralytics_short_row_without_validation_is_realigned() -> None:
    run = read_one(fixture("ultralytics/results.csv"))
    # epoch 2 skipped validation: no val points there, and its lr values stay lr values
    assert points(run, "metrics/mAP50(B)", "epoch") == [1, 3]
    assert points(run, "val/box_loss", "epoch") == [1, 3]
    assert points(run, "lr/pg0") == [0.070545, 0.040545, 0.010545]
    assert points(run, "train/cls_loss") == [3.3, 2.7, 2.1]
    assert run.meta["rows_without_validation"] == 1


def test_ultralytics_legacy_padded_headers_and_values() -> None:
    run = read_one(fixture("ultralytics/results_v8.0_padded.csv"))
    assert "train/box_loss" in run.tags and "metrics/mAP50(B)" in run.tags
    assert points(run, "train/box_loss") == [1.6878, 1.267, 1.1897]
    assert points(run, "metrics/mAP50-95(B)", "epoch") == [0, 1, 2]
    assert run.meta["epoch_base"] == 0


def test_fastai_metrics_are_validation_and_time_is_seconds() -> None:
    run = read_one(fixture("fastai/history.csv"))
    assert naming_of(run, "train_loss") == ("train", "loss")
    assert naming_of(run, "valid_loss") == ("val", "loss")
    assert naming_of(run, "accuracy") == ("val", "accuracy")
    assert naming_of(run, "error_rate") == ("val", "error_rate")
    assert points(run, "time") == [1.0, 0.0, 62.0]
    assert points(run, "valid_loss", "epoch") == [0, 1, 2]


def test_fastai_appended_file_later_epochs_win() -> None:
    run = read_one(fixture("fastai/history_appended.csv"))
    assert points(run, "valid_loss") == [0.48002421855926514, 0.46557915210723877]
    assert run.replaced_points == 8  # 4 tags x 2 epochs of the first session
    kept = read_one(fixture("fastai/history_appended.csv"), keep_all=True)
    assert len(points(kept, "valid_loss")) == 4 and kept.replaced_points == 0


def test_fastai_appended_session_with_other_columns(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text(
        "epoch,train_loss,valid_loss,time\n0,0.9,0.8,00:02\n1,0.8,0.7,00:02\n"
        "epoch,train_loss,valid_loss,accuracy,time\n0,0.7,0.6,0.75,00:01\n1,0.6,0.5,0.8,1:00:01\n"
    )
    run = read_one(path)  # the second session rewinds to epoch 0: a resume, the first one's points replaced
    assert points(run, "accuracy") == [0.75, 0.8]
    assert points(run, "time") == [1.0, 3601.0]
    assert run.replaced_points == 6
    assert run.meta["sessions"] == 2


@pytest.mark.parametrize(("text", "seconds"), [("00:01", 1), ("01:02", 62), ("1:00:00", 3600), ("n/a", math.nan)])
def test_fastai_clock(text: str, seconds: float) -> None:
    got = clock_seconds(text)
    assert got == seconds or (math.isnan(got) and math.isnan(seconds))


def test_wandb_history_uses_the_integration_step_and_epoch() -> None:
    run = read_one(fixture("wandb/run_history.csv"))
    assert naming_of(run, "train/loss") == ("train", "loss")
    assert naming_of(run, "eval/loss") == ("val", "loss")
    assert points(run, "eval/loss", "step") == [20, 40]
    assert points(run, "eval/loss", "epoch") == [1.0, 2.0]
    assert points(run, "train/loss", "wall_time")[0] == 1700000000
    assert not {"_step", "_runtime", "_timestamp", "train/global_step", "train/epoch"} & set(run.tags)


def test_wandb_history_without_integration_columns_uses_underscore_step(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text(",_step,_runtime,_timestamp,loss,val_loss\n0,0,1.0,1700000000,1.0,\n1,1,2.0,1700000001,,1.2\n")
    run = read_one(path)
    assert points(run, "loss", "step") == [0] and points(run, "val_loss", "step") == [1]


def test_wandb_chart_export_gives_a_run_per_column_group() -> None:
    found = read_all(fixture("wandb"))
    names = sorted(r.name for r in found.runs)
    assert names == [
        "run_history",
        "wandb_export_2024-01-01T00_00_00.000+00_00/run-a",
        "wandb_export_2024-01-01T00_00_00.000+00_00/run-b",
    ]
    run_b = next(r for r in found.runs if r.name.endswith("run-b"))
    assert run_b.tags == ["val/loss"]  # __MIN/__MAX bands are not points
    assert points(run_b, "val/loss", "step") == [0, 200]
    assert naming_of(run_b, "val/loss") == ("val", "loss")


def test_tool_csv_cut_off_last_line(tmp_path: Path) -> None:
    path = copy_fixture("ultralytics/results.csv", tmp_path)
    path.write_text(path.read_text() + "4,100.1,1.1,2.0")
    run = read_one(path)
    assert points(run, "train/box_loss", "epoch") == [1, 2, 3]
