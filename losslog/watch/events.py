"""What a poll of the watcher reports: plain frozen records, rendered by the CLI's outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from losslog.analysis.findings import Finding
from losslog.analysis.run_analysis import Checkpoint

EventKind = Literal[
    "run",  # a run was found (the watch started, or it appeared while watched)
    "points",  # new points were read and judged
    "finding",  # a finding appeared
    "finding_changed",  # a finding's severity changed
    "finding_resolved",  # a finding no longer holds on the latest data
    "best",  # the best checkpoint moved
    "reset",  # a file was truncated, replaced or rewritten and is read again from its start
    "finished",  # no new points for --idle
    "warning",  # a reader's problem (a damaged record, a line that does not parse)
]


@dataclass(frozen=True)
class WatchEvent:
    kind: EventKind
    run: str
    time: float  # seconds since 1970 when the watcher saw it
    message: str = ""
    finding: Finding | None = None
    #: when the finding was first seen (for "finding", the event's own time)
    first_seen: float | None = None
    checkpoint: Checkpoint | None = None
    points: int = 0
    #: latest (display name, step, value, trend) of the judged metrics, for "points"
    latest: tuple[tuple[str, float | None, float | None, str], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``--on-finding`` hooks get it on standard input)."""
        d: dict[str, Any] = {"event": self.kind, "run": self.run, "time": self.time}
        if self.message:
            d["message"] = self.message
        if self.finding is not None:
            d["finding"] = self.finding.to_dict()
        if self.first_seen is not None:
            d["first_seen"] = self.first_seen
        if self.checkpoint is not None:
            d["checkpoint"] = self.checkpoint.to_dict()
        if self.kind == "points":
            d["points"] = self.points
            d["latest"] = [{"metric": m, "step": s, "value": v, "trend": t} for m, s, v, t in self.latest]
        d.update(self.extra)
        return d
