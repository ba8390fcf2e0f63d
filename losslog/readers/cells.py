"""Text cells as numbers, with every cell that is no number counted instead of lost.

A CSV cell that is not a number (``abc``, ``0.2e``, ``0x10``, ``0.5`` followed by a byte that was
not UTF-8) is not a point; dropping it without a word would let a broken log pass a gate, so the
readers count such cells per run and say so in the run's warnings (``CountedWarning``), which every
output format shows, and ``Run.dropped_values`` carries the count into the report's JSON.

Parsing is a plain Python loop over the cells: a few hundred nanoseconds a cell, the same for a
100,000-column table as for a 100,000-row one (pandas' per-call overhead made wide tables cost
milliseconds a column), and ``float()`` reads an integer of any length (``inf`` past 1e308)
where ``int()`` stops at 4300 digits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from losslog.model import CountedWarning
from losslog.sanitize import safe_text

#: Cells that say "no value here": absences, not dropped values.
MISSING_CELLS = frozenset({"", "na", "n/a", "null", "none", "-", "nat", "<na>"})

#: How much of a dropped cell a warning quotes.
_QUOTE_CHARS = 40


def quote(cell: str) -> str:
    """A dropped cell as a warning shows it: cut short, quoted with Python's escapes."""
    text = cell if len(cell) <= _QUOTE_CHARS else cell[:_QUOTE_CHARS] + "..."
    return repr(text)


def number_or_none(cell: object) -> float | None:
    """One cell as a float; None for an absent cell; raises ValueError for text that is no number."""
    if cell is None:
        return None
    if isinstance(cell, float):
        return None if math.isnan(cell) else cell
    s = cell.strip() if isinstance(cell, str) else str(cell).strip()
    if not s:
        return None
    if "_" not in s:  # float() accepts "1_000"; no log writes it and pandas never read it
        try:
            return float(s)
        except ValueError:
            pass
    if s.lower() in MISSING_CELLS:
        return None
    raise ValueError(s)


def parse_numbers(cells: Sequence[object]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """(values, present, bad): bad lists the positions of cells that are text but no number.

    Empty/``NA`` cells are absent (no point, not counted); ``nan``/``inf`` are present non-finite
    values (divergence evidence, kept).
    """
    values: list[float] = []
    present: list[bool] = []
    bad: list[int] = []
    nan = math.nan
    for i, cell in enumerate(cells):
        if type(cell) is str and "_" not in cell:  # the common case, inlined: one float() call
            try:
                values.append(float(cell))
                present.append(True)
                continue
            except ValueError:
                pass
        try:
            x = number_or_none(cell)
        except ValueError:
            bad.append(i)
            x = None
        values.append(nan if x is None else x)
        present.append(x is not None)
    return np.array(values, dtype="float64"), np.array(present, dtype=bool), bad


class DropCounter:
    """Dropped cells of one source, summed into one warning: ``3 values not numbers dropped
    (first: line 4, column val_loss: 'abc')``."""

    def __init__(self, source: object) -> None:
        self.source = str(source)
        self.count = 0
        self.first: str | None = None

    def add(self, count: int, line: object, column: str, cell: str) -> None:
        if count <= 0:
            return
        if self.first is None:
            self.first = f"line {line}, column {safe_text(column)}: {quote(cell)}"
        self.count += count

    def warning(self) -> CountedWarning | None:
        if not self.count:
            return None
        what = "value not a number" if self.count == 1 else "values not numbers"
        return CountedWarning(f"{self.source}: {self.count} {what} dropped (first: {self.first})", self.count)
