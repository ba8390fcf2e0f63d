"""Overfitting and overconfidence: validation getting worse after its best point.

The rise itself (EarlyStopping's patience, Prechelt's GL and UP on windows, the noise test) is
``rise.validation_rise``, a fact shared by both detectors. On top of it, overfitting needs the
training curve to still improve (or sit at its floor): otherwise validation got worse for another
reason, and calling it overfitting would send the user the wrong way. A run at chance level has no
best point to get worse from (``chance.chance_evidence``): neither detector speaks about it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from losslog.analysis.chance import accuracy_series, chance_evidence
from losslog.analysis.context import Context, fmt_value
from losslog.analysis.findings import Finding, Severity
from losslog.analysis.rise import Rise, early_stopping_stop, rise_is_real, validation_rise
from losslog.analysis.selection import twin
from losslog.analysis.summary import Series, best_index
from losslog.analysis.windows import finite_part, level_near


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


def training_change(ctx: Context, r: Rise, reference: Series | None = None) -> TrainChange | None:
    """How the training curve moved between the validation best and the end, by window medians."""
    t = reference if reference is not None else training_reference(ctx)
    if t is None:
        return None
    goal = t.name.goal or "min"
    at_best = level_near(t, *r.best_window)
    at_end = level_near(t, r.end_start_step, float(np.max(t.steps)))
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


def _component_losses(ctx: Context) -> list[tuple[Series, Series]]:
    """Validation losses with a training twin (``val/cls_loss`` and ``train/cls_loss``), when the run
    is monitored by something else (a task metric, a fitness): a part of the loss can overfit while
    the headline metric only stops improving."""
    m = ctx.monitor
    if m is None or m.name.kind == "loss":
        return []
    mv = m.values[np.isfinite(m.values)]
    b = best_index(mv, m.name.goal)
    if b is None or b >= len(mv) - max(ctx.options.patience, 1):
        return []  # the metric the run is kept by still improves: a rising loss is overconfidence
    out = []
    for s in ctx.series.values():
        if s.name.split == "val" and s.name.kind == "loss" and s.name.goal == "min":
            t = twin(ctx.names, s.tag, "train")
            if t is not None:
                out.append((s, ctx.series[t]))
    return out


def detect_overfitting(ctx: Context) -> list[Finding]:
    """Validation (loss, else a score to maximize) worse after its best while training improves.

    The monitored metric first; when it shows no rise and is not a loss, each validation loss with a
    training twin (a detector's classification loss, say) is asked the same question.
    """
    val = ctx.monitor
    if val is None or val.name.goal is None or val.name.split not in ("val", "test"):
        return []
    for cand, ref in [(val, None), *_component_losses(ctx)]:
        found = _overfitting_of(ctx, cand, ref)
        if found:
            return found
    return []


def _overfitting_of(ctx: Context, val: Series, reference: Series | None) -> list[Finding]:
    r = validation_rise(ctx, val.tag)
    if r is None or not rise_is_real(r, ctx.options):
        return []
    train = training_change(ctx, r, reference)
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
        f"keep the checkpoint from {where}{es_text}"
        if ctx.monitor is None or val.tag == ctx.monitor.tag
        else f"keep the best checkpoint by {ctx.monitor.display}, which the run is monitored by"
    ) + "; then regularize (weight decay, dropout, augmentation), get more data, or train shorter"
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
    vl = ctx.val_loss
    acc = accuracy_series(ctx, "val")
    m = ctx.monitor
    if acc is None and m is not None and vl is not None and m.tag != vl.tag and m.name.split == "val":
        acc = m  # the task metric the run is kept by (WER, mAP, F1): does it still hold?
    if vl is None or acc is None or acc.name.goal is None:
        return []
    r = validation_rise(ctx, vl.tag)
    if r is None or not rise_is_real(r, ctx.options) or chance_evidence(ctx) is not None:
        return []
    acc_best = level_near(acc, *r.best_window)
    acc_end = level_near(acc, r.end_start_step, float(np.max(acc.steps)))
    if not (math.isfinite(acc_best) and math.isfinite(acc_end)):
        return []
    sign = 1.0 if acc.name.goal == "max" else -1.0
    gain = sign * (acc_end - acc_best)
    if gain < -ctx.options.accuracy_hold:
        return []
    where = ctx.where(vl, r.best_index)
    verb = ("still rose" if sign > 0 else "still improved") if gain > ctx.options.accuracy_hold else "held"
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
                (
                    f"the checkpoint kept by {acc.display} is the one to use; "
                    if ctx.monitor is not None and acc.tag == ctx.monitor.tag
                    else f"if accuracy is what matters, pick the checkpoint by it (--monitor {acc.display}); "
                )
                + "label smoothing or temperature scaling fix the calibration"
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
