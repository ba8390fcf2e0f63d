"""Discovery over the tools' folders, ``--format`` overrides, and what ``losslog formats`` shows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from losslog.errors import UnknownFormatError
from losslog.readers import registry
from losslog.readers.discover import discover
from tests.readers_helpers import DATA, fixture, points, read_one

MY_READERS = (
    "lightning",
    "huggingface",
    "ultralytics",
    "fastai",
    "tensorboard-csv",
    "tensorboard-json",
    "tensorboard-download",
    "long-csv",
    "detectron2",
    "mmengine",
    "mmengine-dir",
    "mmcv",
    "mlflow",
    "dvclive",
    "wandb",
    "text",
)


@pytest.mark.parametrize("name", MY_READERS)
def test_every_reader_describes_itself_for_losslog_formats(name: str) -> None:
    reader = registry.get(name)
    assert reader.name == name
    assert reader.description and "\n" not in reader.description
    assert reader.patterns and all(isinstance(p, str) and p for p in reader.patterns)
    assert reader.example and "\n" not in reader.example
    assert isinstance(reader.reads_dirs, bool)


def test_reader_names_are_unique() -> None:
    names = [r.name for r in registry.all_readers()]
    assert len(names) == len(set(names))


def test_whole_fixture_tree_reads_without_errors() -> None:
    found = discover([DATA])
    assert not found.errors, [str(e) for e in found.errors]
    formats = {r.format for r in found.runs}
    assert formats >= set(MY_READERS) - {"tensorboard-csv", "tensorboard-json", "mmengine-dir"}
    names = [r.name for r in found.runs]
    assert len(names) == len(set(names))
    # every run with a loss has it under split train or val
    for run in found.runs:
        assert set(run.frame["split"]) <= {"train", "val", "test", ""}, run.name
    ignored = {p.name for p in found.ignored}
    assert {"hparams.yaml", "checkpoint-30", "last_checkpoint", "make_fixtures.py"} <= ignored


def test_format_override_on_a_file(tmp_path: Path) -> None:
    # a Lightning-looking file read as a generic CSV on request
    path = tmp_path / "metrics.csv"
    shutil.copy(fixture("lightning/my_model/version_0/metrics.csv"), path)
    assert read_one(path).format == "lightning"
    assert read_one(path, fmt="csv").format == "csv"


def test_format_override_reads_a_renamed_text_log(tmp_path: Path) -> None:
    path = tmp_path / "stdout"
    path.write_text("junk line\n" * 3 + "step 0: train loss 5.0, val loss 5.1\n")
    run = read_one(path, fmt="text")
    assert points(run, "val loss") == [5.1]


def test_a_file_no_reader_claims_lists_the_supported_formats(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# nothing to see\n")
    found = discover([path])
    assert not found.runs
    assert isinstance(found.errors[0], UnknownFormatError)
    message = str(found.errors[0])
    for name in ("lightning", "huggingface", "mlflow", "text"):
        assert name in message


def test_not_logs_in_a_folder_are_ignored_quietly(tmp_path: Path) -> None:
    shutil.copytree(fixture("fastai"), tmp_path / "fastai")
    (tmp_path / "README.md").write_text("# my experiments\n")
    (tmp_path / "model.pt").write_bytes(b"\x80\x02binary weights\x00\x00")
    found = discover([tmp_path])
    assert not found.errors
    assert {r.name for r in found.runs} == {"fastai", "fastai/history_appended"}
    assert {p.name for p in found.ignored} == {"README.md", "model.pt"}
