"""Every threshold the analysis uses, with its documented default.

One frozen object so that a report can say exactly which settings produced it, and so that the CLI
and a config file (``[tool.losslog]``) fill the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from losslog.naming import Goal


@dataclass(frozen=True)
class AnalysisOptions:
    """Thresholds of every diagnosis (docs/diagnostics.md gives each rule and its published basis)."""

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
    #: Prechelt's generalization loss, in percent, above which the run overfits (GL_alpha); losslog
    #: takes it between window medians (around the best, and at the end) and also requires the rise
    #: to exceed the curve's noise (``noise_z``), so it can be lower than on raw points
    gl_threshold: float = 3.0
    #: a training loss this many times its lowest value counts as exploded (divergence)
    explode_factor: float = 100.0
    #: number of classes for chance-level checks; None = infer where possible
    classes: int | None = None
    #: fraction of the run taken as "the end" for trends
    tail_fraction: float = 0.25
    #: overfitting: a run that ended at most this many evaluations after its best, having spent at most a
    #: quarter of its length there, with validation less than 2 x gl_threshold worse, is what an
    #: EarlyStopping callback leaves behind (it stops ``patience`` evaluations after the best and
    #: restores the best weights): that is a run stopped in time, not overfitting
    early_stop_tail: int = 10
    #: a change counts only when it exceeds this many standard errors of the curve's own noise
    #: (window medians compared; the noise is measured from the curve), so jitter is never a verdict
    noise_z: float = 3.0
    #: unstable: a climb of the (rolling-median) training loss of at least this much, relative to the
    #: low it climbed from (0.25 = +25%) ...
    climb_min_rise: float = 0.25
    #: ... that also gives back at least this share of the progress made since the start
    climb_share: float = 0.3
    #: unstable: a training-loss point this many times its local median is a spike ...
    spike_factor: float = 3.0
    #: ... when it also undoes at least this share of the progress made since the start
    spike_share: float = 0.5
    #: stalled: the training loss improved by less than this from its first to its last window (relative)
    stall_improvement: float = 0.02
    #: stalled: accuracy within this (absolute, on a 0-1 scale) of 1/K counts as chance level
    chance_margin: float = 0.05
    #: stalled: a cross-entropy loss within this (relative) of ln K, or above it, counts as chance level
    chance_tolerance: float = 0.05
    #: underfitting: both losses still fall over the last ``tail_fraction`` of the run at least at this
    #: share of their average rate over the whole run (1.0 = as fast as ever; a converged run is near 0)
    underfit_pace: float = 0.3
    #: overconfidence: validation accuracy "holds" when it is at most this much lower (absolute, 0-1
    #: scale) at the end than at the best validation loss
    accuracy_hold: float = 0.01
