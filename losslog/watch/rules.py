"""The stop rules of ``losslog watch``: which findings end the watch, and durations."""

from __future__ import annotations

import re
from dataclasses import dataclass

from losslog.analysis.findings import CODES, SEVERITY_ORDER, Finding
from losslog.errors import UsageError

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?", re.IGNORECASE)
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def parse_duration(text: str, option: str = "duration") -> float:
    """``30s``, ``10m``, ``1h30m``, ``2.5m`` or a plain number of seconds -> seconds."""
    s = text.strip().lower().replace(" ", "")
    pos = 0
    total = 0.0
    while pos < len(s):
        m = _DURATION.match(s, pos)
        if m is None or m.end() == pos:
            break
        total += float(m.group(1)) * _UNIT[m.group(2)]
        pos = m.end()
    if not s or pos != len(s) or total <= 0:
        raise UsageError(f"{option} {text!r}: expected a duration such as 30s, 10m, 1h or 1h30m")
    return total


@dataclass(frozen=True)
class ExitRule:
    """``--exit-on``: finding codes, and a lowest severity, that end the watch."""

    codes: frozenset[str] = frozenset()
    severity: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> ExitRule | None:
        if text is None or not text.strip():
            return None
        codes: set[str] = set()
        severity: str | None = None
        for raw in text.split(","):
            item = raw.strip().lower()
            if not item:
                continue
            if item in SEVERITY_ORDER:
                if severity is None or SEVERITY_ORDER[item] < SEVERITY_ORDER[severity]:
                    severity = item
            elif item in CODES and item != "generalization_gap":
                codes.add(item)
            else:
                known = ", ".join(c for c in CODES if c != "generalization_gap")
                raise UsageError(
                    f"--exit-on {raw.strip()!r}: expected finding codes ({known}) or a severity (info, warning, error)"
                )
        return cls(frozenset(codes), severity)

    def matches(self, finding: Finding) -> bool:
        if finding.code in self.codes:
            return True
        return self.severity is not None and finding.at_least(self.severity)

    def describe(self) -> str:
        parts = sorted(self.codes)
        if self.severity:
            parts.append(f"any {self.severity} or worse")
        return ", ".join(parts)
