"""The diagnoses. Each detector reads a Context and returns zero or more Findings.

Detectors judge smoothed curves and windows, never single consecutive points: real validation
curves are noisy, and "rose three times in a row" both misses real overfitting and cries wolf.
The rules, their published basis and their defaults are in docs/diagnostics.md; the code lives in

- ``diagnose_stability``: divergence (NaN/inf, explosion) and unstable (climbs, spikes);
- ``diagnose_progress``: stalled (chance level, no progress) and underfitting;
- ``diagnose_overfitting``: overfitting and overconfidence;
- ``chance``: the number of classes and what a cross-entropy means as a probability.

Detectors are independent functions, but they do not contradict each other: a stall suppresses
overfitting and underfitting, a divergence suppresses unstable and underfitting.
"""

from __future__ import annotations

from collections.abc import Callable

from losslog.analysis.context import Context
from losslog.analysis.diagnose_overfitting import (
    detect_overconfidence,
    detect_overfitting,
    early_stopping_stop,
    generalization_loss,
)
from losslog.analysis.diagnose_progress import detect_stalled, detect_underfitting
from losslog.analysis.diagnose_stability import detect_divergence, detect_unstable
from losslog.analysis.findings import Finding

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
)

__all__ = [
    "DETECTORS",
    "Detector",
    "detect_divergence",
    "detect_overconfidence",
    "detect_overfitting",
    "detect_stalled",
    "detect_underfitting",
    "detect_unstable",
    "early_stopping_stop",
    "generalization_loss",
]
