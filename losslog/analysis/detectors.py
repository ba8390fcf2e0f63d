"""The diagnoses. Each detector reads a Context and returns zero or more Findings.

Detectors judge smoothed curves and windows, never single consecutive points: real validation
curves are noisy, and "rose three times in a row" both misses real overfitting and cries wolf.
The rules, their published basis and their defaults are in docs/diagnostics.md; the code lives in

- ``diagnose_stability``: divergence (NaN/inf, explosion) and unstable (climbs, spikes);
- ``diagnose_progress``: stalled (chance level, no progress) and underfitting;
- ``diagnose_overfitting``: overfitting and overconfidence (the rise itself in ``rise``);
- ``chance``: the number of classes and what a cross-entropy means as a probability.

Detectors are independent: none calls or imports another, what they share is a fact of the context
(computed once), and which finding hides which is the table in ``suppression``, applied once after
all of them ran. Adding a diagnosis is a function here in ``DETECTORS``, its code in
``findings.CODES`` and docs/diagnostics.md, and, if it must stand down for another, a row in
``suppression.RULES``.
"""

from __future__ import annotations

from collections.abc import Callable

from losslog.analysis.context import Context
from losslog.analysis.diagnose_overfitting import detect_overconfidence, detect_overfitting
from losslog.analysis.diagnose_progress import detect_stalled, detect_underfitting
from losslog.analysis.diagnose_stability import detect_divergence, detect_unstable
from losslog.analysis.diagnose_validation import (
    detect_adversarial,
    detect_no_validation,
    detect_noisy_validation,
    detect_too_short,
)
from losslog.analysis.findings import Finding
from losslog.analysis.suppression import hide

Detector = Callable[[Context], list[Finding]]

#: Detectors run in this order; their findings are reported in it, and among findings of the same
#: severity the first is the run's verdict: instability before overfitting, because a run whose
#: training loss climbed has a validation curve damaged by that, not by memorization.
DETECTORS: tuple[Detector, ...] = (
    detect_divergence,
    detect_stalled,
    detect_unstable,
    detect_overfitting,
    detect_overconfidence,
    detect_underfitting,
    detect_adversarial,
    detect_too_short,
    detect_noisy_validation,
    detect_no_validation,
)


def run_detectors(ctx: Context) -> list[Finding]:
    """Every registered detector once, in order, then the suppression rules once."""
    findings: list[Finding] = []
    for detector in DETECTORS:
        findings.extend(detector(ctx))
    return hide(findings)


__all__ = [
    "DETECTORS",
    "Detector",
    "detect_adversarial",
    "detect_divergence",
    "detect_no_validation",
    "detect_noisy_validation",
    "detect_overconfidence",
    "detect_overfitting",
    "detect_stalled",
    "detect_too_short",
    "detect_underfitting",
    "detect_unstable",
    "run_detectors",
]
