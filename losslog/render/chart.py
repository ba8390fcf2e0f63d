"""Charts with matplotlib: one run, several runs side by side, or several runs overlaid.

matplotlib is imported only inside the functions that draw (it costs about half a second of
start-up, and ``losslog report --format json`` must never pay it). Figures are built with
``matplotlib.figure.Figure`` directly, never pyplot, so nothing global is left behind and many
figures can be drawn in one process.

A chart needs both the points (``Run``) and what the analysis concluded (``RunAnalysis``): the
points draw the curves, the analysis says where the best checkpoint is, where overfitting starts
and where the run diverged. The renderer never decides any of that; it only thins points for
drawing and smooths them the way TensorBoard does (so the curve looks like the one people know).

Conventions kept in every chart, so a person reads all of them the same way:

- colours come from the Okabe-Ito palette (safe for the common colour-vision deficiencies);
  in one run's panels train is always blue and validation always vermillion, in an overlay
  each model keeps its colour in every panel and the split is told by the line style;
- the smoothed curve is drawn solid over the faint raw points;
- the best checkpoint is a dotted vertical line (and a star on the monitored metric), the
  overfitting stretch is shaded, divergence is a dashed red line, NaN/inf points are red
  crosses along the top edge (they have no y value to draw);
- legends sit outside the panels, never over the curves;
- long run names are shortened the same way everywhere (a middle ellipsis, kept unique).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from losslog.analysis import AnalysisOptions, RunAnalysis
from losslog.analysis.run_analysis import named_series
from losslog.analysis.smoothing import tb_smooth
from losslog.analysis.summary import Series
from losslog.errors import UsageError
from losslog.model import Run
from losslog.render.thinning import spread, thin_indices
from losslog.render.words import num, x_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: File extensions ``plot -o`` understands, and the matplotlib format each one means.
FORMATS: dict[str, str] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
X_MODES = ("auto", "step", "epoch", "time")

# Okabe & Ito (2008), "Color Universal Design". Yellow is left out: it vanishes on white.
BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, BLACK = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#000000",
)
SPLIT_COLOURS: dict[str, str] = {"train": BLUE, "val": VERMILLION, "test": GREEN, "": PURPLE}
SPLIT_LABELS: dict[str, str] = {"train": "train", "val": "validation", "test": "test", "": "(no split)"}
#: One colour per model in overlays; past seven, colours repeat with a marker added.
RUN_COLOURS: tuple[str, ...] = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, BLACK)
RUN_MARKERS: tuple[str | None, ...] = (None, "o", "s", "^", "D")
#: Learning rates are not a split: black first, so an "lr" line is never mistaken for train.
LR_COLOURS: tuple[str, ...] = (BLACK, SKY, PURPLE, GREEN, ORANGE)
#: In an overlay the colour is the model, so the split is the line style.
SPLIT_STYLES: dict[str, Any] = {"val": "-", "train": "--", "test": ":", "": "-"}
BEST_COLOUR = "#333333"
BAD_COLOUR = "#C00000"
OVERFIT_COLOUR = ORANGE

_KIND_RANK = {"loss": 0, "accuracy": 1, "metric": 2, "other": 3, "lr": 4}
_MANY_POINTS = 60  # above this, raw points are a faint line rather than dots
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
    smooth: float = 0.6
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


def _run_x_end(cr: ChartRun, axis: XAxis) -> float | None:
    ends = [float(np.nanmax(x)) for s in cr.series if len(s) and np.isfinite(x := series_x(cr, s, axis)).any()]
    return max(ends) if ends else None


# ---------------------------------------------------------------------------------------------
# drawing primitives


def _import_mpl() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure


def _style_axes(ax: Axes, axis: XAxis, small: bool = False) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.grid(True, color="#e6e6e6", linewidth=0.7)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4 if small else 6, integer=axis.mode != "time", min_n_ticks=2))
    if axis.mode == "step":
        ax.xaxis.set_major_formatter(FuncFormatter(_step_tick))
    if ax.get_yscale() == "linear":
        ax.yaxis.set_major_locator(MaxNLocator(nbins=3 if small else 5))


def _step_tick(value: float, _pos: int | None = None) -> str:
    """Step ticks that stay short: 250k, 1.5M (no '1e6' offset text in the corner)."""
    a = abs(value)
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= div and a >= 10_000:
            return f"{value / div:.4g}{suffix}"
    return f"{value:.6g}"


def draw_series(
    ax: Axes,
    x: np.ndarray,
    y: np.ndarray,
    *,
    colour: str,
    label: str,
    smooth: float,
    show_raw: bool = True,
    linestyle: str = "-",
    marker: str | None = None,
    raw_marker: str | None = None,
    max_points: int = 4000,
    gid: str = "",
) -> None:
    """One series: the smoothed curve over the faint raw points, and red crosses where NaN/inf.

    Artists carry ``gid`` values (``raw:<gid>``, ``smooth:<gid>``, ``nonfinite:<gid>``) so that
    tests can find them without reading pixels.
    """
    y = np.asarray(y, dtype="float64")
    x = np.asarray(x, dtype="float64")
    finite = np.isfinite(y)
    nfin = int(finite.sum())
    few = len(y) <= _MANY_POINTS
    smoothing = smooth > 0 and nfin >= 3
    keep = thin_indices(y, max_points)
    markevery = max(1, len(keep) // 12)
    if nfin == 1:
        raw_marker = "o"  # a lone point draws no line
    elif raw_marker is None:
        raw_marker = "o" if few else ""
    if smoothing:
        if show_raw:
            ax.plot(
                x[keep], y[keep], color=colour, alpha=0.28, linewidth=0.8, linestyle=linestyle,
                marker=raw_marker or None, markersize=2.5, gid=f"raw:{gid}",
            )  # fmt: skip
        sm = tb_smooth(y, drawing_weight(smooth, nfin))
        keep_s = thin_indices(sm, max_points)
        ax.plot(
            x[keep_s], sm[keep_s], color=colour, linewidth=1.8, linestyle=linestyle, label=label,
            marker=marker, markevery=markevery, markersize=4, gid=f"smooth:{gid}",
        )  # fmt: skip
    else:
        ax.plot(
            x[keep], y[keep], color=colour, linewidth=1.6, linestyle=linestyle, label=label,
            marker=marker or raw_marker or None, markevery=markevery if marker else None,
            markersize=3.5, gid=f"raw:{gid}",
        )  # fmt: skip
    bad = np.flatnonzero(~finite & np.isfinite(x))
    if len(bad):
        xb = spread(x[bad], 400)
        ax.plot(
            xb, np.full(len(xb), 0.97), transform=ax.get_xaxis_transform(), linestyle="none", marker="x",
            color=BAD_COLOUR, markersize=5, markeredgewidth=1.3, clip_on=False, label="NaN / inf point",
            gid=f"nonfinite:{gid}",
        )  # fmt: skip


def _robust_ylim(ax: Axes, values: list[np.ndarray], log: bool) -> None:
    """Keep a few wild points (a spike to 1e6) from flattening every curve into the floor.

    When the full range is more than four times the 1st–99th percentile range, the axis shows the
    percentile range (padded); the clipped points run off the edge, as in TensorBoard's "ignore
    outliers in chart scaling".
    """
    if log or not values:
        return
    v = np.concatenate([a[np.isfinite(a)] for a in values]) if values else np.array([])
    if len(v) < 20:
        return
    lo, hi = float(np.min(v)), float(np.max(v))
    qlo, qhi = (float(q) for q in np.quantile(v, [0.01, 0.99]))
    span = qhi - qlo
    if span <= 0 or (hi - lo) <= 4 * span:
        return
    pad = 0.12 * span
    ax.set_ylim(qlo - pad, qhi + pad)
    ax.text(
        1.0, 1.0, "y clipped to the 1st–99th percentile", transform=ax.transAxes, ha="right", va="bottom",
        fontsize=7, color="#777777", gid="clipped",
    )  # fmt: skip


def _mark_best(ax: Axes, cr: ChartRun, axis: XAxis, on_panel: list[Series], colour: str | None = None) -> None:
    best = cr.analysis.best
    if best is None:
        return
    bx = x_at(cr, best.step, best.epoch, axis)
    if bx is None:
        return
    if colour is None:
        ax.axvline(bx, color=BEST_COLOUR, linestyle=":", linewidth=1.2, label="best checkpoint", gid="best")
    monitored = [s for s in on_panel if s.tag == best.tag]
    if monitored:
        ax.plot(
            [bx], [best.value], linestyle="none", marker="*", markersize=13, color=colour or SPLIT_COLOURS.get(
                monitored[0].name.split, BLACK), markeredgecolor="black", markeredgewidth=0.7, zorder=5,
            label="best checkpoint", gid="best-point",
        )  # fmt: skip


def _mark_findings(ax: Axes, cr: ChartRun, axis: XAxis, shade: bool = True) -> None:
    end = _run_x_end(cr, axis)
    for f in cr.analysis.findings:
        if f.onset_step is None:
            continue
        fx = x_at(cr, f.onset_step, f.onset_epoch, axis)
        if fx is None:
            continue
        if f.code == "overfitting" and shade and end is not None and end > fx:
            ax.axvspan(fx, end, color=OVERFIT_COLOUR, alpha=0.16, linewidth=0, label="overfitting", gid="overfitting")
        elif f.code == "divergence":
            ax.axvline(fx, color=BAD_COLOUR, linestyle="--", linewidth=1.2, label="divergence", gid="divergence")


def _legend_entries(fig: Figure, extra: Sequence[tuple[Any, str]] = ()) -> tuple[list[Any], list[str]]:
    handles: list[Any] = []
    labels: list[str] = []
    for ax in fig.axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab and not lab.startswith("_") and lab not in labels:
                handles.append(h)
                labels.append(lab)
    for h, lab in extra:
        if lab not in labels:
            handles.append(h)
            labels.append(lab)
    # Markers of the chart's vocabulary go last, after the curves.
    vocab = ["best checkpoint", "overfitting", "divergence", "NaN / inf point"]
    pairs = sorted(zip(handles, labels), key=lambda hl: (hl[1] in vocab, vocab.index(hl[1]) if hl[1] in vocab else 0))
    return [h for h, _ in pairs], [lab for _, lab in pairs]


def _legend_cols(fig: Figure, labels: Sequence[str]) -> int:
    """As many legend columns as fit the figure's width (one row when they all fit)."""
    width_pt = float(fig.get_figwidth()) * 72
    entry_pt = 26 + 4.6 * max((len(lab) for lab in labels), default=1)
    return max(1, min(len(labels), int(width_pt // entry_pt)))


def _raw_handle(smooth: float) -> list[tuple[Any, str]]:
    from matplotlib.lines import Line2D

    if smooth <= 0:
        return []
    return [
        (Line2D([], [], color="#777777", alpha=0.35, linewidth=0.8, marker="o", markersize=2.5), "raw points"),
        (Line2D([], [], color="#777777", linewidth=1.8), f"smoothed (weight {smooth:g})"),
    ]


def _apply_log(ax: Axes, panel: Panel, values: list[np.ndarray], opts: ChartOptions) -> bool:
    """Log scale for ``--log-y`` (except learning rates), and for learning rates spanning decades."""
    if panel.key == "lr":
        v = np.concatenate([a[np.isfinite(a) & (a > 0)] for a in values]) if values else np.array([])
        if len(v) and float(np.max(v)) / float(np.min(v)) >= 100:
            ax.set_yscale("log")
            return True
        return False
    if opts.log_y:
        ax.set_yscale("log")
        return True
    return False


def _lr_label(s: Series, panel: Sequence[Series]) -> str:
    """A lone learning rate is just "learning rate"; several (param groups) keep their tags."""
    return "learning rate" if len(panel) == 1 else s.tag


def _check_smooth(opts: ChartOptions) -> None:
    if not 0.0 <= opts.smooth < 1.0:
        raise UsageError(f"--smooth {opts.smooth}: expected a weight in [0, 1)")


def _grid_shape(n: int) -> tuple[int, int]:
    if n <= 1:
        return 1, 1
    cols = 2 if n in (2, 4) else 3 if n <= 9 else 4
    return math.ceil(n / cols), cols


def _subtitle(cr: ChartRun) -> str:
    a = cr.analysis
    parts = [a.verdict]
    if a.best is not None:
        parts.append(f"best {x_label(a.best.step, a.best.epoch)}, {a.best.metric} {num(a.best.value)}")
    return " · ".join(parts)


# ---------------------------------------------------------------------------------------------
# the three figures


def _layout(fig: Figure, n_main: int, has_lr: bool, cols: int) -> list[Axes]:
    rows = math.ceil(n_main / cols) if n_main else 0
    heights = [1.0] * rows + ([0.45] if has_lr else [])
    gs = fig.add_gridspec(len(heights), cols, height_ratios=heights)
    axes: list[Axes] = []
    for i in range(n_main):
        axes.append(fig.add_subplot(gs[i // cols, i % cols], sharex=axes[0] if axes else None))
    if has_lr:
        axes.append(fig.add_subplot(gs[rows, :], sharex=axes[0] if axes else None))
    for ax in axes:
        ax.tick_params(labelbottom=True)  # shared x, but every panel keeps its tick labels
    return axes


def _draw_panel(
    ax: Axes, cr: ChartRun, panel: Panel, series: list[Series], axis: XAxis, opts: ChartOptions, gid_prefix: str
) -> None:
    """One run's series in one panel, with the analysis' marks: the same in a single chart and a grid.

    Train and validation keep their colours everywhere; learning rates are plain lines.
    """
    _mark_findings(ax, cr, axis)
    lr = panel.key == "lr"
    for i, s in enumerate(series):
        draw_series(
            ax, series_x(cr, s, axis), s.values,
            colour=LR_COLOURS[i % len(LR_COLOURS)] if lr else SPLIT_COLOURS.get(s.name.split, PURPLE),
            label=_lr_label(s, series) if lr else SPLIT_LABELS.get(s.name.split, s.name.split),
            smooth=0.0 if lr else opts.smooth, raw_marker="" if lr else None, max_points=opts.max_points,
            gid=f"{gid_prefix}{s.tag}",
        )  # fmt: skip
    _mark_best(ax, cr, axis, series)


def figure_single(cr: ChartRun, opts: ChartOptions | None = None) -> Figure:
    """One run: a panel per kind of metric, train and validation together, LR small at the bottom."""
    opts = opts or ChartOptions()
    _check_smooth(opts)
    Figure = _import_mpl()
    panels = plan_panels([cr], opts.metrics)
    axis = choose_x([cr], panels, opts)
    main = [p for p in panels if p.key != "lr"]
    has_lr = len(main) < len(panels)
    rows, cols = _grid_shape(len(main))
    size = opts.size or (max(6.5, 4.3 * cols), 3.1 * max(rows, 1) + (1.5 if has_lr else 0) + 1.3)
    fig = Figure(figsize=size, layout="constrained")
    axes = _layout(fig, len(main), has_lr, cols if main else 1)
    for ax, panel in zip(axes, main + [p for p in panels if p.key == "lr"]):
        series = panel_series(cr, panel, opts.metrics)
        log = _apply_log(ax, panel, [s.values for s in series], opts)
        _draw_panel(ax, cr, panel, series, axis, opts, gid_prefix="")
        _robust_ylim(ax, [s.values for s in series], log)
        ax.set_title(panel.title, fontsize=10, loc="left", fontweight="bold")
        ax.set_xlabel(axis.label, fontsize=9)
        ax.set_ylabel(panel.title + (" (log)" if log else ""), fontsize=9)
        _style_axes(ax, axis, small=panel.key == "lr")
    title = opts.title or cr.name
    fig.suptitle(f"{title}\n{_subtitle(cr)}", fontsize=11)
    handles, labels = _legend_entries(fig, _raw_handle(opts.smooth))
    fig.legend(handles, labels, loc="outside lower center", ncols=_legend_cols(fig, labels), fontsize=8, frameon=False)
    return fig


def figure_grid(runs: Sequence[ChartRun], opts: ChartOptions | None = None) -> Figure:
    """Several runs side by side: one column per model, one row per kind of metric.

    Each row shares its y axis, so a lower curve is a lower value whichever column it is in.
    """
    opts = opts or ChartOptions()
    _check_smooth(opts)
    if not runs:
        raise UsageError("nothing to draw: no runs")
    Figure = _import_mpl()
    panels = plan_panels(runs, opts.metrics)
    axis = choose_x(runs, panels, opts)
    n = len(runs)
    col_w = 3.0 if n <= 3 else 2.5 if n <= 6 else 2.1
    heights = [0.5 if p.key == "lr" else 1.0 for p in panels]
    size = opts.size or (max(6.5, col_w * n + 1.0), sum(2.5 * h for h in heights) + 1.9)
    fig = Figure(figsize=size, layout="constrained")
    gs = fig.add_gridspec(len(panels), n, height_ratios=heights)
    titles = list(opts.column_titles) or short_names([cr.name for cr in runs], 30 if n <= 4 else 22)
    first_in_row: dict[int, Axes] = {}
    first_in_col: dict[int, Axes] = {}
    for r, panel in enumerate(panels):
        row_axes: list[Axes] = []
        row_values: list[np.ndarray] = []
        for c, cr in enumerate(runs):
            ax = fig.add_subplot(gs[r, c], sharey=first_in_row.get(r), sharex=first_in_col.get(c))
            first_in_row.setdefault(r, ax)
            first_in_col.setdefault(c, ax)
            row_axes.append(ax)
            series = panel_series(cr, panel, opts.metrics)
            row_values.extend(s.values for s in series)
            _draw_panel(ax, cr, panel, series, axis, opts, gid_prefix=f"{cr.name}:")
            if not series:
                ax.text(0.5, 0.5, "not logged", transform=ax.transAxes, ha="center", va="center",
                        fontsize=8, color="#888888")  # fmt: skip
            if r == 0:
                ax.set_title(f"{titles[c]}\n{_subtitle_short(cr)}", fontsize=9)
            if r == len(panels) - 1:
                ax.set_xlabel(axis.label, fontsize=9)
            if c == 0:
                ax.set_ylabel(panel.title, fontsize=9, fontweight="bold")
            else:
                ax.tick_params(labelleft=False)
            _style_axes(ax, axis, small=True)
        log = _apply_log(row_axes[0], panel, row_values, opts)
        _robust_ylim(row_axes[0], row_values, log)
        if log:
            for ax in row_axes:
                ax.tick_params(labelsize=8)
    fig.suptitle(opts.title or f"{n} runs side by side", fontsize=11)
    handles, labels = _legend_entries(fig, _raw_handle(opts.smooth))
    fig.legend(handles, labels, loc="outside lower center", ncols=_legend_cols(fig, labels), fontsize=8, frameon=False)
    return fig


def _subtitle_short(cr: ChartRun) -> str:
    a = cr.analysis
    if a.best is None:
        return a.verdict
    return f"{a.verdict} · best {x_label(a.best.step, a.best.epoch)}"


def run_style(i: int) -> tuple[str, str | None]:
    """Colour and marker of the i-th model in an overlay (markers tell apart repeated colours)."""
    return RUN_COLOURS[i % len(RUN_COLOURS)], RUN_MARKERS[(i // len(RUN_COLOURS)) % len(RUN_MARKERS)]


#: Overlays of more models than this draw only validation (or test) curves by default.
OVERLAY_ALL_SPLITS = 6


def _overlay_series(series: list[Series], held_out: bool) -> list[Series]:
    """Without the training curves when ``held_out`` and the panel has held-out ones to show."""
    if not held_out:
        return series
    held = [s for s in series if s.name.split in ("val", "test")]
    return held or series


def figure_overlay(runs: Sequence[ChartRun], opts: ChartOptions | None = None) -> Figure:
    """Several runs in the same panels: one colour per model (the same in every panel).

    The split is told by the line style (validation solid, train dashed, test dotted); the legend
    on the right lists the models with their verdicts.
    """
    opts = opts or ChartOptions()
    _check_smooth(opts)
    if not runs:
        raise UsageError("nothing to draw: no runs")
    Figure = _import_mpl()
    from matplotlib.lines import Line2D

    panels = plan_panels(runs, opts.metrics)
    axis = choose_x(runs, panels, opts)
    main = [p for p in panels if p.key != "lr"]
    has_lr = len(main) < len(panels)
    rows, cols = _grid_shape(len(main))
    size = opts.size or (max(7.5, 4.3 * cols + 2.8), 3.1 * max(rows, 1) + (1.5 if has_lr else 0) + 0.9)
    fig = Figure(figsize=size, layout="constrained")
    axes = _layout(fig, len(main), has_lr, cols if main else 1)
    names = short_names([cr.name for cr in runs], 28)
    show_raw = len(runs) <= 3
    # Past six models, train and validation curves of every model in one panel are a tangle; the
    # validation curves are what models are compared by, so they stay unless --metrics says.
    held_out = len(runs) > OVERLAY_ALL_SPLITS and not opts.metrics
    splits_seen: set[str] = set()
    for ax, panel in zip(axes, main + [p for p in panels if p.key == "lr"]):
        values: list[np.ndarray] = []
        for i, cr in enumerate(runs):
            colour, marker = run_style(i)
            series = _overlay_series(panel_series(cr, panel, opts.metrics), held_out)
            values.extend(s.values for s in series)
            for s in series:
                lr = panel.key == "lr"
                split = s.name.split
                splits_seen.add(split)
                draw_series(
                    ax, series_x(cr, s, axis), s.values, colour=colour, label=f"_{cr.name}",
                    smooth=0.0 if lr else opts.smooth, show_raw=show_raw, marker=marker, raw_marker="" if lr else None,
                    linestyle=":" if lr and s is not series[0] else SPLIT_STYLES.get(split, "-"),
                    max_points=opts.max_points, gid=f"{cr.name}:{s.tag}",
                )  # fmt: skip
            _mark_best(ax, cr, axis, series, colour=colour)
            for f in cr.analysis.findings:
                if f.code == "divergence" and f.onset_step is not None:
                    fx = x_at(cr, f.onset_step, f.onset_epoch, axis)
                    if fx is not None:
                        ax.axvline(fx, color=colour, linestyle="--", linewidth=1.0, alpha=0.8, gid="divergence")
        log = _apply_log(ax, panel, values, opts)
        _robust_ylim(ax, values, log)
        ax.set_title(panel.title, fontsize=10, loc="left", fontweight="bold")
        ax.set_xlabel(axis.label, fontsize=9)
        ax.set_ylabel(panel.title + (" (log)" if log else ""), fontsize=9)
        _style_axes(ax, axis, small=panel.key == "lr")
    model_handles = []
    for i, cr in enumerate(runs):
        colour, marker = run_style(i)
        model_handles.append(
            (
                Line2D([], [], color=colour, linewidth=2, marker=marker, markersize=4),
                f"{names[i]} ({cr.analysis.verdict})",
            )
        )
    style_handles = [
        (Line2D([], [], color="#555555", linestyle=SPLIT_STYLES[sp], linewidth=1.6), SPLIT_LABELS[sp])
        for sp in ("train", "val", "test")
        if sp in splits_seen
    ]
    marks: list[tuple[Any, str]] = [
        (Line2D([], [], linestyle="none", marker="*", markersize=11, color="#999999", markeredgecolor="black"),
         "best checkpoint"),
    ]  # fmt: skip
    if any(not np.isfinite(s.values).all() for cr in runs for s in cr.series):
        marks.append((Line2D([], [], linestyle="none", marker="x", color=BAD_COLOUR), "NaN / inf point"))
    if any(f.code == "divergence" for cr in runs for f in cr.analysis.findings):
        marks.append((Line2D([], [], linestyle="--", color="#555555"), "divergence"))
    entries = model_handles + style_handles + marks
    fig.legend(
        [h for h, _ in entries], [lab for _, lab in entries], loc="outside right upper", fontsize=8,
        frameon=False, title="models", title_fontsize=9,
    )  # fmt: skip
    title = opts.title or f"{len(runs)} runs overlaid"
    if held_out:
        title += "\n(validation curves only, for legibility; --metrics chooses)"
    fig.suptitle(title, fontsize=11)
    return fig


def figure_for(runs: Sequence[ChartRun], opts: ChartOptions | None = None, overlay: bool = False) -> Figure:
    """The chart ``losslog plot`` draws: one run alone, several side by side or overlaid."""
    if not runs:
        raise UsageError("nothing to draw: no runs")
    if len(runs) == 1 and not overlay:
        return figure_single(runs[0], opts)
    if overlay:
        return figure_overlay(runs, opts)
    return figure_grid(runs, opts)


# ---------------------------------------------------------------------------------------------
# output


def _default_dpi(fig: Figure, opts_dpi: float | None) -> float:
    if opts_dpi:
        return opts_dpi
    width = float(fig.get_figwidth())
    return 150.0 if width <= 16 else 110.0


def save_figure(fig: Figure, path: Path, dpi: float | None = None) -> None:
    """Write ``fig`` to ``path`` in the format its extension names."""
    fmt = chart_format(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format=fmt, dpi=_default_dpi(fig, dpi), metadata=_metadata(fmt))
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def figure_bytes(fig: Figure, fmt: str = "png", dpi: float | None = None) -> bytes:
    """The figure encoded as ``fmt`` (png, svg or pdf)."""
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=_default_dpi(fig, dpi), metadata=_metadata(fmt))
    return buf.getvalue()


def _metadata(fmt: str) -> dict[str, Any]:
    # No creation date: the same logs give byte-identical images (diffable, cacheable).
    if fmt == "svg":
        return {"Date": None, "Creator": None, "Format": None, "Type": None}
    if fmt == "pdf":
        return {"CreationDate": None}
    return {"Software": None}


_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_SVG_XMLNS = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def inline_svg(fig: Figure) -> str:
    """The figure as an ``<svg>`` element to paste into HTML.

    The XML prologue, the doctype, the metadata block and the namespace declarations go: an
    HTML parser puts ``<svg>`` in the SVG namespace by itself, and what remains holds no URL.
    Text is drawn as paths (matplotlib's default), so a run name cannot become markup; the
    comments matplotlib writes next to each text have ``<``, ``>``, ``&`` and ``--`` escaped.
    """
    svg = figure_bytes(fig, "svg").decode("utf-8")
    svg = _SVG_PROLOGUE.sub("", svg, count=1)
    svg = _SVG_METADATA.sub("", svg)
    svg = _SVG_XMLNS.sub("", svg)
    return svg.strip()
