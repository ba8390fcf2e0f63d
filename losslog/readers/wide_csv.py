"""Generic wide CSV/TSV: an x column (step, epoch, iteration) plus one column per metric.

This is also the base of the format-specific CSV readers (Keras, fastai, Ultralytics ...): they
differ only in which column is the x axis, how epochs are counted, and how names are spelled.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from losslog.errors import InputError, ParseError
from losslog.model import Run
from losslog.readers.base import Probe, concat_frames, finish_run, numeric_cells, tidy_series
from losslog.readers.text import Table, detect_separator, looks_binary, read_table

if TYPE_CHECKING:
    import pandas as pd

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


def frame_from_table(
    table: Table,
    path: Path,
    step_col: str | None,
    epoch_col: str | None = None,
    wall_col: str | None = None,
    skip: tuple[str, ...] = (),
    split_for: dict[str, str] | None = None,
    rename: dict[str, str] | None = None,
    epoch_from_step: bool = False,
    require_metric: bool = True,
) -> pd.DataFrame:
    """Turn a parsed table into the tidy frame.

    Cells are parsed with ``numeric_cells`` so that empty/``NA`` cells are absences (sparse logs)
    while a written ``nan``/``inf`` stays a point. Rows without a usable x value give no points.
    """
    import pandas as pd

    columns = {h: [row[i] for row in table.rows] for i, h in enumerate(table.header)}

    def numeric(col: str) -> tuple[np.ndarray, np.ndarray]:
        return numeric_cells(pd.Series(columns[col], dtype=object))

    n = len(table.rows)
    if step_col:
        steps, step_ok = numeric(step_col)
    elif epoch_col:
        steps, step_ok = numeric(epoch_col)
    else:
        steps, step_ok = np.arange(n, dtype="float64"), np.ones(n, dtype=bool)
    epochs = numeric(epoch_col)[0] if epoch_col else None
    if epoch_from_step:
        epochs = steps.copy()
    walls = numeric(wall_col)[0] if wall_col else None
    step_ok = step_ok & np.isfinite(steps)
    frames = []
    meta_cols = {c for c in (step_col, epoch_col, wall_col) if c}
    for col in table.header:
        if col in meta_cols or col in skip or not col:
            continue
        values, present = numeric(col)
        mask = present & step_ok
        if not mask.any():
            continue
        tag = (rename or {}).get(col, col)
        frames.append(
            tidy_series(
                tag,
                steps[mask],
                values[mask],
                epochs[mask] if epochs is not None else None,
                walls[mask] if walls is not None else None,
                split=(split_for or {}).get(col),
            )
        )
    frame = concat_frames(frames)
    if require_metric and frame.empty:
        if not table.rows:
            raise InputError("a header without data rows", path)
        raise ParseError("no numeric metric column found", path)
    # Each tag's rows keep the file's order, which is all the replace-on-restart rule needs.
    return frame


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
        frame = frame_from_table(table, path, step_col, epoch_col, wall_col)
        meta: dict[str, object] = {"columns": table.header}
        if table.repeated_headers:
            meta["repeated_headers"] = table.repeated_headers
        return [finish_run(frame, self.name, path, meta=meta, warnings=table.warnings)]
