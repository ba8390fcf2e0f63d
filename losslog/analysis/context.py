"""What every detector gets: the run's series, parsed names, the monitored pair and the options."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losslog.analysis.options import AnalysisOptions
from losslog.analysis.smoothing import tb_smooth
from losslog.analysis.summary import Series
from losslog.naming import MetricName


@dataclass(frozen=True)
class Context:
    series: dict[str, Series]
    names: dict[str, MetricName]
    options: AnalysisOptions
    #: the monitored (usually validation) metric, and its training twin where the run has one
    monitor: Series | None
    train: Series | None
    #: the validation loss and the training loss, when both exist (for gap / overconfidence)
    val_loss: Series | None
    train_loss: Series | None
    #: True when the log counts epochs (Keras, Lightning, HF): messages then speak in epochs
    has_epochs: bool
    #: what the reader learned (hyperparameters, config): the number of classes may be there
    meta: dict[str, Any] = field(default_factory=dict)

    def smoothed(self, s: Series) -> np.ndarray:
        return tb_smooth(s.values, self.options.smooth)

    def where(self, s: Series, i: int) -> str:
        """'epoch 7' or 'step 1200', for messages."""
        e = s.epoch_at(i)
        if e is not None:
            return f"epoch {_num(e)}"
        return f"step {_num(float(s.steps[i]))}"


def _num(x: float) -> str:
    if math.isfinite(x) and float(x).is_integer():
        return str(int(x))
    return f"{x:.4g}"


def fmt_value(x: float) -> str:
    """A value for a sentence: 4 significant digits, or nan/inf."""
    if not math.isfinite(x):
        return str(x)
    return f"{x:.4g}"


def aligned(source: Series, at_steps: np.ndarray, smooth: float) -> np.ndarray:
    """``source`` (smoothed) read at the given steps: the last point at or before each step.

    Training is logged per step and validation per epoch; comparing them at validation steps is
    what a person does reading the two curves on one chart.
    """
    finite = np.isfinite(source.values)
    if not finite.any():
        return np.full(len(at_steps), np.nan)
    steps = source.steps[finite]
    vals = tb_smooth(source.values[finite], smooth)
    idx = np.searchsorted(steps, at_steps, side="right") - 1
    out = np.where(idx >= 0, vals[np.clip(idx, 0, len(vals) - 1)], np.nan)
    return out
