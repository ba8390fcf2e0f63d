"""A Dask cluster as an engine: the per-run tasks mapped onto ``dask.distributed`` workers.

Only the small per-run results (``RunResult``: an analysis, warnings, errors; never the points)
come back to the client. ``--scheduler tcp://HOST:PORT`` joins a running cluster; ``local``
starts a LocalCluster on this machine (loopback only). Dask is imported only here, only when a
scheduler is asked for. Results are yielded in input order with a bounded number of chunks in
flight, like the process pool, so the answers are the serial engine's, byte for byte.

A worker on another machine does not have the client's mirror of a remote run: it mirrors that
run itself, straight from the store through fsspec with the same storage options, into its own
cache (``_on_worker``). A local run is read by its path, which must then be visible to the workers.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from losslog.errors import UsageError

T = TypeVar("T")
R = TypeVar("R")

#: workers of ``--scheduler local``
LOCAL_WORKERS = 2


class DaskEngine:
    """``map`` on a Dask cluster; the client is made on first use and closed by ``close``."""

    name = "dask"

    def __init__(
        self,
        address: str,
        storage: Any = None,
        chunk_size: int | None = None,
        in_flight: int | None = None,
        local_workers: int = LOCAL_WORKERS,
        processes: bool = True,
        timeout: str = "10s",
    ) -> None:
        self.address = address
        self.storage = storage
        self.chunk_size = chunk_size
        self.in_flight = in_flight
        self.local_workers = local_workers
        self.processes = processes
        self.timeout = timeout
        #: client mirror root -> URL, set by the caller after mirroring (workers mirror what they lack)
        self.roots: dict[str, str] = {}
        self._client: Any = None
        self._cluster: Any = None

    def client(self) -> Any:
        if self._client is not None:
            return self._client
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UsageError("--scheduler needs dask.distributed: pip install 'losslog[dask]'") from None
        try:
            if self.address.strip().lower() == "local":
                self._cluster = LocalCluster(
                    n_workers=self.local_workers,
                    threads_per_worker=1,
                    processes=self.processes,
                    host="127.0.0.1",
                    dashboard_address=None,
                )
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.address, timeout=self.timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            self.close()
            raise UsageError(
                f"--scheduler {self.address}: cannot reach the Dask scheduler ({type(exc).__name__}: {exc}); "
                "give tcp://HOST:PORT of a running `dask scheduler`, or 'local'"
            ) from None
        return self._client

    def workers(self) -> int:
        try:
            return max(1, len(self.client().scheduler_info().get("workers", {})))
        except Exception:
            return 1

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        if not items:
            return
        client = self.client()
        n = self.workers()
        size = self.chunk_size or max(1, min(64, len(items) // (n * 8) or 1))
        bound = self.in_flight or 4 * n
        pending: deque[Any] = deque()
        for start in range(0, len(items), size):
            chunk = list(items[start : start + size])
            pending.append(client.submit(_on_worker, fn, chunk, self.roots, self.storage, pure=False))
            if len(pending) >= bound:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def _on_worker(fn: Callable[[Any], Any], chunk: list[Any], roots: dict[str, str], storage: Any) -> list[Any]:
    return [_localized(fn, item, roots, storage) for item in chunk]


def _localized(fn: Callable[[Any], Any], item: Any, roots: dict[str, str], storage: Any) -> Any:
    """Run ``fn(item)``; a task naming a mirrored path this worker lacks mirrors that run first."""
    source: Any = getattr(item, "source", None)
    path = getattr(source, "path", None)
    if not roots or source is None or path is None or path.exists():
        return fn(item)
    from losslog.remote.inputs import to_url
    from losslog.remote.mirror import sync
    from losslog.remote.storage import StorageOptions

    url = to_url(str(path), roots)
    if url == str(path):
        return fn(item)
    mirrored = sync(url, storage or StorageOptions(), getattr(source, "reader", None) or None)
    moved = dataclasses.replace(item, source=dataclasses.replace(source, path=mirrored.local))
    return _renamed(fn(moved), str(mirrored.local), str(path))


def _renamed(result: Any, here: str, there: str) -> Any:
    """A worker's result with its own mirror path written as the client's (which names it by URL)."""
    entries = [
        dataclasses.replace(e, source=e.source.replace(here, there, 1))
        if isinstance(getattr(e, "source", None), str)
        else e
        for e in getattr(result, "runs", [])
    ]
    for err in getattr(result, "errors", []):
        if err.source:
            err.source = err.source.replace(here, there, 1)
    return dataclasses.replace(result, runs=entries) if entries else result
