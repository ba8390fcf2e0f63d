"""No validation metric: say so, since every checkpoint advice rests on one.

Runs without an evaluation (detectron2 training-only ``metrics.json``, GANs, scripts that print
the training loss) are still judged on their training losses (convergence, stability, divergence:
the other detectors), but no checkpoint is picked from a training curve or a training diagnostic
(``analysis.monitor``). This finding makes that plain instead of leaving the reader to notice
that "best" is missing.
"""

from __future__ import annotations

from losslog.analysis.context import Context
from losslog.analysis.findings import Finding
from losslog.analysis.monitor import adversarial_pair

#: fewer finite evaluations of the monitored validation metric than this: no curve to judge
MIN_EVALUATIONS = 3


def has_validation(ctx: Context) -> bool:
    """A validation or test metric with a known direction and at least one finite value."""
    import numpy as np

    return any(
        s.name.split in ("val", "test") and s.name.goal is not None and bool(np.isfinite(s.values).any())
        for s in ctx.series.values()
    )


def detect_no_validation(ctx: Context) -> list[Finding]:
    """An info finding when the run has no validation signal at all."""
    if has_validation(ctx):
        return []
    judged = ctx.monitor.display if ctx.monitor is not None else None
    return [
        Finding(
            code="no_validation",
            severity="info",
            metric=ctx.monitor.tag if ctx.monitor is not None else "",
            message=(
                "the run logs no validation metric with a known direction: "
                + (f"only the training loss ({judged}) is judged" if judged else "nothing with a known direction")
                + ", and no checkpoint is picked from training curves"
            ),
            suggestion="evaluate on held-out data during training to choose a checkpoint; until then keep the last one",
        )
    ]


def detect_adversarial(ctx: Context) -> list[Finding]:
    """A GAN's generator and discriminator losses: a game, not two curves to minimize.

    Its losses oscillate, or one rises while the other falls, by design; stalled, unstable,
    underfitting and overfitting do not apply to them (the suppression table), divergence does.
    """
    pair = adversarial_pair(ctx.names)
    if pair is None or has_validation(ctx):
        return []
    gen, disc = pair
    return [
        Finding(
            code="adversarial_losses",
            severity="info",
            metric=gen,
            metrics=pair,
            message=(
                f"{ctx.series[gen].display} and {ctx.series[disc].display} are the two sides of an adversarial game: "
                "they oscillate or trade places by design, so neither falling nor rising is a verdict"
            ),
            suggestion="judge a GAN by a sample-quality metric (FID, IS) computed during training",
        )
    ]


def detect_too_short(ctx: Context) -> list[Finding]:
    """Fewer than three evaluations of the monitored validation metric: no curve, no trend."""
    m = ctx.monitor
    if m is None or m.name.split not in ("val", "test"):
        return []
    import numpy as np

    n = int(np.isfinite(m.values).sum())
    if n >= MIN_EVALUATIONS or n == 0:
        return []
    return [
        Finding(
            code="too_short",
            severity="info",
            metric=m.tag,
            message=(
                f"{m.display} was evaluated only {n} time{'s' if n != 1 else ''}: there is no validation curve, "
                "so no trend, no overfitting and no choice between checkpoints can be judged from it"
            ),
            suggestion="evaluate more often (every epoch, or every N steps) or train longer",
        )
    ]


#: noise of the monitored validation curve (second half of the run), relative to its level, above
#: which its single best point is luck: 0.3 separates a VAE's val_loss swinging 4..58 (0.6) from
#: every noisy-but-readable run of the evaluation set (at most 0.18)
NOISY_VALIDATION = 0.3


def detect_noisy_validation(ctx: Context) -> list[Finding]:
    """The monitored validation curve jumps so much between evaluations that its minimum is luck."""
    import numpy as np

    from losslog.analysis.windows import noise_sigma

    m = ctx.monitor
    if m is None or m.name.split not in ("val", "test") or m.name.goal is None:
        return []
    v = m.values[np.isfinite(m.values)]
    half = v[len(v) // 2 :]
    if len(half) < 5:
        return []
    level = float(np.median(half))
    if level == 0:
        return []
    ratio = noise_sigma(half) / abs(level)
    if ratio < NOISY_VALIDATION:
        return []
    return [
        Finding(
            code="noisy_validation",
            severity="info",
            metric=m.tag,
            message=(
                f"{m.display} jumps by about {ratio:.0%} of its level from one evaluation to the next over the "
                f"second half of the run ({float(np.min(half)):.4g} to {float(np.max(half)):.4g}) with no clear trend "
                "to read: its single best value is largely luck"
            ),
            suggestion=(
                "judge by the smoothed curve (a checkpoint near its lowest smoothed point), evaluate on more data, "
                "or find the term of the loss that swings"
            ),
            evidence={"noise_to_level": round(ratio, 4), "threshold": NOISY_VALIDATION},
        )
    ]
