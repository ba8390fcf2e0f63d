"""What every detector gets: the run's series, parsed names, the monitored pair and the options.

A detector never calls another detector. What several of them need (the monitored series and its
training twin, the accuracy, the number of classes, the validation rise, the smoothed curves ...)
is a *fact* of the context: a function of the context, computed the first time a detector asks and
kept on the context for the others (``@fact``, or ``cached_property`` for the monitored pair). One
``analyze`` therefore computes each fact once, whatever the order the detectors run in.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import numpy as np

from losslog.analysis.axes import align_step_scales
from losslog.analysis.monitor import FITNESS_TAG, Monitor, choose_monitor, ultralytics_fitness
from losslog.analysis.options import AnalysisOptions
from losslog.analysis.run_points import run_points
from losslog.analysis.selection import metric_names, twin
from losslog.analysis.smoothing import tb_smooth
from losslog.analysis.summary import Series, series_from_rows
from losslog.naming import MetricName

if TYPE_CHECKING:
    from losslog.model import Run

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Context:
    series: dict[str, Series]
    names: dict[str, MetricName]
    options: AnalysisOptions
    #: the monitored (usually validation) metric's tag: chosen eagerly, since ``--mode`` rewrites its name
    monitor_tag: str | None
    #: True when the log counts epochs (Keras, Lightning, HF): messages then speak in epochs
    has_epochs: bool
    #: what the reader learned (hyperparameters, config): the number of classes may be there
    meta: dict[str, Any] = field(default_factory=dict)
    #: which metric picks the checkpoint, where that choice came from and why (``analysis.monitor``)
    chosen: Monitor | None = None
    #: facts computed so far (see ``fact``); never part of equality or repr
    facts: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @functools.cached_property
    def monitor(self) -> Series | None:
        """The monitored (usually validation) metric."""
        return self.series.get(self.monitor_tag) if self.monitor_tag else None

    @functools.cached_property
    def train(self) -> Series | None:
        """The monitored metric's training twin, where the run has one."""
        tag = self.monitor_tag
        if tag is None or self.names[tag].split == "train":
            return None
        t = twin(self.names, tag, "train")
        return self.series.get(t) if t else None

    @functools.cached_property
    def val_loss(self) -> Series | None:
        """The validation loss (per-epoch values preferred), for the gap and overconfidence."""
        names = self.names
        tag = next(
            (
                t
                for t in sorted(names, key=lambda t: {"epoch": 0, "": 1}.get(names[t].granularity, 2))
                if names[t].split == "val" and names[t].metric.lower() == "loss"
            ),
            None,
        )
        return self.series.get(tag) if tag else None

    @functools.cached_property
    def train_loss(self) -> Series | None:
        """The validation loss's training twin."""
        if self.val_loss is None:
            return None
        t = twin(self.names, self.val_loss.tag, "train")
        return self.series.get(t) if t else None

    def where(self, s: Series, i: int) -> str:
        """'epoch 7' or 'step 1200', for messages."""
        e = s.epoch_at(i)
        if e is not None:
            return f"epoch {_num(e)}"
        return f"step {_num(float(s.steps[i]))}"


def fact(fn: Callable[Concatenate[Context, P], T]) -> Callable[Concatenate[Context, P], T]:
    """Compute ``fn(ctx, *args)`` once per context and arguments (hashable, positional), then reuse it.

    This is how detectors share work without calling each other: the second detector that asks
    for the chance level, or for a series' smoothed curve, gets the first one's answer.
    """

    @functools.wraps(fn)
    def cached(ctx: Context, /, *args: P.args, **kwargs: P.kwargs) -> T:
        key = (fn.__module__, fn.__qualname__, *args, *sorted(kwargs.items()))
        try:
            return ctx.facts[key]  # type: ignore[no-any-return]
        except KeyError:
            value = ctx.facts[key] = fn(ctx, *args, **kwargs)
            return value

    return cached


@fact
def smoothed_finite(ctx: Context, tag: str) -> np.ndarray:
    """The TensorBoard-smoothed curve of a series' finite points (the smoothing of ``--smooth``)."""
    s = ctx.series[tag]
    return tb_smooth(s.values[np.isfinite(s.values)], ctx.options.smooth)


def named_series(run: Run, options: AnalysisOptions) -> tuple[dict[str, MetricName], dict[str, Series]]:
    """Every tag's parsed name (with the reader's split and ``--goal`` overrides) and its Series:
    the one reading of a run that the analysis and the charts share."""
    points = run_points(run)
    names = metric_names(points.tags, points.first_split, options)
    series = align_step_scales(
        series_from_rows(names, points.rows, points.step, points.epoch, points.value, points.wall_time)
    )
    fitness = ultralytics_fitness(names, series) if FITNESS_TAG not in names else None
    if fitness is not None:
        names[FITNESS_TAG] = fitness.name
        series[FITNESS_TAG] = fitness
    return names, series


def build_context(run: Run, options: AnalysisOptions) -> Context:
    """The context of one run; an unknown ``--monitor`` raises UsageError here, before any detector runs."""
    names, series = named_series(run, options)
    chosen = choose_monitor(names, series, dict(run.meta), run.format, options)
    monitor_tag = chosen.tag
    goal = options.mode or chosen.goal
    if monitor_tag is not None and goal in ("min", "max") and names[monitor_tag].goal != goal:
        n = names[monitor_tag]
        names[monitor_tag] = MetricName(n.tag, n.split, n.metric, n.kind, goal, n.granularity)  # type: ignore[arg-type]
        series[monitor_tag] = dataclasses.replace(series[monitor_tag], name=names[monitor_tag])
    has_epochs = bool(np.isfinite(run_points(run).epoch).any()) or any(
        np.isfinite(s.epochs).any() for s in series.values()
    )
    return Context(
        series=series,
        names=names,
        options=options,
        monitor_tag=monitor_tag,
        has_epochs=has_epochs,
        meta=dict(run.meta),
        chosen=chosen,
    )


def _num(x: float) -> str:
    if math.isfinite(x) and float(x).is_integer():
        return str(int(x))
    return f"{x:.4g}"


def fmt_value(x: float) -> str:
    """A value for a sentence: 4 significant digits, or nan/inf."""
    if not math.isfinite(x):
        return str(x)
    return f"{x:.4g}"


def aligned(ctx: Context, source: Series, at_steps: np.ndarray) -> np.ndarray:
    """``source`` (smoothed) read at the given steps: the last point at or before each step.

    Training is logged per step and validation per epoch; comparing them at validation steps is
    what a person does reading the two curves on one chart.
    """
    finite = np.isfinite(source.values)
    if not finite.any():
        return np.full(len(at_steps), np.nan)
    steps = source.steps[finite]
    vals = smoothed_finite(ctx, source.tag)
    idx = np.searchsorted(steps, at_steps, side="right") - 1
    out = np.where(idx >= 0, vals[np.clip(idx, 0, len(vals) - 1)], np.nan)
    return out
