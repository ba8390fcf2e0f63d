"""The gate's result for a person reading a CI log: the verdict first, then each run's failed rules."""

from __future__ import annotations

from losslog.gate import GateResult
from losslog.render.github import BASELINE_HEADER, baseline_cells
from losslog.report import Report
from losslog.sanitize import safe_text


def plain(text: object) -> str:
    """One line of terminal text: control characters from names cannot move the cursor or add lines."""
    return safe_text(text)


def render_gate_text(report: Report, gate: GateResult, verbose: bool = False) -> str:
    """For a person reading a CI log: the overall verdict first, then each run and its failed rules."""
    names = gate.run_names() or [r.name for r in report.runs]
    failed_runs = [n for n in names if not gate.run_passed(n)]
    lines: list[str] = []
    if report.errors or not report.runs:
        head = "ERROR: some inputs could not be read" if report.runs else "ERROR: no run could be read"
    elif failed_runs:
        head = f"FAILED: {len(failed_runs)} of {len(names)} run{'s' if len(names) != 1 else ''} failed the gate"
    else:
        head = f"PASSED: {len(names)} run{'s' if len(names) != 1 else ''} passed the gate"
    fail_on = ", ".join(str(w) for w in gate.settings.get("fail_on", [])) or "none"
    lines.append(f"losslog check {head} (fail on: {fail_on})")
    verdicts = {r.name: r for r in report.runs}
    for name in names:
        run = verdicts.get(name)
        status = "PASS" if gate.run_passed(name) else "FAIL"
        extra = f"  {run.verdict}  ({run.source})" if run is not None else ""
        lines.append(plain(f"{status}  {name}{extra}"))
        for r in gate.rules:
            if r.run != name or (r.passed and not verbose and r.kind == "findings"):
                continue
            mark = "ok  " if r.passed else "FAIL"
            lines.append(plain(f"    {mark} {r.rule}: {r.message}"))
        for w in run.warnings if run is not None else ():  # what the verdict did not see
            lines.append(plain(f"    warning: {w}"))
    if gate.baseline:
        lines.append("")
        lines.append(plain(f"baseline: {gate.settings.get('baseline')}"))
        rows = [BASELINE_HEADER] + [baseline_cells(b) for b in gate.baseline]
        widths = [max(len(plain(row[i])) for row in rows) for i in range(len(BASELINE_HEADER))]
        right = {2, 3, 4, 5}
        for row in rows:
            cells = [plain(c).rjust(widths[i]) if i in right else plain(c).ljust(widths[i]) for i, c in enumerate(row)]
            lines.append("  ".join(cells).rstrip())
    for e in report.errors:
        lines.append(plain(f"ERROR  {e.source}: {e.message}"))
    return "\n".join(lines) + "\n"
