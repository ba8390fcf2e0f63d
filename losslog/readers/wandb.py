"""Weights & Biases exports: a chart's "Export > CSV" and ``run.history().to_csv()``.

- Chart export: ``"Step","<run> - <metric>","<run> - <metric>__MIN","<run> - <metric>__MAX",...``
  every cell quoted, one column per run and metric; ``__MIN``/``__MAX`` are the band of a
  sampled/grouped line, not points. The first column is the chart's x axis.
- ``run.history()``: a pandas frame written with its index (an unnamed first column), W&B's
  bookkeeping columns ``_step``, ``_runtime``, ``_timestamp`` and sparse rows (every ``log`` call
  is a row). The Hugging Face and Lightning integrations log their own step (``train/global_step``,
  ``trainer/global_step``) and epoch (``train/epoch``, ``epoch``): those are the axes when present,
  so the run lines up with its ``trainer_state.json`` / ``metrics.csv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from losslog.errors import InputError, ParseError
from losslog.model import Run
from losslog.readers.base import Probe, concat_frames, finish_run, numeric_cells
from losslog.readers.text import Table, read_table
from losslog.readers.wide_csv import find_column, frame_from_table, header_of, is_delimited_text

_HISTORY_MARKERS = ("_step", "_runtime", "_timestamp")
_BAND_SUFFIXES = ("__MIN", "__MAX")
_SEPARATOR = " - "
HISTORY_STEPS = ("train/global_step", "trainer/global_step", "global_step")
HISTORY_EPOCHS = ("train/epoch", "epoch", "trainer/epoch")


def _is_chart_export(header: list[str]) -> bool:
    return len(header) >= 2 and all(_SEPARATOR in h for h in header[1:])


def _first_cell_is_number(probe: Probe) -> bool:
    """A chart export's rows start with the x value; a Python log line ("2024-01-01 12:00:00,366 -
    main - INFO - ...") also splits at its comma into cells holding " - ", but starts with a date."""
    lines = [ln for ln in probe.text_head.splitlines()[1:3] if ln.strip()]
    if not lines:
        return True  # a header alone: let reading say so
    cell = lines[0].split(",")[0].strip().strip('"')
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _is_history(header: list[str]) -> bool:
    low = {h.lower() for h in header}
    return "_step" in low and bool(low & {"_runtime", "_timestamp"})


def _complete(table: Table, col: str) -> bool:
    """True when every row has a number in ``col`` (so it can be the x axis of every point)."""
    import pandas as pd

    i = table.header.index(col)
    _, present = numeric_cells(pd.Series([r[i] for r in table.rows], dtype=object))
    return bool(len(present)) and bool(np.all(present))


class WandbReader:
    """W&B chart CSV exports and ``run.history()`` CSVs."""

    name = "wandb"
    description = "Weights & Biases chart export CSV ('<run> - <metric>' columns) or run.history() CSV"
    patterns = ("wandb_export_*.csv", "*.csv")
    example = '"Step","run-a - val/loss","run-a - val/loss__MIN","run-a - val/loss__MAX"'
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        if not is_delimited_text(probe) and not probe.first_line.startswith(","):
            return 0
        header = header_of(probe)
        if _is_chart_export(header) and _first_cell_is_number(probe):
            return 85 if probe.name.startswith("wandb_export") else 75
        if _is_history(header):
            return 85
        return 0

    def read(self, path: Path) -> list[Run]:
        table = read_table(path)
        if _is_chart_export(table.header):
            return self._read_chart(path, table)
        return [self._read_history(path, table)]

    def _read_chart(self, path: Path, table: Table) -> list[Run]:
        x_col = table.header[0]
        is_epoch = x_col.strip().lower() in ("epoch", "train/epoch")
        by_run: dict[str, list[str]] = {}
        rename: dict[str, str] = {}
        for col in table.header[1:]:
            if col.endswith(_BAND_SUFFIXES):
                continue
            run, _, metric = col.rpartition(_SEPARATOR)
            by_run.setdefault(run, []).append(col)
            rename[col] = metric
        runs = []
        for run, cols in by_run.items():
            skip = tuple(c for c in table.header[1:] if c not in cols)
            frame = frame_from_table(
                table,
                path,
                step_col=x_col,
                skip=skip,
                rename=rename,
                epoch_col=x_col if is_epoch else None,
                require_metric=False,
            )
            meta: dict[str, object] = {"layout": "wandb chart export", "x_axis": x_col}
            runs.append(finish_run(frame, self.name, path, name=run, meta=meta, warnings=table.warnings))
        if not any(len(r.frame) for r in runs):
            if not table.rows:
                raise InputError("a header without data rows", path)
            raise ParseError("no numeric values in any '<run> - <metric>' column", path)
        return runs

    def _read_history(self, path: Path, table: Table) -> Run:
        header = table.header
        step_col = next((c for c in HISTORY_STEPS if c in header and _complete(table, c)), None)
        step_col = step_col or find_column(header, ("_step",))
        epoch_col = find_column(header, HISTORY_EPOCHS)
        wall_col = find_column(header, ("_timestamp",))
        index_cols = tuple(h for h in header[:1] if h in ("", "Unnamed: 0", "index"))
        skip = (*index_cols, "_runtime", "_step", *HISTORY_STEPS, *HISTORY_EPOCHS)
        frame = frame_from_table(table, path, step_col, epoch_col, wall_col, skip=skip)
        meta: dict[str, object] = {"layout": "wandb run.history()", "step_column": step_col, "columns": header}
        return finish_run(concat_frames([frame]), self.name, path, meta=meta, warnings=table.warnings)
