"""The gate's judgment: every run against every rule, with a pass/fail and the evidence for each.

Pure (no printing): ``losslog check``, the JSON report and the library API see the same decisions.
``gate_exit_code`` is the one place (report, gate result) become a process exit code.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from losslog.analysis.findings import SEVERITY_ORDER, Finding
from losslog.analysis.run_analysis import RunAnalysis
from losslog.analysis.summary import MetricSummary
from losslog.errors import ExitCode
from losslog.gate.baseline import BaselineRun, pair_baseline
from losslog.gate.spec import Assertion, FailOn, GateSpec
from losslog.report import Report

if TYPE_CHECKING:
    from losslog.model import Run

RuleKind = Literal["findings", "assert", "baseline"]

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": lambda a, b: math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12),
}
#: findings that describe rather than diagnose: never matched by a severity threshold
_INFORMATIONAL = frozenset({"generalization_gap"})


@dataclass(frozen=True)
class RuleResult:
    """One rule judged on one run (a JUnit test case; an annotation when it failed)."""

    run: str
    source: str
    rule: str  # a short stable label: "fail-on overfitting", "val_loss:best < 0.1", "baseline"
    kind: RuleKind
    passed: bool
    message: str
    severity: str  # how serious a failure is: the finding's severity, "error" for assertions/baseline
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BaselineRow:
    """One metric of one candidate next to the baseline's (DVC ``metrics diff`` style)."""

    run: str
    baseline_run: str
    metric: str
    goal: str | None
    baseline: float | None
    candidate: float | None
    change: float | None  # candidate - baseline
    relative_change: float | None  # change / |baseline|
    verdict: str  # better | worse | same | n/a
    gated: bool  # the monitored metric the gate judges
    passed: bool | None  # only for the gated row

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GateResult:
    """Everything the gate decided: one RuleResult per run and rule, the baseline table, settings."""

    passed: bool
    rules: tuple[RuleResult, ...]
    baseline: tuple[BaselineRow, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    def run_names(self) -> list[str]:
        return list(dict.fromkeys(r.run for r in self.rules))

    def failed_rules(self, run: str | None = None) -> list[RuleResult]:
        return [r for r in self.rules if not r.passed and (run is None or r.run == run)]

    def run_passed(self, run: str) -> bool:
        return not self.failed_rules(run)

    def to_dict(self) -> dict[str, Any]:
        return _json_safe(
            {
                "passed": self.passed,
                "runs": [
                    {"name": n, "passed": self.run_passed(n), "failed_rules": [r.rule for r in self.failed_rules(n)]}
                    for n in self.run_names()
                ],
                "rules": [r.to_dict() for r in self.rules],
                "baseline": [b.to_dict() for b in self.baseline],
                "settings": self.settings,
            }
        )


def _json_safe(value: Any) -> Any:
    """Non-finite floats become None (JSON has no NaN); tuples become lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def lookup_metric(run: RunAnalysis, name: str) -> MetricSummary | None:
    """A metric by raw tag, display name (val_loss) or split/metric; per-epoch values preferred."""
    for m in run.metrics:
        if m.name == name:
            return m
    rank = {"epoch": 0, "": 1, "step": 2}
    for key in (lambda m: m.display, lambda m: f"{m.split}/{m.metric}"):
        hits = [m for m in run.metrics if key(m) == name]
        if hits:
            return sorted(hits, key=lambda m: rank.get(m.granularity, 3))[0]
    folded = [m for m in run.metrics if name.lower() in (m.name.lower(), m.display.lower())]
    return folded[0] if len(folded) == 1 else None


def metric_extremes(run: Run) -> dict[str, tuple[float | None, float | None]]:
    """Per raw tag, the smallest and largest finite value: what ``:min`` and ``:max`` read."""
    import numpy as np

    out: dict[str, tuple[float | None, float | None]] = {}
    frame = run.frame
    for tag, values in frame.groupby("tag", sort=False)["value"]:
        v = values.to_numpy(dtype="float64")
        v = v[np.isfinite(v)]
        out[str(tag)] = (float(v.min()), float(v.max())) if len(v) else (None, None)
    return out


def _fmt(x: float | None) -> str:
    if x is None:
        return "none"
    if not math.isfinite(x):
        return str(x)
    return f"{x:.6g}"


def _stat_value(
    m: MetricSummary, stat: str, extremes: Mapping[str, tuple[float | None, float | None]] | None
) -> tuple[float | None, str | None]:
    """The value an assertion reads, or None and why it is missing."""
    if stat == "best":
        if m.goal is None:
            why = f"{m.display} has no goal (neither minimized nor maximized): use :last, :min or :max, or --goal"
            return None, why
        return m.best, None if m.best is not None else f"{m.display} has no finite value"
    if stat == "first":
        return m.first, None if m.first is not None else f"{m.display} has no finite value"
    if stat == "last":
        if m.last is None:
            return None, f"the last value of {m.display} is not finite (nan or inf)"
        return m.last, None
    lo_hi = extremes.get(m.name) if extremes is not None else None
    if lo_hi is None:  # no frame at hand: the best value is the min (or max) when the goal says so
        if m.goal == stat:
            return m.best, None
        return None, f":{stat} of {m.display} is not available here"
    value = lo_hi[0] if stat == "min" else lo_hi[1]
    return value, None if value is not None else f"{m.display} has no finite value"


def evaluate_assertion(
    run: RunAnalysis, a: Assertion, extremes: Mapping[str, tuple[float | None, float | None]] | None = None
) -> RuleResult:
    def result(passed: bool, message: str, evidence: dict[str, Any]) -> RuleResult:
        return RuleResult(run.name, run.source, a.text, "assert", passed, message, "error", evidence)

    m = lookup_metric(run, a.metric)
    if m is None:
        known = ", ".join(sorted({x.display for x in run.metrics} | {x.name for x in run.metrics}))
        return result(
            False,
            f"no metric {a.metric!r} in this run (metrics: {known or 'none'})",
            {"metric": a.metric, "available": sorted({x.name for x in run.metrics})},
        )
    value, why = _stat_value(m, a.stat, extremes)
    evidence = {"metric": m.name, "stat": a.stat, "op": a.op, "threshold": a.value, "value": value}
    if value is None:
        return result(False, str(why), evidence)
    ok = OPERATORS[a.op](value, a.value)
    needs = f"{a.op} {a.value:g} as required" if ok else f"not {a.op} {a.value:g}"
    return result(ok, f"{m.display} {a.stat} is {_fmt(value)}, {needs}", evidence)


def evaluate_findings(run: RunAnalysis, fail_on: FailOn) -> list[RuleResult]:
    """One rule per named code, one for the severity threshold."""
    out: list[RuleResult] = []
    for code in fail_on.codes:
        hits = [f for f in run.findings if f.code == code]
        out.append(_findings_rule(run, f"fail-on {code}", hits, f"no {code} found", name_codes=False))
    if fail_on.severity:
        sev = fail_on.severity
        hits = [f for f in run.findings if f.code not in _INFORMATIONAL and f.at_least(sev)]
        label = "error" if sev == "error" else f"{sev} or worse"
        out.append(_findings_rule(run, f"fail-on {sev}", hits, f"no finding of severity {label}", name_codes=True))
    return out


def _findings_rule(run: RunAnalysis, rule: str, hits: list[Finding], ok_message: str, name_codes: bool) -> RuleResult:
    """``name_codes``: a severity rule says which diagnoses tripped it; a code rule's name already does."""
    if not hits:
        return RuleResult(run.name, run.source, rule, "findings", True, ok_message, "info", {})
    worst = max(hits, key=lambda f: SEVERITY_ORDER[f.severity])
    message = "; ".join(f"{f.code}: {f.message}" if name_codes else f.message for f in hits)
    return RuleResult(
        run.name,
        run.source,
        rule,
        "findings",
        False,
        message,
        worst.severity,
        {"findings": [f.to_dict() for f in hits]},
    )


def _relative(change: float, base: float) -> float | None:
    if base != 0:
        return change / abs(base)
    return 0.0 if change == 0 else None


def _direction(goal: str | None, change: float | None) -> str:
    if goal is None or change is None:
        return "n/a"
    if change == 0:
        return "same"
    better = change < 0 if goal == "min" else change > 0
    return "better" if better else "worse"


def evaluate_baseline(
    run: RunAnalysis, baselines: Sequence[BaselineRun], max_regression: float
) -> tuple[RuleResult, list[BaselineRow]]:
    """Compare the candidate's best monitored metric with the baseline's; rows for every shared metric."""
    rule = f"baseline (max regression {max_regression:g}%)"

    def result(passed: bool, message: str, evidence: dict[str, Any]) -> RuleResult:
        return RuleResult(run.name, run.source, rule, "baseline", passed, message, "error", evidence)

    base = pair_baseline(run.name, baselines)
    if base is None:
        names = ", ".join(b.name for b in baselines)
        return result(False, f"no baseline run named {run.name!r} (baseline runs: {names})", {}), []
    rows: list[BaselineRow] = []
    gated_row: BaselineRow | None = None
    cp = run.best
    for m in run.metrics:
        bm = base.metric(m.name, m.display)
        if bm is None or m.goal is None:
            continue
        gated = cp is not None and m.name == cp.tag
        cand = cp.value if gated and cp is not None else m.best
        change = cand - bm.best if cand is not None and bm.best is not None else None
        rel = _relative(change, bm.best) if change is not None and bm.best is not None else None
        verdict = _direction(m.goal, change)
        passed: bool | None = None
        if gated:
            passed = _within(verdict, rel, max_regression)
        row = BaselineRow(run.name, base.name, m.display, m.goal, bm.best, cand, change, rel, verdict, gated, passed)
        rows.append(row)
        if gated:
            gated_row = row
    if cp is None:
        return result(False, "the run has no monitored metric to compare with the baseline (use --monitor)", {}), rows
    if gated_row is None:
        known = ", ".join(m.display for m in base.metrics) or "none"
        return (
            result(False, f"the baseline has no {cp.metric} to compare with (baseline metrics: {known})", {}),
            rows,
        )
    evidence = {
        "metric": cp.metric,
        "goal": cp.goal,
        "baseline_run": base.name,
        "baseline_source": base.source,
        "baseline": gated_row.baseline,
        "candidate": gated_row.candidate,
        "change": gated_row.change,
        "relative_change": gated_row.relative_change,
        "max_regression_pct": max_regression,
    }
    if gated_row.baseline is None:
        return result(False, f"the baseline's {cp.metric} has no finite best value", evidence), rows
    rel_text = "" if gated_row.relative_change is None else f" ({gated_row.relative_change * 100:+.2f}%)"
    summary = (
        f"best {cp.metric} {_fmt(gated_row.candidate)} vs baseline {_fmt(gated_row.baseline)}{rel_text}, "
        f"{gated_row.verdict}"
    )
    if gated_row.passed:
        return result(True, summary, evidence), rows
    return result(False, f"{summary}: more than the allowed {max_regression:g}% regression", evidence), rows


def _within(verdict: str, rel: float | None, max_regression: float) -> bool:
    if verdict in ("better", "same"):
        return True
    if verdict != "worse":
        return False
    if rel is None:  # worse than a baseline of exactly 0: infinitely worse in relative terms
        return False
    return abs(rel) * 100.0 <= max_regression + 1e-9


def evaluate(
    runs: Sequence[RunAnalysis],
    spec: GateSpec,
    extremes: Mapping[str, Mapping[str, tuple[float | None, float | None]]] | None = None,
) -> GateResult:
    """Judge every run against every rule. ``extremes`` maps a run name to ``metric_extremes(run)``."""
    rules: list[RuleResult] = []
    rows: list[BaselineRow] = []
    for run in runs:
        rules.extend(evaluate_findings(run, spec.fail_on))
        ext = extremes.get(run.name) if extremes is not None else None
        rules.extend(evaluate_assertion(run, a, ext) for a in spec.assertions)
        if spec.baselines is not None:
            rule, brows = evaluate_baseline(run, spec.baselines, spec.max_regression)
            rules.append(rule)
            rows.extend(brows)
    passed = bool(runs) and all(r.passed for r in rules)
    return GateResult(passed=passed, rules=tuple(rules), baseline=tuple(rows), settings=spec.settings())


def judge(report: Report, runs: Sequence[Run], spec: GateSpec) -> GateResult:
    """The gate on a report; ``runs`` are the report's runs with their points (for ``:min``/``:max``)."""
    extremes = {run.name: metric_extremes(run) for run in runs}
    return evaluate(report.runs, spec, extremes)


def gate_exit_code(report: Report, gate: GateResult) -> int:
    """2 wins when an input could not be read or none was found; then 1 when a rule failed."""
    if report.errors or not report.runs:
        return int(ExitCode.BAD_INPUT)
    if not gate.passed:
        return int(ExitCode.GATE_FAILED)
    return int(ExitCode.OK)
