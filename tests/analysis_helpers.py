"""Synthetic runs for the analysis tests: a Run straight from tag -> values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from losslog.analysis import RunAnalysis
from losslog.columns import COLUMNS
from losslog.model import Run
from losslog.naming import parse


def make_run(
    series: dict[str, list[float]], steps: dict[str, list[float]] | None = None, meta: dict[str, object] | None = None
) -> Run:
    """A Run straight from tag -> values (one point per epoch unless ``steps`` says otherwise)."""
    rows = []
    for tag, values in series.items():
        name = parse(tag)
        xs = (steps or {}).get(tag) or list(range(len(values)))
        for x, v in zip(xs, values):
            rows.append(
                {
                    "metric": name.metric,
                    "split": name.split,
                    "step": float(x),
                    "epoch": float(x),
                    "value": float(v),
                    "wall_time": math.nan,
                    "tag": tag,
                }
            )
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return Run("synthetic", "synthetic.csv", "keras", frame, dict(meta or {}))


def codes_of(result: RunAnalysis) -> set[str]:
    return {f.code for f in result.findings}


def falling(n: int, start: float = 2.0, end: float = 0.05, seed: int = 0, noise: float = 0.0) -> list[float]:
    rng = np.random.default_rng(seed)
    return [(end + (start - end) * math.exp(-4 * e / n)) * (1 + noise * rng.uniform(-1, 1)) for e in range(n)]


def climb_and_recover(n: int = 40) -> list[float]:
    """A falling training loss that climbs over epochs 15-24 (+25% a step), then recovers."""
    train = falling(n)
    for e in range(15, 25):
        train[e] = train[14] * (1 + 0.25 * (e - 14))
    for e in range(25, n):
        train[e] = train[24] * math.exp(-(e - 24) / 4) + 0.05
    return train
