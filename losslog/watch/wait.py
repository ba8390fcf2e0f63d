"""Waiting for the next look: file-system events where the platform gives them, a timer always.

With ``watchfiles`` installed (``pip install losslog[watch]``) a write to a watched path wakes
the watch at once; without it, or with ``--poll``, the watch looks every ``interval`` seconds.
Either way the wait never exceeds the interval, so a network file system, whose changes raise no
events, is still read on time.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class Waiter:
    """``wait(seconds)`` returns early on a file-system event (when it can see them)."""

    def __init__(self, paths: list[Path], interval: float, use_events: bool = True) -> None:
        self.interval = interval
        self.mode = "polling"
        self._events: Iterator[Any] | None = None
        self._stop = threading.Event()
        if use_events:
            try:
                import watchfiles
            except ImportError:
                return
            try:
                self._events = watchfiles.watch(
                    *[str(p) for p in paths],
                    debounce=50,
                    step=20,
                    rust_timeout=max(1, int(interval * 1000)),
                    yield_on_timeout=True,
                    stop_event=self._stop,
                    raise_interrupt=True,
                )
                self.mode = "file-system events (watchfiles)"
            except Exception:  # an unusable backend: polling is always right
                self._events = None

    def wait(self, seconds: float) -> None:
        """Block for at most ``seconds`` (the interval at most with file-system events)."""
        if seconds <= 0:
            return
        if self._events is not None and seconds >= self.interval * 0.5:
            try:
                next(self._events)
                return
            except StopIteration:
                self._events = None
            except KeyboardInterrupt:
                raise
            except Exception:
                self._events = None
        time.sleep(seconds)

    def close(self) -> None:
        self._stop.set()
        events, self._events = self._events, None
        if events is not None and hasattr(events, "close"):
            with contextlib.suppress(Exception):
                events.close()
