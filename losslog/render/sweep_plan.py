"""The sweep chart's plan: what distinguishes the good runs from the bad, decided without matplotlib.

Three parts, read top to bottom:

- **best metric against each varying hyperparameter**: one scatter panel per hyperparameter, a
  point per run (coloured by verdict). A numeric hyperparameter whose positive values span two
  decades or more (``max/min >= 100``, learning rates, weight decays) gets a log x axis; text,
  booleans and mixed values are categories, evenly spaced in sorted order, points jittered a
  little so repeated runs do not hide each other. A black diamond marks the mean of the runs at
  each value (with at most ``MAX_MEANS`` distinct values), joined by a line.
- **parallel coordinates**: one vertical axis per varying hyperparameter, then the metric; a line
  per run, coloured by the metric, the best runs drawn last (on top). Categorical axes place their
  categories evenly; a log axis is used by the same rule as above; a run without the
  hyperparameter breaks its line at that axis.
- **the top runs' monitored curves overlaid** (at most ``TOP_CURVES``), labelled with their rank
  and best value.

Seed-like hyperparameters (the sweep's ``seed_columns``) are left out of the first two when
anything else varies: a seed against the metric is noise by construction. The input is a sweep
table by its contract (``losslog.sweep``): ``frame`` with ``run``, ``best``, ``verdict``, ``rank``
and ``hp.<name>`` columns, ``varying``, ``monitor``, ``goal``. Every name passes ``safe_text``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from losslog.render.chart_parts import Line, series_lines
from losslog.render.chart_series import ChartOptions, ChartRun, XAxis, choose_x, plan_panels, series_x, short_names
from losslog.render.chart_style import BAD_COLOUR, BLUE, ORANGE, run_style
from losslog.render.chart_text import label_text, metric_text
from losslog.render.words import num
from losslog.sanitize import safe_text

HP = "hp."
#: at most this many scatter panels (and parallel axes before the metric)
MAX_HPARAMS = 8
#: a mean per value is marked when a hyperparameter has at most this many distinct values
MAX_MEANS = 30
#: at most this many curves in the top-runs overlay
TOP_CURVES = 7
#: at most this many category labels on a parallel axis
MAX_CATEGORY_LABELS = 12
#: ``max/min`` of positive values from which an axis is logarithmic
LOG_RATIO = 100.0
MISSING = "–"
MEANS_LABEL = "mean of the runs at a value"


@dataclass(frozen=True, eq=False)
class HpAxis:
    """One hyperparameter as an axis: numeric (maybe log) or categories in order."""

    column: str
    name: str
    #: position of each run on the axis: the value (numeric) or the category's index; NaN = missing
    values: np.ndarray
    categories: tuple[str, ...] | None
    log: bool


@dataclass(frozen=True, eq=False)
class Scatter:
    axis: HpAxis
    best: np.ndarray  # per run (NaN: not ranked, not drawn)
    colours: tuple[str, ...]
    jitter: np.ndarray
    #: the mean best value at each distinct position (empty when too many values)
    mean_x: np.ndarray
    mean_y: np.ndarray


@dataclass(frozen=True, eq=False)
class Parallel:
    axes: tuple[HpAxis, ...]
    #: runs x (axes + metric), each in 0..1 (NaN where the run has no value)
    positions: np.ndarray
    metric: np.ndarray
    #: per axis: (position 0..1, label) ticks; the last entry is the metric's
    ticks: tuple[tuple[tuple[float, str], ...], ...]
    #: drawing order (worst first, best last)
    order: np.ndarray


@dataclass(frozen=True)
class SweepPlan:
    title: str
    metric_label: str
    goal: str | None
    scatter: tuple[Scatter, ...]
    parallel: Parallel | None
    top: tuple[Line, ...]
    top_axis: XAxis | None
    legend: tuple[tuple[str, str], ...]  # (label, colour) of the top curves
    #: (label, colour) of the scatter's keys: the verdict colours shown, then the means (when drawn)
    verdict_keys: tuple[tuple[str, str], ...]
    columns: int
    size: tuple[float, float]
    notes: tuple[str, ...]


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def hp_text(v: Any) -> str:
    """A hyperparameter value as drawn: 0.001, 32, adam, true; – when missing."""
    if _missing(v):
        return MISSING
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4g}"
    return safe_text(v)


def hp_axis(column: str, values: Sequence[Any]) -> HpAxis:
    """Numeric when every present value is a number; else categories (sorted, missing last)."""
    name = safe_text(column[len(HP) :] if column.startswith(HP) else column)
    present = [v for v in values if not _missing(v)]
    if present and all(_is_number(v) for v in present):
        arr = np.array([float(v) if not _missing(v) else np.nan for v in values], dtype="float64")
        pos = arr[np.isfinite(arr) & (arr > 0)]
        log = bool(len(pos) == np.isfinite(arr).sum() and len(pos) and pos.max() / pos.min() >= LOG_RATIO)
        return HpAxis(column, name, arr, None, log)
    texts = [hp_text(v) for v in values]
    numeric_order = all(_is_number(v) for v in present)
    cats = sorted(set(texts) - {MISSING}, key=lambda t: (float(t), t) if numeric_order else (0.0, t))
    if MISSING in texts:
        cats.append(MISSING)
    index = {c: i for i, c in enumerate(cats)}
    return HpAxis(column, name, np.array([index[t] for t in texts], dtype="float64"), tuple(cats), False)


def _verdict_colour(verdict: str) -> str:
    return BLUE if verdict == "healthy" else BAD_COLOUR if verdict == "divergence" else ORANGE


def _means(axis: HpAxis, best: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(axis.values) & np.isfinite(best)
    xs = np.unique(axis.values[ok])
    if len(xs) > MAX_MEANS or len(xs) == len(axis.values[ok]):
        return np.array([]), np.array([])  # one run per value: its point is its mean
    return xs, np.array([float(np.mean(best[ok & (axis.values == x)])) for x in xs])


def _unit(axis: HpAxis) -> tuple[np.ndarray, tuple[tuple[float, str], ...]]:
    """The axis' values scaled to 0..1 and its tick labels."""
    v = axis.values
    if axis.categories is not None:
        k = len(axis.categories)
        pos = v / (k - 1) if k > 1 else np.full(len(v), 0.5)
        step = max(1, math.ceil(k / MAX_CATEGORY_LABELS))
        ticks = tuple((i / (k - 1) if k > 1 else 0.5, c) for i, c in enumerate(axis.categories) if i % step == 0)
        return pos, ticks
    return _numeric_unit(v, axis.log, lambda x: f"{x:.3g}")


def _numeric_unit(v: np.ndarray, log: bool, fmt: Any) -> tuple[np.ndarray, tuple[tuple[float, str], ...]]:
    ok = np.isfinite(v)
    if not ok.any():
        return np.full(len(v), np.nan), ()
    t = np.log10(np.where(ok, v, 1.0)) if log else np.where(ok, v, 0.0)
    lo, hi = float(t[ok].min()), float(t[ok].max())
    if hi == lo:
        return np.where(ok, 0.5, np.nan), ((0.5, fmt(float(v[ok][0]))),)
    pos = np.where(ok, (t - lo) / (hi - lo), np.nan)
    ticks = tuple((f, fmt(10 ** (lo + f * (hi - lo)) if log else lo + f * (hi - lo))) for f in (0.0, 0.5, 1.0))
    return pos, ticks


def _parallel(axes: Sequence[HpAxis], best: np.ndarray, goal: str | None) -> Parallel | None:
    ok = np.isfinite(best)
    if not axes or ok.sum() < 2:
        return None
    cols, ticks = [], []
    for a in axes:
        pos, t = _unit(a)
        cols.append(pos[ok])
        ticks.append(t)
    mpos, mticks = _numeric_unit(best[ok], False, num)
    cols.append(mpos)
    ticks.append(mticks)
    metric = best[ok]
    order = np.argsort(-metric if goal != "max" else metric, kind="stable")  # worst first, best on top
    return Parallel(tuple(axes), np.column_stack(cols), metric, tuple(ticks), order)


def _top_curves(
    rows: Sequence[Mapping[str, Any]], runs: Sequence[ChartRun], opts: ChartOptions
) -> tuple[tuple[Line, ...], XAxis | None, tuple[tuple[str, str], ...]]:
    by_name = {cr.name: cr for cr in runs}
    picked: list[tuple[Mapping[str, Any], ChartRun]] = []
    for row in rows:
        cr = by_name.get(str(row.get("run")))
        if cr is not None and cr.analysis.best is not None:
            picked.append((row, cr))
        if len(picked) == TOP_CURVES:
            break
    if not picked:
        return (), None, ()
    crs = [cr for _, cr in picked]
    axis = choose_x(crs, plan_panels(crs), opts)
    names = short_names([safe_text(cr.name) for cr in crs], 40)
    lines: list[Line] = []
    legend: list[tuple[str, str]] = []
    for k, ((row, cr), name) in enumerate(zip(picked, names)):
        best = cr.analysis.best
        assert best is not None
        series = next((s for s in cr.series if s.tag == best.tag), None)
        if series is None:
            continue
        colour, _ = run_style(k)
        rank: Any = row.get("rank")
        label = label_text(f"#{int(rank)} {name}" if _is_number(rank) and not _missing(rank) else name)
        label += f" ({num(best.value)})"
        lines += series_lines(
            series_x(cr, series, axis), series.values, colour=colour, label=label, smooth=opts.smooth,
            show_raw=False, max_points=opts.max_points, gid=safe_text(f"top:{cr.name}"),
        )  # fmt: skip
        legend.append((label, colour))
    return tuple(lines), axis, tuple(legend)


def has_sweep(table: Any) -> bool:
    """Whether a sweep chart has something to show: some hyperparameter varies across the rows."""
    return table is not None and bool(list(getattr(table, "varying", []) or [])) and len(table.frame) >= 2


def plan_sweep(table: Any, runs: Sequence[ChartRun] = (), opts: ChartOptions | None = None) -> SweepPlan:
    """The sweep chart of a sweep table (rows in the table's order), with curves from ``runs``."""
    opts = opts or ChartOptions()
    rows: list[dict[str, Any]] = table.frame.to_dict("records")
    varying = [c for c in table.varying if c in table.frame.columns]
    from losslog.sweep_groups import is_seed_name

    seed_cols = set(getattr(table, "seed_columns", []) or [])
    seeds = [c for c in varying if c in seed_cols or is_seed_name(c)]
    shown = [c for c in varying if c not in seeds] or varying
    notes: list[str] = []
    if len(shown) > MAX_HPARAMS:
        notes.append(f"{len(shown) - MAX_HPARAMS} more varying hyperparameters not drawn; see the table")
        shown = shown[:MAX_HPARAMS]
    if seeds and shown != varying:
        notes.append(
            f"{', '.join(safe_text(c[len(HP) :]) for c in seeds)} not drawn against the metric (seed-like: noise)"
        )
    best = np.array([float(r["best"]) if _is_number(r.get("best")) else np.nan for r in rows], dtype="float64")
    if (~np.isfinite(best)).any():
        notes.append(f"{int((~np.isfinite(best)).sum())} run(s) without a best value not drawn")
    goal = getattr(table, "goal", None)
    metric = metric_text(str(getattr(table, "monitor", None) or "metric"))
    colours = tuple(_verdict_colour(str(r.get("verdict"))) for r in rows)
    rng = np.random.default_rng(0)  # the same jitter every time: identical logs, identical image
    scatter = []
    axes = []
    for col in shown:
        axis = hp_axis(col, [r.get(col) for r in rows])
        axes.append(axis)
        jitter = rng.uniform(-0.12, 0.12, len(rows)) if axis.categories is not None else np.zeros(len(rows))
        mx, my = _means(axis, best)
        scatter.append(Scatter(axis, best, colours, jitter, mx, my))
    top, top_axis, legend = _top_curves(rows, runs, opts)
    cols = min(len(scatter), 4) or 1
    srows = math.ceil(len(scatter) / cols)
    width = max(11.0, 3.4 * cols + 1.0)
    height = 3.0 * srows + 3.6 + (3.6 if top else 0) + 1.2
    verdicts = sorted({str(r.get("verdict")) for r in rows})
    keys = (*(
        (label, colour)
        for label, colour in (("healthy run", BLUE), ("run with a warning", ORANGE), ("diverged run", BAD_COLOUR))
        if any((v == "healthy") == (label == "healthy run") and (v == "divergence") == (label == "diverged run")
               for v in verdicts)
    ), (MEANS_LABEL, "black"))  # fmt: skip
    title = safe_text(opts.title or f"sweep of {len(rows)} runs: best {metric}")
    if not any(len(sc.mean_x) for sc in scatter):
        keys = tuple(k for k in keys if k[0] != MEANS_LABEL)
    return SweepPlan(
        title, f"best {metric}", goal, tuple(scatter), _parallel(axes, best, goal), top, top_axis, legend, keys,
        cols, (width, height), tuple(notes),
    )  # fmt: skip
