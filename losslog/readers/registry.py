"""The list of readers and the choice among them.

Readers are listed here by import path so adding a format is one line, and so that a reader's
optional heavy imports happen only inside its ``read``.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path

from losslog.errors import UnknownFormatError, UsageError
from losslog.readers.base import Probe, Reader, make_probe

#: "module:Class" of every reader, most specific first (ties in confidence go to the earlier one).
READER_PATHS: tuple[str, ...] = (
    "losslog.readers.tensorboard:TensorBoardDirReader",
    "losslog.readers.tensorboard:TensorBoardFileReader",
    "losslog.readers.huggingface:HuggingFaceReader",
    "losslog.readers.lightning:LightningCsvReader",
    "losslog.readers.ultralytics:UltralyticsReader",
    "losslog.readers.fastai:FastaiReader",
    "losslog.readers.tb_download:TensorBoardDownloadFolderReader",
    "losslog.readers.tb_download:TensorBoardCsvReader",
    "losslog.readers.tb_download:TensorBoardJsonReader",
    "losslog.readers.jsonlines:MmengineWorkDirReader",
    "losslog.readers.jsonlines:Detectron2Reader",
    "losslog.readers.jsonlines:MmengineReader",
    "losslog.readers.jsonlines:MmcvReader",
    "losslog.readers.mlflow:MlflowReader",
    "losslog.readers.dvclive:DvcliveReader",
    "losslog.readers.wandb:WandbReader",
    "losslog.readers.long_csv:LongCsvReader",
    "losslog.readers.keras_csv:KerasCsvReader",
    "losslog.readers.plaintext:TextLogReader",
    "losslog.readers.wide_csv:WideCsvReader",
)


@lru_cache(maxsize=1)
def all_readers() -> tuple[Reader, ...]:
    readers: list[Reader] = []
    for spec in READER_PATHS:
        module_name, _, cls_name = spec.partition(":")
        module = importlib.import_module(module_name)
        readers.append(getattr(module, cls_name)())
    return tuple(readers)


def get(name: str) -> Reader:
    """The reader called ``name`` (for ``--format NAME``)."""
    for reader in all_readers():
        if reader.name == name:
            return reader
    known = ", ".join(r.name for r in all_readers())
    raise UsageError(f"unknown format {name!r}; supported formats: {known}")


def best_reader(probe: Probe) -> Reader | None:
    """The reader most confident that ``probe`` is its own, or None."""
    best: tuple[int, int, Reader] | None = None
    for order, reader in enumerate(all_readers()):
        if reader.reads_dirs != probe.is_dir:
            continue
        try:
            score = reader.sniff(probe)
        except (OSError, ValueError, UnicodeError):
            score = 0
        if score > 0 and (best is None or score > best[0]):
            best = (score, -order, reader)
    return best[2] if best else None


def supported_summary() -> str:
    return ", ".join(r.name for r in all_readers())


def reader_for_file(path: Path) -> Reader:
    """The reader for a file given by name; an error that lists the formats when none claims it."""
    probe = make_probe(path)
    reader = best_reader(probe)
    if reader is None:
        from losslog.readers.text import looks_binary

        what = (
            "binary data, not a log format losslog reads"
            if looks_binary(probe.head)
            else ("not a training log losslog can read")
        )
        raise UnknownFormatError(
            f"{what} (supported: {supported_summary()}; see `losslog formats`, or force one with --log-format)",
            path,
        )
    return reader
