"""``Watcher``: the library behind ``losslog watch``.

Feed it paths, call ``poll()`` whenever you like (after a file-system event, or every few
seconds): it reads only what was appended since the last call and returns what changed, as
``WatchEvent`` records. Judging is throttled: a run is analysed again at most once per
``interval`` seconds, and only when it got new points, so a quiet run costs a ``stat`` per file
per poll and nothing else::

    from losslog.watch import Watcher
    w = Watcher([Path("runs/exp1")])
    while True:
        for event in w.poll():
            print(event.kind, event.run, event.message)
        time.sleep(2)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from losslog.analysis import AnalysisOptions
from losslog.errors import InputError
from losslog.readers import registry
from losslog.watch.event_feeds import EventFolderFeed
from losslog.watch.events import WatchEvent
from losslog.watch.feeds import HEADER_LINE_READERS, JSON_LINE_READERS, Feed, LineFeed, WholeFeed
from losslog.watch.layout import Layout, RunSpec
from losslog.watch.state import RunState
from losslog.watch.text_feed import TextLineFeed


@dataclass
class WatchConfig:
    """How to read and judge: the same options as ``losslog report``, plus the watch's own."""

    options: AnalysisOptions = field(default_factory=AnalysisOptions)
    log_format: str | None = None
    keep_all: bool = False
    #: seconds between two analyses of the same run (at most)
    interval: float = 2.0
    #: seconds without new points after which a run counts as finished (None: never)
    idle: float | None = None


class Watcher:
    """Watches paths for runs and judges them as they grow."""

    def __init__(
        self,
        paths: list[Path],
        config: WatchConfig | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config or WatchConfig()
        self.clock = clock
        for p in paths:
            if not p.exists():
                raise InputError("no such file or directory", p)
        forced = registry.get(self.config.log_format) if self.config.log_format else None
        self.paths = list(paths)
        self.layout = Layout(self.paths, forced)
        self.states: dict[str, RunState] = {}
        self.started = clock()
        self._polls = 0
        self._last_scan = float("-inf")

    # ------------------------------------------------------------------ public

    def poll(self, force: bool = False) -> list[WatchEvent]:
        """Read what was appended since the last poll; judge runs that are due; report changes.

        ``force`` judges every run with new points now, whatever the interval, and looks for new
        runs and files (the first poll always does both; otherwise each at most once per
        interval).
        """
        now = self.clock()
        first = self._polls == 0
        self._polls += 1
        events: list[WatchEvent] = []
        # New runs and new event files are looked for once per interval: a write wakes a poll
        # (file-system events), and the folders need not be listed again for every write.
        if force or first or now - self._last_scan >= self.config.interval:
            self._last_scan = now
            self._scan(now, events)
        for state in self.states.values():
            update = state.feed.poll()
            if update.resets:
                state.points_read = 0  # the next judgment counts the run's points anew
            for path, reason in update.resets:
                msg = f"{path} {reason}; read again from its start"
                events.append(WatchEvent("reset", state.name, now, msg, extra={"file": path}))
            for w in update.warnings:
                events.append(WatchEvent("warning", state.name, now, w))
            if update.new_points or update.resets:
                state.pending += max(1, update.new_points)
                state.last_change = now
                if state.finished:
                    state.finished = False
                    msg = "new points after it had finished; watching again"
                    events.append(WatchEvent("run", state.name, now, msg))
        for state in self.states.values():
            if state.pending and (force or first or state.due(now, self.config.interval)):
                events.extend(state.judge(self.config.options, self.config.keep_all, now))
        idle = self.config.idle
        if idle is not None:
            for state in self.states.values():
                if not state.finished and now - state.last_change >= idle:
                    if state.pending:
                        events.extend(state.judge(self.config.options, self.config.keep_all, now))
                    state.finished = True
                    events.append(WatchEvent("finished", state.name, now, f"no new points for {_fmt_duration(idle)}"))
        return events

    @property
    def all_finished(self) -> bool:
        """Every run is finished (with ``idle``); with no run at all, once ``idle`` has passed."""
        if self.config.idle is None:
            return False
        if not self.states:
            return self.clock() - self.started >= self.config.idle
        return all(s.finished for s in self.states.values())

    @property
    def bytes_read(self) -> int:
        """Bytes read from the watched files so far (all runs)."""
        return sum(s.feed.bytes_read for s in self.states.values())

    def close(self) -> None:
        for s in self.states.values():
            s.feed.close()

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ internals

    def _scan(self, now: float, events: list[WatchEvent]) -> None:
        names = {s.name for s in self.states.values()}
        for spec in self.layout.scan():
            state = self.states.get(spec.key)
            if state is not None:
                if spec.kind == "events" and isinstance(state.feed, EventFolderFeed):
                    state.feed.set_parts(spec.parts)
                continue
            name = spec.name
            n = 2
            while name in names:
                name = f"{spec.name}#{n}"
                n += 1
            names.add(name)
            feed = _feed_for(spec)
            mtime = _newest_mtime(spec)
            self.states[spec.key] = RunState(name, spec, feed, last_change=min(now, mtime or now), started=now)
            events.append(WatchEvent("run", name, now, f"{spec.path} ({feed.fmt})", extra={"source": str(spec.path)}))


def _feed_for(spec: RunSpec) -> Feed:
    if spec.kind == "events":
        source = spec.path
        hp_dirs = [spec.path] if spec.path.is_dir() else [spec.path.parent]
        feed = EventFolderFeed(source, hp_dirs)
        if not spec.path.is_dir():
            feed.fmt = "tensorboard-file"
        feed.set_parts(spec.parts)
        return feed
    assert spec.reader is not None
    line_reader = spec.reader.name in HEADER_LINE_READERS | JSON_LINE_READERS
    if spec.kind == "file" and line_reader and not _utf16(spec.path):
        return LineFeed(spec.path, spec.reader)
    if spec.kind == "file" and spec.reader.name == "text" and not _utf16(spec.path):
        return TextLineFeed(spec.path, spec.reader)
    return WholeFeed(spec.path, spec.reader)


def _utf16(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(2) in (b"\xff\xfe", b"\xfe\xff")
    except OSError:
        return False


def _newest_mtime(spec: RunSpec) -> float | None:
    files = [p for p, _, _ in spec.parts] if spec.parts else [spec.path]
    if spec.kind == "folder":
        files = [Path(d) / f for d, _, fs in os.walk(spec.path) for f in fs]
    times = []
    for f in files:
        try:
            times.append(os.stat(f).st_mtime)
        except OSError:
            continue
    return max(times) if times else None


def _fmt_duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g}m"
    return f"{seconds:g}s"
