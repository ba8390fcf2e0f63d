"""Generic wide CSV/TSV: an x column (step, epoch, iteration) plus one column per metric.

This is also the base of the format-specific CSV readers (Keras, fastai, Ultralytics ...): they
differ only in which column is the x axis, how epochs are counted, and how names are spelled.
"""

from __future__ import annotations

import re
from pathlib import Path

from losslog.model import Run
from losslog.readers.base import Probe, columns_from_table, finish_run
from losslog.readers.base import tidy_from_table as frame_from_table
from losslog.readers.text import detect_separator, looks_binary, read_table

#: the wide-table path, in one pass: ``columns_from_table`` gives the arrays (the Keras and generic
#: readers hand them to the run as they are), ``frame_from_table`` the same as a DataFrame
__all__ = ["WideCsvReader", "columns_from_table", "find_column", "frame_from_table", "header_of", "is_delimited_text"]

STEP_NAMES = ("step", "global_step", "steps", "iteration", "iter", "it", "_step", "trainer/global_step", "batch")
EPOCH_NAMES = ("epoch", "epochs", "ep")
WALL_NAMES = ("wall_time", "walltime", "wall time", "timestamp", "_timestamp", "created_at")
_CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".log", ".dat")


def find_column(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {h.lower().strip(): h for h in header}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def header_of(probe: Probe) -> list[str]:
    line = probe.first_line
    sep = detect_separator(line)
    return [h.strip().strip('"') for h in line.split(sep)]


def is_delimited_text(probe: Probe) -> bool:
    if probe.is_dir or looks_binary(probe.head):
        return False
    header = header_of(probe)
    return len(header) >= 2 and all(h for h in header[:2])


_NUMBER_RE = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


class WideCsvReader:
    """Any delimited table with a header and numeric metric columns."""

    name = "csv"
    description = "generic wide CSV/TSV: an epoch or step column plus a column per metric"
    patterns = ("*.csv", "*.tsv", "*.log", "*.txt")
    example = "step,train_loss,val_loss,val_accuracy"
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        if not is_delimited_text(probe):
            return 0
        lines = probe.text_head.replace("\r\n", "\n").split("\n")
        header = header_of(probe)
        if any(_NUMBER_RE.match(h) for h in header):
            return 0  # no header row
        if len(lines) > 1 and lines[1].strip():
            cells = lines[1].split(detect_separator(lines[0]))
            if not any(_NUMBER_RE.match(c) for c in cells):
                # A table, but no numbers in its first row: claim it only by its name, so that
                # reading says "no numeric metric column" instead of "unknown format".
                return 5 if probe.path.suffix.lower() in (".csv", ".tsv") else 0
        if probe.path.suffix.lower() in _CSV_SUFFIXES or probe.path.suffix == "":
            return 20
        return 10

    def read(self, path: Path) -> list[Run]:
        table = read_table(path)
        step_col = find_column(table.header, STEP_NAMES)
        epoch_col = find_column(table.header, EPOCH_NAMES)
        wall_col = find_column(table.header, WALL_NAMES)
        frame = columns_from_table(table, path, step_col, epoch_col, wall_col)
        meta: dict[str, object] = {"columns": table.header}
        if table.repeated_headers:
            meta["repeated_headers"] = table.repeated_headers
        return [finish_run(frame, self.name, path, meta=meta, warnings=table.warnings)]
