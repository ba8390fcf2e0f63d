"""Whether the model learns at all (stalled), and whether it stopped too early (underfitting).

Stalled (a warning), either of:

- *at chance*: with K classes known (``--classes``, hyperparameters, or a run that started at
  chance), the validation accuracy never rose above 1/K + ``chance_margin``, or the validation
  cross-entropy never came below ln K by more than ``chance_tolerance``. A training loss that falls
  meanwhile is memorization (shuffled labels do exactly this), not learning.
- *no progress*: the training loss (the validation loss when there is none) improved by less than
  ``stall_improvement`` (2%) from its first window to its last, or by less than its own noise,
  and no accuracy rose by more than ``chance_margin`` meanwhile (that would be slow learning).

Underfitting (a note, never a warning: more training would help, nothing is broken), either of:

- *still falling*: the training and the validation loss both still fall over the last
  ``tail_fraction`` of the run at ``underfit_pace`` (30%) or more of their average rate over the
  whole run (a converged run falls at a few percent of it), and the best validation point is at
  its end;
- *high and flat*: both losses flat at the end, the gap between them small, and the training
  loss still above half its starting value (or, for a cross-entropy, above ln 2: less than 50% on
  the right class on average).

Neither looks at another detector's result: that a divergence hides a stall, and a stall or
overfitting hides underfitting, is the table in ``suppression``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from losslog.analysis.chance import CE_NAMES, accuracy_series, chance_evidence, is_cross_entropy
from losslog.analysis.context import Context, fact, fmt_value
from losslog.analysis.findings import Finding
from losslog.analysis.summary import Series, _trend, best_index
from losslog.analysis.windows import noise_sigma, rolling_median, std_error


@dataclass(frozen=True)
class Progress:
    series: Series
    start: float
    end: float
    improvement: float  # relative, positive = better
    significant: bool


@fact
def progress_series(ctx: Context) -> Series | None:
    """The curve whose progress says whether the model learns: the training loss, else the validation loss."""
    cands = [
        s for s in ctx.series.values() if s.name.split == "train" and s.name.goal == "min" and s.name.kind == "loss"
    ]
    cands.sort(key=lambda s: (s.name.metric.lower() != "loss", {"epoch": 0, "": 1}.get(s.name.granularity, 2)))
    if cands:
        return cands[0]
    if ctx.val_loss is not None:
        return ctx.val_loss
    return ctx.monitor if ctx.monitor is not None and ctx.monitor.name.goal == "min" else None


@fact
def training_progress(ctx: Context) -> Progress | None:
    """How much ``progress_series`` improved from its first window to its last (medians, so noise cancels)."""
    s = progress_series(ctx)
    if s is None:
        return None
    v = s.values[np.isfinite(s.values)]
    n = len(v)
    if n < 4:
        return None
    k = max(2, n // 5)
    start, end = float(np.median(v[:k])), float(np.median(v[-k:]))
    if start == 0:
        return None
    imp = (start - end) / abs(start)
    se = std_error(noise_sigma(v), k, k)
    return Progress(s, start, end, imp, (start - end) >= ctx.options.noise_z * se)


def detect_stalled(ctx: Context) -> list[Finding]:
    """The model does not learn: at chance level, or no improvement from the start."""
    ch = chance_evidence(ctx)
    if ch is not None:
        src = "" if ch.classes_source == "--classes" else f" ({ch.classes_source})"
        if ch.what == "accuracy":
            detail = (
                f"{ch.metric} never rose above {fmt_value(ch.best_level)}, and chance for {ch.classes} classes "
                f"is {fmt_value(ch.chance)}{src}"
            )
        else:
            detail = (
                f"{ch.metric} never came below {fmt_value(ch.best_level)}, and chance for {ch.classes} classes is "
                f"ln {ch.classes} = {fmt_value(ch.chance)}{src}"
            )
        s = ctx.series[ch.tag]
        pr = training_progress(ctx)
        memo = ""
        if pr is not None and pr.improvement > ctx.options.stall_improvement and pr.series.name.split == "train":
            memo = f"; {pr.series.display} fell {pr.improvement:.0%} meanwhile: memorizing, not learning"
        return [
            _stall_finding(
                ctx,
                s,
                f"the model is at chance level: {detail}{memo}",
                {
                    "classes": ch.classes,
                    "classes_source": ch.classes_source,
                    "chance": ch.chance,
                    "best_level": ch.best_level,
                    "judged_on": ch.what,
                },
                "check that labels match inputs (a shuffle or a join gone wrong gives exactly this), "
                "that the loss is the right one for the labels, and raise the learning rate if it is tiny",
            )
        ]
    ps = progress_series(ctx)
    pr = training_progress(ctx)
    if ps is None or pr is None or (pr.improvement >= ctx.options.stall_improvement and pr.significant):
        return []
    if _accuracy_rose(ctx):
        return []  # a slowly falling loss with an accuracy clearly rising is slow learning (underfitting)
    message = (
        f"the model is not learning: {ps.display} did not improve from the start "
        f"({fmt_value(pr.start)} at the start, {fmt_value(pr.end)} at the end, {-pr.improvement:+.1%})"
    )
    return [
        _stall_finding(
            ctx,
            ps,
            message,
            {
                "start_level": pr.start,
                "end_level": pr.end,
                "relative_improvement": round(pr.improvement, 5),
                "beyond_noise": pr.significant,
                "stall_improvement": ctx.options.stall_improvement,
            },
            "raise the learning rate (it may be far too small or zero), check that gradients reach every layer "
            "(frozen weights, a detached loss, dead activations) and that labels match inputs",
        )
    ]


def _accuracy_rose(ctx: Context) -> bool:
    """An accuracy (validation first) rose by more than ``chance_margin`` from its start: it learns."""
    for split in ("val", "train"):
        acc = accuracy_series(ctx, split)
        if acc is None:
            continue
        v = acc.values[np.isfinite(acc.values)]
        if len(v) < 4:
            continue
        k = max(2, len(v) // 5)
        return float(np.max(rolling_median(v, 3))) - float(np.median(v[:k])) > ctx.options.chance_margin
    return False


def _stall_finding(ctx: Context, s: Series, message: str, evidence: dict[str, object], suggestion: str) -> Finding:
    ok = np.flatnonzero(np.isfinite(s.values))
    i = int(ok[0]) if len(ok) else 0
    return Finding(
        code="stalled",
        severity="warning",
        metric=s.tag,
        metrics=(s.tag,),
        message=message,
        suggestion=suggestion,
        onset_step=float(s.steps[i]),
        onset_epoch=s.epoch_at(i),
        evidence=dict(evidence),
    )


@dataclass(frozen=True)
class Pace:
    tail_change: float  # relative change over the tail, from a line fit
    ratio: float  # the tail's rate of improvement over the run's average rate (1 = as fast as ever)


def _pace(s: Series, ctx: Context) -> Pace | None:
    """How fast ``s`` still falls at the end, absolutely and compared with the whole run.

    The tail is the last ``tail_fraction`` of the points, fitted with a straight line on log values
    (losses fall geometrically): a line through many noisy points is steadier than a smoothed curve,
    which lags behind a falling trend. A converged run falls at the end at a small fraction of its
    average rate; a run stopped early still falls about as fast as it ever did.
    """
    v = s.values[np.isfinite(s.values)]
    n = len(v)
    if n < 3 or float(np.min(v)) <= 0:
        return None
    k = min(n, max(3, round(n * ctx.options.tail_fraction)))
    x = np.arange(k, dtype="float64")
    slope = float(np.polyfit(x, np.log(v[-k:]), 1)[0])
    m = max(1, min(3, n // 5))
    whole = (math.log(float(np.median(v[-m:]))) - math.log(float(np.median(v[:m])))) / max(n - m, 1)
    ratio = slope / whole if whole < 0 else 0.0
    return Pace(math.expm1(slope * (k - 1)), ratio)


def _still_falling(p: Pace, min_ratio: float) -> bool:
    """Clearly falling at the end (2% over the tail, at a fair share of the run's pace), or falling
    at least 1% there at twice the run's average pace or more: a run stopped just as it started to learn
    (a plateau, then the drop) falls fastest at its very end."""
    return (p.tail_change <= -0.02 and p.ratio >= min_ratio) or (p.tail_change <= -0.01 and p.ratio >= 2.0)


def detect_underfitting(ctx: Context) -> list[Finding]:
    """More training would help: still falling clearly at the end, or high and flat with a small gap."""
    mon = ctx.monitor
    if mon is not None and mon.name.split in ("val", "test") and mon.name.goal is not None:
        mv = mon.values[np.isfinite(mon.values)]
        b = best_index(mv, mon.name.goal)
        if b is None or b < len(mv) - max(ctx.options.patience, 1):
            return []  # validation stopped improving a while ago: more epochs would not help
    train = progress_series(ctx)
    if train is None or train.name.split != "train":
        train = None
    val = ctx.val_loss
    opts = ctx.options
    t_pace = _pace(train, ctx) if train is not None else None
    v_pace = _pace(val, ctx) if val is not None else None
    t_change = t_pace.tail_change if t_pace else None
    v_change = v_pace.tail_change if v_pace else None
    paces = [p for p in (t_pace, v_pace) if p is not None]
    score_change: float | None = None
    if val is None and mon is not None and mon.name.split in ("val", "test"):
        # validation is only a score here (mAP, fitness, accuracy): still clearly improving at the
        # end (and best at the end, checked above) stands in for a falling validation loss
        trend, score_change = _trend(mon.values, mon.name.goal, opts.smooth, opts.tail_fraction)
        if not (trend == "improving" and score_change is not None and abs(score_change) >= 0.02):
            paces = []
    recorded = ctx.meta.get("trainer_monitor")
    if isinstance(recorded, dict) and recorded.get("early_stopped"):
        paces = []  # the trainer's own early stopping saw validation stop improving (it evaluated more often)
    if paces and all(_still_falling(p, opts.underfit_pace) for p in paces):
        at_end = True
        if val is not None:
            vv = val.values[np.isfinite(val.values)]
            b = best_index(vv, "min")
            at_end = b is not None and b >= len(vv) - max(opts.patience, 1)
        if at_end:
            ref = val if val is not None else train
            assert ref is not None
            parts = [
                f"{s.display} {c:+.0%}"
                for s, c in ((train, t_change), (val, v_change), (mon if val is None else None, score_change))
                if s is not None and c is not None
            ]
            return [
                _underfit(
                    ctx,
                    ref,
                    (
                        f"still improving when training stopped: over the last {opts.tail_fraction:.0%} of the run "
                        f"{' and '.join(parts)}; more training would help"
                    ),
                    "train longer (more epochs), or raise the learning rate; nothing is broken",
                    {
                        "kind": "still_falling",
                        "train_tail_change": t_change,
                        "val_tail_change": v_change,
                        "train_pace_ratio": t_pace.ratio if t_pace else None,
                        "val_pace_ratio": v_pace.ratio if v_pace else None,
                        "monitor_tail_change": score_change,
                    },
                )
            ]
    if train is None or val is None or t_change is None or v_change is None:
        return []
    if abs(t_change) >= 0.02 or abs(v_change) >= 0.02:
        return []
    pr = training_progress(ctx)
    vv = val.values[np.isfinite(val.values)]
    tv = train.values[np.isfinite(train.values)]
    if pr is None or not len(vv) or not len(tv):
        return []
    t_end, v_end = float(np.median(tv[-max(2, len(tv) // 5) :])), float(np.median(vv[-max(2, len(vv) // 5) :]))
    small_gap = abs(v_end - t_end) <= 0.1 * abs(t_end)
    high = pr.end >= 0.5 * pr.start
    if train.name.metric.lower() in CE_NAMES and is_cross_entropy(ctx, train):
        high = high or t_end > math.log(2)
    if small_gap and high:
        return [
            _underfit(
                ctx,
                train,
                (
                    f"{train.display} is high and flat ({fmt_value(t_end)}, {pr.improvement:.0%} below its start) with "
                    f"{val.display} close to it ({fmt_value(v_end)}): "
                    "the model is too small or too constrained for the task"
                ),
                "a larger model, less regularization, better features, or a higher learning rate",
                {
                    "kind": "high_and_flat",
                    "train_end": t_end,
                    "val_end": v_end,
                    "train_improvement": pr.improvement,
                },
            )
        ]
    return []


def _underfit(ctx: Context, s: Series, message: str, suggestion: str, evidence: dict[str, object]) -> Finding:
    ok = np.flatnonzero(np.isfinite(s.values))
    n = len(ok)
    k = min(n, max(3, round(n * ctx.options.tail_fraction))) if n else 0
    i = int(ok[n - k]) if n else 0
    return Finding(
        code="underfitting",
        severity="info",
        metric=s.tag,
        metrics=(s.tag,),
        message=message,
        suggestion=suggestion,
        onset_step=float(s.steps[i]) if n else None,
        onset_epoch=s.epoch_at(i) if n else None,
        evidence=dict(evidence),
    )
