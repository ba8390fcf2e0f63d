"""The gate's result for GitHub Actions: workflow annotations and the Markdown job summary.

Run names, tags, paths and assertion texts come from files and config anyone in a pull request
can write. Workflow commands are read line by line by the runner, so a name holding a newline
followed by ``::add-mask::`` (or any command) would be obeyed. Every such string is escaped the way
the Actions toolkit does it (``@actions/core`` ``escapeData`` / ``escapeProperty``), which is also
exactly what the runner decodes, so messages read back unchanged:

- the message (data) part: ``%`` -> ``%25``, CR -> ``%0D``, LF -> ``%0A``;
- property values (``file=``, ``title=``): the same plus ``:`` -> ``%3A`` and ``,`` -> ``%2C``.

Names also pass through ``safe_text`` first, so ESC, OSC and other control characters (which the
runner's log viewer would interpret) arrive as visible escapes and a newline inside a name is
``\x0a`` text, not a line break the runner decodes.

With no newline left, a ``::`` inside the message cannot start a command (the runner splits a
command at its first ``::``); as a belt-and-braces measure we still break ``::`` in messages into
``: :`` so that no log scanner ever sees a command-looking token in our data.
"""

from __future__ import annotations

from pathlib import Path

from losslog.gate import BaselineRow, GateResult, RuleResult
from losslog.render.markdown import md_escape
from losslog.render.words import num
from losslog.report import Report
from losslog.sanitize import safe_text

_ANNOTATION_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """The message part of a workflow command."""
    out = str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    while "::" in out:
        out = out.replace("::", ": :")
    return out


def escape_property(text: str) -> str:
    """A property value (``file=``, ``title=``) of a workflow command."""
    return (
        str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace(":", "%3A").replace(",", "%2C")
    )


def annotation(level: str, message: str, file: str | None = None, title: str | None = None) -> str:
    """One ``::error file=...,title=...::message`` line."""
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
    if title:
        props.append(f"title={escape_property(title)}")
    head = f"::{level}" + (" " + ",".join(props) if props else "")
    return f"{head}::{escape_data(message)}"


def _safe_annotation(level: str, message: str, file: str | None = None, title: str | None = None) -> str:
    """An annotation whose every part came from a log: control characters made visible first."""
    return annotation(
        level,
        safe_text(message),
        safe_text(file) if file else None,
        safe_text(title) if title else None,
    )


def _file(source: str | None, relative_to: Path | None) -> str | None:
    """GitHub links an annotation to a file by its path in the repository: make it relative."""
    if not source or relative_to is None:
        return source or None
    path = Path(source)
    if not path.is_absolute():
        return source
    try:
        return path.relative_to(relative_to).as_posix()
    except ValueError:
        return source


def render_annotations(report: Report, gate: GateResult, relative_to: Path | None = None) -> str:
    """An error per failed rule and unreadable input; a warning/notice per finding that did not fail.

    ``relative_to`` (the workspace) turns absolute source paths into repository paths for ``file=``.
    """
    lines: list[str] = []
    for r in gate.failed_rules():
        title = f"losslog check failed: {r.rule} ({r.run})"
        lines.append(_safe_annotation("error", f"{r.run}: {r.message}", _file(r.source, relative_to), title))
    failed_codes = {
        (r.run, f.get("code"))
        for r in gate.failed_rules()
        if r.kind == "findings"
        for f in r.evidence.get("findings", [])
    }
    for run in report.runs:
        for f in run.findings:
            if (run.name, f.code) in failed_codes or f.code == "generalization_gap":
                continue
            level = _ANNOTATION_LEVEL[f.severity]
            title = f"losslog: {f.code} ({run.name})"
            lines.append(_safe_annotation(level, f"{run.name}: {f.message}", _file(run.source, relative_to), title))
        for w in run.warnings:  # values dropped, a cut last line: what the verdict did not see
            title = f"losslog: read with a warning ({run.name})"
            lines.append(_safe_annotation("warning", f"{run.name}: {w}", _file(run.source, relative_to), title))
    for e in report.errors:
        lines.append(_safe_annotation("error", e.message, _file(e.source, relative_to), "losslog: unreadable input"))
    return "\n".join(lines) + ("\n" if lines else "")


# --------------------------------------------------------------------------------------------
# Markdown (the job summary; also ``losslog check --format markdown``)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:+.2f}%"


def _change(x: float | None) -> str:
    if x is None:
        return "–"
    return ("+" if x > 0 else "") + num(x)


def baseline_cells(row: BaselineRow) -> list[str]:
    """The cells of one baseline-table row, as text (shared by the terminal and Markdown tables)."""
    result = ("PASS" if row.passed else "FAIL") if row.gated else ""
    return [
        row.run,
        row.metric + (" (gated)" if row.gated else ""),
        num(row.baseline),
        num(row.candidate),
        _change(row.change),
        _pct(row.relative_change),
        row.verdict,
        result,
    ]


BASELINE_HEADER = ["run", "metric", "baseline", "candidate", "change", "%", "", "gate"]


def _rule_line(r: RuleResult) -> str:
    mark = "✅" if r.passed else "❌"
    return f"- {mark} **{md_escape(r.run)}** · {md_escape(r.rule)}: {md_escape(r.message)}"


def render_gate_markdown(report: Report, gate: GateResult) -> str:
    """Verdicts, the failing rules and the baseline table, for ``$GITHUB_STEP_SUMMARY`` or a PR comment."""
    status = "✅ passed" if gate.passed and not report.errors else "❌ failed"
    lines = [f"## losslog check: {status}", ""]
    settings = gate.settings
    rules = ", ".join(str(w) for w in settings.get("fail_on", [])) or "none"
    extra = [f"fail on: {rules}"]
    if settings.get("assert"):
        extra.append("assert: " + ", ".join(settings["assert"]))
    if settings.get("baseline"):
        extra.append(f"baseline: {settings['baseline']} (max regression {settings.get('max_regression', 0):g}%)")
    lines.append(md_escape(" · ".join(extra)))
    lines.append("")
    if report.runs:
        lines.append("| run | verdict | gate | failed rules |")
        lines.append("|---|---|---|---|")
        verdicts = {r.name: r.verdict for r in report.runs}
        for name in gate.run_names() or list(verdicts):
            failed = gate.failed_rules(name)
            mark = "❌ FAIL" if failed else "✅ PASS"
            lines.append(
                f"| {md_escape(name)} | {md_escape(verdicts.get(name, ''))} | {mark} | "
                f"{md_escape(', '.join(r.rule for r in failed)) or '–'} |"
            )
        lines.append("")
    failed = gate.failed_rules()
    if failed:
        lines.append("### Failed rules")
        lines.append("")
        lines.extend(_rule_line(r) for r in failed)
        lines.append("")
    if gate.baseline:
        lines.append("### Baseline")
        lines.append("")
        lines.append("| " + " | ".join(BASELINE_HEADER) + " |")
        lines.append("|---|---|--:|--:|--:|--:|---|---|")
        for row in gate.baseline:
            cells = baseline_cells(row)
            lines.append("| " + " | ".join(md_escape(c) if c else "" for c in cells) + " |")
        lines.append("")
    if report.errors:
        lines.append("### Unreadable inputs")
        lines.append("")
        lines.extend(f"- {md_escape(e.source)}: {md_escape(e.message)}" for e in report.errors)
        lines.append("")
    return "\n".join(lines)
