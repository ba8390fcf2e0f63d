"""Reading the paths a command was given, with progress on stderr and nothing on stdout."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from losslog.analysis import AnalysisOptions
from losslog.model import Run
from losslog.readers.discover import Discovery, discover
from losslog.report import Report, build_report

if TYPE_CHECKING:
    from rich.text import Text


def stderr_console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _line(text: str, style: str = "") -> Text:
    """A progress line naming files and runs: literal (no console markup), control characters escaped."""
    from rich.text import Text

    from losslog.sanitize import safe_text

    return Text(safe_text(text), style=style)


def load_runs(paths: list[Path], log_format: str | None, keep_all: bool, verbose: bool) -> Discovery:
    """Discover runs; a spinner on stderr (only on a terminal) names the file being read."""
    from losslog.cli.app import app_context

    raise_ = app_context().traceback  # --traceback: a reader's bug shows its stack
    console = stderr_console()
    if console.is_terminal:
        with console.status("reading logs …") as status:

            def on_path(p: Path) -> None:
                status.update(_line(f"reading {p}"))

            found = discover(paths, fmt=log_format, keep_all=keep_all, on_path=on_path, raise_unexpected=raise_)
    else:
        found = discover(paths, fmt=log_format, keep_all=keep_all, raise_unexpected=raise_)
    if verbose:
        for p in found.ignored:
            console.print(_line(f"skipped (not a log): {p}{_why(p)}", "dim"))
        for run in found.runs:
            console.print(_line(f"read {run.source} as {run.format}: run {run.name!r}, {len(run)} points", "dim"))
    return found


def _why(path: Path) -> str:
    """Why no reader claimed a skipped file (checkpoint folders and unreadable files say nothing)."""
    from losslog.readers.base import make_probe
    from losslog.readers.registry import why_declined

    try:
        return "" if path.is_dir() else f": {why_declined(make_probe(path))}"
    except OSError:
        return ""


def load_report(
    paths: list[Path], log_format: str | None, keep_all: bool, verbose: bool, options: AnalysisOptions
) -> Report:
    found = load_runs(paths, log_format, keep_all, verbose)
    return build_report(found.runs, found.errors, options)


def load_runs_and_report(
    paths: list[Path], log_format: str | None, keep_all: bool, verbose: bool, options: AnalysisOptions
) -> tuple[list[Run], Report]:
    """The runs (their points, for charts) and their report, read once.

    Charts need the points as well as the analysis; reading twice would double the work and could
    see a log that changed in between.
    """
    found = load_runs(paths, log_format, keep_all, verbose)
    return found.runs, build_report(found.runs, found.errors, options)
