"""The engine protocol and the serial engine every other engine must agree with."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: below this many runs a process pool costs more to start than it saves ...
POOL_THRESHOLD = 50
#: ... unless they are big: this much log data pays for the pool with a handful of runs
POOL_BYTES = 16 * 1024 * 1024


class Engine(Protocol):
    """Applies ``fn`` to every item; results are yielded in input order.

    ``fn`` and the items must be picklable (module-level function, plain data) so that any engine
    can ship them to another process or machine; the results should be small (an analysis, never
    the raw points) since they are gathered in the caller. An engine keeps only a bounded number
    of items in flight, so memory does not grow with the number of items.
    """

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]: ...

    def close(self) -> None: ...


class SerialEngine:
    """In this process, one item after the other: the reference the other engines must match."""

    name = "serial"

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        for item in items:
            yield fn(item)

    def close(self) -> None:
        return None


def available_cores() -> int:
    """The cores this process may use (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def choose_engine(n_items: int, jobs: int | None = None, total_bytes: int = 0) -> Engine:
    """Serial for few runs or one core, a process pool when there is enough work to pay its start:
    more than ``POOL_THRESHOLD`` runs, or a few runs holding ``POOL_BYTES`` of logs between them.

    ``jobs``: None chooses; 1 forces serial; N > 1 forces a pool of N workers (``--jobs``).
    """
    if jobs is not None and jobs < 1:
        raise ValueError("jobs must be at least 1")
    if jobs == 1:
        return SerialEngine()
    workers = jobs if jobs is not None else available_cores()
    enough = n_items > POOL_THRESHOLD or (n_items >= 4 and total_bytes >= POOL_BYTES)
    if jobs is None and (workers < 2 or not enough):
        return SerialEngine()
    from losslog.engine.local import ProcessPoolEngine

    return ProcessPoolEngine(min(workers, max(1, n_items)))
