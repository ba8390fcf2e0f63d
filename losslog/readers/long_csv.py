"""Long ("tidy") CSV: one row per point, ``step,metric,value`` plus optional run/split/epoch/time.

This is what ``tbparse`` and most home-made exporters write (``dir_name,step,tag,value``), and
what people get from ``df.melt``. One file can hold many runs: a ``run`` column splits it.
When a ``split`` column says where a value comes from, the tag becomes ``<split>/<metric>`` so
that train and validation series of the same name stay separate series.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from losslog import naming
from losslog.errors import InputError, ParseError
from losslog.model import Run
from losslog.readers._points import NAN, PointCollector
from losslog.readers.base import Probe, finish_run
from losslog.readers.text import read_table
from losslog.readers.wide_csv import find_column, header_of, is_delimited_text

NAME_COLUMNS = ("metric", "tag", "name", "key", "metric_name", "series")
VALUE_COLUMNS = ("value", "metric_value", "val", "y")
STEP_COLUMNS = ("step", "global_step", "iteration", "iter", "x", "batch", "_step")
EPOCH_COLUMNS = ("epoch", "epochs")
RUN_COLUMNS = ("run", "run_name", "run_id", "dir_name", "experiment", "model", "trial")
SPLIT_COLUMNS = ("split", "phase", "mode", "subset", "stage", "set")
WALL_COLUMNS = ("wall_time", "walltime", "wall time", "timestamp")


class LongCsvReader:
    """One point per row; a metric-name column and a value column."""

    name = "long-csv"
    description = "long/tidy CSV: step, metric (or tag), value, optionally run, split, epoch, wall_time"
    patterns = ("*.csv", "*.tsv")
    example = "run,split,step,metric,value"
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        if not is_delimited_text(probe):
            return 0
        header = header_of(probe)
        has_name = find_column(header, NAME_COLUMNS) is not None
        has_value = find_column(header, VALUE_COLUMNS) is not None
        has_x = find_column(header, STEP_COLUMNS + EPOCH_COLUMNS) is not None
        if has_name and has_value and has_x:
            return 80
        if has_name and has_value:
            return 60
        return 0

    def read(self, path: Path) -> list[Run]:

        table = read_table(path)
        header = table.header
        name_col = find_column(header, NAME_COLUMNS)
        value_col = find_column(header, VALUE_COLUMNS)
        if name_col is None or value_col is None:
            raise ParseError("a long CSV needs a metric (or tag) column and a value column", path, line=1)
        step_col = find_column(header, STEP_COLUMNS)
        epoch_col = find_column(header, EPOCH_COLUMNS)
        run_col = find_column(header, RUN_COLUMNS)
        split_col = find_column(header, SPLIT_COLUMNS)
        wall_col = find_column(header, WALL_COLUMNS)
        index = {h: i for i, h in enumerate(header)}

        def column(col: str | None) -> list[str]:
            return [row[index[col]] for row in table.rows] if col else [""] * len(table.rows)

        def numbers(col: str | None) -> tuple[np.ndarray, np.ndarray]:
            if col is None:
                n = len(table.rows)
                return np.full(n, np.nan), np.zeros(n, dtype=bool)
            return table.numbers(col)  # cells that are no number are counted in the warnings

        values, present = numbers(value_col)
        steps, step_ok = numbers(step_col)
        epochs, epoch_ok = numbers(epoch_col)
        walls, _ = numbers(wall_col)
        names = [c.strip() for c in column(name_col)]
        runs = [c.strip() for c in column(run_col)]
        splits = [c.strip() for c in column(split_col)]
        collectors: dict[str, PointCollector] = {}
        counters: dict[tuple[str, str], int] = {}
        warnings = list(table.warnings)
        unknown_splits: set[str] = set()
        no_x = 0
        for i in range(len(table.rows)):
            if not present[i] or not names[i]:
                continue
            split_word = splits[i]
            split = naming.normalize_split(split_word) if split_word else None
            if split_word and split is None:
                unknown_splits.add(split_word)
            tag = f"{split_word}/{names[i]}" if split_word else names[i]
            if step_col is not None and step_ok[i]:
                x = steps[i]
            elif epoch_col is not None and epoch_ok[i]:
                x = epochs[i]
            elif step_col is None and epoch_col is None:
                key = (runs[i], tag)  # no x column at all: the row order within each series
                x = float(counters.get(key, 0))
                counters[key] = counters.get(key, 0) + 1
            else:
                no_x += 1
                continue
            collector = collectors.setdefault(runs[i], PointCollector())
            collector.add(
                tag,
                float(x),
                float(values[i]),
                float(epochs[i]) if epoch_ok[i] else NAN,
                float(walls[i]),
                name=naming.parse(names[i], split=split) if split_word else None,
            )
        if no_x:
            warnings.append(f"{path}: {no_x} row(s) without a step or epoch skipped")
        if unknown_splits:
            warnings.append(f"{path}: split values not understood (kept in the tag): {sorted(unknown_splits)}")
        if not collectors:
            if not table.rows:
                raise InputError("a header without data rows", path)
            raise ParseError(f"no numeric values in column {value_col!r}", path)
        meta: dict[str, object] = {"columns": header, "layout": "long"}
        return [
            finish_run(c.frame(), self.name, path, name=run if run_col else "", meta=meta, warnings=warnings)
            for run, c in collectors.items()
        ]
