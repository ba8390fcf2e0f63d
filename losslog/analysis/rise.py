"""How a validation curve got worse after its best point, judged by windows (the overfitting rule's core).

The rule combines the published stopping criteria, applied to windows of a noisy curve rather than
to consecutive points (see docs/diagnostics.md):

- Keras/Lightning ``EarlyStopping``: at least ``patience`` evaluations after the last improvement
  larger than ``min_delta``; where EarlyStopping would have stopped is reported.
- Prechelt's generalization loss GL(t) = 100 * (E_va(t) / min_{t'<=t} E_va(t') - 1), taken between
  the *median of a window around the best point* and the *median of the last window*, must reach
  GL_alpha (``gl_threshold``). On the TensorBoard-smoothed curve it is reported as evidence.
- Prechelt's UP criterion (the error rose at the end of s successive strips): the strips are
  windows after the best, and their medians must rise; the count is reported.
- Noise: the rise must exceed ``noise_z`` standard errors of the curve's own jitter, so a curve
  jittering +-10% around a flat trend is never called overfitting, however its points line up.

``validation_rise`` is a fact of the context: overfitting (on the monitored metric) and
overconfidence (on the validation loss, usually the same series) share one computation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from losslog.analysis.context import Context, fact, smoothed_finite
from losslog.analysis.options import AnalysisOptions
from losslog.analysis.summary import best_index
from losslog.analysis.windows import badness, finite_part, level, noise_sigma, std_error, trend_noise


def generalization_loss(values: np.ndarray, goal: str) -> np.ndarray:
    """Prechelt's GL(t) = 100 * (E(t) / min_{t'<=t} E(t') - 1), for either goal, in percent."""
    best_so_far = np.minimum.accumulate(values) if goal == "min" else np.maximum.accumulate(values)
    scale = np.where(best_so_far != 0, np.abs(best_so_far), 1.0)
    diff = values - best_so_far if goal == "min" else best_so_far - values
    return 100.0 * diff / scale


def early_stopping_stop(values: np.ndarray, goal: str, patience: int, min_delta: float) -> int | None:
    """Index at which Keras/Lightning EarlyStopping(patience, min_delta) would have stopped, or None.

    ``min_delta`` is relative here (0.001 = 0.1% of the best value), so the rule does not depend on
    the loss's units.
    """
    best = math.nan
    wait = 0
    for i, v in enumerate(values.tolist()):
        if not math.isfinite(v):
            return i  # check_finite=True
        if math.isnan(best):
            best = v
            continue
        margin = abs(best) * min_delta
        improved = v < best - margin if goal == "min" else v > best + margin
        if improved:
            best, wait = v, 0
        else:
            wait += 1
            if wait >= max(patience, 1):
                return i
    return None


@dataclass(frozen=True)
class Rise:
    """How a validation curve got worse after its best point, judged by windows."""

    best_index: int  # into the series (original index)
    best_value: float
    best_level: float  # median of the window around the best point (badness scale)
    end_level: float  # median of the last window (badness scale)
    end_value: float  # metric value of the last window's median, in the metric's own units
    best_level_value: float  # metric value of the best window's median
    rise_pct: float  # windowed GL, percent
    gl_smoothed_end: float  # GL of the TensorBoard-smoothed curve at the end, percent
    z: float  # rise in standard errors of the curve's noise
    evaluations_after: int
    evaluations_since_improvement: int  # since the last improvement larger than min_delta
    up_strips: int  # Prechelt's UP: successive rising window medians at the end
    end_window: int
    fraction_after: float  # of the run's x span
    transform: str
    #: the steps of the windows the other curves are read over: around the best point, and the end's start
    best_window: tuple[float, float]
    end_start_step: float


@fact
def validation_rise(ctx: Context, tag: str) -> Rise | None:
    """The windowed rise of series ``tag`` after its best point, or None when it has too few points."""
    s = ctx.series[tag]
    options = ctx.options
    goal = s.name.goal
    if goal is None:
        return None
    v, steps, idx = finite_part(s)
    n = len(v)
    if n < max(options.patience, 1) + 2:
        return None
    b = best_index(v, goal)
    if b is None:
        return None
    after = n - 1 - b
    bad = badness(v, goal, s.name.kind)
    y = bad.values
    h = 1 if n < 30 else 2
    best_lv = level(y, b - h, b + h + 1)
    w_end = min(after, max(options.patience, math.ceil(after / 4))) if after else 0
    end_lv = level(y, n - w_end, n) if w_end else float(y[b])
    rise = end_lv - best_lv
    rise_pct = 100.0 * bad.relative(rise, best_lv)
    # noise: point-to-point jitter, or the wander around the post-best trend, whichever is larger
    t_sigma, inflation = trend_noise(y[max(0, b - h) :])
    sigma = max(noise_sigma(y), t_sigma, 1e-9 * max(abs(best_lv), 1e-12))
    se = std_error(sigma, min(2 * h + 1, n), max(w_end, 1)) * inflation
    z = rise / se if se > 0 else math.inf
    # Prechelt's GL at the end of the TensorBoard-smoothed curve (evidence, and what people see)
    ysm = badness(smoothed_finite(ctx, tag), goal, s.name.kind).values
    gl_sm = 100.0 * bad.relative(float(ysm[-1] - np.min(ysm)), float(np.min(ysm)))
    # evaluations since the last improvement larger than min_delta (EarlyStopping's wait counter)
    since = 0
    best_so_far = y[0]
    for i in range(1, n):
        if y[i] < best_so_far - abs(best_so_far) * options.min_delta:
            best_so_far, since = y[i], 0
        else:
            since += 1
    # UP: medians of successive strips after the best, counted backwards while they keep rising
    strip = max(1, options.patience)
    strips = after // strip  # whole strips after the best; one median per row, all at once
    meds = np.median(y[b + 1 : b + 1 + strips * strip].reshape(strips, strip), axis=1).tolist() if strips else []
    up = 0
    for i in range(len(meds) - 1, 0, -1):
        if meds[i] > meds[i - 1]:
            up += 1
        else:
            break
    span = float(steps[-1] - steps[0]) or 1.0
    pos = int(np.searchsorted(steps, steps[b]))
    best_window = (float(steps[max(0, pos - 1)]), float(steps[min(n - 1, pos + 1)]))
    return Rise(
        best_index=int(idx[b]),
        best_value=float(v[b]),
        best_level=best_lv,
        end_level=end_lv,
        end_value=_unbadness(end_lv, bad.transform, bad.ceiling),
        best_level_value=_unbadness(best_lv, bad.transform, bad.ceiling),
        rise_pct=rise_pct,
        gl_smoothed_end=gl_sm,
        z=z,
        evaluations_after=after,
        evaluations_since_improvement=since,
        up_strips=up,
        end_window=w_end,
        fraction_after=float(steps[-1] - steps[b]) / span,
        transform=bad.transform,
        best_window=best_window,
        end_start_step=float(steps[max(0, n - max(w_end, 1))]),
    )


def _unbadness(x: float, transform: str, ceiling: float | None) -> float:
    if transform == "error":
        return (ceiling or 1.0) - x
    if transform == "negated":
        return -x
    return x


def rise_is_real(r: Rise, options: AnalysisOptions) -> bool:
    """EarlyStopping's patience, GL_alpha on windows, a rise beyond the curve's noise, and more than
    the short, mild tail an EarlyStopping callback leaves behind."""
    return (
        r.evaluations_after >= max(options.patience, 1)
        and r.evaluations_since_improvement >= max(options.patience, 1)
        and r.rise_pct >= options.gl_threshold
        and r.z >= options.noise_z
        and not stopped_in_time(r, options)
    )


def stopped_in_time(r: Rise, options: AnalysisOptions) -> bool:
    """The run ended shortly after its best, validation only mildly worse: early stopping did its job."""
    return (
        r.evaluations_after <= options.early_stop_tail
        and r.fraction_after <= 0.25
        and r.rise_pct < 2.0 * options.gl_threshold
    )
