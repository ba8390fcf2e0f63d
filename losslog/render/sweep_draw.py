"""Drawing a sweep plan with matplotlib (imported only inside the functions, as in ``chart_draw``).

Every decision (axes, scales, categories, colours, order, labels) is in ``sweep_plan``; this
module makes the calls. Text is literal (``parse_math=False``): a ``$`` in a name is a dollar sign.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from losslog.render.chart_draw import LITERAL, _import_mpl, _step_tick
from losslog.render.sweep_plan import MEANS_LABEL, Parallel, Scatter, SweepPlan

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_GRID = "#e6e6e6"


def draw_sweep(plan: SweepPlan) -> Figure:
    """The figure a sweep plan describes: scatter panels, parallel coordinates, top curves."""
    Figure = _import_mpl()
    fig = Figure(figsize=plan.size, layout="constrained")
    srows = -(-len(plan.scatter) // plan.columns) if plan.scatter else 0
    extra = (1 if plan.parallel else 0) + (1 if plan.top else 0)
    heights = [1.0] * srows + [1.2] * extra
    gs = fig.add_gridspec(max(len(heights), 1), plan.columns, height_ratios=heights or [1.0])
    first: Axes | None = None
    for i, sc in enumerate(plan.scatter):
        ax = fig.add_subplot(gs[i // plan.columns, i % plan.columns], sharey=first)
        first = first or ax
        _scatter(ax, sc, plan, ylabel=i % plan.columns == 0)
    row = srows
    if plan.parallel is not None:
        _parallel(fig, fig.add_subplot(gs[row, :]), plan.parallel, plan)
        row += 1
    if plan.top:
        _top(fig.add_subplot(gs[row, :]), plan)
    title = plan.title + "".join("\n" + n for n in plan.notes)
    fig.suptitle(title, fontsize=11, **LITERAL)
    if plan.verdict_keys and plan.scatter:
        from matplotlib.lines import Line2D

        keys = [
            Line2D([], [], color="black", marker="D", linestyle="-", markersize=6, linewidth=1)
            if label == MEANS_LABEL
            else Line2D([], [], color=c, marker="o", linestyle="none", markersize=6)
            for label, c in plan.verdict_keys
        ]
        labels = [label for label, _ in plan.verdict_keys]
        legend = fig.legend(keys, labels, loc="outside lower center", ncols=len(labels), fontsize=8, frameon=False)
        for text in legend.get_texts():
            text.set_parse_math(False)
    return fig


def _style(ax: Axes) -> None:
    ax.grid(True, color=_GRID, linewidth=0.7)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)


def _scatter(ax: Axes, sc: Scatter, plan: SweepPlan, ylabel: bool) -> None:
    a = sc.axis
    x = a.values + sc.jitter
    ok = np.isfinite(x) & np.isfinite(sc.best)
    colours = [c for c, keep in zip(sc.colours, ok) if keep]
    ax.scatter(x[ok], sc.best[ok], c=colours, s=18, alpha=0.75, linewidths=0, gid=f"scatter:{a.name}")
    if len(sc.mean_x):
        joined = "-" if a.categories is None else "none"  # categories have no order to draw a line along
        ax.plot(sc.mean_x, sc.mean_y, color="black", marker="D", markersize=5, linewidth=1, linestyle=joined,
                gid=f"means:{a.name}")  # fmt: skip
    if a.log:
        ax.set_xscale("log")
    if a.categories is not None:
        ax.set_xticks(range(len(a.categories)), list(a.categories), rotation=30 if len(a.categories) > 4 else 0)
        for label in ax.get_xticklabels():
            label.set_parse_math(False)
        ax.set_xlim(-0.5, len(a.categories) - 0.5)
    ax.set_xlabel(a.name + (" (log)" if a.log else ""), fontsize=9, **LITERAL)
    if ylabel:
        ax.set_ylabel(plan.metric_label, fontsize=9, **LITERAL)
    _style(ax)


def _parallel(fig: Figure, ax: Axes, p: Parallel, plan: SweepPlan) -> None:
    from matplotlib import colormaps
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize

    m = len(p.ticks)
    xs = np.arange(m, dtype="float64")
    segments = [np.column_stack([xs, p.positions[i]]) for i in p.order]
    lo, hi = float(np.min(p.metric)), float(np.max(p.metric))
    norm = Normalize(lo, hi if hi > lo else lo + 1)
    cmap = colormaps["viridis" if plan.goal == "max" else "viridis_r"]  # best runs bright, drawn on top
    alpha = 0.8 if len(segments) <= 50 else 0.45 if len(segments) <= 300 else 0.25
    lines = LineCollection(segments, array=p.metric[p.order], cmap=cmap, norm=norm, linewidths=1.2, alpha=alpha)
    lines.set_gid("parallel")
    ax.add_collection(lines)
    for i in range(m):
        ax.axvline(i, color="#444444", linewidth=0.8)
        for pos, text in p.ticks[i]:
            ax.text(i, pos, " " + text, fontsize=7.5, va="center", ha="left", color="#222222", **LITERAL,
                    bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 0.5})  # fmt: skip
    names = [a.name + (" (log)" if a.log else "") for a in p.axes] + [plan.metric_label]
    ax.set_xticks(range(m), names)
    for label in ax.get_xticklabels():
        label.set_parse_math(False)
        label.set_fontsize(9)
    ax.xaxis.tick_top()
    ax.set_xlim(-0.15, m - 0.6)
    ax.set_ylim(-0.05, 1.05)
    ax.set_yticks([])
    for side in ("left", "right", "bottom", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title("parallel coordinates (a line per run, coloured by the metric)", fontsize=9, loc="left", **LITERAL)
    bar = fig.colorbar(lines, ax=ax, pad=0.01, fraction=0.03)
    bar.set_label(plan.metric_label, fontsize=8)
    bar.ax.tick_params(labelsize=7)


def _top(ax: Axes, plan: SweepPlan) -> None:
    from matplotlib.ticker import FuncFormatter

    for ln in plan.top:
        opts: dict[str, Any] = {"color": ln.colour, "gid": ln.gid, "linestyle": ln.linestyle}
        if ln.linewidth is not None:
            opts["linewidth"] = ln.linewidth
        if ln.alpha is not None:
            opts["alpha"] = ln.alpha
        if ln.marker:
            opts["marker"], opts["markersize"] = ln.marker, ln.markersize or 4
        if ln.y_in_axes:
            opts.update(transform=ax.get_xaxis_transform(), clip_on=False, linestyle="none")
        ax.plot(ln.x, ln.y, **opts)
    axis = plan.top_axis
    ax.set_xlabel(axis.label if axis else "", fontsize=9, **LITERAL)
    ax.set_ylabel(plan.metric_label.removeprefix("best "), fontsize=9, **LITERAL)
    if axis is not None and axis.mode == "step":
        ax.xaxis.set_major_formatter(FuncFormatter(_step_tick))
    ax.set_title(f"the top {len(plan.legend)} runs' monitored curves", fontsize=9, loc="left", **LITERAL)
    from matplotlib.lines import Line2D

    keys = [Line2D([], [], color=c, linewidth=2) for _, c in plan.legend]
    legend = ax.legend(keys, [label for label, _ in plan.legend], loc="upper center", bbox_to_anchor=(0.5, -0.14),
                       ncols=min(3, len(keys)), fontsize=8, frameon=False)  # fmt: skip
    for text in legend.get_texts():
        text.set_parse_math(False)
    _style(ax)
