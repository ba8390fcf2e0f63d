"""Lightning CSVLogger: sparse rows, _step/_epoch columns, LR-monitor rows, version_N runs."""

from __future__ import annotations

import math
from pathlib import Path

from losslog.analysis.run_analysis import analyze
from losslog.readers import registry
from losslog.readers.base import make_probe
from tests.readers_helpers import best_epoch, copy_fixture, fixture, naming_of, points, read_all, read_one


def test_version_folders_are_runs_named_by_relative_path() -> None:
    found = read_all(fixture("lightning"))
    assert sorted(r.name for r in found.runs) == ["my_model/version_0", "my_model/version_1"]
    assert all(r.format == "lightning" for r in found.runs)
    # hparams.yaml is read into the run, not reported as an unknown log
    assert all(p.name == "hparams.yaml" for p in found.ignored)


def test_sparse_rows_give_each_value_its_own_point() -> None:
    run = read_one(fixture("lightning/my_model/version_0/metrics.csv"))
    assert points(run, "val_loss") == [0.70, 0.64, 0.61, 0.63, 0.66]
    assert points(run, "val_loss", "step") == [11, 23, 35, 47, 59]
    assert points(run, "val_loss", "epoch") == [0, 1, 2, 3, 4]
    assert len(points(run, "train_loss_step")) == 10
    assert points(run, "train_loss_epoch", "step") == [11, 23, 35, 47, 59]


def test_step_and_epoch_suffixes_stay_two_tags_with_one_metric() -> None:
    run = read_one(fixture("lightning/my_model/version_0/metrics.csv"))
    assert naming_of(run, "train_loss_step") == ("train", "loss")
    assert naming_of(run, "train_loss_epoch") == ("train", "loss")
    assert naming_of(run, "val_acc") == ("val", "accuracy")


def test_lr_monitor_rows_without_epoch_are_points() -> None:
    run = read_one(fixture("lightning/my_model/version_0/metrics.csv"))
    assert points(run, "lr-SGD") == [0.01, 0.005, 0.0025, 0.00125, 0.000625]
    assert all(math.isnan(e) for e in points(run, "lr-SGD", "epoch"))
    assert naming_of(run, "lr-SGD")[1] == "lr-SGD"


def test_hparams_go_into_meta() -> None:
    run = read_one(fixture("lightning/my_model/version_1/metrics.csv"))
    assert run.meta["hparams"] == {"hidden": 32, "lr": 0.005, "optimizer": "sgd"}
    assert run.meta["epoch_base"] == 0


def test_hparams_that_are_not_plain_yaml_become_a_warning(tmp_path: Path) -> None:
    folder = copy_fixture("lightning/my_model/version_0", tmp_path)
    (folder / "hparams.yaml").write_text("lr: 0.1\nmodel: !!python/object:foo.Bar {}\n")
    run = read_one(folder / "metrics.csv")
    assert run.meta["hparams"]["lr"] == 0.1
    assert any("hparams.yaml" in w for w in run.warnings)


def test_best_epoch_as_lightning_counts_it() -> None:
    run = read_one(fixture("lightning/my_model/version_0/metrics.csv"))
    assert best_epoch(run, "val_loss") == 2
    analysis = analyze(run)
    assert analysis.best is not None
    assert analysis.best.tag == "val_loss"
    assert analysis.best.epoch == 2
    other = read_one(fixture("lightning/my_model/version_1/metrics.csv"))
    assert best_epoch(other, "val_loss") == 4


def test_sniff_prefers_lightning_over_keras_for_sorted_headers() -> None:
    reader = registry.best_reader(make_probe(fixture("lightning/my_model/version_0/metrics.csv")))
    assert reader is not None and reader.name == "lightning"


def test_a_metrics_csv_being_written_loses_only_its_cut_off_line(tmp_path: Path) -> None:
    text = fixture("lightning/my_model/version_0/metrics.csv").read_bytes()
    cut = tmp_path / "metrics.csv"
    cut.write_bytes(text[: text.rindex(b"\r\n", 0, len(text) - 2) + 2] + b"4,,59,0.6")
    run = read_one(cut)
    assert points(run, "val_loss")[-1] == 0.66  # the last complete row
    assert len(points(run, "train_acc")) == 4  # the cut-off row gave nothing


def test_a_long_table_called_metrics_csv_is_not_lightning(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text("step,epoch,metric,value\n1,0,loss,0.5\n")
    reader = registry.best_reader(make_probe(path))
    assert reader is not None and reader.name == "long-csv"
