"""``losslog watch``: a live view of runs in progress, and stop rules for scripts and schedulers.

A thin loop over ``losslog.watch.Watcher``: wait (file-system events or the interval), poll, show
what changed, run the notifications, apply the stop rules.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from losslog.analysis import AnalysisOptions
from losslog.cli.app import app, handle_errors
from losslog.cli.common import KeepAllOpt, LogFormatOpt, PathsArg, with_analysis_options
from losslog.errors import ExitCode, InputError
from losslog.sanitize import safe_text

#: the exit code when an ``--exit-on`` rule fires (the same as a failed gate in ``check``)
RULE_FIRED = int(ExitCode.GATE_FAILED)

WATCH_HELP = """Watch runs while they train: a live view, and an exit code when a stop rule fires.

PATH is a log file, a run folder, or a folder whose new runs appear while it is watched. Only
the bytes appended since the last look are read. Findings are the ones `losslog report` gives
for the same data (same --patience, --min-delta, --smooth, --monitor), shown with the time each
was first seen. At a terminal the view is redrawn in place; otherwise one plain line per event.

Exit codes: 0 the runs finished (--idle), --timeout passed or --once found no rule firing;
1 an --exit-on rule fired; 2 bad input or usage; 130 interrupted (Ctrl-C).

Example (stop the training when the rule fires):
losslog watch runs/exp1 --exit-on overfitting,divergence --idle 10m; [ $? -eq 1 ] && kill $TRAIN_PID
"""


@app.command(help=WATCH_HELP)
@handle_errors
@with_analysis_options()
def watch(
    paths: PathsArg,
    exit_on: Annotated[
        str | None,
        typer.Option(
            "--exit-on",
            help="Finding codes (overfitting,divergence,...) or a severity (info, warning, error) that end the "
            f"watch with exit code {RULE_FIRED} as soon as they appear.",
        ),
    ] = None,
    interval: Annotated[
        str, typer.Option("--interval", help="Longest time between two looks, and between two analyses of a run.")
    ] = "2s",
    idle: Annotated[
        str | None,
        typer.Option("--idle", help="Quiet time after which a run counts as finished (10m, 1h); all finished: exit 0."),
    ] = None,
    timeout: Annotated[str | None, typer.Option("--timeout", help="Stop watching after this long (exit 0).")] = None,
    once: Annotated[bool, typer.Option("--once", help="Look once and exit (the same judgment as report).")] = False,
    bell: Annotated[bool, typer.Option("--bell", help="Ring the terminal bell on every new finding.")] = False,
    on_finding: Annotated[
        str | None,
        typer.Option(
            "--on-finding",
            help="Command run (no shell) on every new finding, with the finding as JSON on its standard input.",
        ),
    ] = None,
    hook_timeout: Annotated[
        str, typer.Option("--hook-timeout", help="How long --on-finding may run before it is stopped.")
    ] = "30s",
    poll: Annotated[
        bool, typer.Option("--poll", help="Never use file-system events; look every --interval (network drives).")
    ] = False,
    plain: Annotated[bool, typer.Option("--plain", help="One plain line per event, even at a terminal.")] = False,
    log_format: LogFormatOpt = None,
    keep_all: KeepAllOpt = False,
    *,
    options: AnalysisOptions,
) -> None:
    from losslog.watch import ExitRule, WatchConfig, Watcher, parse_duration
    from losslog.watch.notify import FindingHook

    rule = ExitRule.parse(exit_on)
    interval_s = parse_duration(interval, "--interval")
    idle_s = parse_duration(idle, "--idle") if idle is not None else None
    timeout_s = parse_duration(timeout, "--timeout") if timeout is not None else None
    hook = FindingHook(on_finding, parse_duration(hook_timeout, "--hook-timeout")) if on_finding else None
    _check_files(paths, log_format)
    config = WatchConfig(options=options, log_format=log_format, keep_all=keep_all, interval=interval_s, idle=idle_s)
    with Watcher(paths, config) as watcher:
        loop = _Loop(watcher, rule, hook, bell, plain)
        code = loop.run(once, timeout_s, use_events=not poll)
    raise typer.Exit(code)


def _check_files(paths: list[Path], log_format: str | None) -> None:
    """A file given by name that no reader claims is bad input now, not a silent wait forever."""
    from losslog.readers import registry
    from losslog.readers.tensorboard import is_event_file_name

    for p in paths:
        if not p.exists():
            raise InputError("no such file or directory", p)
        if log_format is None and p.is_file() and p.stat().st_size > 0 and not is_event_file_name(p.name):
            registry.reader_for_file(p)


class _Loop:
    def __init__(self, watcher: Any, rule: Any, hook: Any, bell: bool, plain: bool) -> None:
        from rich.console import Console

        self.watcher = watcher
        self.rule = rule
        self.hook = hook
        self.bell = bell
        self.console = Console(highlight=False)
        self.terminal = self.console.is_terminal and not plain
        self.fired: Any = None

    def footer(self, mode: str) -> str:
        n = len(self.watcher.states)
        rule = f" · exit on: {self.rule.describe()}" if self.rule else ""
        return f"{n} run(s) · looking every {self.watcher.config.interval:g}s ({mode}){rule} · Ctrl-C to stop"

    def handle(self, events: list[Any], live: Any) -> None:
        from losslog.watch.plain import format_event

        for ev in events:
            if not self.terminal:
                line = format_event(ev)
                if line is not None:
                    sys.stdout.write(line + "\n")
            elif ev.kind == "warning":
                self.console.print(f"warning: {safe_text(ev.run)}: {safe_text(ev.message)}", style="yellow")
            if ev.kind == "finding":
                if self.bell:
                    if live is not None:
                        live.bell()
                    else:
                        sys.stderr.write("\a")
                        sys.stderr.flush()
                if self.hook is not None:
                    self._run_hook(ev)
            elif ev.kind == "finding_changed" and self.hook is not None:
                self._run_hook(ev)
            if (
                self.fired is None
                and self.rule is not None
                and ev.kind in ("finding", "finding_changed")
                and ev.finding is not None
                and self.rule.matches(ev.finding)
            ):
                self.fired = ev
        if not self.terminal:
            sys.stdout.flush()

    def _run_hook(self, ev: Any) -> None:
        warning = self.hook(ev)
        if warning:
            typer.echo(f"losslog: warning: {warning}", err=True)

    def run(self, once: bool, timeout: float | None, use_events: bool) -> int:
        from losslog.watch.wait import Waiter

        if once:
            return self._once()
        waiter = Waiter(self.watcher.paths, self.watcher.config.interval, use_events=use_events)
        deadline = time.monotonic() + timeout if timeout is not None else None
        live = None
        try:
            if self.terminal:
                from losslog.watch.live import LiveView

                live = LiveView(self.console).__enter__()
            while True:
                events = self.watcher.poll()
                self.handle(events, live)
                if live is not None:
                    live.show(self.watcher, self.footer(waiter.mode))
                if self.fired is not None:
                    return self._stop_fired()
                if self.watcher.all_finished:
                    self._note("every run finished (no new points for --idle)")
                    return int(ExitCode.OK)
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    self._note("--timeout reached")
                    return int(ExitCode.OK)
                step = self.watcher.config.interval
                waiter.wait(step if remaining is None else min(step, remaining))
        finally:
            waiter.close()
            if live is not None:
                live.__exit__(None, None, None)

    def _once(self) -> int:
        events = self.watcher.poll(force=True)
        self.handle(events, None)
        if self.terminal:
            from losslog.watch.live import view

            self.console.print(view(self.watcher, "one look (--once)"))
        if self.fired is not None:
            return self._stop_fired()
        if not self.watcher.states:
            typer.echo("losslog: error: no training logs found in the given paths", err=True)
            return int(ExitCode.BAD_INPUT)
        return int(ExitCode.OK)

    def _stop_fired(self) -> int:
        f = self.fired.finding
        typer.echo(
            f"losslog: stop rule fired: {safe_text(self.fired.run)}: {f.code} ({f.severity}): {safe_text(f.message)}",
            err=True,
        )
        return RULE_FIRED

    def _note(self, text: str) -> None:
        typer.echo(f"losslog: {text}", err=True)
