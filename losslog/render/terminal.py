"""The terminal report (rich): the verdict first, then the numbers.

Colour only adds emphasis: every state is also spelled out in words (HEALTHY, WARNING ...), so the
report reads the same piped into a file or with NO_COLOR set.

Names, sources and messages reach the terminal only through ``safe_text`` and as rich ``Text``
(never parsed as console markup): a run named ``\x1b]0;title\x07`` or ``[link=...]`` shows as
what it is instead of retitling the terminal or becoming a link.
"""

from __future__ import annotations

from rich.console import Console, Group, JustifyMethod
from rich.table import Table
from rich.text import Text

from losslog.analysis import RunAnalysis
from losslog.render.sparkline import sparkline
from losslog.render.words import (
    SEVERITY_LABEL,
    SEVERITY_MARK,
    checkpoint_sentence,
    gap_sentence,
    headline,
    loss_reading_sentence,
    monitor_sentence,
    num,
    replaced_sentence,
    trend_text,
    x_label,
)
from losslog.report import Report
from losslog.sanitize import safe_text

_STYLE = {"error": "bold red", "warning": "bold yellow", "info": "cyan"}


def _t(text: object, style: str = "") -> Text:
    """Literal, single-line text for the terminal."""
    return Text(safe_text(text), style=style)


def run_group(run: RunAnalysis) -> Group:
    parts: list[object] = []
    title = Text()
    title.append(safe_text(run.name), style="bold")
    title.append(safe_text(f"  {run.format} · {run.source} · {run.points:,} points"), style="dim")
    parts.append(title)
    verdict = run.verdict
    lead_severity = next((f.severity for f in run.findings if f.code == verdict), None)
    style = "bold green" if lead_severity is None else _STYLE[lead_severity]
    parts.append(_t("  " + headline(run), style))
    lead = next((f for f in run.findings if f.code == verdict), None)
    if lead is not None and lead.suggestion:
        parts.append(_t(f"  → {lead.suggestion}"))
    if run.best is not None:
        parts.append(_t("  " + checkpoint_sentence(run.best)))
    for f in run.findings:
        if f is lead:
            continue
        line = _t(f"  {SEVERITY_MARK[f.severity]} {SEVERITY_LABEL[f.severity]} {f.code}: ", _STYLE[f.severity])
        line.append(safe_text(f.message))
        parts.append(line)
    for sentence in (monitor_sentence(run), gap_sentence(run), loss_reading_sentence(run), replaced_sentence(run)):
        if sentence:
            parts.append(_t("  " + sentence, "dim"))
    for w in run.warnings:
        parts.append(_t(f"  warning: {w}", "yellow"))
    parts.append(metrics_table(run))
    return Group(*parts)  # type: ignore[arg-type]


def metrics_table(run: RunAnalysis) -> Table:
    table = Table(box=None, pad_edge=False, padding=(0, 1), show_edge=False, header_style="bold")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("metric", "left"),
        ("split", "left"),
        ("goal", "left"),
        ("points", "right"),
        ("first", "right"),
        ("best", "right"),
        ("at", "left"),
        ("last", "right"),
        ("change", "right"),
        ("trend (end)", "left"),
        ("curve", "left"),
    )
    for col, justify in columns:
        table.add_column(col, justify=justify, no_wrap=col in ("curve", "metric"))
    for m in run.metrics:
        goal = m.goal or ("lr" if m.kind == "lr" else "–")
        table.add_row(
            _t(m.name + (f" [{m.granularity}]" if m.granularity else "")),
            _t(m.split or "–"),
            _t(goal),
            str(m.points),
            num(m.first),
            num(m.best),
            x_label(m.best_step, m.best_epoch) if m.best is not None else "–",
            num(m.last),
            f"{m.relative_change * 100:+.0f}%" if m.relative_change is not None else "–",
            _t(trend_text(m)),
            sparkline(m.sparkline_values),
        )
    return table


def render_terminal(report: Report, console: Console) -> None:
    for i, run in enumerate(report.runs):
        if i:
            console.print()
        console.print(run_group(run))
    if report.errors:
        if report.runs:
            console.print()
        for e in report.errors:
            console.print(_t(f"error: {e.source}: {e.message}", "bold red"))
