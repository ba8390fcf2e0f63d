"""What a chart is drawn from: each run's series paired with its analysis, the options, which
panels a chart has and which series go in each, and where points go on the shared x axis.

No matplotlib here (``tests/test_chart_plan.py`` checks): these are the decisions a chart makes
before any drawing, usable and testable without paying matplotlib's half second of start-up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from losslog.analysis import AnalysisOptions, RunAnalysis
from losslog.analysis.run_analysis import named_series
from losslog.analysis.smoothing import DEFAULT_WEIGHT
from losslog.analysis.summary import Series
from losslog.errors import UsageError
from losslog.model import Run

#: File extensions ``plot -o`` understands, and the matplotlib format each one means.
FORMATS: dict[str, str] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
X_MODES = ("auto", "step", "epoch", "time")

_KIND_RANK = {"loss": 0, "accuracy": 1, "metric": 2, "other": 3, "lr": 4}
#: TensorBoard keeps 1000 sampled points per scalar series and smooths those; longer series are
#: smoothed as if they had this many points, so a million-step curve reads as a curve, not a band.
SMOOTH_POINTS = 1000


def drawing_weight(weight: float, n: int) -> float:
    """The smoothing weight that spans the same share of the x axis on ``n`` points as ``weight``
    does on ``SMOOTH_POINTS`` points (time constant scaled by ``n / SMOOTH_POINTS``)."""
    if weight <= 0 or n <= SMOOTH_POINTS:
        return weight
    return 1.0 - (1.0 - weight) * SMOOTH_POINTS / n


# ---------------------------------------------------------------------------------------------
# chart input: what a chart needs from a Run and its RunAnalysis


@dataclass(frozen=True)
class ChartRun:
    """Everything needed to draw one run: its series (names parsed) and its analysis."""

    name: str
    series: tuple[Series, ...]
    analysis: RunAnalysis
    #: (steps, epochs) and (steps, wall times) seen anywhere in the run, to place series and
    #: findings that lack their own epoch or time on those axes
    step_epoch: tuple[np.ndarray, np.ndarray]
    step_time: tuple[np.ndarray, np.ndarray]


def _pairs(frame: Any, column: str) -> tuple[np.ndarray, np.ndarray]:
    sub = frame[["step", column]].astype("float64")
    sub = sub[np.isfinite(sub["step"]) & np.isfinite(sub[column])]
    sub = sub.groupby("step", sort=True)[column].min()
    return sub.index.to_numpy(dtype="float64"), sub.to_numpy(dtype="float64")


def chart_input(run: Run, analysis: RunAnalysis, options: AnalysisOptions | None = None) -> ChartRun:
    """Pair a run's points with its analysis (names parsed with the same options and overrides)."""
    options = options or AnalysisOptions()
    _, by_tag = named_series(run, options)
    series = tuple(by_tag.values())
    return ChartRun(
        name=run.name,
        series=series,
        analysis=analysis,
        step_epoch=_pairs(run.frame, "epoch"),
        step_time=_pairs(run.frame, "wall_time"),
    )


def chart_inputs(
    runs: Sequence[Run], analyses: Sequence[RunAnalysis], options: AnalysisOptions | None = None
) -> list[ChartRun]:
    """``chart_input`` for the analyses, each matched to its run by name (analysis order kept)."""
    by_name = {r.name: r for r in runs}
    out = []
    for a in analyses:
        run = by_name.get(a.name)
        if run is not None:
            out.append(chart_input(run, a, options))
    return out


# ---------------------------------------------------------------------------------------------
# options and names


@dataclass(frozen=True)
class ChartOptions:
    """How to draw (never what to conclude)."""

    #: metric names to draw (metric, display name or raw tag; "lr" for learning rates); () = default set
    metrics: tuple[str, ...] = ()
    #: TensorBoard smoothing weight of the drawn curve (0 = raw only)
    smooth: float = DEFAULT_WEIGHT
    log_y: bool = False
    #: x axis: auto (epoch when every drawn series counts epochs one point each, else step), step, epoch, time
    x: str = "auto"
    title: str | None = None
    #: (width, height) in inches; None = sized from the number of panels and runs
    size: tuple[float, float] | None = None
    dpi: float | None = None
    #: points per drawn line before min/max thinning kicks in
    max_points: int = 4000
    #: per-run column titles (a leaderboard rank, say) in side-by-side charts; default: the names
    column_titles: tuple[str, ...] = field(default_factory=tuple)


def check_smooth(opts: ChartOptions) -> None:
    """A smoothing weight outside [0, 1) is a usage error (1 would draw a flat line)."""
    if not 0.0 <= opts.smooth < 1.0:
        raise UsageError(f"--smooth {opts.smooth}: expected a weight in [0, 1)")


def chart_format(path: Path | str) -> str:
    """The output format a file name asks for; an unknown extension is a usage error."""
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise UsageError(f"{path}: cannot tell the image format; name it .png, .svg or .pdf")
    return FORMATS[ext]


def shorten(name: str, width: int = 28) -> str:
    """``name`` cut to ``width`` characters with a middle ellipsis (start and end carry the meaning)."""
    if len(name) <= width:
        return name
    keep = width - 1
    head = (keep + 1) // 2
    tail = keep - head
    return name[:head] + "…" + (name[-tail:] if tail else "")


def short_names(names: Sequence[str], width: int = 28) -> list[str]:
    """Shortened names, all distinct: a name that would collide keeps more characters."""
    out = [shorten(n, width) for n in names]
    for _ in range(64):
        seen: dict[str, int] = {}
        for s in out:
            seen[s] = seen.get(s, 0) + 1
        clashes = [i for i, s in enumerate(out) if seen[s] > 1]
        if not clashes:
            break
        for i in clashes:
            current = len(out[i]) if "…" in out[i] else len(names[i])
            out[i] = shorten(names[i], current + 4)
    return out


# ---------------------------------------------------------------------------------------------
# which panels, which series


@dataclass(frozen=True)
class Panel:
    """One kind of metric: every split of one metric, or every learning rate."""

    key: str  # the metric name ("loss", "box_loss"), or "lr"
    kind: str

    @property
    def title(self) -> str:
        return "learning rate" if self.key == "lr" else self.key


def _matches(s: Series, wanted: str) -> bool:
    w = wanted.strip()
    if w.lower() in ("lr", "learning_rate", "learning-rate") and s.name.kind == "lr":
        return True
    return w in (s.tag, s.display, s.name.metric)


def _default_series(s: Series) -> bool:
    kind = s.name.kind
    if kind in ("loss", "accuracy", "metric", "lr"):
        return True
    # Of the bookkeeping columns only the gradient norm tells about training health.
    return kind == "other" and "norm" in s.name.metric.lower()


def _panel_key(s: Series) -> str:
    return "lr" if s.name.kind == "lr" else s.name.metric


def _selected(cr: ChartRun, metrics: Sequence[str]) -> list[Series]:
    chosen = [
        s for s in cr.series if len(s) and (any(_matches(s, m) for m in metrics) if metrics else _default_series(s))
    ]
    # One series per (metric, split): Lightning logs train_loss_step and train_loss_epoch; the
    # per-step one has more to show.
    best: dict[tuple[str, str], Series] = {}
    for s in chosen:
        if s.name.kind == "lr":
            best[("lr", s.tag)] = s
            continue
        k = (s.name.metric, s.name.split)
        cur = best.get(k)
        if cur is None or len(s) > len(cur):
            best[k] = s
    return list(best.values())


def plan_panels(runs: Sequence[ChartRun], metrics: Sequence[str] = ()) -> list[Panel]:
    """The panels of a chart, in reading order: losses, accuracies, other metrics, learning rate.

    Unknown ``metrics`` are a usage error that lists what the runs have.
    """
    if metrics:
        unknown = [m for m in metrics if not any(_matches(s, m) for cr in runs for s in cr.series)]
        if unknown:
            known = sorted(
                {s.display for cr in runs for s in cr.series} | {s.name.metric for cr in runs for s in cr.series}
            )
            raise UsageError(f"--metrics {', '.join(unknown)}: no such metric (metrics: {', '.join(known)})")
    order: dict[str, Panel] = {}
    for cr in runs:
        for s in _selected(cr, metrics):
            key = _panel_key(s)
            if key not in order:
                order[key] = Panel(key, s.name.kind)
    panels = list(order.values())
    first_seen = {p.key: i for i, p in enumerate(panels)}
    panels.sort(key=lambda p: (_KIND_RANK.get(p.kind, 3), p.key != "loss", first_seen[p.key]))
    if not panels:
        raise UsageError("nothing to draw: no loss, accuracy, metric or learning-rate series in these runs")
    return panels


def panel_series(cr: ChartRun, panel: Panel, metrics: Sequence[str] = ()) -> list[Series]:
    """The series of ``cr`` drawn in ``panel``: train first, then validation, then test."""
    rank = {"train": 0, "val": 1, "test": 2, "": 3}
    chosen = [s for s in _selected(cr, metrics) if _panel_key(s) == panel.key]
    return sorted(chosen, key=lambda s: rank.get(s.name.split, 4))


def unselected(cr: ChartRun, metrics: Sequence[str] = ()) -> list[tuple[Series, str]]:
    """The series of ``cr`` that no panel draws, each with the reason (so a chart can say so)."""
    kept = _selected(cr, metrics)
    kept_ids = {id(s) for s in kept}
    out: list[tuple[Series, str]] = []
    for s in cr.series:
        if id(s) in kept_ids:
            continue
        if not len(s):
            reason = "no points"
        elif metrics and not any(_matches(s, m) for m in metrics):
            reason = "not asked for (--metrics)"
        elif not metrics and not _default_series(s):
            reason = "not drawn by default (bookkeeping column)"
        else:
            twin = next((k.tag for k in kept if (k.name.metric, k.name.split) == (s.name.metric, s.name.split)), "")
            reason = f"{twin} has more points for the same metric and split"
        out.append((s, reason))
    return out


# ---------------------------------------------------------------------------------------------
# the x axis


@dataclass(frozen=True)
class XAxis:
    mode: str  # step | epoch | time
    label: str
    scale: float = 1.0  # time: seconds per unit


def _interp(steps: np.ndarray, pairs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    xs, ys = pairs
    if len(xs) == 0:
        return np.full(len(steps), np.nan)
    if len(xs) == 1:
        return np.where(steps == xs[0], ys[0], np.nan)
    return np.interp(steps, xs, ys, left=np.nan, right=np.nan)


def _raw_x(cr: ChartRun, s: Series, mode: str) -> np.ndarray:
    if mode == "step":
        return s.steps
    own = s.epochs if mode == "epoch" else s.wall_times
    pairs = cr.step_epoch if mode == "epoch" else cr.step_time
    if np.isfinite(own).all():
        return own
    return np.where(np.isfinite(own), own, _interp(s.steps, pairs))


def _t0(cr: ChartRun) -> float:
    t = cr.step_time[1]
    return float(np.min(t)) if len(t) else 0.0


def choose_x(runs: Sequence[ChartRun], panels: Sequence[Panel], opts: ChartOptions) -> XAxis:
    """The x axis every panel shares.

    ``auto`` uses epochs when every drawn series has one point per epoch (Keras, Hugging Face,
    per-epoch validation), else steps: per-step losses plotted against a whole-number epoch would
    stack into vertical bars. Asking for an axis the logs cannot give is a usage error.
    """
    mode = opts.x
    if mode not in X_MODES:
        raise UsageError(f"--x {mode!r}: expected one of {', '.join(X_MODES)}")
    drawn = [(cr, s) for cr in runs for p in panels for s in panel_series(cr, p, opts.metrics)]
    if mode in ("epoch", "auto"):
        ok = True
        for cr, s in drawn:
            x = _raw_x(cr, s, "epoch")
            if not np.isfinite(x).all() or (mode == "auto" and len(x) > 1 and not (np.diff(x) > 0).all()):
                ok = False
                break
        if ok and drawn:
            return XAxis("epoch", "epoch")
        if mode == "epoch":
            raise UsageError("--x epoch: these logs do not record epochs for every series; use --x step")
        return XAxis("step", "step")
    if mode == "time":
        spans = []
        for cr, s in drawn:
            x = _raw_x(cr, s, "time")
            if not np.isfinite(x).all():
                raise UsageError("--x time: these logs do not record wall-clock time for every series; use --x step")
            spans.append(float(np.max(x) - _t0(cr)) if len(x) else 0.0)
        span = max(spans, default=0.0)
        if span >= 3 * 3600:
            return XAxis("time", "time (hours)", 3600.0)
        if span >= 120:
            return XAxis("time", "time (minutes)", 60.0)
        return XAxis("time", "time (seconds)", 1.0)
    return XAxis("step", "step")


def series_x(cr: ChartRun, s: Series, axis: XAxis) -> np.ndarray:
    """Where each point of ``s`` goes on ``axis``."""
    x = _raw_x(cr, s, axis.mode)
    if axis.mode == "time":
        x = (x - _t0(cr)) / axis.scale
    return np.asarray(x, dtype="float64")


def x_at(cr: ChartRun, step: float, epoch: float | None, axis: XAxis) -> float | None:
    """Where a finding or checkpoint (known by step, maybe epoch) goes on ``axis``."""
    if axis.mode == "step":
        return step
    if axis.mode == "epoch":
        if epoch is not None and math.isfinite(epoch):
            return epoch
        v = float(_interp(np.array([step]), cr.step_epoch)[0])
    else:
        v = (float(_interp(np.array([step]), cr.step_time)[0]) - _t0(cr)) / axis.scale
    return v if math.isfinite(v) else None


def run_x_end(cr: ChartRun, axis: XAxis) -> float | None:
    """Where the run's last point is on ``axis`` (an overfitting stretch is shaded up to there)."""
    ends = [float(np.nanmax(x)) for s in cr.series if len(s) and np.isfinite(x := series_x(cr, s, axis)).any()]
    return max(ends) if ends else None
