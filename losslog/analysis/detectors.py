"""The diagnoses. Each detector reads a Context and returns zero or more Findings.

Detectors judge smoothed curves and windows, never single consecutive points: real validation
curves are noisy, and "rose three times in a row" both misses real overfitting and cries wolf.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from losslog.analysis.context import Context, aligned, fmt_value
from losslog.analysis.findings import Finding, Severity
from losslog.analysis.smoothing import tb_smooth
from losslog.analysis.summary import Series, best_index

Detector = Callable[[Context], list[Finding]]


def _degradation(values: np.ndarray, best: float, goal: str) -> np.ndarray:
    """How much worse than ``best`` each value is, relative (0.2 = 20% worse)."""
    scale = abs(best) if best != 0 else 1.0
    return (values - best) / scale if goal == "min" else (best - values) / scale


def generalization_loss(values: np.ndarray, goal: str) -> np.ndarray:
    """Prechelt's GL(t) = 100 * (E(t) / min_{t'<=t} E(t') - 1), for either goal, in percent."""
    if goal == "min":
        best_so_far = np.minimum.accumulate(values)
    else:
        best_so_far = np.maximum.accumulate(values)
    scale = np.where(best_so_far != 0, np.abs(best_so_far), 1.0)
    diff = values - best_so_far if goal == "min" else best_so_far - values
    return 100.0 * diff / scale


def detect_overfitting(ctx: Context) -> list[Finding]:
    val = ctx.monitor
    if val is None or val.name.goal is None or val.name.split not in ("val", "test"):
        return []
    goal = val.name.goal
    finite = np.isfinite(val.values)
    if finite.sum() < ctx.options.patience + 2:
        return []
    v = val.values[finite]
    steps = val.steps[finite]
    bi = best_index(v, goal)
    if bi is None:
        return []
    after = len(v) - 1 - bi
    if after < ctx.options.patience:
        return []
    best = float(v[bi])
    sm = tb_smooth(v, ctx.options.smooth)
    gl_smoothed = generalization_loss(sm, goal)
    gl_end = float(gl_smoothed[-1])
    tail_n = max(ctx.options.patience, int(np.ceil(after * 0.25)))
    tail = v[-tail_n:]
    tail_degradation = 100.0 * float(np.median(_degradation(tail, best, goal)))
    last_degradation = 100.0 * float(_degradation(np.array([v[-1]]), best, goal)[0])
    if gl_end < ctx.options.gl_threshold or tail_degradation < ctx.options.gl_threshold:
        return []
    # Training must still be improving: otherwise validation got worse for another reason.
    train_improving: bool | None = None
    train_change: float | None = None
    if ctx.train is not None:
        t = aligned(ctx.train, steps, ctx.options.smooth)
        t_best, t_end = t[bi], t[-1]
        if np.isfinite(t_best) and np.isfinite(t_end) and t_best != 0:
            tgoal = ctx.train.name.goal or goal
            train_change = float((t_end - t_best) / abs(t_best))
            train_improving = train_change < -0.005 if tgoal == "min" else train_change > 0.005
    if train_improving is False:
        return []
    span = float(steps[-1] - steps[0]) or 1.0
    wasted_fraction = float(steps[-1] - steps[bi]) / span
    severity: Severity = "warning" if (gl_end >= 10.0 or wasted_fraction >= 0.3) else "info"
    orig_idx = np.flatnonzero(finite)[bi]
    where = ctx.where(val, int(orig_idx))
    worse = "higher" if goal == "min" else "lower"
    n_after = _after_text(ctx, val, int(orig_idx))
    message = (
        f"overfitting since {where}: {val.display} was best there ({fmt_value(best)}); "
        f"the {n_after} after it left it {abs(last_degradation):.0f}% {worse}"
        + (" while training kept improving" if train_improving else "")
    )
    return [
        Finding(
            code="overfitting",
            severity=severity,
            metric=val.tag,
            metrics=tuple(x for x in (val.tag, ctx.train.tag if ctx.train else None) if x),
            message=message,
            suggestion=(
                f"use the checkpoint from {where}; add early stopping (patience ~{max(ctx.options.patience, 3)}), "
                "more regularization (dropout, weight decay, augmentation) or more data"
            ),
            onset_step=float(steps[bi]),
            onset_epoch=val.epoch_at(int(orig_idx)),
            evidence={
                "best_value": best,
                "last_value": float(v[-1]),
                "generalization_loss_smoothed_end": round(gl_end, 3),
                "tail_median_degradation_pct": round(tail_degradation, 3),
                "last_degradation_pct": round(last_degradation, 3),
                "evaluations_after_best": int(after),
                "fraction_of_run_after_best": round(wasted_fraction, 4),
                "train_relative_change_since_best": None if train_change is None else round(train_change, 5),
                "train_metric": ctx.train.tag if ctx.train else None,
            },
        )
    ]


def _after_text(ctx: Context, s: Series, i: int) -> str:
    last = len(s) - 1
    e0, e1 = s.epoch_at(i), s.epoch_at(last)
    if e0 is not None and e1 is not None:
        n = e1 - e0
        return f"{n:g} epoch{'s' if n != 1 else ''}"
    n_steps = float(s.steps[last] - s.steps[i])
    return f"{n_steps:g} steps"


def detect_divergence(ctx: Context) -> list[Finding]:
    """A loss that turned NaN/inf, or a training loss that exploded by orders of magnitude."""
    hits: list[tuple[float, Series, int, str]] = []
    for s in ctx.series.values():
        if s.name.goal != "min" or s.name.kind != "loss" or len(s) == 0:
            continue
        bad = np.flatnonzero(~np.isfinite(s.values))
        if len(bad):
            i = int(bad[0])
            hits.append((float(s.steps[i]), s, i, f"{s.display} became {s.values[i]} at {ctx.where(s, i)}"))
            continue
        if s.name.split == "train" and len(s) >= 5:
            sm = tb_smooth(s.values, ctx.options.smooth)
            low = float(np.min(sm))
            lo_i = int(np.argmin(sm))
            if low > 0:
                ratio = sm[lo_i:] / low
                over = np.flatnonzero(ratio >= ctx.options.explode_factor)
                if len(over):
                    i = lo_i + int(over[0])
                    hits.append(
                        (
                            float(s.steps[i]),
                            s,
                            i,
                            f"{s.display} exploded to {ratio[over[0]]:.0f}x its lowest value at {ctx.where(s, i)}",
                        )
                    )
    if not hits:
        return []
    hits.sort(key=lambda h: h[0])
    step, s, i, what = hits[0]
    return [
        Finding(
            code="divergence",
            severity="error",
            metric=s.tag,
            metrics=tuple(dict.fromkeys(h[1].tag for h in hits)),
            message=f"training diverged: {what}",
            suggestion="lower the learning rate, add gradient clipping or warm-up, check for bad inputs",
            onset_step=step,
            onset_epoch=s.epoch_at(i),
            evidence={
                "first_bad_value": str(s.values[i]),
                "affected_metrics": [h[1].tag for h in hits],
                "nonfinite_points": int(sum(int((~np.isfinite(h[1].values)).sum()) for h in hits)),
            },
        )
    ]


#: Detectors run in this order; their findings are reported in it.
DETECTORS: tuple[Detector, ...] = (detect_divergence, detect_overfitting)
