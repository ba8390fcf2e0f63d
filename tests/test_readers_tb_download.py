"""TensorBoard's CSV/JSON chart downloads: names from the file name, files combined into runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from losslog.errors import ParseError
from losslog.readers import registry
from losslog.readers.base import make_probe
from losslog.readers.tb_download import TensorBoardJsonReader, run_and_tag
from tests.readers_helpers import fixture, naming_of, points, read_all, read_one


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("run-my_model_version_0-tag-train_loss_step.csv", ("my_model_version_0", "train_loss_step")),
        ("run-exp_b-tag-val_loss.json", ("exp_b", "val_loss")),
        ("run_.-tag-epoch_accuracy.csv", (".", "epoch_accuracy")),
        ("val_loss.csv", ("", "val_loss")),
    ],
)
def test_run_and_tag_from_file_name(name: str, expected: tuple[str, str]) -> None:
    assert run_and_tag(Path(name)) == expected


def test_single_csv_download() -> None:
    path = fixture("tb_download/run-exp_a-tag-val_loss.csv")
    reader = registry.best_reader(make_probe(path))
    assert reader is not None and reader.name == "tensorboard-csv"
    run = read_one(path)
    assert run.tags == ["val_loss"]
    assert naming_of(run, "val_loss") == ("val", "loss")
    assert points(run, "val_loss", "step") == [11, 23]
    assert points(run, "val_loss", "wall_time") == [1795671308.70, 1795671308.76]


def test_single_json_download() -> None:
    path = fixture("tb_download/run-exp_b-tag-val_loss.json")
    reader = registry.best_reader(make_probe(path))
    assert reader is not None and reader.name == "tensorboard-json"
    run = read_one(path)
    assert points(run, "val_loss") == [0.80, 0.78]


def test_folder_of_downloads_combines_files_into_runs() -> None:
    found = read_all(fixture("tb_download"))
    by_name = {r.name: r for r in found.runs}
    assert sorted(by_name) == ["tb_download/exp_a", "tb_download/exp_b"]
    exp_a = by_name["tb_download/exp_a"]
    assert sorted(exp_a.tags) == ["train_loss", "val_loss"]
    # the same chart saved as CSV and as JSON is read once
    assert points(exp_a, "val_loss") == [0.72, 0.69]
    assert exp_a.replaced_points == 0
    assert exp_a.meta["duplicate_downloads_skipped"] == 1


def test_json_download_with_null_values_and_nan(tmp_path: Path) -> None:
    path = tmp_path / "run-a-tag-loss.json"
    path.write_text("[[1.0, 1, 0.5], [2.0, 2, NaN], [3.0, null, 0.1]]")
    run = read_one(path)
    assert points(run, "loss", "step") == [1, 2]  # no step: no point
    assert str(points(run, "loss")[1]) == "nan"


def test_json_that_is_not_triples_is_a_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "run-a-tag-loss.json"
    path.write_text(json.dumps([[1, 2]]))
    with pytest.raises(ParseError, match="triples"):
        TensorBoardJsonReader().read(path)


def test_csv_download_cut_off_while_saving(tmp_path: Path) -> None:
    path = tmp_path / "run-a-tag-loss.csv"
    path.write_bytes(b"Wall time,Step,Value\r\n1.0,1,0.5\r\n2.0,2,0.4\r\n3.0,3")
    run = read_one(path)
    assert points(run, "loss", "step") == [1, 2]


def test_a_folder_with_sub_folders_is_walked_not_claimed(tmp_path: Path) -> None:
    shutil.copy(fixture("tb_download/run-exp_a-tag-val_loss.csv"), tmp_path)
    shutil.copytree(fixture("fastai"), tmp_path / "fastai")
    found = read_all(tmp_path)
    formats = sorted(r.format for r in found.runs)
    assert formats == ["fastai", "fastai", "tensorboard-csv"]
