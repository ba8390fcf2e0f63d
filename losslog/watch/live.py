"""The live terminal view: one panel per run, redrawn in place.

Per run: every judged metric's latest value, trend and a small curve, the best checkpoint so far,
and the findings with the time each was first seen. rich is imported here only, when a terminal
asks for the view.
"""

from __future__ import annotations

import math
import time
from typing import Any

from losslog.render.sparkline import sparkline
from losslog.sanitize import safe_text
from losslog.watch.plain import clock
from losslog.watch.state import RunState
from losslog.watch.watcher import Watcher

_TREND_STYLE = {"improving": "green", "worsening": "red", "flat": "yellow"}
_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
MAX_METRICS = 12


def _num(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.4g}" if math.isfinite(x) else str(x)


def run_panel(state: RunState) -> Any:
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    a = state.analysis
    status = "finished" if state.finished else f"last points {clock(state.last_change)}"
    title = Text(f"{safe_text(state.name)}  ", style="bold")
    title.append(f"{state.feed.fmt}, {state.points_read} points, {status}", style="dim")
    if a is None:
        return Panel(Text("waiting for points …", style="dim"), title=title, title_align="left")
    table = Table(box=None, padding=(0, 1), show_header=True, header_style="dim")
    for col in ("metric", "last", "step", "trend", "curve", "best"):
        table.add_column(col, justify="right" if col in ("last", "step", "best") else "left")
    judged = [m for m in a.metrics if m.goal is not None]
    for m in judged[:MAX_METRICS]:
        trend = Text(m.trend, style=_TREND_STYLE.get(m.trend, ""))
        table.add_row(
            safe_text(m.display),
            _num(m.last),
            _num(m.last_step),
            trend,
            sparkline(list(m.sparkline_values)[-24:]),
            _num(m.best),
        )
    parts: list[Any] = [table]
    if len(judged) > MAX_METRICS:
        more = len(judged) - MAX_METRICS
        parts.append(Text(f"… and {more} more judged metrics (losslog report lists all)", style="dim"))
    if a.best is not None:
        b = a.best
        epoch = f", epoch {b.epoch:g}" if b.epoch is not None else ""
        parts.append(Text(f"best checkpoint: {safe_text(b.metric)} {_num(b.value)} at step {b.step:g}{epoch}"))
    if state.findings:
        for seen in state.findings.values():
            f = seen.finding
            line = Text(f"{clock(seen.first_seen)} ", style="dim")
            line.append(f"{f.code} ({f.severity}) ", style=_SEVERITY_STYLE.get(f.severity, ""))
            line.append(safe_text(f.message))
            parts.append(line)
    else:
        parts.append(Text("no findings so far", style="green"))
    return Panel(Group(*parts), title=title, title_align="left")


def view(watcher: Watcher, footer: str) -> Any:
    from rich.console import Group
    from rich.text import Text

    panels = [run_panel(s) for s in watcher.states.values()]
    if not panels:
        panels = [Text("no runs yet; waiting for logs to appear …", style="dim")]
    return Group(*panels, Text(f"{time.strftime('%H:%M:%S')}  {footer}", style="dim"))


class LiveView:
    """A rich ``Live`` display that the CLI refreshes after every poll."""

    def __init__(self, console: Any) -> None:
        from rich.live import Live

        self.console = console
        self.live = Live(console=console, auto_refresh=False, transient=False, redirect_stderr=False)

    def __enter__(self) -> LiveView:
        self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.stop()

    def show(self, watcher: Watcher, footer: str) -> None:
        self.live.update(view(watcher, footer), refresh=True)

    def bell(self) -> None:
        self.console.bell()
