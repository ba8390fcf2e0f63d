"""The pieces a chart plan is made of, and what goes inside one panel.

Plain frozen dataclasses, no matplotlib: ``ChartPlan`` holds ``AxesPlan`` panels, each a list of
lines, vertical lines and shaded spans plus notes, titles and its y scale; ``LegendPlan`` and
``LeftOut`` say what the legend lists and which series the chart does not draw. Each primitive maps
to one matplotlib call in ``chart_draw``; a field left ``None`` keeps matplotlib's default. Arrays
are numpy (thinned already), so the line dataclasses compare by identity.

The functions below build one panel's content (a series' lines, the analysis' marks, the y range);
``chart_plan`` puts panels together into the three kinds of chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from losslog.analysis.smoothing import tb_smooth
from losslog.analysis.summary import Series
from losslog.render.chart_series import ChartOptions, ChartRun, Panel, XAxis, drawing_weight, run_x_end, x_at
from losslog.render.chart_style import (
    BAD_COLOUR,
    BEST_COLOUR,
    BEST_LABEL,
    BLACK,
    DIVERGENCE_LABEL,
    NONFINITE_LABEL,
    OVERFIT_COLOUR,
    OVERFIT_LABEL,
    SPLIT_COLOURS,
)
from losslog.render.thinning import spread, thin_indices

_MANY_POINTS = 60  # above this, raw points are a faint line rather than dots
CLIPPED_NOTE = "y clipped to the 1st–99th percentile"


@dataclass(frozen=True, eq=False)
class Line:
    """A line or a row of markers. ``gid`` names it for tests (``raw:``, ``smooth:``, ``nonfinite:``
    followed by the run and tag; ``best-point``); ``label`` is its legend text ("" = none)."""

    x: np.ndarray
    y: np.ndarray
    colour: str
    gid: str
    label: str = ""
    linestyle: str = "-"
    linewidth: float | None = None
    alpha: float | None = None
    marker: str | None = None
    markersize: float | None = None
    markevery: int | None = None
    markeredgecolor: str | None = None
    markeredgewidth: float | None = None
    zorder: float | None = None
    #: y is a fraction of the panel's height, not data (NaN/inf crosses along the top edge)
    y_in_axes: bool = False
    #: points in the series before thinning (``len(x)`` is what is drawn)
    points: int = 0
    #: the TensorBoard smoothing weight applied to ``y`` (0 = raw values)
    smoothing: float = 0.0


@dataclass(frozen=True)
class VLine:
    """A vertical line across the panel: the best checkpoint, a divergence."""

    x: float
    colour: str
    linestyle: str
    linewidth: float
    gid: str
    label: str = ""
    alpha: float | None = None


@dataclass(frozen=True)
class Span:
    """A shaded stretch of x: overfitting, from its onset to the run's end."""

    x0: float
    x1: float
    colour: str
    alpha: float
    gid: str
    label: str = ""


@dataclass(frozen=True)
class Note:
    """A small text placed in panel fractions (0..1), not data."""

    text: str
    x: float
    y: float
    ha: str
    va: str
    fontsize: float
    colour: str
    gid: str | None = None


@dataclass(frozen=True, eq=False)
class Band:
    """A shaded band between two curves: a group's spread (min to max of its runs) around its mean."""

    x: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    colour: str
    alpha: float
    gid: str
    label: str = ""


Artist = Line | VLine | Span | Band


@dataclass(frozen=True)
class AxesPlan:
    """One panel: where it sits, what it draws, and its titles (already literal, safe text)."""

    panel: Panel
    #: layout cell: grid row, first column, last column + 1
    cell: tuple[int, int, int]
    #: index (in ``ChartPlan.axes``) of the panel whose x / y axis this one shares
    share_x: int | None
    share_y: int | None
    artists: tuple[Artist, ...]
    log: bool
    #: y range clipped to the bulk of the data; None fits all of it
    ylim: tuple[float, float] | None
    notes: tuple[Note, ...]
    title: str
    title_loc: str
    title_size: float
    title_bold: bool
    xlabel: str
    ylabel: str
    ylabel_bold: bool = False
    y_tick_labels: bool = True
    #: a small panel (learning rate, grid cell) gets fewer ticks
    small: bool = False
    #: the run drawn here, when the panel holds one run among several (side by side)
    run: str | None = None


@dataclass(frozen=True)
class LegendKey:
    """A legend sample that stands for a style rather than a drawn line."""

    colour: str
    linestyle: str | None = None
    linewidth: float | None = None
    marker: str | None = None
    markersize: float | None = None
    alpha: float | None = None
    markeredgecolor: str | None = None


@dataclass(frozen=True)
class LegendEntry:
    label: str
    #: None: the key is the first drawn artist carrying this label
    key: LegendKey | None = None


@dataclass(frozen=True)
class LegendPlan:
    entries: tuple[LegendEntry, ...]
    loc: str
    ncols: int | None = None
    title: str | None = None


@dataclass(frozen=True)
class LeftOut:
    """A series of a run that the chart does not draw, and why."""

    run: str
    tag: str
    reason: str


@dataclass(frozen=True)
class ChartPlan:
    kind: str  # single | grid | overlay
    size: tuple[float, float]  # inches
    #: layout grid: rows, columns and the rows' relative heights
    grid: tuple[int, int]
    height_ratios: tuple[float, ...]
    axes: tuple[AxesPlan, ...]
    x_axis: XAxis
    suptitle: str
    legend: LegendPlan
    left_out: tuple[LeftOut, ...]
    #: every panel shows x tick labels, shared axis or not
    label_every_x: bool
    #: runs not drawn (past the side-by-side limit), and the sentence that says so
    runs_left_out: tuple[str, ...] = ()
    note: str = ""


# ---------------------------------------------------------------------------------------------
# building a panel's content


def series_lines(
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
) -> list[Line]:
    """One series: the smoothed curve over the faint raw points, and red crosses where NaN/inf."""
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
    out: list[Line] = []
    if smoothing:
        if show_raw:
            out.append(Line(
                x[keep], y[keep], colour, f"raw:{gid}", alpha=0.28, linewidth=0.8, linestyle=linestyle,
                marker=raw_marker or None, markersize=2.5, points=len(y),
            ))  # fmt: skip
        weight = drawing_weight(smooth, nfin)
        sm = tb_smooth(y, weight)
        keep_s = thin_indices(sm, max_points)
        out.append(Line(
            x[keep_s], sm[keep_s], colour, f"smooth:{gid}", label=label, linewidth=1.8, linestyle=linestyle,
            marker=marker, markevery=markevery, markersize=4, points=len(y), smoothing=weight,
        ))  # fmt: skip
    else:
        out.append(Line(
            x[keep], y[keep], colour, f"raw:{gid}", label=label, linewidth=1.6, linestyle=linestyle,
            marker=marker or raw_marker or None, markevery=markevery if marker else None, markersize=3.5,
            points=len(y),
        ))  # fmt: skip
    bad = np.flatnonzero(~finite & np.isfinite(x))
    if len(bad):
        xb = spread(x[bad], 400)
        out.append(Line(
            xb, np.full(len(xb), 0.97), BAD_COLOUR, f"nonfinite:{gid}", label=NONFINITE_LABEL, linestyle="none",
            marker="x", markersize=5, markeredgewidth=1.3, y_in_axes=True, points=len(bad),
        ))  # fmt: skip
    return out


def best_marks(cr: ChartRun, axis: XAxis, on_panel: Sequence[Series], colour: str | None = None) -> list[Line | VLine]:
    """The best checkpoint: a dotted line (one-run colours only) and a star on the monitored series."""
    best = cr.analysis.best
    if best is None:
        return []
    bx = x_at(cr, best.step, best.epoch, axis)
    if bx is None:
        return []
    out: list[Line | VLine] = []
    if colour is None:
        out.append(VLine(bx, BEST_COLOUR, ":", 1.2, gid="best", label=BEST_LABEL))
    monitored = [s for s in on_panel if s.tag == best.tag]
    if monitored:
        out.append(Line(
            np.array([bx]), np.array([best.value]), colour or SPLIT_COLOURS.get(monitored[0].name.split, BLACK),
            "best-point", label=BEST_LABEL, linestyle="none", marker="*", markersize=13, markeredgecolor="black",
            markeredgewidth=0.7, zorder=5, points=1,
        ))  # fmt: skip
    return out


def finding_marks(cr: ChartRun, axis: XAxis) -> list[Span | VLine]:
    """The overfitting stretch (shaded to the run's end) and the divergence onset (dashed red)."""
    end = run_x_end(cr, axis)
    out: list[Span | VLine] = []
    for f in cr.analysis.findings:
        if f.onset_step is None:
            continue
        fx = x_at(cr, f.onset_step, f.onset_epoch, axis)
        if fx is None:
            continue
        if f.code == "overfitting" and end is not None and end > fx:
            out.append(Span(fx, end, OVERFIT_COLOUR, 0.16, gid="overfitting", label=OVERFIT_LABEL))
        elif f.code == "divergence":
            out.append(VLine(fx, BAD_COLOUR, "--", 1.2, gid="divergence", label=DIVERGENCE_LABEL))
    return out


def log_scale(panel: Panel, values: Sequence[np.ndarray], opts: ChartOptions) -> bool:
    """Log scale for ``--log-y`` (except learning rates), and for learning rates spanning decades."""
    if panel.key == "lr":
        v = np.concatenate([a[np.isfinite(a) & (a > 0)] for a in values]) if values else np.array([])
        return bool(len(v) and float(np.max(v)) / float(np.min(v)) >= 100)
    return opts.log_y


def robust_ylim(values: Sequence[np.ndarray], log: bool) -> tuple[float, float] | None:
    """Keep a few wild points (a spike to 1e6) from flattening every curve into the floor.

    When the full range is more than four times the 1st–99th percentile range, the axis shows the
    percentile range (padded); the clipped points run off the edge, as in TensorBoard's "ignore
    outliers in chart scaling". None: let the drawing fit the data.
    """
    if log or not values:
        return None
    v = np.concatenate([a[np.isfinite(a)] for a in values])
    if len(v) < 20:
        return None
    lo, hi = float(np.min(v)), float(np.max(v))
    qlo, qhi = (float(q) for q in np.quantile(v, [0.01, 0.99]))
    span = qhi - qlo
    if span <= 0 or (hi - lo) <= 4 * span:
        return None
    pad = 0.12 * span
    return qlo - pad, qhi + pad


def clipped_note() -> Note:
    """The corner note on a panel whose y range was clipped by :func:`robust_ylim`."""
    return Note(CLIPPED_NOTE, 1.0, 1.0, "right", "bottom", 7, "#777777", gid="clipped")
