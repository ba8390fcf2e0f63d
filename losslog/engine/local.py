"""A process pool on this machine: every core reads and analyses runs, a bounded number in flight."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _pool_context() -> multiprocessing.context.BaseContext:
    """fork where it is safe and cheap (Linux: the workers inherit the imported modules), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    if os.name == "posix" and "fork" in methods and os.uname().sysname == "Linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class ProcessPoolEngine:
    """``workers`` processes; items are sent in chunks, at most ``in_flight`` chunks outstanding.

    Chunks amortize the cost of a round trip between processes (a small CSV run takes about a
    millisecond to analyse); the bound on outstanding chunks keeps memory flat however many
    items there are, since results are consumed in order as they are yielded.
    """

    name = "processes"

    def __init__(self, workers: int, chunk_size: int | None = None, in_flight: int | None = None):
        self.workers = max(1, workers)
        self.chunk_size = chunk_size
        self.in_flight = in_flight or 4 * self.workers
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=_pool_context())
        return self._pool

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        if not items:
            return
        size = self.chunk_size or max(1, min(64, len(items) // (self.workers * 8) or 1))
        chunks = (items[i : i + size] for i in range(0, len(items), size))
        pool = self._executor()
        pending: deque[Future[list[R]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(_run_chunk, fn, list(chunk)))
            if len(pending) >= self.in_flight:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ProcessPoolEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _run_chunk(fn: Callable[[T], R], chunk: list[T]) -> list[R]:
    return [fn(item) for item in chunk]
