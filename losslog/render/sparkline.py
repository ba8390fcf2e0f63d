"""Unicode sparklines for terminal and Markdown tables."""

from __future__ import annotations

import math
from collections.abc import Sequence

BARS = "▁▂▃▄▅▆▇█"
#: drawn where a point is NaN/inf, so divergence is visible in the line itself
NONFINITE = "×"


def sparkline(values: Sequence[float]) -> str:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return NONFINITE * len(values)
    lo, hi = min(finite), max(finite)
    span = hi - lo
    out = []
    for v in values:
        if not math.isfinite(v):
            out.append(NONFINITE)
        elif span == 0:
            out.append(BARS[3])
        else:
            out.append(BARS[min(len(BARS) - 1, int((v - lo) / span * (len(BARS) - 1) + 0.5))])
    return "".join(out)
