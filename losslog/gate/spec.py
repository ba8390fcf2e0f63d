"""The gate's rules as the user writes them, parsed into a ``GateSpec``; nothing is judged here.

- **findings** (``--fail-on``): a run fails when the analysis found one of the named diagnoses, or
  any finding at or above a severity. The default is ``error`` (divergence), as a gate that fails
  on nothing would be useless and one that fails on every warning surprises people.
- **assertions** (``--assert``): ``METRIC[:STAT] OP NUMBER``, parsed by a regular expression and
  never evaluated as code, because the expression comes from a CI file anyone can edit.
- **baseline** (``--max-regression``): how much worse, in percent (relative), the candidate's best
  monitored metric may be than the baseline's (``losslog.gate.baseline`` reads the baseline).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from losslog.analysis.findings import CODES, SEVERITY_ORDER
from losslog.errors import UsageError
from losslog.gate.baseline import BaselineRun

Stat = Literal["best", "last", "first", "min", "max"]

STATS: tuple[str, ...] = ("best", "last", "first", "min", "max")
#: fail-on words that are severities, not finding codes
SEVERITIES: tuple[str, ...] = ("info", "warning", "error")
#: the default when neither the command line nor a config file says: fail on errors (divergence)
DEFAULT_FAIL_ON: tuple[str, ...] = ("error",)

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


@dataclass(frozen=True)
class GateSpec:
    """The rules of one gate, as parsed from the command line and the config file."""

    fail_on: FailOn = field(default_factory=lambda: FailOn(severity="error"))
    assertions: tuple[Assertion, ...] = ()
    baselines: tuple[BaselineRun, ...] | None = None
    baseline_source: str | None = None
    max_regression: float = 0.0  # percent

    def with_baseline(self, baselines: Sequence[BaselineRun], source: str) -> GateSpec:
        """The same rules judged against ``baselines`` (read from ``source``)."""
        return replace(self, baselines=tuple(baselines), baseline_source=source)

    def settings(self) -> dict[str, Any]:
        return {
            "fail_on": list(self.fail_on.words),
            "assert": [a.text for a in self.assertions],
            "baseline": self.baseline_source,
            "max_regression": self.max_regression,
        }


def parse_spec(
    fail_on: Iterable[str] | None, assertions: Iterable[str], max_regression: str | float | None
) -> GateSpec:
    """The rules from the strings a user wrote (command line, config file or API call), checked
    before any log is read so that a typo costs no reading time. The baseline comes later."""
    return GateSpec(
        fail_on=parse_fail_on(fail_on),
        assertions=tuple(parse_assertion(a) for a in assertions),
        max_regression=parse_max_regression(max_regression),
    )
