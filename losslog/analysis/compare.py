"""Ranking runs against each other: the leaderboard behind ``losslog compare``.

Pure and JSON-serializable, like the rest of the analysis: it reads finished ``RunAnalysis``
objects and never prints. Runs are ranked by the best value of one monitored metric (the
validation loss unless told otherwise), in the metric's own direction (lower is better for
losses, higher for accuracy), ties going to the run that got there earlier. A run that never
logged the metric cannot be placed, so it comes last, unranked, and the leaderboard says why.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from losslog.analysis.options import AnalysisOptions
from losslog.analysis.run_analysis import RunAnalysis
from losslog.analysis.run_points import run_points
from losslog.analysis.selection import find_metric, metric_names
from losslog.analysis.summary import MetricSummary
from losslog.errors import UsageError
from losslog.model import Run
from losslog.naming import Goal


@dataclass(frozen=True)
class Standing:
    """One run's line on the leaderboard."""

    rank: int | None  # 1 = best; None when the run lacks the metric (listed last)
    name: str
    source: str
    metric: str | None  # the display name the run was ranked by, e.g. val_loss
    goal: str | None
    best: float | None
    best_step: float | None
    best_epoch: float | None
    final: float | None
    #: validation minus training loss (smoothed), at the best checkpoint and at the end
    gap_at_best: float | None
    gap_last: float | None
    verdict: str
    note: str = ""  # why a run is unranked

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


@dataclass(frozen=True)
class Leaderboard:
    """Runs in ranked order, and what they were ranked by."""

    metric: str | None
    goal: str | None
    standings: tuple[Standing, ...]

    @property
    def order(self) -> list[str]:
        """Run names, best first."""
        return [s.name for s in self.standings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "goal": self.goal,
            "standings": [s.to_dict() for s in self.standings],
        }


def summary_for(run: RunAnalysis, wanted: str) -> MetricSummary | None:
    """The run's summary of ``wanted`` (raw tag, display name), per-epoch values preferred."""
    if run.best is not None and wanted in (run.best.metric, run.best.tag):
        m = run.metric(run.best.tag)
        if m is not None:
            return m
    cands = [m for m in run.metrics if wanted in (m.name, m.display)]
    if not cands:
        return None
    rank = {"epoch": 0, "": 1, "step": 2}
    return sorted(cands, key=lambda m: rank.get(m.granularity, 3))[0]


def ranking_metric(runs: Sequence[RunAnalysis], monitor: str | None = None) -> str | None:
    """The metric the leaderboard ranks by.

    ``--monitor`` when given; else the metric most runs picked their best checkpoint by (the
    validation loss for most logs), the first run's choice breaking a tie.
    """
    if monitor:
        return monitor
    picked = [r.best.metric for r in runs if r.best is not None]
    if not picked:
        return None
    counts = Counter(picked)
    top = max(counts.values())
    return next(m for m in picked if counts[m] == top)


def rank_runs(runs: Sequence[RunAnalysis], monitor: str | None = None, mode: Goal | None = None) -> Leaderboard:
    """The leaderboard: best value of the monitored metric first, in the metric's direction.

    ``mode`` forces the direction (``--mode``); otherwise it is the metric's goal from its name
    (or from ``--goal``). A metric whose direction is unknown cannot be ranked: usage error.
    Ties in the best value go to the earlier best step, then to input order.
    """
    metric = ranking_metric(runs, monitor)
    rows: list[tuple[RunAnalysis, MetricSummary | None]] = [
        (r, summary_for(r, metric) if metric else None) for r in runs
    ]
    goals = {m.goal for _, m in rows if m is not None and m.goal is not None}
    goal: str | None = mode or (goals.pop() if len(goals) == 1 else None)
    if metric is not None and goal is None and any(m is not None for _, m in rows):
        why = "runs disagree on its goal" if goals else "its name does not tell whether lower or higher is better"
        raise UsageError(f"cannot rank by {metric}: {why}; add --mode min or --mode max")

    def key(item: tuple[int, tuple[RunAnalysis, MetricSummary | None]]) -> tuple[int, float, float, int]:
        i, (_, m) = item
        if m is None or m.best is None:
            return (1, 0.0, 0.0, i)
        value = m.best if goal == "min" else -m.best
        step = m.best_step if m.best_step is not None else math.inf
        return (0, value, step, i)

    ordered = sorted(enumerate(rows), key=key)
    standings: list[Standing] = []
    rank = 0
    for _, (r, m) in ordered:
        ranked = m is not None and m.best is not None
        if ranked:
            rank += 1
        note = ""
        if not ranked:
            if metric is None:
                note = "no metric to rank by"
            elif m is None:
                note = f"no {metric} in this run"
            else:
                note = f"{metric} has no finite value"
        gap = r.gap
        standings.append(
            Standing(
                rank=rank if ranked else None,
                name=r.name,
                source=r.source,
                metric=m.display if m is not None else metric,
                goal=goal,
                best=m.best if m is not None else None,
                best_step=m.best_step if m is not None else None,
                best_epoch=m.best_epoch if m is not None else None,
                final=m.last if m is not None else None,
                gap_at_best=gap.at_best if gap is not None else None,
                gap_last=gap.last if gap is not None else None,
                verdict=r.verdict,
                note=note,
            )
        )
    return Leaderboard(metric=metric, goal=goal, standings=tuple(standings))


def options_for(run: Run, options: AnalysisOptions) -> AnalysisOptions:
    """The options to analyze ``run`` with for a comparison.

    ``--monitor`` names the metric the runs are ranked by; a run that never logged it is still
    analyzed (with its own default monitor) so it can be listed last with its verdict, instead of
    disappearing as an error.
    """
    if not options.monitor:
        return options
    points = run_points(run)
    names = metric_names(points.tags, points.last_split, options)
    if find_metric(names, options.monitor) is not None:
        return options
    return replace(options, monitor=None, mode=None)
