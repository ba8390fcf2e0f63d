"""Two step scales in one run: per-epoch tags at step = epoch next to per-iteration tags at the global step.

Plain PyTorch scripts call ``writer.add_scalar("val/acc", acc, epoch)`` and
``writer.add_scalar("train/loss", loss, global_step)`` into one event file. Read as one axis, the
epoch curves are squeezed into the left edge (steps 0..24 next to 0..950) and a checkpoint reads
"step 13" when the user saved it at epoch 13. ``align_step_scales`` recognises the two scales —
every series either counts 0..E (or 1..E) by ones, or runs to at least five times further — derives
the steps per epoch from the data (the iteration span over the number of epochs), and puts every
series on one shared axis: epoch series at the global step where their epoch ended, with their
epoch as logged; iteration series with their fractional epoch. Runs that record epochs are left
alone.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from losslog.analysis.summary import Series

#: the iteration scale must reach at least this many times further than the epoch scale
SCALE_RATIO = 5.0


def _is_epoch_scale(s: Series) -> bool:
    st = s.steps[np.isfinite(s.steps)]
    if len(st) < 3 or not np.all(st == np.round(st)):
        return False
    u = np.unique(st)
    return float(u[0]) in (0.0, 1.0) and bool(np.all(np.diff(u) == 1))


def align_step_scales(series: dict[str, Series]) -> dict[str, Series]:
    """``series`` with per-epoch and per-iteration tags on one axis, when the run mixes the two."""
    if len(series) < 2 or any(np.isfinite(s.epochs).any() for s in series.values()):
        return series
    tops = {tag: float(np.nanmax(s.steps)) for tag, s in series.items() if len(s) and np.isfinite(s.steps).any()}
    if not tops:
        return series
    small = {t for t, s in series.items() if t in tops and _is_epoch_scale(s)}
    if not small:
        return series
    small_top = max(tops[t] for t in small)
    big = {t for t in tops if t not in small and tops[t] >= SCALE_RATIO * max(small_top, 1.0)}
    if not big or len(small) + len(big) != len(tops):
        return series
    first_epoch = min(float(np.nanmin(series[t].steps)) for t in small)
    n_epochs = small_top - first_epoch + 1
    big_top = max(tops[t] for t in big)
    intervals = [float(np.median(np.diff(np.unique(series[t].steps)))) for t in big if len(series[t]) > 1]
    interval = min(intervals) if intervals else 1.0
    per_epoch = (big_top + interval) / n_epochs
    offset = first_epoch - 1 if first_epoch >= 1 else 0.0
    out = dict(series)
    for t in small:
        s = series[t]
        out[t] = dataclasses.replace(s, steps=(s.steps - first_epoch + 1) * per_epoch, epochs=s.steps.copy())
    for t in big:
        s = series[t]
        out[t] = dataclasses.replace(s, epochs=s.steps / per_epoch + offset)
    return out
