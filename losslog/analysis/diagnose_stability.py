"""Divergence and instability of the training loss.

Divergence (the only "error" losslog emits, so CI fails on it by default): a loss became NaN or
inf (Keras's TerminateOnNaN and Lightning's ``check_finite``), or the smoothed training loss rose
to ``explode_factor`` (100x) its lowest value so far *and* above where it started: orders of
magnitude, past the untrained model's loss.

Unstable (a warning): the training loss did not go non-finite but

- *climbed over a stretch*: its rolling median rose at least ``climb_min_rise`` (+25%) above a
  low it had reached, giving back at least ``climb_share`` (30%) of the progress made since the
  start (or rose twice ``climb_min_rise``, +50%, whatever the progress), by more than the curve's
  noise; or
- *spiked*: a point at least ``spike_factor`` (3x) its local median that undoes at least
  ``spike_share`` (50%) of the progress made.

Both are measured against the run's own progress, so the batch-to-batch jitter of a step-level loss
near zero (0.01 -> 0.05 is "5x" but nothing) is not a spike, and a resumed run's small bump is not a
climb.

Unstable does not ask whether the run diverged: ``suppression`` hides it when it did.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from losslog.analysis.context import Context, fact, fmt_value, smoothed_finite
from losslog.analysis.findings import Finding
from losslog.analysis.summary import Series
from losslog.analysis.windows import noise_sigma, odd, rolling_median


@fact
def loss_series(ctx: Context) -> list[Series]:
    """Every loss of the run (any split) that has points."""
    return [s for s in ctx.series.values() if s.name.goal == "min" and s.name.kind == "loss" and len(s)]


def _explosion(ctx: Context, s: Series) -> tuple[int, float] | None:
    """(index, ratio to the lowest value so far) where a training loss exploded, or None."""
    ok = np.flatnonzero(np.isfinite(s.values))
    if len(ok) < 3:
        return None
    v = s.values[ok]
    if float(np.min(v)) <= 0:
        return None
    factor = ctx.options.explode_factor
    sm = smoothed_finite(ctx, s.tag)
    low = np.minimum.accumulate(sm)
    start = float(sm[0])
    hits = np.flatnonzero((sm >= factor * low) & (sm > start))
    if not len(hits):
        return None
    j = int(hits[0])
    return int(ok[j]), float(sm[j] / low[j])


def detect_divergence(ctx: Context) -> list[Finding]:
    """A loss that turned NaN/inf, or a training loss that exploded by orders of magnitude."""
    hits: list[tuple[float, Series, int, str]] = []
    for s in loss_series(ctx):
        bad = np.flatnonzero(~np.isfinite(s.values))
        if len(bad):
            i = int(bad[0])
            hits.append((float(s.steps[i]), s, i, f"{s.display} became {s.values[i]} at {ctx.where(s, i)}"))
        if s.name.split == "train":
            boom = _explosion(ctx, s)
            if boom is not None:
                i, ratio = boom
                hits.append(
                    (
                        float(s.steps[i]),
                        s,
                        i,
                        f"{s.display} exploded to {ratio:.3g}x its lowest value ({fmt_value(float(s.values[i]))}) "
                        f"at {ctx.where(s, i)}",
                    )
                )
    if not hits:
        return []
    hits.sort(key=lambda h: h[0])
    step, s, i, what = hits[0]
    nonfinite = {h[1].tag: int((~np.isfinite(h[1].values)).sum()) for h in hits}
    first_nan = next((h for h in hits if not np.isfinite(h[1].values[h[2]])), None)
    also = ""
    if first_nan is not None and first_nan is not hits[0]:
        also = f"; {first_nan[3]}"
    return [
        Finding(
            code="divergence",
            severity="error",
            metric=s.tag,
            metrics=tuple(dict.fromkeys(h[1].tag for h in hits)),
            message=f"training diverged: {what}{also}",
            suggestion=(
                "lower the learning rate (or warm it up), clip gradients, and check the inputs and labels "
                "for NaN/inf; the checkpoints before "
                f"{ctx.where(s, i)} are the last usable ones"
            ),
            onset_step=step,
            onset_epoch=s.epoch_at(i),
            evidence={
                "first_bad_value": str(s.values[i]),
                "affected_metrics": list(dict.fromkeys(h[1].tag for h in hits)),
                "nonfinite_points": int(sum(nonfinite.values())),
                "first_nonfinite_step": float(first_nan[0]) if first_nan else None,
                "explode_factor": ctx.options.explode_factor,
            },
        )
    ]


@dataclass(frozen=True)
class Instability:
    kind: str  # "climb" | "spike"
    series: Series
    start: int  # original index where it began (the low before a climb, the spike itself)
    peak: int  # original index of the highest point
    low: float
    high: float
    share_of_progress: float
    spikes: int = 0


def _train_losses(ctx: Context) -> list[Series]:
    """Training losses, per-epoch first: climbs read best on them, spikes on step-level ones."""
    out = [s for s in loss_series(ctx) if s.name.split == "train"]
    out.sort(key=lambda s: {"epoch": 0, "": 1}.get(s.name.granularity, 2))
    return out


def _instability(s: Series, ctx: Context) -> Instability | None:
    opts = ctx.options
    ok = np.flatnonzero(np.isfinite(s.values))
    n = len(ok)
    if n < 6:
        return None
    v = s.values[ok]
    w = odd(max(3, n // 10))
    trend = rolling_median(v, w)
    # where training started: the first value for per-epoch losses, a few first logs for noisy step-level ones
    k0 = max(1, min(5, n // 50))
    start = float(np.median(v[:k0]))
    floor = float(np.min(trend))
    progress = start - floor
    scale = max(progress, 0.0)
    if scale <= 0:
        scale = abs(start) * 0.1 or 1.0
    # Noise of the rolling median, on log scale where the loss is positive (a loss's noise is
    # multiplicative: +-30% at 2.0 and at 0.1 alike). A climb is a maximum minus an earlier minimum
    # of the rolling median, and picking both extremes among the n / w independent windows of a
    # noisy curve yields several of these by chance alone, hence the +3 below.
    positive = bool(np.all(v > 0))
    sigma_t = noise_sigma(np.log(v) if positive else v) * 1.2533 / math.sqrt(w)
    # climb: the largest rise of the rolling median above its running minimum, where the median has
    # its full window (at the ends it shrinks to a few points and is as noisy as they are)
    h = w // 2
    full = np.zeros(n, dtype=bool)
    full[h : n - h] = True
    if not full.any():
        full[:] = True
    run_min = np.minimum.accumulate(np.where(full, trend, np.inf))
    climb = np.where(full & np.isfinite(run_min), trend - run_min, 0.0)
    j = int(np.argmax(climb))
    best: Instability | None = None
    if climb[j] > 0:
        lo = float(run_min[j])
        i0 = int(np.flatnonzero(trend[: j + 1] == lo)[-1])
        rel = climb[j] / abs(lo) if lo != 0 else math.inf
        share = float(climb[j] / scale)
        # a climb twice the minimum rise is instability however much progress came before it
        enough = share >= opts.climb_share or rel >= 2.0 * opts.climb_min_rise
        size = math.log1p(rel) if positive else float(climb[j])
        if rel >= opts.climb_min_rise and enough and size >= (opts.noise_z + 3.0) * sigma_t:
            best = Instability("climb", s, int(ok[i0]), int(ok[j]), lo, float(trend[j]), share)
    # spikes: far above the local median, undoing much of the progress
    local = rolling_median(v, odd(max(5, n // 10)))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(local > 0, v / local, np.inf)
    # ... and an outlier for this curve: on log scale, beyond (noise_z + 3) robust standard deviations
    # of the points around their local median (a small-batch loss has a wide spread of its own)
    factor = opts.spike_factor
    if float(np.min(v)) > 0 and float(np.min(local)) > 0:
        r = np.log(v) - np.log(local)
        spread = 1.4826 * float(np.median(np.abs(r - np.median(r))))
        factor = max(factor, math.exp((opts.noise_z + 3.0) * spread))
    # ... and above what came just before it: the first points of a fast-falling loss stand far above
    # the centred median without being spikes (nothing before them was lower).
    before = _preceding_median(v, odd(max(5, n // 10)))
    with np.errstate(invalid="ignore"):
        above_before = np.isfinite(before) & (v >= factor * before)
    spike = np.flatnonzero((ratio >= factor) & ((v - local) >= opts.spike_share * scale) & above_before)
    # A single-batch loss (Lightning's *_step) has heavy-tailed outliers (a hard batch) that vanish at
    # the next log: there, only damage that lasts counts, and the climb rule above sees that. On
    # averaged values (an epoch, Hugging Face's logging window) one spike is already instability.
    if s.name.granularity == "step":
        spike = spike[:0]
    if best is None and len(spike):
        i = int(spike[int(np.argmax(v[spike]))])
        share = float((v[i] - local[i]) / scale)
        best = Instability(
            "spike", s, int(ok[int(spike[0])]), int(ok[i]), float(local[i]), float(v[i]), share, spikes=len(spike)
        )
    return best


def detect_unstable(ctx: Context) -> list[Finding]:
    """A finite training loss that climbs over a stretch or spikes far above its local level."""
    losses = _train_losses(ctx)
    # Judge the per-epoch training loss when the run logs one (what EarlyStopping and people look
    # at); the per-step one of the same run adds only batch noise.
    found = _instability(losses[0], ctx) if losses else None
    if found is None:
        return []
    s = found.series
    if found.kind == "climb":
        message = (
            f"{s.display} climbed from about {fmt_value(found.low)} at {ctx.where(s, found.start)} to about "
            f"{fmt_value(found.high)} at {ctx.where(s, found.peak)} without going non-finite, undoing "
            f"{found.share_of_progress:.0%} of what training had gained until then"
        )
    else:
        message = (
            f"{s.display} spiked to {fmt_value(found.high)} at {ctx.where(s, found.peak)}, "
            f"{found.high / found.low:.3g}x its local level of {fmt_value(found.low)}"
            + (f" ({found.spikes} spikes in all)" if found.spikes > 1 else "")
        )
    return [
        Finding(
            code="unstable",
            severity="warning",
            metric=s.tag,
            metrics=(s.tag,),
            message=message,
            suggestion="lower the learning rate or add warm-up, clip gradients, or use a larger batch",
            onset_step=float(s.steps[found.start]),
            onset_epoch=s.epoch_at(found.start),
            evidence={
                "kind": found.kind,
                "low": found.low,
                "high": found.high,
                "peak_step": float(s.steps[found.peak]),
                "share_of_progress": round(found.share_of_progress, 4),
                "spikes": found.spikes,
            },
        )
    ]


def _preceding_median(values: np.ndarray, window: int) -> np.ndarray:
    """Median of up to ``window`` points before each point (NaN where fewer than two came before)."""
    import pandas as pd

    return pd.Series(values).shift(1).rolling(window, min_periods=2).median().to_numpy(dtype="float64")
