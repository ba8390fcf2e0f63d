"""The CI gate: rules evaluated against analyzed runs, with a pass/fail and the evidence for each.

Everything here is pure (no printing, no exit codes) so that ``losslog check``, the JSON report and
anyone importing losslog see the same decisions. Three kinds of rules:

- **findings** (``--fail-on``): a run fails when the analysis found one of the named diagnoses, or
  any finding at or above a severity. The default is ``error`` (divergence), as a gate that fails
  on nothing would be useless and one that fails on every warning surprises people.
- **assertions** (``--assert``): ``METRIC[:STAT] OP NUMBER``, parsed by a regular expression and
  never evaluated as code, because the expression comes from a CI file anyone can edit.
- **baseline** (``--baseline``): the candidate's best monitored metric compared with a baseline
  run's, failing when it is worse by more than ``max_regression`` percent (relative).
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from losslog.analysis.findings import CODES, SEVERITY_ORDER, Finding
from losslog.analysis.run_analysis import RunAnalysis
from losslog.analysis.summary import MetricSummary
from losslog.errors import InputError, UsageError

if TYPE_CHECKING:
    from losslog.model import Run

RuleKind = Literal["findings", "assert", "baseline"]
Stat = Literal["best", "last", "first", "min", "max"]

STATS: tuple[str, ...] = ("best", "last", "first", "min", "max")
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": lambda a, b: math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12),
}
#: fail-on words that are severities, not finding codes
SEVERITIES: tuple[str, ...] = ("info", "warning", "error")
#: the default when neither the command line nor a config file says: fail on errors (divergence)
DEFAULT_FAIL_ON: tuple[str, ...] = ("error",)
#: findings that describe rather than diagnose: never matched by a severity threshold
_INFORMATIONAL = frozenset({"generalization_gap"})

ASSERT_FORM = (
    "expected METRIC[:STAT] OP NUMBER, where STAT is best (default), last, first, min or max and "
    "OP is one of < <= > >= ==; e.g. 'val_loss<0.1', 'val_loss:last<1.0', 'val_accuracy:best>=0.9'"
)

# The right-hand side cannot hold an operator character, so the split happens at the LAST
# operator: 'a>=b<0.1' gives name 'a>=b' (then rejected), never a silently different rule.
_ASSERT_RE = re.compile(r"^(?P<lhs>.*?)\s*(?P<op><=|>=|==|<|>)\s*(?P<rhs>[^<>=!]*)$", re.DOTALL)
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
# Names as logs write them: val_loss, train/loss, metrics/mAP50-95(B), top-1 acc, mAP@0.5.
_NAME_RE = re.compile(r"^[\w./()\[\]@%+\- ]+$")


# --------------------------------------------------------------------------------------------
# The rules


@dataclass(frozen=True)
class Assertion:
    """One parsed ``--assert`` expression."""

    text: str  # as the user wrote it, for messages
    metric: str
    stat: Stat
    op: str
    value: float


@dataclass(frozen=True)
class FailOn:
    """Which findings fail a run: named codes, and/or everything at or above a severity."""

    codes: tuple[str, ...] = ()
    severity: str | None = None

    @property
    def words(self) -> tuple[str, ...]:
        return self.codes + ((self.severity,) if self.severity else ())


def parse_assertion(text: str) -> Assertion:
    """Parse ``METRIC[:STAT] OP NUMBER``; anything else is a usage error showing the expected form."""
    raw = text.strip()
    m = _ASSERT_RE.match(raw)
    if m is None:
        hint = " (use == to compare for equality)" if "=" in raw else ""
        raise UsageError(f"--assert {text!r}: no comparison operator{hint}; {ASSERT_FORM}")
    lhs, op, rhs = m.group("lhs").strip(), m.group("op"), m.group("rhs").strip()
    if lhs.endswith(("!", "=", "<", ">")):
        raise UsageError(f"--assert {text!r}: unknown operator near {lhs[-1] + op!r}; {ASSERT_FORM}")
    if not _NUMBER_RE.match(rhs):
        raise UsageError(f"--assert {text!r}: {rhs!r} is not a number; {ASSERT_FORM}")
    stat: str = "best"
    name = lhs
    if ":" in lhs:
        name, _, stat = lhs.rpartition(":")
        name, stat = name.strip(), stat.strip().lower()
        if stat not in STATS:
            raise UsageError(f"--assert {text!r}: unknown statistic {stat!r}; {ASSERT_FORM}")
    if not name or not _NAME_RE.match(name):
        raise UsageError(f"--assert {text!r}: {name!r} is not a metric name; {ASSERT_FORM}")
    return Assertion(text=raw, metric=name, stat=stat, op=op, value=float(rhs))  # type: ignore[arg-type]


def parse_fail_on(items: Iterable[str] | None, known_codes: Iterable[str] | None = None) -> FailOn:
    """``overfitting,divergence`` / ``warning`` / ``none``; items may be repeated or comma-joined.

    Several severities keep the lowest (``warning,error`` = ``warning``). ``none`` turns the
    findings rule off (for a gate made only of assertions or a baseline).
    """
    known = set(known_codes if known_codes is not None else CODES)
    codes: list[str] = []
    severities: list[str] = []
    words = [w.strip().lower() for item in (items or []) for w in str(item).split(",")]
    words = [w for w in words if w]
    if not words:
        words = list(DEFAULT_FAIL_ON)
    for w in words:
        if w in ("none", "never", "off"):
            continue
        if w in SEVERITIES:
            severities.append(w)
        elif w in known:
            if w not in codes:
                codes.append(w)
        else:
            raise UsageError(
                f"--fail-on {w!r}: expected finding codes ({', '.join(sorted(known))}), "
                f"a severity ({', '.join(SEVERITIES)}) or none"
            )
    severity = min(severities, key=lambda s: SEVERITY_ORDER[s]) if severities else None
    return FailOn(tuple(codes), severity)


def parse_max_regression(value: str | float | int | None) -> float:
    """``5``, ``5%`` or ``0.5%`` -> percent as a float; negative or non-numeric is a usage error."""
    if value is None:
        return 0.0
    text = str(value).strip().removesuffix("%").strip()
    try:
        pct = float(text)
    except ValueError:
        raise UsageError(f"--max-regression {value!r}: expected a percentage such as 0, 2 or 2.5%") from None
    if not math.isfinite(pct) or pct < 0:
        raise UsageError(f"--max-regression {value!r}: expected a percentage of 0 or more")
    return pct


# --------------------------------------------------------------------------------------------
# Results


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


# --------------------------------------------------------------------------------------------
# Baselines


@dataclass(frozen=True)
class BaselineMetric:
    name: str  # raw tag
    display: str
    goal: str | None
    best: float | None


@dataclass(frozen=True)
class BaselineRun:
    """What a baseline contributes: its name and each metric's best value (from a log or a report)."""

    name: str
    source: str
    monitor: str | None  # display name of the monitored metric
    metrics: tuple[BaselineMetric, ...]

    def metric(self, tag: str, display: str) -> BaselineMetric | None:
        for m in self.metrics:
            if m.name == tag:
                return m
        return next((m for m in self.metrics if m.display == display), None)


def baseline_from_analysis(run: RunAnalysis) -> BaselineRun:
    return BaselineRun(
        name=run.name,
        source=run.source,
        monitor=run.best.metric if run.best else None,
        metrics=tuple(BaselineMetric(m.name, m.display, m.goal, m.best) for m in run.metrics),
    )


def is_report_json(path: Path) -> bool:
    """A JSON report saved by ``losslog report --format json``: told apart by content, not name."""
    if not path.is_file():
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(4096).lstrip()
    except OSError:
        return False
    if not head.startswith(b"{"):
        return False
    return b'"schema_version"' in head


def baseline_from_report_json(path: Path, schema_version: int) -> list[BaselineRun]:
    """Baseline runs from a saved JSON report (``runs[].best`` and ``runs[].metrics[].best``).

    ``schema_version`` is the newest report version this losslog writes (``losslog.report``
    passes it in: the analysis layer does not import the report layer).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read baseline: {exc}", path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"baseline is not valid JSON (line {exc.lineno}: {exc.msg})", path) from None
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise InputError("baseline JSON is not a losslog report (no 'runs' list)", path)
    version = data.get("schema_version")
    if not isinstance(version, int) or version > schema_version:
        raise InputError(
            f"baseline report has schema_version {version!r}; this losslog reads up to {schema_version}", path
        )
    out: list[BaselineRun] = []
    for i, r in enumerate(data["runs"]):
        if not isinstance(r, dict):
            raise InputError(f"baseline report: runs[{i}] is not an object", path)
        metrics: list[BaselineMetric] = []
        for m in r.get("metrics") or []:
            if isinstance(m, dict) and isinstance(m.get("name"), str):
                metrics.append(
                    BaselineMetric(m["name"], str(m.get("display") or m["name"]), _goal(m), _num_or_none(m.get("best")))
                )
        best = r.get("best") if isinstance(r.get("best"), dict) else None
        if best and isinstance(best.get("tag"), str) and not any(m.name == best["tag"] for m in metrics):
            # a trimmed report: only runs[].best kept; it still holds the monitored metric
            display = str(best.get("metric") or best["tag"])
            metrics.append(BaselineMetric(best["tag"], display, _goal(best), _num_or_none(best.get("value"))))
        out.append(
            BaselineRun(
                name=str(r.get("name") or f"run{i}"),
                source=str(r.get("source") or path),
                monitor=str(best.get("metric")) if best and best.get("metric") else None,
                metrics=tuple(metrics),
            )
        )
    if not out:
        raise InputError("baseline report holds no runs", path)
    return out


def _goal(d: dict[str, Any]) -> str | None:
    g = d.get("goal")
    return g if g in ("min", "max") else None


def _num_or_none(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    return float(x) if math.isfinite(x) else None


def pair_baseline(candidate: str, baselines: Sequence[BaselineRun]) -> BaselineRun | None:
    """One baseline run serves every candidate; several are matched to candidates by run name."""
    if len(baselines) == 1:
        return baselines[0]
    return next((b for b in baselines if b.name == candidate), None)


# --------------------------------------------------------------------------------------------
# Evaluation


@dataclass(frozen=True)
class GateSpec:
    """The rules of one gate, as parsed from the command line and the config file."""

    fail_on: FailOn = field(default_factory=lambda: FailOn(severity="error"))
    assertions: tuple[Assertion, ...] = ()
    baselines: tuple[BaselineRun, ...] | None = None
    baseline_source: str | None = None
    max_regression: float = 0.0  # percent

    def settings(self) -> dict[str, Any]:
        return {
            "fail_on": list(self.fail_on.words),
            "assert": [a.text for a in self.assertions],
            "baseline": self.baseline_source,
            "max_regression": self.max_regression,
        }


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
