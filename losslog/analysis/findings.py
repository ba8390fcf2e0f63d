"""Diagnoses as plain frozen objects, with the evidence behind them.

A finding never prints anything; renderers decide how it looks and the CLI decides whether it
changes the exit code. ``code`` values are a stable, documented vocabulary that CI scripts match on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["info", "warning", "error"]
SEVERITY_ORDER: dict[str, int] = {"info": 0, "warning": 1, "error": 2}

#: The finding codes losslog may emit, with what each means. Documented in the README.
CODES: dict[str, str] = {
    "overfitting": "validation gets worse after its best point while training keeps improving",
    "overconfidence": "validation loss rises while validation accuracy still rises or holds",
    "divergence": "a loss became NaN/inf, or the training loss exploded by orders of magnitude",
    "unstable": "training loss climbs over a stretch, or spikes far above its local level",
    "stalled": "the model does not learn: loss at chance level or no improvement from the start",
    "underfitting": "losses still falling clearly at the end, or high and flat with a small gap",
    "generalization_gap": "validation minus training loss over time (informational)",
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    metric: str  # the raw tag the finding rests on first
    message: str
    suggestion: str = ""
    onset_step: float | None = None
    onset_epoch: float | None = None
    metrics: tuple[str, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["metrics"] = list(self.metrics)
        return d

    def at_least(self, severity: str) -> bool:
        return SEVERITY_ORDER[self.severity] >= SEVERITY_ORDER[severity]
