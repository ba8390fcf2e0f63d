"""Robust levels, noise and "badness" for judging noisy curves by windows, never by single points.

Real validation curves jitter by several percent from one evaluation to the next, and step-level
training losses (Hugging Face's ``loss`` every N steps, Lightning's ``train_loss_step``) by tens of
percent. A rule that compares consecutive points either misses real problems or cries wolf, so
every detector here compares *medians of windows* and asks whether a change is larger than the
curve's own noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from losslog.analysis.summary import Series

#: a median of n points is about this much noisier than a mean of n points (normal data)
MEDIAN_EFFICIENCY = 1.2533


def rolling_median(y: np.ndarray, window: int) -> np.ndarray:
    """Centered rolling median (the window shrinks at the ends). Ignores isolated spikes entirely.

    pandas' skip-list implementation keeps this O(n log w): a million-point step-level loss with a
    window of a tenth of it takes about a second, where a loop of medians would take hours.
    """
    n = len(y)
    if n == 0 or window <= 1:
        return np.asarray(y, dtype="float64").copy()
    import pandas as pd

    rolled = pd.Series(np.asarray(y, dtype="float64")).rolling(window, center=True, min_periods=1).median()
    return rolled.to_numpy(dtype="float64")


def noise_sigma(y: np.ndarray) -> float:
    """Point-to-point noise of a curve, robust to its trend and to outliers.

    Second differences cancel a locally linear trend; for white noise of std s their std is
    s * sqrt(6). The median absolute deviation ignores the few large second differences at the
    steep start of a run and at spikes.
    """
    y = y[np.isfinite(y)]
    if len(y) < 5:
        return 0.0
    d2 = np.diff(y, 2)
    mad = float(np.median(np.abs(d2 - np.median(d2))))
    return 1.4826 * mad / math.sqrt(6.0)


def trend_noise(y: np.ndarray) -> tuple[float, float]:
    """(sigma, inflation) of the residuals of ``y`` around a low-order fit of its trend.

    Validation curves do not only jitter point to point: they also wander slowly (the noise is
    autocorrelated), and a wander looks like a trend to a test that assumes independent points.
    The residuals around a quadratic fit give the size of the noise, their lag-1 autocorrelation
    rho how much less independent information the points carry: a standard error computed as if
    they were independent is multiplied by sqrt((1 + rho) / (1 - rho)).
    """
    y = y[np.isfinite(y)]
    n = len(y)
    if n < 8:
        return 0.0, 1.0  # too few points to tell a wander from the trend's own curvature
    x = np.arange(n, dtype="float64")
    res = y - np.polyval(np.polyfit(x, y, 2), x)
    sigma = 1.4826 * float(np.median(np.abs(res - np.median(res))))
    denom = float(np.sum(res * res))
    rho = float(np.sum(res[1:] * res[:-1]) / denom) if denom > 0 else 0.0
    rho = min(max(rho, 0.0), 0.9)
    return sigma, math.sqrt((1.0 + rho) / (1.0 - rho))


def level(y: np.ndarray, lo: int, hi: int) -> float:
    """Median of ``y[lo:hi]`` (clipped to the array); NaN when empty."""
    lo, hi = max(0, lo), min(len(y), hi)
    if hi <= lo:
        return float("nan")
    return float(np.median(y[lo:hi]))


def std_error(sigma: float, n_a: int, n_b: int) -> float:
    """Standard error of the difference of two window medians of ``n_a`` and ``n_b`` points."""
    return MEDIAN_EFFICIENCY * sigma * math.sqrt(1.0 / max(n_a, 1) + 1.0 / max(n_b, 1))


@dataclass(frozen=True)
class Badness:
    """A metric turned into "lower is better", with the scale its relative changes are taken on.

    Losses are used as they are (Prechelt's GL is relative to the best loss). A bounded score to
    maximize (accuracy, F1, mAP in [0, 1] or [0, 100]) becomes its error, 1 - score: going from 95%
    to 93% accuracy is the error growing by 40%, which is how a person weighs it; relative to the
    accuracy itself it would read as a negligible 2%.
    """

    values: np.ndarray
    #: how the values were transformed: "loss", "error" (1 - score), "negated"
    transform: str
    #: the value a perfect model would reach on this scale (0 for losses and errors), or None
    ceiling: float | None

    def relative(self, change: float, reference: float) -> float:
        """``change`` relative to ``reference`` (a level on this scale), guarding tiny references."""
        scale = abs(reference)
        if self.transform == "error":
            # An error near zero (accuracy 100%) would make every change look infinite.
            scale = max(scale, 0.01 * (self.ceiling or 1.0))
        if scale <= 1e-12:
            return 0.0 if change == 0 else math.copysign(math.inf, change)
        return change / scale


def badness(values: np.ndarray, goal: str, kind: str) -> Badness:
    """``values`` (finite) as lower-is-better."""
    if goal == "min":
        return Badness(values.astype("float64"), "loss", 0.0)
    if kind == "accuracy" and len(values) and float(np.min(values)) >= 0.0:
        top = 1.0 if float(np.max(values)) <= 1.0 else 100.0 if float(np.max(values)) <= 100.0 else None
        if top is not None:
            return Badness(top - values.astype("float64"), "error", top)
    return Badness(-values.astype("float64"), "negated", None)


def finite_part(s: Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, steps, original indices) of the finite points of a series."""
    ok = np.isfinite(s.values)
    idx = np.flatnonzero(ok)
    return s.values[ok], s.steps[ok], idx


def values_between(s: Series, lo_step: float, hi_step: float) -> np.ndarray:
    """Finite values of ``s`` logged at steps in [lo_step, hi_step]."""
    ok = np.isfinite(s.values) & (s.steps >= lo_step) & (s.steps <= hi_step)
    return s.values[ok]


def level_near(s: Series, lo_step: float, hi_step: float) -> float:
    """Median of ``s`` over [lo_step, hi_step]; the nearest finite point before it when empty."""
    vals = values_between(s, lo_step, hi_step)
    if len(vals):
        return float(np.median(vals))
    ok = np.isfinite(s.values) & (s.steps <= hi_step)
    if ok.any():
        return float(s.values[np.flatnonzero(ok)[-1]])
    return float("nan")


def odd(n: int) -> int:
    """The odd window size at or above ``n`` (centered windows need one)."""
    n = max(1, int(n))
    return n if n % 2 else n + 1
