"""Per-metric numbers: first, last, best and where, change, and the trend at the end of the run."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from losslog.analysis.smoothing import tb_smooth
from losslog.naming import MetricName, display_name

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Series:
    """One metric's points in step order, with what its name means."""

    name: MetricName
    steps: np.ndarray
    epochs: np.ndarray
    values: np.ndarray
    wall_times: np.ndarray

    @property
    def tag(self) -> str:
        return self.name.tag

    @property
    def display(self) -> str:
        return display_name(self.name.split, self.name.metric)

    def epoch_at(self, i: int) -> float | None:
        e = float(self.epochs[i])
        return e if math.isfinite(e) else None

    def __len__(self) -> int:
        return len(self.values)


def split_series(frame: pd.DataFrame, names: dict[str, MetricName]) -> dict[str, Series]:
    """Every named tag's Series, from one pass over the frame (not one boolean scan per tag)."""
    groups = {str(t): np.asarray(idx) for t, idx in frame.groupby("tag", sort=False).indices.items()}
    return series_from_rows(
        names,
        groups,
        frame["step"].to_numpy(dtype="float64"),
        frame["epoch"].to_numpy(dtype="float64"),
        frame["value"].to_numpy(dtype="float64"),
        frame["wall_time"].to_numpy(dtype="float64"),
    )


def series_from_rows(
    names: dict[str, MetricName],
    groups: Mapping[str, np.ndarray],
    all_steps: np.ndarray,
    all_epochs: np.ndarray,
    all_values: np.ndarray,
    all_walls: np.ndarray,
) -> dict[str, Series]:
    """Every named tag's Series from its rows (ascending positions), sorted by step (stably)."""
    out: dict[str, Series] = {}
    for tag, name in names.items():
        idx = groups.get(tag)
        if idx is None:
            continue
        steps = all_steps[idx]
        order = np.argsort(steps, kind="stable")
        rows = idx[order]
        out[tag] = Series(
            name=name,
            steps=steps[order],
            epochs=all_epochs[rows],
            values=all_values[rows],
            wall_times=all_walls[rows],
        )
    return out


def best_index(values: np.ndarray, goal: str | None) -> int | None:
    """Index of the best finite value (first one on ties, as EarlyStopping keeps the first)."""
    finite = np.isfinite(values)
    if not finite.any() or goal is None:
        return None
    masked = np.where(finite, values, np.inf if goal == "min" else -np.inf)
    return int(np.argmin(masked) if goal == "min" else np.argmax(masked))


@dataclass(frozen=True)
class MetricSummary:
    name: str  # the raw tag
    display: str  # split_metric, e.g. val_loss
    metric: str
    split: str
    kind: str
    goal: str | None
    granularity: str
    points: int
    nonfinite: int
    first: float | None
    last: float | None
    best: float | None
    best_step: float | None
    best_epoch: float | None
    first_step: float | None
    last_step: float | None
    last_epoch: float | None
    relative_change: float | None  # (last - first) / |first| over finite values
    trend: str  # improving | worsening | flat | rising | falling | n/a (over the last part of the run)
    tail_change: float | None  # relative change of the smoothed curve over the last part
    sparkline_values: tuple[float, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("sparkline_values")
        return d


def _f(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def summarize(series: Series, smooth: float, tail_fraction: float) -> MetricSummary:
    v = series.values
    n = len(v)
    finite = np.isfinite(v)
    fv = v[finite]
    goal = series.name.goal
    bi = best_index(v, goal)
    first = _f(fv[0]) if len(fv) else None
    last = _f(float(v[-1])) if n else None
    rel: float | None = None
    if len(fv) >= 2 and fv[0] != 0:
        rel = float((fv[-1] - fv[0]) / abs(fv[0]))
    trend, tail = _trend(v, goal, smooth, tail_fraction)
    return MetricSummary(
        name=series.tag,
        display=series.display,
        metric=series.name.metric,
        split=series.name.split,
        kind=series.name.kind,
        goal=goal,
        granularity=series.name.granularity,
        points=n,
        nonfinite=int((~finite).sum()),
        first=first,
        last=last,
        best=_f(float(v[bi])) if bi is not None else None,
        best_step=_f(float(series.steps[bi])) if bi is not None else None,
        best_epoch=series.epoch_at(bi) if bi is not None else None,
        first_step=_f(float(series.steps[0])) if n else None,
        last_step=_f(float(series.steps[-1])) if n else None,
        last_epoch=series.epoch_at(n - 1) if n else None,
        relative_change=rel,
        trend=trend,
        tail_change=tail,
        sparkline_values=tuple(_spark_sample(v)),
    )


def _trend(values: np.ndarray, goal: str | None, smooth: float, tail_fraction: float) -> tuple[str, float | None]:
    finite = values[np.isfinite(values)]
    if len(finite) < 3:
        return "n/a", None
    sm = tb_smooth(finite, smooth)
    k = max(3, round(len(sm) * tail_fraction))
    k = min(k, len(sm))
    start, end = sm[-k], sm[-1]
    # Relative to where the tail starts, so a loss that fell from 0.020 to 0.018 reads -10%,
    # not "flat" next to the 1.3 it started the run at; near zero, relative to the range.
    span = abs(float(np.nanmax(sm)) - float(np.nanmin(sm)))
    scale = abs(start) if abs(start) > 1e-9 * span else max(span, 1e-12)
    change = float((end - start) / scale)
    if abs(change) < 0.01:
        return "flat", change
    if goal is None:
        return ("rising" if change > 0 else "falling"), change
    better = change < 0 if goal == "min" else change > 0
    return ("improving" if better else "worsening"), change


def _spark_sample(values: np.ndarray, width: int = 40) -> list[float]:
    """Up to ``width`` values for a sparkline: bucket means, NaN where a bucket had non-finite.

    Buckets of the same length are averaged together as the rows of one array: the same sums in
    the same order as one ``mean`` per bucket (bit for bit; tests/test_engine.py checks it), at a
    fifth of the cost, which matters over a sweep of thousands of runs.
    """
    n = len(values)
    if n <= width:
        return [float(x) for x in values]
    edges = np.linspace(0, n, width + 1).astype(int)
    starts, sizes = edges[:-1], np.diff(edges)
    out = np.empty(width, dtype="float64")
    for size in np.unique(sizes):
        rows = np.flatnonzero(sizes == size)
        block = values[starts[rows, None] + np.arange(size)]
        means = block.mean(axis=1)
        means[~np.isfinite(block).all(axis=1)] = np.nan
        out[rows] = means
    return [float(x) for x in out]
