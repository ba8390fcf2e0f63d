"""The live state of one watched run: its points so far, its latest analysis, and what changed.

Judging is ``losslog.analysis.analyze`` on the run rebuilt from everything read so far, with the
report's options and discovery's replace-on-restart rule, so a live finding is exactly the finding
``losslog report`` would give for the same bytes. What the watch adds is memory: when each
finding was first seen, and which findings, severities and best checkpoints are new.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from losslog.analysis import AnalysisOptions
from losslog.analysis.findings import Finding
from losslog.analysis.run_analysis import Checkpoint, RunAnalysis, analyze
from losslog.model import Run
from losslog.watch.events import WatchEvent
from losslog.watch.feeds import Feed
from losslog.watch.layout import RunSpec

#: the gap between two judgments of a run is at least this many times the last one's cost
JUDGE_GAP = 4.0


@dataclass
class Seen:
    finding: Finding
    first_seen: float


def finding_key(f: Finding) -> tuple[str, str]:
    return (f.code, f.metric)


@dataclass
class RunState:
    name: str
    spec: RunSpec
    feed: Feed
    #: when points last arrived (at start: the newest modification time of the run's files)
    last_change: float
    started: float
    #: points in the run as last judged (before the replace-on-restart rule)
    points_read: int = 0
    #: data read since the last judgment (points or lines): the run is due for judging
    pending: int = 0
    analysis: RunAnalysis | None = None
    last_analysis: float = float("-inf")
    findings: dict[tuple[str, str], Seen] = field(default_factory=dict)
    best: Checkpoint | None = None
    finished: bool = False
    #: the run as last judged (for the live view's curves)
    run: Run | None = None
    #: CPU seconds the last judgment took (parsing the pending lines, rebuilding, analysing): CPU
    #: time, not wall time, so that other load on the machine does not slow the watch further
    judge_seconds: float = 0.0

    def due(self, now: float, interval: float) -> bool:
        """Judging is due: new data, and the interval passed. A big run's judgment costs time that
        grows with its size (a million points: about 2 s), so the gap also grows to four times
        the last judgment's CPU time: judging never takes more than about a fifth of a core."""
        return bool(self.pending) and now - self.last_analysis >= max(interval, JUDGE_GAP * self.judge_seconds)

    def judge(self, options: AnalysisOptions, keep_all: bool, now: float) -> list[WatchEvent]:
        """Analyse the run as read so far; the events that differ from the previous analysis."""
        started = time.process_time()
        first = self.analysis is None
        try:
            return self._judge(options, keep_all, now)
        finally:
            # The first judgment parses the whole backlog and pays the imports: not what the
            # next ones will cost.
            if not first:
                self.judge_seconds = time.process_time() - started

    def _judge(self, options: AnalysisOptions, keep_all: bool, now: float) -> list[WatchEvent]:
        events: list[WatchEvent] = []
        runs = self.feed.build()
        events.extend(WatchEvent("warning", self.name, now, w) for w in self.feed.take_warnings())
        run = _pick(runs)
        if run is None or len(run) == 0:
            self.pending = 0
            self.points_read = 0
            self.last_analysis = now
            return events
        run.name = self.name
        total = len(run)
        if not keep_all:
            run.drop_replaced()
        try:
            result = analyze(run, options)
        except Exception as exc:  # a run caught mid-write can be odd; never let it end the watch
            self.last_analysis = now
            return [WatchEvent("warning", self.name, now, f"could not analyse yet ({type(exc).__name__}: {exc})")]
        new_points = max(0, total - self.points_read)
        self.points_read = total
        self.pending = 0
        self.last_analysis = now
        self.analysis = result
        self.run = run
        latest = tuple((m.display, m.last_step, m.last, m.trend) for m in result.metrics if m.goal is not None)
        events.append(WatchEvent("points", self.name, now, points=new_points, latest=latest))
        current = {finding_key(f): f for f in result.findings if f.code != "generalization_gap"}
        for key, f in current.items():
            seen = self.findings.get(key)
            if seen is None:
                self.findings[key] = Seen(f, now)
                events.append(WatchEvent("finding", self.name, now, f.message, finding=f, first_seen=now))
            else:
                if f.severity != seen.finding.severity:
                    events.append(
                        WatchEvent(
                            "finding_changed",
                            self.name,
                            now,
                            f"{seen.finding.severity} -> {f.severity}: {f.message}",
                            finding=f,
                            first_seen=seen.first_seen,
                        )
                    )
                seen.finding = f
        for key in [k for k in self.findings if k not in current]:
            gone = self.findings.pop(key)
            events.append(
                WatchEvent(
                    "finding_resolved",
                    self.name,
                    now,
                    "no longer holds on the latest points",
                    finding=gone.finding,
                    first_seen=gone.first_seen,
                )
            )
        best = result.best
        if best is not None and (self.best is None or (best.tag, best.step) != (self.best.tag, self.best.step)):
            events.append(WatchEvent("best", self.name, now, checkpoint=best))
        self.best = best
        return events


def _pick(runs: list[Run]) -> Run | None:
    """A feed's own run ("" name), else its first: a store read whole may name its runs."""
    for run in runs:
        if run.name == "":
            return run
    return runs[0] if runs else None
