"""A run's points as the analysis reads them: rows per tag, and the split each tag was logged with.

The analysis needs, per tag, its rows (in write order) and the four number columns; a run read
from a table holds these as arrays already (``PointColumns``), and building a pandas DataFrame
only to group it again by tag cost more than the whole rest of the analysis of a small run. So
the view is made from the arrays when the run still has them, from the frame otherwise, with the
same answer either way (tests/test_engine.py compares the two on every fixture).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from losslog.columns import PointColumns
    from losslog.model import Run


@dataclass(frozen=True)
class RunPoints:
    #: tags in first-written order
    tags: list[str]
    #: the split of each tag's first row, and of its last row
    first_split: dict[str, str]
    last_split: dict[str, str]
    #: each tag's row positions, ascending
    rows: dict[str, np.ndarray]
    step: np.ndarray
    epoch: np.ndarray
    value: np.ndarray
    wall_time: np.ndarray


def run_points(run: Run) -> RunPoints:
    """The view of ``run`` (from its arrays when it has not been turned into a frame yet)."""
    cols = run.pending_columns
    return _from_columns(cols) if cols is not None else _from_frame(run)


def _from_frame(run: Run) -> RunPoints:
    frame = run.frame
    first_rows = frame.drop_duplicates("tag")
    last_rows = frame.drop_duplicates("tag", keep="last")
    rows = {str(t): np.asarray(idx) for t, idx in frame.groupby("tag", sort=False).indices.items()}
    return RunPoints(
        tags=run.tags,
        first_split=dict(zip(first_rows["tag"].astype(str), first_rows["split"].astype(str))),
        last_split=dict(zip(last_rows["tag"].astype(str), last_rows["split"].astype(str))),
        rows=rows,
        step=frame["step"].to_numpy(dtype="float64"),
        epoch=frame["epoch"].to_numpy(dtype="float64"),
        value=frame["value"].to_numpy(dtype="float64"),
        wall_time=frame["wall_time"].to_numpy(dtype="float64"),
    )


def _from_columns(cols: PointColumns) -> RunPoints:
    code = cols.code
    n_codes = len(cols.series)
    present, first_row = np.unique(code, return_index=True)
    _, last_rev = np.unique(code[::-1], return_index=True)
    last_row = len(code) - 1 - last_rev
    order = np.argsort(code, kind="stable")
    bounds = np.searchsorted(code[order], np.arange(n_codes + 1))
    first: dict[str, tuple[int, str]] = {}
    last: dict[str, tuple[int, str]] = {}
    codes_of: dict[str, list[int]] = {}
    for k, f, la in zip(present.tolist(), first_row.tolist(), last_row.tolist()):
        s = cols.series[k]
        codes_of.setdefault(s.tag, []).append(k)
        if s.tag not in first or f < first[s.tag][0]:
            first[s.tag] = (f, s.split)
        if s.tag not in last or la > last[s.tag][0]:
            last[s.tag] = (la, s.split)
    tags = sorted(first, key=lambda t: first[t][0])
    rows = {}
    for tag in tags:
        ks = codes_of[tag]
        parts = [order[bounds[k] : bounds[k + 1]] for k in ks]
        rows[tag] = parts[0] if len(parts) == 1 else np.sort(np.concatenate(parts))
    return RunPoints(
        tags=tags,
        first_split={t: first[t][1] for t in tags},
        last_split={t: last[t][1] for t in tags},
        rows=rows,
        step=cols.step,
        epoch=cols.epoch,
        value=cols.value,
        wall_time=cols.wall_time,
    )
