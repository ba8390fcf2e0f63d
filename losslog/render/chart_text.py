"""Text as a chart draws it: names made safe and short, panel subtitles, the collected legend.

Shared by every chart plan (``chart_plan``, ``sweep_plan``); no matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence

from losslog.render.chart_parts import AxesPlan, LegendEntry, LegendKey, LegendPlan
from losslog.render.chart_series import ChartRun, shorten
from losslog.render.chart_style import MARK_LABELS
from losslog.render.words import num, x_label
from losslog.sanitize import safe_text

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


def subtitle(cr: ChartRun) -> str:
    a = cr.analysis
    parts = [a.verdict]
    if a.best is not None:
        parts.append(f"best {x_label(a.best.step, a.best.epoch)}, {metric_text(a.best.metric)} {num(a.best.value)}")
    return " · ".join(parts)


def subtitle_short(cr: ChartRun) -> str:
    a = cr.analysis
    if a.best is None:
        return a.verdict
    return f"{a.verdict} · best {x_label(a.best.step, a.best.epoch)}"


def legend_cols(width: float, labels: Sequence[str]) -> int:
    """As many legend columns as fit the figure's width (one row when they all fit)."""
    entry_pt = 26 + 4.6 * max((len(lab) for lab in labels), default=1)
    return max(1, min(len(labels), int(width * 72 // entry_pt)))


def collected_legend(axes: Sequence[AxesPlan], smooth: float, width: float) -> LegendPlan:
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
    return LegendPlan(tuple(entries), "outside lower center", legend_cols(width, [e.label for e in entries]))
