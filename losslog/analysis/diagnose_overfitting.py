"""Overfitting and overconfidence: validation getting worse after its best point.

The rule combines the published stopping criteria, applied to windows of a noisy curve rather than
to consecutive points (see docs/diagnostics.md):

- Keras/Lightning ``EarlyStopping``: at least ``patience`` evaluations after the last improvement
  larger than ``min_delta``; where EarlyStopping would have stopped is reported.
- Prechelt's generalization loss GL(t) = 100 * (E_va(t) / min_{t'<=t} E_va(t') - 1), taken between
  the *median of a window around the best point* and the *median of the last window*, must reach
  GL_alpha (``gl_threshold``, 5%). On the TensorBoard-smoothed curve it is reported as evidence.
- Prechelt's UP criterion (the error rose at the end of s successive strips): the strips are
  windows after the best, and their medians must rise; the count is reported.
- Noise: the rise must exceed ``noise_z`` standard errors of the curve's own jitter, so a curve
  jittering +-10% around a flat trend is never called overfitting, however its points line up.
- Training must still be improving (or sit at its floor): otherwise validation got worse for
  another reason, and calling it overfitting would send the user the wrong way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from losslog.analysis.context import Context, fmt_value
from losslog.analysis.findings import Finding, Severity
from losslog.analysis.options import AnalysisOptions
from losslog.analysis.smoothing import tb_smooth
from losslog.analysis.summary import Series, best_index
from losslog.analysis.windows import badness, finite_part, level, level_near, noise_sigma, std_error, trend_noise


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


def validation_rise(s: Series, options: AnalysisOptions) -> Rise | None:
    """The windowed rise of ``s`` after its best point, or None when it has too few points."""
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
    ysm = badness(tb_smooth(v, options.smooth), goal, s.name.kind).values
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


def training_reference(ctx: Context) -> Series | None:
    """The training curve that must keep improving: the training loss where the run logs one."""
    if ctx.train_loss is not None:
        return ctx.train_loss
    cands = [s for s in ctx.series.values() if s.name.split == "train" and s.name.metric.lower() == "loss"]
    cands += [s for s in ctx.series.values() if s.name.split == "train" and s.name.kind == "loss"]
    cands.sort(key=lambda s: {"epoch": 0, "": 1}.get(s.name.granularity, 2))
    if cands:
        return cands[0]
    return ctx.train


@dataclass(frozen=True)
class TrainChange:
    series: Series
    at_best: float
    at_end: float
    relative: float  # (end - best) / |best|, in the series' own direction (negative = improved for losses)
    improving: bool
    at_floor: bool


def training_change(ctx: Context, val: Series, best_i: int, end_window: int) -> TrainChange | None:
    """How the training curve moved between the validation best and the end, by window medians."""
    t = training_reference(ctx)
    if t is None:
        return None
    goal = t.name.goal or "min"
    vsteps = val.steps[np.isfinite(val.values)]
    pos = int(np.searchsorted(vsteps, val.steps[best_i]))
    lo = vsteps[max(0, pos - 1)]
    hi = vsteps[min(len(vsteps) - 1, pos + 1)]
    at_best = level_near(t, lo, hi)
    end_lo = vsteps[max(0, len(vsteps) - max(end_window, 1))]
    at_end = level_near(t, end_lo, float(np.max(t.steps)))
    if not (math.isfinite(at_best) and math.isfinite(at_end)) or at_best == 0:
        return None
    rel = (at_end - at_best) / abs(at_best)
    improving = rel < -0.005 if goal == "min" else rel > 0.005
    tv = t.values[np.isfinite(t.values)]
    if goal == "min":
        at_floor = bool(len(tv)) and at_best <= 0.01 * abs(float(tv[0])) and float(tv[0]) > 0
    else:
        at_floor = at_best >= (0.999 if float(np.max(tv)) <= 1.0 else 99.9)
    return TrainChange(t, at_best, at_end, rel, improving, at_floor)


def _last_degradation(r: Rise, last: float) -> float:
    """How much worse the last value is than the best, relative (0.2 = 20% worse)."""
    if not r.best_value:
        return 0.0
    if r.transform == "loss":
        return (last - r.best_value) / abs(r.best_value)
    return (r.best_value - last) / abs(r.best_value)


def _pct(a: float, b: float, ref: float | None = None) -> str:
    """(a - b) relative to ``ref`` (default b), as a percentage for a sentence."""
    ref = b if ref is None else ref
    if not ref:
        return "far"
    return f"{100.0 * abs(a - b) / abs(ref):.0f}%"


def _patience_needed(values: np.ndarray, goal: str, min_delta: float, best: int) -> int:
    """The smallest EarlyStopping patience that would have reached the best point on this curve."""
    longest, wait = 0, 0
    ref = float(values[0])
    for v in values[1 : best + 1].tolist():
        margin = abs(ref) * min_delta
        if (v < ref - margin) if goal == "min" else (v > ref + margin):
            ref, wait = v, 0
        else:
            wait += 1
            longest = max(longest, wait)
    return longest + 1


def _where(ctx: Context, s: Series, i: int) -> str:
    return ctx.where(s, i)


def _after_text(s: Series, i: int) -> str:
    last = len(s) - 1
    e0, e1 = s.epoch_at(i), s.epoch_at(last)
    if e0 is not None and e1 is not None:
        n = e1 - e0
        return f"{n:g} epoch{'s' if n != 1 else ''}"
    return f"{float(s.steps[last] - s.steps[i]):g} steps"


def detect_overfitting(ctx: Context) -> list[Finding]:
    """Validation (loss, else a score to maximize) worse after its best while training improves."""
    from losslog.analysis.diagnose_progress import chance_evidence

    val = ctx.monitor
    if val is None or val.name.goal is None or val.name.split not in ("val", "test"):
        return []
    r = validation_rise(val, ctx.options)
    if r is None or not rise_is_real(r, ctx.options):
        return []
    train = training_change(ctx, val, r.best_index, r.end_window)
    if train is not None and not (train.improving or train.at_floor):
        return []
    if chance_evidence(ctx) is not None:
        return []  # a model at chance has no "best point" to overfit from: that is a stall
    opts = ctx.options
    severity: Severity = "warning" if (r.rise_pct >= 2 * opts.gl_threshold or r.fraction_after >= 1 / 3) else "info"
    where = _where(ctx, val, r.best_index)
    v_fin, _, v_idx = finite_part(val)
    es = early_stopping_stop(v_fin, val.name.goal or "min", opts.patience, opts.min_delta)
    es_text = ""
    if es is not None and int(v_idx[es]) < r.best_index:
        need = _patience_needed(
            v_fin, val.name.goal or "min", opts.min_delta, int(np.searchsorted(v_idx, r.best_index))
        )
        es_text = (
            f"; EarlyStopping(patience={opts.patience}) would have stopped too early, at "
            f"{_where(ctx, val, int(v_idx[es]))}: on this curve it needs patience >= {need}"
        )
    elif es is not None and es < len(v_fin) - 1:
        es_text = f" (EarlyStopping(patience={opts.patience}) would have stopped at {_where(ctx, val, int(v_idx[es]))})"
    if r.transform == "loss":
        change = f"rose to about {fmt_value(r.end_value)}, {_pct(r.end_value, r.best_value)} above its best"
    else:
        change = (
            f"fell to about {fmt_value(r.end_value)}, {_pct(r.best_value, r.end_value, r.best_value)} below its best"
        )
    train_text = ""
    if train is not None:
        if train.improving:
            train_text = (
                f", while {train.series.display} kept improving "
                f"({fmt_value(train.at_best)} → {fmt_value(train.at_end)})"
            )
        else:
            train_text = f", while {train.series.display} stayed at its floor ({fmt_value(train.at_end)})"
    message = (
        f"{val.display} has been getting worse since {where}, its best ({fmt_value(r.best_value)}): "
        f"over the {_after_text(val, r.best_index)} after it, it {change}{train_text}"
    )
    suggestion = (
        f"keep the checkpoint from {where}{es_text}; then regularize "
        "(weight decay, dropout, augmentation), get more data, or train shorter"
    )
    return [
        Finding(
            code="overfitting",
            severity=severity,
            metric=val.tag,
            metrics=tuple(x for x in (val.tag, train.series.tag if train else None) if x),
            message=message,
            suggestion=suggestion,
            onset_step=float(val.steps[r.best_index]),
            onset_epoch=val.epoch_at(r.best_index),
            evidence={
                "best_value": r.best_value,
                "best_window_median": r.best_level_value,
                "end_window_median": r.end_value,
                "last_value": float(v_fin[-1]),
                "last_degradation_pct": round(100.0 * _last_degradation(r, float(v_fin[-1])), 3),
                "generalization_loss_windows_pct": round(r.rise_pct, 3),
                "generalization_loss_smoothed_end_pct": round(r.gl_smoothed_end, 3),
                "rise_in_noise_std_errors": round(r.z, 2) if math.isfinite(r.z) else None,
                "up_strips": r.up_strips,
                "evaluations_after_best": r.evaluations_after,
                "evaluations_since_improvement": r.evaluations_since_improvement,
                "fraction_of_run_after_best": round(r.fraction_after, 4),
                "early_stopping_stop_step": float(val.steps[int(v_idx[es])]) if es is not None else None,
                "judged_as": r.transform,
                "train_metric": train.series.tag if train else None,
                "train_relative_change_since_best": round(train.relative, 5) if train else None,
                "gl_threshold_pct": opts.gl_threshold,
                "patience": opts.patience,
            },
        )
    ]


def detect_overconfidence(ctx: Context) -> list[Finding]:
    """Validation loss rising while validation accuracy rises or holds: calibration, not yet accuracy."""
    from losslog.analysis.chance import accuracy_series
    from losslog.analysis.diagnose_progress import chance_evidence

    vl = ctx.val_loss
    acc = accuracy_series(ctx, "val")
    if vl is None or acc is None:
        return []
    r = validation_rise(vl, ctx.options)
    if r is None or not rise_is_real(r, ctx.options) or chance_evidence(ctx) is not None:
        return []
    vsteps = vl.steps[np.isfinite(vl.values)]
    pos = int(np.searchsorted(vsteps, vl.steps[r.best_index]))
    acc_best = level_near(acc, vsteps[max(0, pos - 1)], vsteps[min(len(vsteps) - 1, pos + 1)])
    end_lo = vsteps[max(0, len(vsteps) - max(r.end_window, 1))]
    acc_end = level_near(acc, end_lo, float(np.max(acc.steps)))
    if not (math.isfinite(acc_best) and math.isfinite(acc_end)):
        return []
    if acc_end < acc_best - ctx.options.accuracy_hold:
        return []
    where = ctx.where(vl, r.best_index)
    verb = "still rose" if acc_end > acc_best + ctx.options.accuracy_hold else "held"
    rise = 100.0 * (r.end_value - r.best_value) / abs(r.best_value) if r.best_value else r.rise_pct
    return [
        Finding(
            code="overconfidence",
            severity="info",
            metric=vl.tag,
            metrics=(vl.tag, acc.tag),
            message=(
                f"{vl.display} rose {rise:.0f}% after {where} while {acc.display} {verb} "
                f"({fmt_value(acc_best)} → {fmt_value(acc_end)}): the model is growing overconfident "
                "on the examples it gets wrong, it is not yet losing accuracy"
            ),
            suggestion=(
                f"if accuracy is what matters, pick the checkpoint by it (--monitor {acc.display}); "
                "label smoothing or temperature scaling fix the calibration"
            ),
            onset_step=float(vl.steps[r.best_index]),
            onset_epoch=vl.epoch_at(r.best_index),
            evidence={
                "val_loss_rise_pct": round(rise, 3),
                "accuracy_at_best_loss": acc_best,
                "accuracy_at_end": acc_end,
                "accuracy_metric": acc.tag,
            },
        )
    ]
