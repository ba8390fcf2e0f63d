"""TensorBoard's scalar smoothing, reproduced exactly.

TensorBoard's scalar dashboard draws a debiased exponential moving average (weight 0.6 by
default): ``last = last * w + (1 - w) * y`` over finite points, divided by ``1 - w**n`` so the first
points are not pulled towards zero. Non-finite points are shown as they are and do not enter the
average. Matching it means a curve losslog describes looks like the one people already know.
"""

from __future__ import annotations

import numpy as np

DEFAULT_WEIGHT = 0.6


def tb_smooth(values: np.ndarray, weight: float = DEFAULT_WEIGHT) -> np.ndarray:
    """The smoothed curve TensorBoard draws for ``values`` (in step order)."""
    if not 0.0 <= weight < 1.0:
        raise ValueError("smoothing weight must be in [0, 1)")
    y = np.asarray(values, dtype="float64")
    out = y.copy()
    finite = np.isfinite(y)
    if weight == 0.0 or not finite.any():
        return out
    fy = y[finite]
    if np.all(fy == fy[0]):
        return out  # TensorBoard leaves a constant series untouched
    # last_n = sum_{i<=n} (1-w) w^(n-i) y_i ; debias by 1 - w^(n+1). Vectorized via cumulative
    # sums would lose precision over long runs, so run the recurrence (numpy-free loop is fast
    # enough for the sizes that get smoothed: charts thin first, analysis works per metric).
    # (a list, not item assignment into an array: half the time, the same float operations)
    smoothed: list[float] = []
    append = smoothed.append
    last = 0.0
    w = weight
    keep = 1.0 - w
    debias = 1.0
    for v in fy.tolist():
        last = last * w + keep * v
        debias *= w
        append(last / (1.0 - debias))
    out[finite] = smoothed
    return out
