"""The report as Markdown, for CI comments, job summaries and wikis.

Run names, tags and paths come from files anyone can write: every such string goes through
``md_escape`` so it cannot break a table, start a link, an image or raw HTML.
"""

from __future__ import annotations

import re

from losslog.analysis import RunAnalysis
from losslog.render.sparkline import sparkline
from losslog.render.words import (
    SEVERITY_LABEL,
    checkpoint_sentence,
    gap_sentence,
    headline,
    monitor_sentence,
    num,
    replaced_sentence,
    trend_text,
    x_label,
)
from losslog.report import Report
from losslog.sanitize import safe_text

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~&])")


def md_escape(text: str) -> str:
    """Plain text safe inside Markdown (table cells included): no links, HTML, cell breaks, or
    control characters (``safe_text`` shows them as visible escapes)."""
    flat = safe_text(" ".join(str(text).split()))  # newlines would end a table row
    return _MD_SPECIAL.sub(r"\\\1", flat)


def run_markdown(run: RunAnalysis, chart: str | None = None) -> str:
    lines = [f"### {md_escape(run.name)}", ""]
    lines.append(f"`{run.format}` · {md_escape(run.source)} · {run.points} points")
    lines.append("")
    lines.append(f"**{md_escape(headline(run))}**")
    lines.append("")
    if run.best is not None:
        lines.append(f"- {md_escape(checkpoint_sentence(run.best))}")
    for f in run.findings:
        lines.append(f"- **{SEVERITY_LABEL[f.severity]}** `{f.code}`: {md_escape(f.message)}")
        if f.suggestion:
            lines.append(f"  - suggestion: {md_escape(f.suggestion)}")
    for sentence in (monitor_sentence(run), gap_sentence(run), replaced_sentence(run)):
        if sentence:
            lines.append(f"- {md_escape(sentence)}")
    for w in run.warnings:
        lines.append(f"- warning: {md_escape(w)}")
    lines.append("")
    if chart:
        lines.append(chart)
        lines.append("")
    lines.append("| metric | split | goal | points | first | best | at | last | change | trend (end) | curve |")
    lines.append("|---|---|---|--:|--:|--:|---|--:|--:|---|---|")
    for m in run.metrics:
        change = f"{m.relative_change * 100:+.0f}%" if m.relative_change is not None else "–"
        lines.append(
            "| "
            + " | ".join(
                [
                    md_escape(m.name),
                    md_escape(m.split or "–"),
                    m.goal or "–",
                    str(m.points),
                    num(m.first),
                    num(m.best),
                    x_label(m.best_step, m.best_epoch) if m.best is not None else "–",
                    num(m.last),
                    change,
                    md_escape(trend_text(m)),
                    sparkline(m.sparkline_values),
                ]
            )
            + " |"
        )
    lines.append("")
    return "\n".join(lines)


def render_markdown(report: Report, charts: dict[str, str] | None = None) -> str:
    """``charts`` maps a run name to ready Markdown for its chart (an image link or data URI)."""
    parts = ["## losslog report", ""]
    for run in report.runs:
        parts.append(run_markdown(run, (charts or {}).get(run.name)))
    if report.errors:
        parts.append("### Errors")
        parts.append("")
        for e in report.errors:
            parts.append(f"- {md_escape(e.source)}: {md_escape(e.message)}")
        parts.append("")
    return "\n".join(parts)
