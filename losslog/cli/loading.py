"""Reading the paths a command was given, with progress on stderr and nothing on stdout."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from losslog.analysis import AnalysisOptions
from losslog.model import Run
from losslog.readers.discover import Discovery
from losslog.remote.inputs import discover_inputs
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


def storage_options() -> Any:
    """The running command's ``--anon`` / ``--endpoint-url`` / ``--storage-option`` (or None)."""
    from losslog.cli.app import current_click_context
    from losslog.cli.common import STORAGE_META

    ctx = current_click_context()
    return ctx.meta.get(STORAGE_META) if ctx is not None else None


def load_runs(paths: Sequence[str | Path], log_format: str | None, keep_all: bool, verbose: bool) -> Discovery:
    """Discover runs (paths or URLs); a spinner on stderr (only on a terminal) names the file being read."""
    from losslog.cli.app import app_context

    raise_ = app_context().traceback  # --traceback: a reader's bug shows its stack
    storage = storage_options()
    console = stderr_console()
    if console.is_terminal:
        with console.status("reading logs …") as status:

            def on_path(p: Path) -> None:
                status.update(_line(f"reading {p}"))

            found = discover_inputs(
                paths, log_format, keep_all, on_path=on_path, raise_unexpected=raise_, storage=storage
            )
    else:
        found = discover_inputs(paths, log_format, keep_all, raise_unexpected=raise_, storage=storage)
    if verbose:
        show = getattr(found, "show", str)  # a mirrored file is named by its URL
        for p in found.ignored:
            console.print(_line(f"skipped (not a log): {show(p)}{_why(p)}", "dim"))
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


def load_baseline_input(
    baseline: str, log_format: str | None, keep_all: bool, options: AnalysisOptions, raise_unexpected: bool
) -> list[Any]:
    """``check --baseline``: a path, or a URL mirrored first (its errors name the URL)."""
    import dataclasses

    from losslog.errors import LossLogError
    from losslog.gate import load_baseline
    from losslog.remote.inputs import as_input, to_url

    item = as_input(baseline)
    if isinstance(item, Path):
        return load_baseline(item, log_format, keep_all, options, raise_unexpected)
    from losslog.remote.mirror import sync
    from losslog.remote.storage import StorageOptions

    mirrored = sync(item, storage_options() or StorageOptions(), log_format)
    if mirrored.errors:
        raise mirrored.errors[0]
    roots = {str(mirrored.local): mirrored.url}
    try:
        found = load_baseline(mirrored.local, log_format, keep_all, options, raise_unexpected)
        return [dataclasses.replace(b, source=to_url(b.source, roots)) for b in found]
    except LossLogError as exc:
        exc.source = to_url(exc.source, roots) if exc.source else mirrored.url
        exc.message = exc.message.replace(str(mirrored.local), mirrored.url)
        raise


def load_report(
    paths: Sequence[str | Path], log_format: str | None, keep_all: bool, verbose: bool, options: AnalysisOptions
) -> Report:
    found = load_runs(paths, log_format, keep_all, verbose)
    return build_report(found.runs, found.errors, options)


def load_runs_and_report(
    paths: Sequence[str | Path], log_format: str | None, keep_all: bool, verbose: bool, options: AnalysisOptions
) -> tuple[list[Run], Report]:
    """The runs (their points, for charts) and their report, read once.

    Charts need the points as well as the analysis; reading twice would double the work and could
    see a log that changed in between.
    """
    found = load_runs(paths, log_format, keep_all, verbose)
    return found.runs, build_report(found.runs, found.errors, options)
