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
                "the run logs no validation metric: "
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
