"""One plain line per event, for CI logs, ``| tee`` and anything that is not a terminal.

No colours, no cursor movement: every line stands alone and starts with the time, so a log of a
watch reads top to bottom. Names from the logs pass through ``safe_text`` (one name, one line,
no escape sequences).
"""

from __future__ import annotations

import math
import time

from losslog.sanitize import safe_text
from losslog.watch.events import WatchEvent


def _num(x: float | None) -> str:
    if x is None:
        return "n/a"
    if not math.isfinite(x):
        return str(x)
    return f"{x:.4g}"


def _step(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "?"
    return f"{x:g}"


def clock(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t))


def format_event(ev: WatchEvent) -> str | None:
    """The line for ``ev`` (None for nothing to say)."""
    head = f"{clock(ev.time)} {safe_text(ev.run)}:"
    k = ev.kind
    if k == "run":
        return f"{head} watching {safe_text(ev.message)}"
    if k == "points":
        shown = ", ".join(f"{safe_text(m)} {_num(v)} @{_step(s)} ({t})" for m, s, v, t in ev.latest[:6])
        return f"{head} {ev.points} new point(s)" + (f"; {shown}" if shown else "")
    if k in ("finding", "finding_changed", "finding_resolved") and ev.finding is not None:
        f = ev.finding
        label = {"finding": "FINDING", "finding_changed": "finding changed", "finding_resolved": "resolved"}[k]
        onset = f" onset step {_step(f.onset_step)}" if f.onset_step is not None else ""
        first = f" first seen {clock(ev.first_seen)}" if ev.first_seen is not None else ""
        text = ev.message if k != "finding" else f.message
        return f"{head} {label} {f.code} ({f.severity}){onset}{first}: {safe_text(text)}"
    if k == "best" and ev.checkpoint is not None:
        c = ev.checkpoint
        epoch = f" (epoch {_step(c.epoch)})" if c.epoch is not None else ""
        return f"{head} best checkpoint {safe_text(c.metric)} {_num(c.value)} at step {_step(c.step)}{epoch}"
    if k == "reset":
        return f"{head} {safe_text(ev.message)}"
    if k == "finished":
        return f"{head} finished ({safe_text(ev.message)})"
    if k == "warning":
        return f"{head} warning: {safe_text(ev.message)}"
    return None
