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
from dataclasses import replace

import numpy as np

from losslog.analysis.summary import Series
from losslog.errors import UsageError
from losslog.render.chart_groups import BAND_ALPHA, BAND_WORDS, MAX_CELLS, RunGroup, group_artists, select
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
    NONFINITE_LABEL,
    NOTE_GREY,
    PURPLE,
    SPLIT_COLOURS,
    SPLIT_LABELS,
    SPLIT_STYLES,
    run_style,
)
from losslog.render.chart_text import RUN_WIDTH, collected_legend, label_text, metric_text, subtitle, subtitle_short
from losslog.sanitize import safe_text

#: Side-by-side charts wrap into rows of at most this many columns.
MAX_COLUMNS = 6
#: Overlays of more models than this draw only validation (or test) curves by default.
OVERLAY_ALL_SPLITS = 6
_HIDDEN_TRAIN = f"training curve: past {OVERLAY_ALL_SPLITS} runs an overlay shows held-out curves only"


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
        "single", size, (len(heights), layout_cols), heights, tuple(axes), axis, f"{title}\n{subtitle(cr)}",
        collected_legend(axes, opts.smooth, size[0]), tuple(_left_out([cr], opts)), label_every_x=True,
    )  # fmt: skip


def wrap_columns(n: int) -> int:
    """Columns of a side-by-side chart of ``n`` cells: all in one row up to ``MAX_COLUMNS``, then
    rows of at most ``MAX_COLUMNS``, balanced (10 cells are 2 rows of 5, not 6 + 4)."""
    if n <= MAX_COLUMNS:
        return max(n, 1)
    return math.ceil(n / math.ceil(n / MAX_COLUMNS))


def plan_grid(
    runs: Sequence[ChartRun], opts: ChartOptions | None = None, groups: Sequence[RunGroup] = (), limit: int = MAX_CELLS
) -> ChartPlan:
    """Several runs side by side: a column per model and a row per kind of metric, wrapped.

    Each kind of metric shares its y axis across the chart, so a lower curve is a lower value
    whichever cell it is in. Past ``MAX_COLUMNS`` runs the columns wrap into rows of blocks; past
    ``limit`` runs only the best are drawn, then the best ``groups`` as mean and band
    (``chart_groups``), and the title says what was left out.
    """
    opts = opts or ChartOptions()
    check_smooth(opts)
    if not runs:
        raise UsageError("nothing to draw: no runs")
    pick = select(runs, groups, limit)
    all_titles = [safe_text(t) for t in opts.column_titles]
    shown = [runs[i] for i in pick.runs]
    drawn_members = [m for g in pick.groups for m in g.members]
    panels = plan_panels([*shown, *drawn_members], opts.metrics)
    axis = choose_x([*shown, *drawn_members], panels, opts)
    n = len(shown) + len(pick.groups)
    cols = wrap_columns(n)
    block_rows = math.ceil(n / cols)
    col_w = 3.0 if cols <= 3 else 2.5 if cols <= 4 else 2.4
    block = [0.5 if p.key == "lr" else 1.0 for p in panels]
    heights = tuple(block * block_rows)
    row_h = 2.5 if block_rows == 1 else 2.1
    size = opts.size or (max(6.5, col_w * cols + 1.0), sum(row_h * h for h in heights) + 0.35 * block_rows + 1.9)
    safe_names = [safe_text(cr.name) for cr in shown]
    width = 30 if cols <= 4 else 22
    titles = [all_titles[i] for i in pick.runs if i < len(all_titles)] if all_titles else []
    titles = titles if len(titles) == len(shown) else short_names(safe_names, width)
    titles += [f"group {shorten(g.label, width)}\nn={len(g.members)} · {BAND_WORDS}" for g in pick.groups]
    per_panel = [[panel_series(cr, p, opts.metrics) for cr in shown] for p in panels]
    axes: list[AxesPlan] = []
    first_of_panel: dict[int, int] = {}
    for br in range(block_rows):
        for r, panel in enumerate(panels):
            values = [s.values for series in per_panel[r] for s in series]
            values += [s.values for g in pick.groups for m in g.members for s in panel_series(m, panel, opts.metrics)]
            log = log_scale(panel, values, opts)
            ylim = robust_ylim(values, log)
            for c in range(cols):
                k = br * cols + c
                if k >= n:
                    break
                notes: list[Note] = []
                if k < len(shown):
                    cr, series = shown[k], per_panel[r][k]
                    artists = _panel_artists(cr, panel, series, axis, opts, f"{cr.name}:")
                    subtitle, run = subtitle_short(cr), safe_names[k]
                    empty = not series
                else:
                    group = pick.groups[k - len(shown)]
                    artists = group_artists(group, panel, axis, opts)
                    subtitle, run, empty = "", None, not artists
                if empty:
                    notes.append(Note("not logged", 0.5, 0.5, "center", "center", 8, NOTE_GREY))
                if ylim and k == 0:
                    notes.append(clipped_note())
                bottom = r == len(panels) - 1 and k + cols >= n
                title = (f"{titles[k]}\n{subtitle}" if subtitle else titles[k]) if r == 0 else ""
                axes.append(AxesPlan(
                    panel, (br * len(panels) + r, c, c + 1), c if (br or r) else None, first_of_panel.get(r),
                    artists, log, ylim, tuple(notes), title, "center", 9, False,
                    axis.label if bottom else "", metric_text(panel.title) if c == 0 else "",
                    ylabel_bold=True, y_tick_labels=c == 0, small=True, run=run,
                ))  # fmt: skip
                first_of_panel.setdefault(r, len(axes) - 1)
    suptitle = safe_text(opts.title or f"{len(runs)} runs side by side")
    if pick.note:
        suptitle += "\n" + pick.note
    legend = collected_legend(axes, opts.smooth, size[0])
    if pick.groups:
        band = LegendEntry(f"group: {BAND_WORDS}", LegendKey(KEY_GREY, linewidth=7, alpha=BAND_ALPHA))
        legend = replace(legend, entries=(*legend.entries, band))
    return ChartPlan(
        "grid", size, (len(heights), cols), heights, tuple(axes), axis, suptitle,
        legend, tuple(_left_out(shown, opts)), label_every_x=False,
        runs_left_out=pick.runs_left_out, note=pick.note,
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


def plan_for(
    runs: Sequence[ChartRun], opts: ChartOptions | None = None, overlay: bool = False, groups: Sequence[RunGroup] = ()
) -> ChartPlan:
    """The chart ``losslog plot`` draws: one run alone, several side by side or overlaid.

    Past ``MAX_CELLS`` runs, side by side draws the best runs and the best groups; an overlay
    draws the best ``MAX_CELLS`` runs. Either says in its title what was left out.
    """
    if not runs:
        raise UsageError("nothing to draw: no runs")
    if len(runs) == 1 and not overlay:
        return plan_single(runs[0], opts)
    if not overlay:
        return plan_grid(runs, opts, groups)
    pick = select(runs, (), MAX_CELLS)
    plan = plan_overlay([runs[i] for i in pick.runs], opts)
    if not pick.note:
        return plan
    title = safe_text((opts.title if opts else None) or f"{len(runs)} runs overlaid")
    rest = plan.suptitle.split("\n", 1)[1:]
    return replace(
        plan, suptitle="\n".join([title, pick.note, *rest]), runs_left_out=pick.runs_left_out, note=pick.note
    )
