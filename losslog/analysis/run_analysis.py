"""Analyzing one run end to end: summaries, the recommended checkpoint, the gap, the findings."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from losslog.analysis.chance import LossReading, infer_classes, loss_reading
from losslog.analysis.context import Context, aligned, build_context, named_series, smoothed_finite
from losslog.analysis.detectors import run_detectors
from losslog.analysis.findings import Finding
from losslog.analysis.monitor import Monitor
from losslog.analysis.options import AnalysisOptions
from losslog.analysis.summary import MetricSummary, Series, best_index, summarize
from losslog.model import Run

#: ``named_series`` lives with the context it builds; the charts import it from here
__all__ = ["Checkpoint", "Gap", "Monitor", "RunAnalysis", "analyze", "build_context", "named_series"]


@dataclass(frozen=True)
class Checkpoint:
    """The recommended checkpoint: the best point of the monitored metric."""

    metric: str  # display name, e.g. val_loss
    tag: str
    goal: str
    value: float
    step: float
    epoch: float | None
    #: how much training came after it
    steps_after: float
    epochs_after: float | None
    fraction_after: float  # of the run's x span, 0..1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Gap:
    """Validation minus training loss: at the best checkpoint, at the end, and its trend."""

    train_metric: str
    val_metric: str
    at_best: float | None
    last: float | None
    max: float | None
    trend: str  # widening | narrowing | stable

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RunAnalysis:
    name: str
    source: str
    format: str
    points: int
    metrics: tuple[MetricSummary, ...]
    best: Checkpoint | None
    findings: tuple[Finding, ...]
    gap: Gap | None = None
    replaced_points: int = 0
    warnings: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    #: which metric picks the best checkpoint, where that choice came from (user, trainer,
    #: convention, default) and why
    monitor: Monitor | None = None
    #: a cross-entropy loss read as the mean probability of the right class, next to chance level
    loss_reading: LossReading | None = None

    def metric(self, name: str) -> MetricSummary | None:
        for m in self.metrics:
            if name in (m.name, m.display):
                return m
        return None

    @property
    def verdict(self) -> str:
        """The most severe finding's code, or 'healthy'."""
        ranked = [f for f in self.findings if f.code != "generalization_gap"]
        if not ranked:
            return "healthy"
        order = {"error": 0, "warning": 1, "info": 2}
        return sorted(ranked, key=lambda f: order[f.severity])[0].code


def run_span(series: dict[str, Series]) -> tuple[float, float] | None:
    """(first, last) step over every series: the share after the best is of the whole training,
    which starts before the first evaluation (a run evaluated from epoch 1 of 5 is not 100% after
    an epoch-1 best)."""
    ends = [
        (float(np.nanmin(s.steps)), float(np.nanmax(s.steps))) for s in series.values() if np.isfinite(s.steps).any()
    ]
    if not ends:
        return None
    return min(a for a, _ in ends), max(b for _, b in ends)


def checkpoint_of(s: Series, span_of_run: tuple[float, float] | None = None) -> Checkpoint | None:
    if s.name.goal is None:
        return None
    bi = best_index(s.values, s.name.goal)
    if bi is None:
        return None
    last = len(s) - 1
    start, end = span_of_run if span_of_run is not None else (float(s.steps[0]), float(s.steps[last]))
    start, end = min(start, float(s.steps[0])), max(end, float(s.steps[last]))
    span = end - start
    steps_after = float(s.steps[last] - s.steps[bi])
    e_best, e_last = s.epoch_at(bi), s.epoch_at(last)
    return Checkpoint(
        metric=s.display,
        tag=s.tag,
        goal=s.name.goal,
        value=float(s.values[bi]),
        step=float(s.steps[bi]),
        epoch=e_best,
        steps_after=steps_after,
        epochs_after=(e_last - e_best) if e_best is not None and e_last is not None else None,
        fraction_after=float(end - s.steps[bi]) / span if span > 0 else 0.0,
    )


def gap_of(ctx: Context) -> Gap | None:
    if ctx.val_loss is None or ctx.train_loss is None:
        return None
    v = ctx.val_loss
    finite = np.isfinite(v.values)
    if finite.sum() < 2:
        return None
    steps = v.steps[finite]
    t = aligned(ctx, ctx.train_loss, steps)
    gap = smoothed_finite(ctx, v.tag) - t
    ok = np.isfinite(gap)
    if not ok.any():
        return None
    bi = best_index(v.values[finite], "min")
    g = gap[ok]
    # The trend that matters is from the best checkpoint on (from the start when the best is last):
    # a gap that opens after the best point is the picture of overfitting.
    start = bi if bi is not None and bi < len(gap) - 1 and np.isfinite(gap[bi]) else int(np.flatnonzero(ok)[0])
    change = float(g[-1] - gap[start])
    scale = max(abs(float(gap[start])), float(np.nanmax(np.abs(g))) * 0.1, 1e-12)
    trend = "widening" if change / scale > 0.1 else "narrowing" if change / scale < -0.1 else "stable"

    def f(x: float) -> float | None:
        return float(x) if math.isfinite(x) else None

    return Gap(
        train_metric=ctx.train_loss.display,
        val_metric=v.display,
        at_best=f(float(gap[bi])) if bi is not None else None,
        last=f(float(g[-1])),
        max=f(float(np.max(g))),
        trend=trend,
    )


_KIND_ORDER = {"loss": 0, "accuracy": 1, "metric": 2, "other": 3, "lr": 4}
_SPLIT_ORDER = {"train": 0, "val": 1, "test": 2, "": 3}


def _display_order(m: MetricSummary) -> tuple[int, str, int, str]:
    """Losses first, then accuracy-like metrics, bookkeeping and learning rates last; train before val."""
    return (_KIND_ORDER.get(m.kind, 5), m.metric.lower(), _SPLIT_ORDER.get(m.split, 4), m.name)


def analyze(run: Run, options: AnalysisOptions | None = None) -> RunAnalysis:
    """Everything losslog concludes about one run. Pure: no printing, no I/O."""
    options = options or AnalysisOptions()
    ctx = build_context(run, options)
    summaries = tuple(
        sorted(
            (summarize(s, options.smooth, options.tail_fraction) for s in ctx.series.values()),
            key=_display_order,
        )
    )
    findings = run_detectors(ctx)
    return RunAnalysis(
        name=run.name,
        source=run.source,
        format=run.format,
        points=len(run),
        metrics=summaries,
        best=checkpoint_of(ctx.monitor, run_span(ctx.series))
        if ctx.monitor is not None and ctx.chosen is not None and ctx.chosen.ranks_checkpoints
        else None,
        findings=tuple(findings),
        gap=gap_of(ctx),
        replaced_points=run.replaced_points,
        warnings=tuple(run.warnings),
        meta=dict(run.meta),
        monitor=ctx.chosen,
        loss_reading=loss_reading(ctx, infer_classes(ctx)),
    )
