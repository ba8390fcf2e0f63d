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
#: Severities: only ``divergence`` is ever "error" (``check`` fails on errors by default);
#: overfitting, unstable and stalled are "warning" ("info" when mild); underfitting and
#: overconfidence are "info". The rules and their defaults are in docs/diagnostics.md.
CODES: dict[str, str] = {
    "overfitting": (
        "validation (loss, else a score to maximize) got worse after its best point while training kept "
        "improving; onset at the best point (warning, info when mild)"
    ),
    "overconfidence": (
        "validation loss rises while validation accuracy still rises or holds: the model grows "
        "overconfident, it is not yet losing accuracy (info)"
    ),
    "divergence": "a loss became NaN/inf, or the training loss exploded by orders of magnitude (error)",
    "unstable": "the training loss climbs over a stretch or spikes far above its local level, staying finite (warning)",
    "stalled": "the model does not learn: at chance level, or no improvement from the start (warning)",
    "underfitting": "losses still falling clearly at the end, or high and flat with a small gap (info)",
    "no_validation": (
        "the run logs no validation metric: only training losses are judged and no checkpoint is picked (info)"
    ),
    "adversarial_losses": (
        "a GAN's generator and discriminator losses, without validation: a game whose losses oscillate by design, "
        "not judged as curves to minimize (info)"
    ),
    "too_short": "the monitored validation metric was evaluated fewer than 3 times: nothing to judge a trend by (info)",
    "noisy_validation": (
        "the monitored validation metric jumps between evaluations by 30% of its level or more: its single best "
        "value is luck (info)"
    ),
    "generalization_gap": "validation minus training loss over time: the run's ``gap`` field, not a finding",
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
