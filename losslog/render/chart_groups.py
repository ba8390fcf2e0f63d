"""Many runs in one side-by-side chart: which runs are drawn, and groups of runs as mean and band.

A side-by-side chart of 100 runs is 100 columns nobody can read. Up to ``MAX_CELLS`` runs are all
drawn (wrapped into rows by ``chart_plan``); past that the chart draws the best runs by the
monitored metric and, when the runs form groups (seeds of one configuration, ``--group-by``),
the best groups, each as a mean curve with a band from the lowest to the highest of its runs.
What was left out is said in the chart's title and returned for the command to print.

No matplotlib here: the band is a ``Band`` of the plan, drawn by ``chart_draw``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from losslog.analysis.smoothing import tb_smooth
from losslog.analysis.summary import Series
from losslog.render.chart_parts import Artist, Band, Line
from losslog.render.chart_series import ChartOptions, ChartRun, Panel, XAxis, drawing_weight, panel_series, series_x
from losslog.render.chart_style import PURPLE, SPLIT_COLOURS, SPLIT_LABELS
from losslog.sanitize import safe_text

#: At most this many cells (runs, then groups) in a side-by-side chart.
MAX_CELLS = 24
#: Past ``MAX_CELLS`` runs, with groups: at least this many cells go to the best runs, the rest
#: (up to ``MAX_CELLS - TOP_RUNS_WITH_GROUPS``) to the best groups. Groups count only when they hold
#: at least half of the runs (a continuous sweep where two values happen to coincide has none).
TOP_RUNS_WITH_GROUPS = 12
BAND_ALPHA = 0.22
BAND_WORDS = "mean, band min–max"


@dataclass(frozen=True)
class RunGroup:
    """Runs that repeat one configuration (seeds): drawn as one mean curve with a band."""

    label: str
    runs: tuple[str, ...]


@dataclass(frozen=True)
class GroupCell:
    """A group as drawn: its label and the member runs found among the chart's runs."""

    label: str
    members: tuple[ChartRun, ...]


@dataclass(frozen=True)
class Selection:
    """What a side-by-side chart draws of many runs, and what it leaves out."""

    runs: tuple[int, ...]  # indices into the runs given, in drawing order
    groups: tuple[GroupCell, ...]
    runs_left_out: tuple[str, ...]
    groups_left_out: int
    note: str


def _goal_key(cr: ChartRun) -> tuple[int, float]:
    best = cr.analysis.best
    if best is None or not math.isfinite(best.value):
        return (1, 0.0)
    return (0, best.value if best.goal != "max" else -best.value)


def rank_order(runs: Sequence[ChartRun]) -> list[int]:
    """Indices of ``runs``, best monitored value first (stable: equal runs keep their order)."""
    return sorted(range(len(runs)), key=lambda i: _goal_key(runs[i]))


def _group_key(g: GroupCell) -> tuple[int, float]:
    keys = [_goal_key(m) for m in g.members if _goal_key(m)[0] == 0]
    return (0, float(np.mean([k[1] for k in keys]))) if keys else (1, 0.0)


def select(runs: Sequence[ChartRun], groups: Sequence[RunGroup] = (), limit: int = MAX_CELLS) -> Selection:
    """All runs when they fit; else the best runs and, with groups of two or more runs holding at
    least half of the runs, the best groups (at most ``MAX_CELLS - TOP_RUNS_WITH_GROUPS``)."""
    if len(runs) <= limit:
        return Selection(tuple(range(len(runs))), (), (), 0, "")
    by_name = {cr.name: cr for cr in runs}
    cells = [
        GroupCell(safe_text(g.label), members)
        for g in groups
        if len(members := tuple(by_name[n] for n in g.runs if n in by_name)) >= 2
    ]
    if 2 * sum(len(g.members) for g in cells) < len(runs):
        cells = []  # a few coinciding values in a continuous sweep are not groups worth the space
    cells.sort(key=_group_key)
    n_runs = limit - min(len(cells), limit - min(TOP_RUNS_WITH_GROUPS, limit))
    drawn_groups = tuple(cells[: limit - n_runs])
    order = rank_order(runs)
    kept = tuple(order[:n_runs])
    left = tuple(safe_text(runs[i].name) for i in order[n_runs:])
    note = f"{len(left)} more run{'s' if len(left) != 1 else ''} not drawn (the best {n_runs} are)"
    if drawn_groups:
        note += f"; {len(drawn_groups)} group{'s' if len(drawn_groups) != 1 else ''} drawn as {BAND_WORDS}"
    if len(cells) > len(drawn_groups):
        note += f"; {len(cells) - len(drawn_groups)} more groups not drawn"
    note += "; see the table"
    return Selection(kept, drawn_groups, left, len(cells) - len(drawn_groups), note)


def group_curve(
    pick: Sequence[tuple[ChartRun, Series]], axis: XAxis, weight: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """x, mean, min and max of the members' curves (each smoothed as drawn, then put on one x grid).

    ``pick`` pairs each member with its series. The x grid is the longest member's; the others are
    interpolated onto it within their own range (outside it they do not count).
    """
    curves: list[tuple[np.ndarray, np.ndarray]] = []
    for cr, s in pick:
        x = series_x(cr, s, axis)
        y = np.asarray(s.values, dtype="float64")
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        if len(y) == 0:
            continue
        if weight > 0 and len(y) >= 3:
            y = tb_smooth(y, drawing_weight(weight, len(y)))
        order = np.argsort(x, kind="stable")
        curves.append((x[order], y[order]))
    if not curves:
        return None
    grid = max(curves, key=lambda c: len(c[0]))[0]
    stack = np.full((len(curves), len(grid)), np.nan)
    for i, (x, y) in enumerate(curves):
        if len(x) == 1:
            stack[i] = np.where(grid == x[0], y[0], np.nan)
        else:
            stack[i] = np.interp(grid, x, y, left=np.nan, right=np.nan)
    seen = np.isfinite(stack).any(axis=0)
    grid, stack = grid[seen], stack[:, seen]
    if not len(grid):
        return None
    return grid, np.nanmean(stack, axis=0), np.nanmin(stack, axis=0), np.nanmax(stack, axis=0)


def group_artists(cell: GroupCell, panel: Panel, axis: XAxis, opts: ChartOptions) -> tuple[Artist, ...]:
    """A group in one panel: per split, the members' mean curve over a min–max band."""
    by_split: dict[str, list[tuple[ChartRun, Series]]] = {}
    for cr in cell.members:
        for s in panel_series(cr, panel, opts.metrics):
            by_split.setdefault(s.name.split, []).append((cr, s))
    out: list[Artist] = []
    smooth = 0.0 if panel.key == "lr" else opts.smooth
    for split, pick in by_split.items():
        curve = group_curve(pick, axis, smooth)
        if curve is None:
            continue
        x, mean, lo, hi = curve
        colour = SPLIT_COLOURS.get(split, PURPLE)
        gid = safe_text(f"group:{cell.label}:{panel.key}:{split}")
        out.append(Band(x, lo, hi, colour, BAND_ALPHA, f"band:{gid}"))
        out.append(Line(
            x, mean, colour, f"mean:{gid}", label=SPLIT_LABELS.get(split, split), linewidth=1.8, points=len(x),
            smoothing=smooth,
        ))  # fmt: skip
    return tuple(out)
