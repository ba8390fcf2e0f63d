"""Charts of training runs: one run, several side by side, or several overlaid.

A chart is made in two steps, each in its own module:

- ``chart_plan`` decides what to draw, without matplotlib: which panels, which series in each
  (``chart_series``), lines thinned and smoothed, marks from the analysis, titles, legend, and what
  was left out (``chart_lines`` holds the pieces, ``chart_style`` the colours);
- ``chart_draw`` turns a plan into a matplotlib figure and writes PNG, SVG or PDF.

A chart needs both the points (``Run``) and what the analysis concluded (``RunAnalysis``): the
points draw the curves, the analysis says where the best checkpoint is, where overfitting starts
and where the run diverged. The chart never decides any of that.

Conventions kept in every chart, so a person reads all of them the same way: Okabe-Ito colours
(train blue, validation vermillion; one colour per model in an overlay, the split told by the line
style); the smoothed curve solid over faint raw points; the best checkpoint a dotted line and a
star, overfitting shaded, divergence a dashed red line, NaN/inf points red crosses along the top;
legends outside the panels; long run names shortened with a middle ellipsis, kept unique; names
always drawn as literal text.

This module is the entry point the commands use: it re-exports both halves and composes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from losslog.render.chart_draw import draw, figure_bytes, inline_svg, save_figure
from losslog.render.chart_groups import MAX_CELLS, RunGroup
from losslog.render.chart_plan import ChartPlan, plan_for, plan_grid, plan_overlay, plan_single
from losslog.render.chart_series import (
    FORMATS,
    X_MODES,
    ChartOptions,
    ChartRun,
    chart_format,
    chart_input,
    chart_inputs,
    short_names,
    shorten,
)
from losslog.render.chart_style import RUN_COLOURS, SPLIT_COLOURS, run_style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "FORMATS",
    "MAX_CELLS",
    "RUN_COLOURS",
    "SPLIT_COLOURS",
    "X_MODES",
    "ChartOptions",
    "ChartPlan",
    "ChartRun",
    "RunGroup",
    "chart_format",
    "chart_input",
    "chart_inputs",
    "draw",
    "figure_bytes",
    "figure_for",
    "figure_grid",
    "figure_overlay",
    "figure_single",
    "inline_svg",
    "plan_for",
    "plan_grid",
    "plan_overlay",
    "plan_single",
    "run_style",
    "save_figure",
    "short_names",
    "shorten",
]


def figure_single(cr: ChartRun, opts: ChartOptions | None = None) -> Figure:
    """One run: a panel per kind of metric, train and validation together, LR small at the bottom."""
    return draw(plan_single(cr, opts))


def figure_grid(runs: Sequence[ChartRun], opts: ChartOptions | None = None, groups: Sequence[RunGroup] = ()) -> Figure:
    """Several runs side by side: a column per model, a row per kind of metric, wrapped; past
    ``MAX_CELLS`` runs the best runs and the best ``groups`` (mean and band)."""
    return draw(plan_grid(runs, opts, groups))


def figure_overlay(runs: Sequence[ChartRun], opts: ChartOptions | None = None) -> Figure:
    """Several runs in the same panels: one colour per model, the split told by the line style."""
    return draw(plan_overlay(runs, opts))


def figure_for(
    runs: Sequence[ChartRun], opts: ChartOptions | None = None, overlay: bool = False, groups: Sequence[RunGroup] = ()
) -> Figure:
    """The chart ``losslog plot`` draws: one run alone, several side by side or overlaid."""
    return draw(plan_for(runs, opts, overlay, groups))
