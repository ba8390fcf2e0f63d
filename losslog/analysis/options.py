"""Every threshold the analysis uses, with its documented default.

One frozen object so that a report can say exactly which settings produced it, and so that the CLI
and a config file (``[tool.losslog]``) fill the same fields.
"""

from __future__ import annotations

from dataclasses import Field, dataclass, field, fields
from typing import Any

from losslog.analysis.smoothing import DEFAULT_WEIGHT
from losslog.naming import Goal


def option(
    flag: str,
    help: str,
    *,
    value: type = str,
    repeat: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
    metavar: str | None = None,
) -> dict[str, Any]:
    """Field metadata for a setting a user can change (command line and config file).

    The CLI builds its options from it (``cli/common.py``) and the config file accepts the same
    keys (``config.py``), so a new setting is one field here: its default, flag, help and range
    cannot differ between commands. Plain data, so this layer never imports typer. ``value`` is
    the type a user writes (``str`` for ``--mode``, whose field holds a parsed Goal); ``repeat``
    makes a repeatable option (a list).
    """
    return {
        "flag": flag,
        "help": help,
        "value": value,
        "repeat": repeat,
        "min": minimum,
        "max": maximum,
        "metavar": metavar,
    }


def user_options() -> tuple[Field[Any], ...]:
    """The fields a user sets, in declaration order (the others are documented thresholds)."""
    return tuple(f for f in fields(AnalysisOptions) if "flag" in f.metadata)


def param_name(f: Field[Any]) -> str:
    """The command-line parameter (and config key) of a field: ``--min-delta`` -> ``min_delta``."""
    return str(f.metadata["flag"]).lstrip("-").replace("-", "_")


@dataclass(frozen=True)
class AnalysisOptions:
    """Thresholds of every diagnosis (docs/diagnostics.md gives each rule and its published basis)."""

    #: TensorBoard smoothing weight for judging curves (0 = raw points)
    smooth: float = field(
        default=DEFAULT_WEIGHT,
        metadata=option(
            "--smooth",
            "TensorBoard smoothing weight used to judge curves (0 = raw).",
            value=float,
            minimum=0.0,
            maximum=0.999,
        ),
    )
    #: metric to pick the recommended checkpoint by (raw tag or display name); None = validation loss
    monitor: str | None = field(
        default=None,
        metadata=option(
            "--monitor", "Metric that picks the best checkpoint (default: the validation loss).", metavar="METRIC"
        ),
    )
    #: goal of the monitored metric when its name does not tell
    mode: Goal | None = field(
        default=None,
        metadata=option("--mode", "min or max: the goal of --monitor when its name does not tell.", metavar="min|max"),
    )
    #: ``--goal NAME=min|max`` overrides
    goals: dict[str, Goal] = field(
        default_factory=dict,
        metadata=option(
            "--goal",
            "NAME=min|max: override whether a metric is minimized or maximized (repeatable).",
            repeat=True,
            metavar="NAME=GOAL",
        ),
    )
    #: evaluations without improvement before overfitting may be called (Keras EarlyStopping)
    patience: int = field(
        default=3,
        metadata=option(
            "--patience", "Evaluations after the best before overfitting can be called.", value=int, minimum=0
        ),
    )
    #: an improvement smaller than this (relative, 0.001 = 0.1%) does not count (EarlyStopping min_delta)
    min_delta: float = field(
        default=0.0,
        metadata=option(
            "--min-delta", "Relative improvement below which a change does not count.", value=float, minimum=0.0
        ),
    )
    #: Prechelt's generalization loss, in percent, above which the run overfits (GL_alpha); losslog
    #: takes it between window medians (around the best, and at the end) and also requires the rise
    #: to exceed the curve's noise (``noise_z``), so it can be lower than on raw points
    gl_threshold: float = 3.0
    #: a training loss this many times its lowest value counts as exploded (divergence)
    explode_factor: float = 100.0
    #: number of classes for chance-level checks; None = infer where possible
    classes: int | None = field(
        default=None,
        metadata=option(
            "--classes", "Number of classes, for chance-level checks (else inferred).", value=int, minimum=2
        ),
    )
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
