"""Every threshold the analysis uses, with its documented default.

One frozen object so that a report can say exactly which settings produced it, and so that the CLI
and a config file (``[tool.losslog]``) fill the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from losslog.naming import Goal


@dataclass(frozen=True)
class AnalysisOptions:
    #: TensorBoard smoothing weight for judging curves (0 = raw points)
    smooth: float = 0.6
    #: metric to pick the recommended checkpoint by (raw tag or display name); None = validation loss
    monitor: str | None = None
    #: goal of the monitored metric when its name does not tell
    mode: Goal | None = None
    #: ``--goal NAME=min|max`` overrides
    goals: dict[str, Goal] = field(default_factory=dict)
    #: evaluations without improvement before overfitting may be called (Keras EarlyStopping)
    patience: int = 3
    #: an improvement smaller than this (relative, 0.001 = 0.1%) does not count (EarlyStopping min_delta)
    min_delta: float = 0.0
    #: Prechelt's generalization loss, in percent, above which the run overfits (GL_alpha)
    gl_threshold: float = 5.0
    #: a training loss this many times its lowest value counts as exploded (divergence)
    explode_factor: float = 100.0
    #: number of classes for chance-level checks; None = infer where possible
    classes: int | None = None
    #: fraction of the run taken as "the end" for trends
    tail_fraction: float = 0.25
