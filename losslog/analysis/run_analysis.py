"""Analyzing one run end to end: summaries, the recommended checkpoint, the gap, the findings."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from losslog.analysis.chance import LossReading, infer_classes, loss_reading
from losslog.analysis.context import Context, aligned
from losslog.analysis.detectors import DETECTORS
from losslog.analysis.findings import Finding
from losslog.analysis.options import AnalysisOptions
from losslog.analysis.selection import metric_names, pick_monitor, twin
from losslog.analysis.summary import MetricSummary, Series, best_index, split_series, summarize
from losslog.model import Run
from losslog.naming import MetricName


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
    monitor: str | None = None
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


def named_series(run: Run, options: AnalysisOptions) -> tuple[dict[str, MetricName], dict[str, Series]]:
    """Every tag's parsed name (with the reader's split and ``--goal`` overrides) and its Series:
    the one reading of a run that the analysis and the charts share."""
    frame = run.frame
    first_rows = frame.drop_duplicates("tag")
    splits = dict(zip(first_rows["tag"].astype(str), first_rows["split"].astype(str)))
    names = metric_names(run.tags, splits, options)
    return names, split_series(frame, names)


def build_context(run: Run, options: AnalysisOptions) -> Context:
    frame = run.frame
    names, series = named_series(run, options)
    monitor_tag = pick_monitor(names, options)
    if monitor_tag is not None and options.mode and names[monitor_tag].goal != options.mode:
        n = names[monitor_tag]
        names[monitor_tag] = MetricName(n.tag, n.split, n.metric, n.kind, options.mode, n.granularity)
        series[monitor_tag] = dataclasses.replace(series[monitor_tag], name=names[monitor_tag])
    monitor = series.get(monitor_tag) if monitor_tag else None
    train_tag = twin(names, monitor_tag, "train") if monitor_tag and names[monitor_tag].split != "train" else None
    val_loss_tag = next(
        (t for t in sorted(names, key=lambda t: {"epoch": 0, "": 1}.get(names[t].granularity, 2))
         if names[t].split == "val" and names[t].metric.lower() == "loss"),
        None,
    )
    train_loss_tag = twin(names, val_loss_tag, "train") if val_loss_tag else None
    has_epochs = bool(np.isfinite(frame["epoch"].to_numpy(dtype="float64")).any())
    return Context(
        series=series,
        names=names,
        options=options,
        monitor=monitor,
        train=series.get(train_tag) if train_tag else None,
        val_loss=series.get(val_loss_tag) if val_loss_tag else None,
        train_loss=series.get(train_loss_tag) if train_loss_tag else None,
        has_epochs=has_epochs,
        meta=dict(run.meta),
    )


def checkpoint_of(s: Series) -> Checkpoint | None:
    if s.name.goal is None:
        return None
    bi = best_index(s.values, s.name.goal)
    if bi is None:
        return None
    last = len(s) - 1
    span = float(s.steps[last] - s.steps[0])
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
        fraction_after=steps_after / span if span > 0 else 0.0,
    )


def gap_of(ctx: Context) -> Gap | None:
    if ctx.val_loss is None or ctx.train_loss is None:
        return None
    v = ctx.val_loss
    finite = np.isfinite(v.values)
    if finite.sum() < 2:
        return None
    steps = v.steps[finite]
    t = aligned(ctx.train_loss, steps, ctx.options.smooth)
    from losslog.analysis.smoothing import tb_smooth

    gap = tb_smooth(v.values[finite], ctx.options.smooth) - t
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
    findings: list[Finding] = []
    for detector in DETECTORS:
        findings.extend(detector(ctx))
    return RunAnalysis(
        name=run.name,
        source=run.source,
        format=run.format,
        points=len(run.frame),
        metrics=summaries,
        best=checkpoint_of(ctx.monitor) if ctx.monitor is not None else None,
        findings=tuple(findings),
        gap=gap_of(ctx),
        replaced_points=run.replaced_points,
        warnings=tuple(run.warnings),
        meta=dict(run.meta),
        monitor=ctx.monitor.tag if ctx.monitor is not None else None,
        loss_reading=loss_reading(ctx, infer_classes(ctx)),
    )
