"""The list of readers and the choice among them.

Readers are listed here by import path so adding a format is one line, and so that a reader's
optional heavy imports happen only inside its ``read``.
"""

from __future__ import annotations

import importlib
import re
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
    "losslog.readers.jsonlines:HistoryJsonReader",
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


_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?%?\s*$")


def why_declined(probe: Probe) -> str:
    """Why no reader claimed a file, in the words of the readers that came closest.

    Only the cheap evidence sniffing had (the head), so it can be said for every skipped file.
    """
    from losslog.readers.plaintext import NOT_LOGS
    from losslog.readers.text import detect_separator, looks_binary

    if probe.is_dir:
        return "a folder with no run files a reader claims"
    if not probe.head:
        return "empty file"
    if looks_binary(probe.head):
        return "binary data, not a log format losslog reads"
    text = probe.text_head.lstrip()
    if not text.strip():
        return "empty file (only white space)"
    if text.startswith(("{", "[")):
        return (
            "looks like JSON, but not a layout losslog knows (a trainer_state.json log_history, "
            "JSON lines keyed by iteration, step or epoch)"
        )
    lines = [ln for ln in text.replace("\r\n", "\n").split("\n") if ln.strip()]
    sep = detect_separator(lines[0]) if lines else ","
    header = [h.strip().strip('"') for h in lines[0].split(sep)] if lines else []
    # Cells of a real header are names; a log line split at its commas gives sentences.
    names = all(len(h) <= 60 and " - " not in h for h in header)
    if names and (len(header) >= 3 or (len(header) == 2 and sep in ",\t;")):
        if any(_NUMBER.match(h) for h in header):
            return "looks like a table, but its first line is data, not a header naming the metrics"
        rows = [ln.split(sep) for ln in lines[1:6]]
        if not rows:
            return "looks like a table, but has a header and no data rows"
        if not any(_NUMBER.match(c) for row in rows for c in row):
            return "looks like CSV, but no numeric metric column"
    suffix = probe.path.suffix.lower()
    if suffix in NOT_LOGS:
        return f"a {suffix} file (code, docs or data), never read as a plain-text log"
    return (
        "plain text, but no line looks like a training log the text reader knows "
        "(e.g. 'Epoch 1/10, loss: 0.52, val_loss: 0.61' or 'step 100: train loss 2.10, val loss 2.31')"
    )


def reader_for_file(path: Path) -> Reader:
    """The reader for a file given by name; an error that says why none claimed it."""
    probe = make_probe(path)
    reader = best_reader(probe)
    if reader is None:
        why = why_declined(probe)
        if not why.startswith(("binary", "empty")):
            why = f"not a training log losslog can read: {why}"
        raise UnknownFormatError(
            f"{why} (supported: {supported_summary()}; see `losslog formats`, or force one with --log-format)",
            path,
        )
    return reader
