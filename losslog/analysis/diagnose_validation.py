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
