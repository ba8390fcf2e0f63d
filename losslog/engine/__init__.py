"""Running one task per run over many runs: serially, on a local process pool, or elsewhere.

Every engine has the same ``map``: results come back in input order with a bounded number of runs
in flight, so a sweep of 10,000 runs never holds more than a few parsed runs in memory at once.
"""

from __future__ import annotations

from losslog.engine.base import Engine, SerialEngine, choose_engine

__all__ = ["Engine", "SerialEngine", "choose_engine"]
