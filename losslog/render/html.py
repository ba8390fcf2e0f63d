"""The report as one self-contained HTML file: verdicts, tables and charts, readable offline.

Everything is inline: the CSS in a ``<style>`` element, each chart as an ``<svg>`` element. The
page loads nothing from the network (no fonts, scripts or images by URL), so it opens the same
from a CI artifact, an e-mail attachment or a laptop on a plane.

Run names, tags, paths and messages come from files anyone can write, so every such string goes
through ``html.escape`` (quotes included) before it reaches the page: a tag named
``<script>alert(1)</script>`` shows as text. In the charts, matplotlib draws text as paths, so
names never become markup there either (see ``chart.inline_svg``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from losslog import __version__
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

if TYPE_CHECKING:
    from losslog.model import Run


#: matplotlib copies each drawn label into an XML comment of the SVG, control characters included
#: (which also make the SVG invalid XML): they are shown escaped there too
_SVG_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def esc(text: object) -> str:
    """Text safe in HTML content and in quoted attribute values (control characters shown escaped)."""
    return html.escape(safe_text(text), quote=True)


_CSS = """
:root { color-scheme: light; --fg:#1d1d1f; --muted:#5f6368; --line:#dadce0; --bg:#ffffff; --soft:#f6f7f9;
  --ok:#1a7f37; --warn:#9a6700; --err:#b3261e; --info:#0b63a8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: var(--fg); background: var(--bg); }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 40px 0 6px; padding-top: 16px; border-top: 1px solid var(--line);
  overflow-wrap: anywhere; }
h2:first-of-type { border-top: 0; }
.meta { color: var(--muted); font-size: 13px; margin: 0 0 12px; overflow-wrap: anywhere; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.name { overflow-wrap: anywhere; max-width: 360px; }
td.spark { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; letter-spacing: -1px;
  white-space: nowrap; }
.verdict { font-weight: 700; padding: 8px 12px; border-left: 5px solid; background: var(--soft); margin: 8px 0; }
.v-healthy { border-color: var(--ok); color: var(--ok); }
.v-warning { border-color: var(--warn); color: var(--warn); }
.v-error { border-color: var(--err); color: var(--err); }
.v-info { border-color: var(--info); color: var(--info); }
.badge { display: inline-block; font-size: 12px; font-weight: 700; padding: 1px 7px; border-radius: 10px;
  border: 1px solid currentColor; white-space: nowrap; }
ul.findings { padding-left: 20px; margin: 6px 0 12px; }
ul.findings li { margin: 3px 0; }
.sev { font-weight: 700; }
.sev-error { color: var(--err); } .sev-warning { color: var(--warn); } .sev-info { color: var(--info); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px;
  background: var(--soft); padding: 0 4px; border-radius: 3px; }
figure { margin: 12px 0 16px; }
figure svg { width: 100%; max-width: 1000px; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 12px; }
.suggestion { margin: 0 0 8px 18px; }
.errors li { color: var(--err); overflow-wrap: anywhere; }
footer { color: var(--muted); font-size: 12px; margin-top: 48px; }
"""

_VERDICT_CLASS = {"error": "v-error", "warning": "v-warning", "info": "v-info"}


def _verdict_class(run: RunAnalysis) -> str:
    if run.verdict == "healthy":
        return "v-healthy"
    sev = next((f.severity for f in run.findings if f.code == run.verdict), "info")
    return _VERDICT_CLASS.get(sev, "v-info")


def summary_table(report: Report) -> str:
    rows = []
    for i, run in enumerate(report.runs):
        best = run.best
        rows.append(
            "<tr>"
            f'<td class="name"><a href="#run-{i + 1}">{esc(run.name)}</a></td>'
            f'<td><span class="badge {_verdict_class(run)}">{esc(run.verdict.upper())}</span></td>'
            f"<td>{esc(best.metric) if best else '–'}</td>"
            f'<td class="num">{esc(num(best.value)) if best else "–"}</td>'
            f"<td>{esc(x_label(best.step, best.epoch)) if best else '–'}</td>"
            f'<td class="num">{run.points}</td>'
            f"<td>{esc(run.format)}</td>"
            "</tr>"
        )
    return (
        '<table><thead><tr><th>run</th><th>verdict</th><th>monitored</th><th class="num">best</th>'
        '<th>at</th><th class="num">points</th><th>format</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
    )


def metrics_table(run: RunAnalysis) -> str:
    head = (
        '<tr><th>metric</th><th>split</th><th>goal</th><th class="num">points</th><th class="num">first</th>'
        '<th class="num">best</th><th>at</th><th class="num">last</th><th class="num">change</th>'
        "<th>trend (end)</th><th>curve</th></tr>"
    )
    rows = []
    for m in run.metrics:
        change = f"{m.relative_change * 100:+.0f}%" if m.relative_change is not None else "–"
        gran = f" [{m.granularity}]" if m.granularity else ""
        rows.append(
            "<tr>"
            f'<td class="name">{esc(m.name + gran)}</td>'
            f"<td>{esc(m.split or '–')}</td>"
            f"<td>{esc(m.goal or ('lr' if m.kind == 'lr' else '–'))}</td>"
            f'<td class="num">{m.points}</td>'
            f'<td class="num">{esc(num(m.first))}</td>'
            f'<td class="num">{esc(num(m.best))}</td>'
            f"<td>{esc(x_label(m.best_step, m.best_epoch)) if m.best is not None else '–'}</td>"
            f'<td class="num">{esc(num(m.last))}</td>'
            f'<td class="num">{esc(change)}</td>'
            f"<td>{esc(trend_text(m))}</td>"
            f'<td class="spark">{esc(sparkline(m.sparkline_values))}</td>'
            "</tr>"
        )
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def run_section(run: RunAnalysis, index: int, chart_svg: str | None = None) -> str:
    parts = [f'<section class="run" id="run-{index}">', f"<h2>{esc(run.name)}</h2>"]
    parts.append(f'<p class="meta"><code>{esc(run.format)}</code> · {esc(run.source)} · {run.points} points</p>')
    parts.append(f'<p class="verdict {_verdict_class(run)}">{esc(headline(run))}</p>')
    lead = next((f for f in run.findings if f.code == run.verdict), None)
    if lead is not None and lead.suggestion:
        parts.append(f'<p class="suggestion">→ {esc(lead.suggestion)}</p>')
    items = []
    if run.best is not None:
        items.append(f"<li>{esc(checkpoint_sentence(run.best))}</li>")
    for f in run.findings:
        if f is lead:
            continue
        items.append(
            f'<li><span class="sev sev-{esc(f.severity)}">{esc(SEVERITY_LABEL[f.severity])}</span> '
            f"<code>{esc(f.code)}</code>: {esc(f.message)}</li>"
        )
    for sentence in (monitor_sentence(run), gap_sentence(run), replaced_sentence(run)):
        if sentence:
            items.append(f"<li>{esc(sentence)}</li>")
    for w in run.warnings:
        items.append(f"<li>warning: {esc(w)}</li>")
    if items:
        parts.append('<ul class="findings">' + "".join(items) + "</ul>")
    if chart_svg:
        parts.append(
            f'<figure role="img" aria-label="{esc("chart of " + run.name)}">{chart_svg}'
            "<figcaption>Smoothed curves over faint raw points; dotted line: best checkpoint; shaded: "
            "overfitting; dashed red: divergence; red crosses: NaN/inf points.</figcaption></figure>"
        )
    parts.append(metrics_table(run))
    parts.append("</section>")
    return "\n".join(parts)


def render_html(report: Report, runs: Sequence[Run] | None = None, charts: bool = True) -> str:
    """The whole report as one HTML document (a string).

    ``runs`` gives the points for the charts; without them the report has no charts.
    ``charts=False`` leaves the charts out (no matplotlib at all).
    """
    svgs: dict[str, str] = {}
    if charts and report.runs:
        from losslog.render.report_charts import chart_runs, run_svg

        for cr in chart_runs(report, runs):
            svg = run_svg(cr, report.options.smooth)
            if svg:
                svgs[cr.name] = _SVG_CONTROL.sub(lambda m: safe_text(m.group(0)), svg)
    n = len(report.runs)
    body = [
        "<main>",
        "<header><h1>losslog report</h1>",
        f'<p class="meta">{n} run{"s" if n != 1 else ""}'
        + (f" · {len(report.errors)} input{'s' if len(report.errors) != 1 else ''} not read" if report.errors else "")
        + "</p></header>",
    ]
    if report.runs:
        body.append(summary_table(report))
    for i, run in enumerate(report.runs):
        body.append(run_section(run, i + 1, svgs.get(run.name)))
    if report.errors:
        body.append('<h2 id="errors">Inputs not read</h2><ul class="errors">')
        body.extend(f"<li>{esc(e.source)}: {esc(e.message)}</li>" for e in report.errors)
        body.append("</ul>")
    body.append(f"<footer>losslog {esc(__version__)}</footer>")
    body.append("</main>")
    title = "losslog report" + (f": {report.runs[0].name}" if n == 1 else f": {n} runs" if n else "")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
