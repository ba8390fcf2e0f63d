"""Thinning points for drawing only: keep each stretch's minimum and maximum.

A chart is at most a couple of thousand pixels wide, so drawing a million points costs seconds and
shows nothing more than drawing two thousand. Plain decimation (every k-th point) would hide the
spikes that matter most in a training curve, so each bucket of consecutive points keeps its lowest
and its highest value (in their original order), plus its first non-finite point so the line
still breaks where the log has NaN/inf. The analysis never sees thinned data: this is for pixels.
"""

from __future__ import annotations

import numpy as np

#: Default number of points a drawn line keeps (about two per horizontal pixel of a wide panel).
DEFAULT_MAX_POINTS = 4000


def thin_indices(values: np.ndarray, max_points: int = DEFAULT_MAX_POINTS) -> np.ndarray:
    """Indices (sorted) of the points to draw from ``values`` (in x order).

    Series of ``max_points`` or fewer come back whole. Longer ones are cut into ``max_points // 2``
    buckets of consecutive points; each keeps its argmin and argmax over finite values, its first
    non-finite point if any, and the very first and last points of the series are always kept.
    """
    y = np.asarray(values, dtype="float64")
    n = len(y)
    if n <= max(max_points, 4):
        return np.arange(n)
    buckets = max(1, max_points // 2)
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    finite = np.isfinite(y)
    # Equal-length buckets let numpy do the argmin/argmax for all of them at once: pad the tail.
    size = int(np.max(np.diff(edges)))
    starts = edges[:-1]
    idx = starts[:, None] + np.arange(size)[None, :]
    inside = idx < edges[1:, None]
    idx_c = np.minimum(idx, n - 1)
    vals = y[idx_c]
    ok = inside & finite[idx_c]
    lo = np.where(ok, vals, np.inf).argmin(axis=1)
    hi = np.where(ok, vals, -np.inf).argmax(axis=1)
    has_finite = ok.any(axis=1)
    bad = inside & ~finite[idx_c]
    has_bad = bad.any(axis=1)
    first_bad = bad.argmax(axis=1)
    rows = np.arange(buckets)
    keep = [
        idx[rows[has_finite], lo[has_finite]],
        idx[rows[has_finite], hi[has_finite]],
        idx[rows[has_bad], first_bad[has_bad]],
        np.array([0, n - 1]),
    ]
    return np.unique(np.concatenate(keep))


def thin(x: np.ndarray, y: np.ndarray, max_points: int = DEFAULT_MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` thinned with :func:`thin_indices`."""
    keep = thin_indices(y, max_points)
    return np.asarray(x)[keep], np.asarray(y)[keep]


def spread(positions: np.ndarray, max_points: int = DEFAULT_MAX_POINTS) -> np.ndarray:
    """At most ``max_points`` of ``positions``, evenly spread (for markers such as NaN crosses)."""
    p = np.asarray(positions)
    if len(p) <= max_points:
        return p
    return p[np.linspace(0, len(p) - 1, max_points).astype(np.int64)]
