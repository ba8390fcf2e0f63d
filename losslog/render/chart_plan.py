"""The chart plan: everything a chart shows, decided without matplotlib.

A plan is a display list of frozen dataclasses: the layout grid, each panel's lines (already
thinned for drawing and smoothed the way TensorBoard does), its marks (best checkpoint, overfitting
stretch, divergence, NaN/inf crosses), its scale and y range, every title, label and legend entry,
and what was left out and why. ``chart_draw`` turns a plan into a figure and decides nothing.
Keeping the two apart lets tests read a chart's content without pixels or matplotlib, and keeps
the decisions in one place whichever backend draws them.

Names come from strangers' logs: every run, metric and tag name in a plan has passed through
``safe_text`` (no control characters) and is literal text; the drawing never parses it as math.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from losslog.analysis.summary import Series
from losslog.errors import UsageError
from losslog.render.chart_parts import (
    Artist,
    AxesPlan,
    ChartPlan,
    LeftOut,
    LegendEntry,
    LegendKey,
    LegendPlan,
    Line,
    Note,
    VLine,
    best_marks,
    clipped_note,
    finding_marks,
    log_scale,
    robust_ylim,
    series_lines,
)
from losslog.render.chart_series import (
    ChartOptions,
    ChartRun,
    Panel,
    XAxis,
    check_smooth,
    choose_x,
    panel_series,
    plan_panels,
    series_x,
    short_names,
    shorten,
    unselected,
    x_at,
)
from losslog.render.chart_style import (
    BAD_COLOUR,
    BEST_LABEL,
    DIVERGENCE_LABEL,
    KEY_GREY,
    LR_COLOURS,
    MARK_LABELS,
    NONFINITE_LABEL,
    NOTE_GREY,
    PURPLE,
    SPLIT_COLOURS,
    SPLIT_LABELS,
    SPLIT_STYLES,
    run_style,
)
from losslog.render.words import num, x_label
from losslog.sanitize import safe_text

#: Overlays of more models than this draw only validation (or test) curves by default.
OVERLAY_ALL_SPLITS = 6
_HIDDEN_TRAIN = f"training curve: past {OVERLAY_ALL_SPLITS} runs an overlay shows held-out curves only"


# ---------------------------------------------------------------------------------------------
# names as drawn


#: Metric names are cut to this many characters in titles, labels and legends (a panel title
#: wider than its panel would squeeze the panel to nothing); run names in a title to RUN_WIDTH.
METRIC_WIDTH = 40
RUN_WIDTH = 60


def metric_text(name: str) -> str:
    """A metric or tag name as drawn: safe text, shortened with a middle ellipsis."""
    return shorten(safe_text(name), METRIC_WIDTH)


def label_text(name: str) -> str:
    """A name as a legend label: safe text, and never starting with "_" (matplotlib would hide it)."""
    s = safe_text(name)
    return " " + s if s.startswith("_") else s


def _subtitle(cr: ChartRun) -> str:
    a = cr.analysis
    parts = [a.verdict]
    if a.best is not None:
        parts.append(f"best {x_label(a.best.step, a.best.epoch)}, {metric_text(a.best.metric)} {num(a.best.value)}")
    return " · ".join(parts)


def _subtitle_short(cr: ChartRun) -> str:
    a = cr.analysis
    if a.best is None:
        return a.verdict
    return f"{a.verdict} · best {x_label(a.best.step, a.best.epoch)}"


# ---------------------------------------------------------------------------------------------
# shared pieces


def _grid_shape(n: int) -> tuple[int, int]:
    if n <= 1:
        return 1, 1
    cols = 2 if n in (2, 4) else 3 if n <= 9 else 4
    return math.ceil(n / cols), cols


def _stacked(n_main: int, has_lr: bool, cols: int) -> tuple[list[tuple[int, int, int]], tuple[float, ...]]:
    """Cells of ``n_main`` panels filling rows of ``cols``, and a low learning-rate row across all."""
    rows = math.ceil(n_main / cols) if n_main else 0
    cells = [(i // cols, i % cols, i % cols + 1) for i in range(n_main)]
    if has_lr:
        cells.append((rows, 0, cols))
    return cells, tuple([1.0] * rows + ([0.45] if has_lr else []))


def _run_lines(
    cr: ChartRun, panel: Panel, series: list[Series], axis: XAxis, opts: ChartOptions, prefix: str
) -> list[Line]:
    """One run's series in one panel: train and validation keep their colours, learning rates are plain lines."""
    lr = panel.key == "lr"
    out: list[Line] = []
    for i, s in enumerate(series):
        if lr:
            colour, label = LR_COLOURS[i % len(LR_COLOURS)], "learning rate" if len(series) == 1 else s.tag
        else:
            colour, label = SPLIT_COLOURS.get(s.name.split, PURPLE), SPLIT_LABELS.get(s.name.split, s.name.split)
        out += series_lines(
            series_x(cr, s, axis), s.values, colour=colour, label=label_text(metric_text(label)),
            smooth=0.0 if lr else opts.smooth, raw_marker="" if lr else None, max_points=opts.max_points,
            gid=safe_text(f"{prefix}{s.tag}"),
        )  # fmt: skip
    return out


def _panel_artists(
    cr: ChartRun, panel: Panel, series: list[Series], axis: XAxis, opts: ChartOptions, prefix: str
) -> tuple[Artist, ...]:
    """A run's marks and lines in one panel, the same in a single chart and a grid."""
    return (*finding_marks(cr, axis), *_run_lines(cr, panel, series, axis, opts, prefix), *best_marks(cr, axis, series))


def _legend_cols(width: float, labels: Sequence[str]) -> int:
    """As many legend columns as fit the figure's width (one row when they all fit)."""
    entry_pt = 26 + 4.6 * max((len(lab) for lab in labels), default=1)
    return max(1, min(len(labels), int(width * 72 // entry_pt)))


def _collected_legend(axes: Sequence[AxesPlan], smooth: float, width: float) -> LegendPlan:
    """The labels of the drawn lines and marks, then the raw/smoothed keys; marks last."""
    entries: list[LegendEntry] = []
    seen: set[str] = set()
    for ap in axes:
        for a in ap.artists:
            if a.label and not a.label.startswith("_") and a.label not in seen:
                entries.append(LegendEntry(a.label))
                seen.add(a.label)
    if smooth > 0:
        extra = [
            LegendEntry("raw points", LegendKey("#777777", alpha=0.35, linewidth=0.8, marker="o", markersize=2.5)),
            LegendEntry(f"smoothed (weight {smooth:g})", LegendKey("#777777", linewidth=1.8)),
        ]
        entries += [e for e in extra if e.label not in seen]
    entries.sort(key=lambda e: (e.label in MARK_LABELS, MARK_LABELS.index(e.label) if e.label in MARK_LABELS else 0))
    return LegendPlan(tuple(entries), "outside lower center", _legend_cols(width, [e.label for e in entries]))


def _left_out(runs: Sequence[ChartRun], opts: ChartOptions) -> list[LeftOut]:
    return [
        LeftOut(safe_text(cr.name), safe_text(s.tag), why) for cr in runs for s, why in unselected(cr, opts.metrics)
    ]


# ---------------------------------------------------------------------------------------------
# the three charts


def plan_single(cr: ChartRun, opts: ChartOptions | None = None) -> ChartPlan:
    """One run: a panel per kind of metric, train and validation together, LR small at the bottom."""
    opts = opts or ChartOptions()
    check_smooth(opts)
    panels = plan_panels([cr], opts.metrics)
    axis = choose_x([cr], panels, opts)
    main = [p for p in panels if p.key != "lr"]
    ordered = main + [p for p in panels if p.key == "lr"]
    has_lr = len(main) < len(panels)
    rows, cols = _grid_shape(len(main))
    size = opts.size or (max(6.5, 4.3 * cols), 3.1 * max(rows, 1) + (1.5 if has_lr else 0) + 1.3)
    layout_cols = cols if main else 1
    cells, heights = _stacked(len(main), has_lr, layout_cols)
    axes: list[AxesPlan] = []
    for i, panel in enumerate(ordered):
        series = panel_series(cr, panel, opts.metrics)
        values = [s.values for s in series]
        log = log_scale(panel, values, opts)
        ylim = robust_ylim(values, log)
        title = metric_text(panel.title)
        axes.append(AxesPlan(
            panel, cells[i], 0 if i else None, None, _panel_artists(cr, panel, series, axis, opts, ""), log, ylim,
            (clipped_note(),) if ylim else (), title, "left", 10, True, axis.label, title + (" (log)" if log else ""),
            small=panel.key == "lr",
        ))  # fmt: skip
    title = safe_text(opts.title) if opts.title else shorten(safe_text(cr.name), RUN_WIDTH)
    return ChartPlan(
        "single", size, (len(heights), layout_cols), heights, tuple(axes), axis, f"{title}\n{_subtitle(cr)}",
        _collected_legend(axes, opts.smooth, size[0]), tuple(_left_out([cr], opts)), label_every_x=True,
    )  # fmt: skip


def plan_grid(runs: Sequence[ChartRun], opts: ChartOptions | None = None) -> ChartPlan:
    """Several runs side by side: one column per model, one row per kind of metric.

    Each row shares its y axis, so a lower curve is a lower value whichever column it is in.
    """
    opts = opts or ChartOptions()
    check_smooth(opts)
    if not runs:
        raise UsageError("nothing to draw: no runs")
    panels = plan_panels(runs, opts.metrics)
    axis = choose_x(runs, panels, opts)
    n = len(runs)
    col_w = 3.0 if n <= 3 else 2.5 if n <= 6 else 2.1
    heights = tuple(0.5 if p.key == "lr" else 1.0 for p in panels)
    size = opts.size or (max(6.5, col_w * n + 1.0), sum(2.5 * h for h in heights) + 1.9)
    safe_names = [safe_text(cr.name) for cr in runs]
    titles = [safe_text(t) for t in opts.column_titles] or short_names(safe_names, 30 if n <= 4 else 22)
    axes: list[AxesPlan] = []
    for r, panel in enumerate(panels):
        per_run = [panel_series(cr, panel, opts.metrics) for cr in runs]
        values = [s.values for series in per_run for s in series]
        log = log_scale(panel, values, opts)
        ylim = robust_ylim(values, log)
        first = len(axes)
        for c, (cr, series) in enumerate(zip(runs, per_run)):
            notes = [Note("not logged", 0.5, 0.5, "center", "center", 8, NOTE_GREY)] if not series else []
            if ylim and c == 0:
                notes.append(clipped_note())
            axes.append(AxesPlan(
                panel, (r, c, c + 1), c if r else None, first if c else None,
                _panel_artists(cr, panel, series, axis, opts, f"{cr.name}:"), log, ylim, tuple(notes),
                f"{titles[c]}\n{_subtitle_short(cr)}" if r == 0 else "", "center", 9, False,
                axis.label if r == len(panels) - 1 else "", metric_text(panel.title) if c == 0 else "",
                ylabel_bold=True, y_tick_labels=c == 0, small=True, run=safe_names[c],
            ))  # fmt: skip
    return ChartPlan(
        "grid", size, (len(panels), n), heights, tuple(axes), axis, safe_text(opts.title or f"{n} runs side by side"),
        _collected_legend(axes, opts.smooth, size[0]), tuple(_left_out(runs, opts)), label_every_x=False,
    )  # fmt: skip


def _overlay_series(series: list[Series], held_out: bool) -> list[Series]:
    """Without the training curves when ``held_out`` and the panel has held-out ones to show."""
    if not held_out:
        return series
    held = [s for s in series if s.name.split in ("val", "test")]
    return held or series


def plan_overlay(runs: Sequence[ChartRun], opts: ChartOptions | None = None) -> ChartPlan:
    """Several runs in the same panels: one colour per model (the same in every panel).

    The split is told by the line style (validation solid, train dashed, test dotted); the legend
    on the right lists the models with their verdicts.
    """
    opts = opts or ChartOptions()
    check_smooth(opts)
    if not runs:
        raise UsageError("nothing to draw: no runs")
    panels = plan_panels(runs, opts.metrics)
    axis = choose_x(runs, panels, opts)
    main = [p for p in panels if p.key != "lr"]
    has_lr = len(main) < len(panels)
    rows, cols = _grid_shape(len(main))
    size = opts.size or (max(7.5, 4.3 * cols + 2.8), 3.1 * max(rows, 1) + (1.5 if has_lr else 0) + 0.9)
    layout_cols = cols if main else 1
    cells, heights = _stacked(len(main), has_lr, layout_cols)
    names = short_names([safe_text(cr.name) for cr in runs], 28)
    show_raw = len(runs) <= 3
    # Past six models, train and validation curves of every model in one panel are a tangle; the
    # validation curves are what models are compared by, so they stay unless --metrics says.
    held_out = len(runs) > OVERLAY_ALL_SPLITS and not opts.metrics
    splits_seen: set[str] = set()
    left_out = _left_out(runs, opts)
    axes: list[AxesPlan] = []
    for i, panel in enumerate(main + [p for p in panels if p.key == "lr"]):
        lr = panel.key == "lr"
        values: list[np.ndarray] = []
        artists: list[Artist] = []
        for k, cr in enumerate(runs):
            colour, marker = run_style(k)
            every = panel_series(cr, panel, opts.metrics)
            series = _overlay_series(every, held_out)
            hidden = [s for s in every if all(s is not t for t in series)]
            left_out += [LeftOut(names[k], safe_text(s.tag), _HIDDEN_TRAIN) for s in hidden]
            values.extend(s.values for s in series)
            for s in series:
                splits_seen.add(s.name.split)
                artists += series_lines(
                    series_x(cr, s, axis), s.values, colour=colour, label="", smooth=0.0 if lr else opts.smooth,
                    show_raw=show_raw, marker=marker, raw_marker="" if lr else None,
                    linestyle=":" if lr and s is not series[0] else SPLIT_STYLES.get(s.name.split, "-"),
                    max_points=opts.max_points, gid=safe_text(f"{cr.name}:{s.tag}"),
                )  # fmt: skip
            artists += best_marks(cr, axis, series, colour=colour)
            for f in cr.analysis.findings:
                if f.code == "divergence" and f.onset_step is not None:
                    fx = x_at(cr, f.onset_step, f.onset_epoch, axis)
                    if fx is not None:
                        artists.append(VLine(fx, colour, "--", 1.0, gid="divergence", alpha=0.8))
        log = log_scale(panel, values, opts)
        ylim = robust_ylim(values, log)
        title = metric_text(panel.title)
        axes.append(AxesPlan(
            panel, cells[i], 0 if i else None, None, tuple(artists), log, ylim, (clipped_note(),) if ylim else (),
            title, "left", 10, True, axis.label, title + (" (log)" if log else ""), small=lr,
        ))  # fmt: skip
    entries = [
        LegendEntry(label_text(f"{names[k]} ({cr.analysis.verdict})"),
                    LegendKey(run_style(k)[0], linewidth=2, marker=run_style(k)[1], markersize=4))
        for k, cr in enumerate(runs)
    ]  # fmt: skip
    entries += [
        LegendEntry(SPLIT_LABELS[sp], LegendKey(KEY_GREY, linestyle=SPLIT_STYLES[sp], linewidth=1.6))
        for sp in ("train", "val", "test")
        if sp in splits_seen
    ]
    entries.append(
        LegendEntry(BEST_LABEL, LegendKey("#999999", "none", marker="*", markersize=11, markeredgecolor="black"))
    )
    if any(not np.isfinite(s.values).all() for cr in runs for s in cr.series):
        entries.append(LegendEntry(NONFINITE_LABEL, LegendKey(BAD_COLOUR, "none", marker="x")))
    if any(f.code == "divergence" for cr in runs for f in cr.analysis.findings):
        entries.append(LegendEntry(DIVERGENCE_LABEL, LegendKey(KEY_GREY, "--")))
    title = safe_text(opts.title or f"{len(runs)} runs overlaid")
    if held_out:
        title += "\n(validation curves only, for legibility; --metrics chooses)"
    return ChartPlan(
        "overlay", size, (len(heights), layout_cols), heights, tuple(axes), axis, title,
        LegendPlan(tuple(entries), "outside right upper", title="models"), tuple(left_out), label_every_x=True,
    )  # fmt: skip


def plan_for(runs: Sequence[ChartRun], opts: ChartOptions | None = None, overlay: bool = False) -> ChartPlan:
    """The chart ``losslog plot`` draws: one run alone, several side by side or overlaid."""
    if not runs:
        raise UsageError("nothing to draw: no runs")
    if len(runs) == 1 and not overlay:
        return plan_single(runs[0], opts)
    if overlay:
        return plan_overlay(runs, opts)
    return plan_grid(runs, opts)
