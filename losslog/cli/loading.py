"""Reading the paths a command was given, with progress on stderr and nothing on stdout."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from losslog.analysis import AnalysisOptions
from losslog.model import Run
from losslog.readers.discover import Discovery
from losslog.remote.inputs import discover_inputs
from losslog.report import Report, build_report

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from losslog.engine.batch import BatchResult


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


def scheduler_engine() -> Any:
    """A ``DaskEngine`` when ``--scheduler`` (or ``LOSSLOG_SCHEDULER``) names one, else None (the
    plain local engine: Dask is not even imported)."""
    from losslog.cli.app import current_click_context
    from losslog.cli.common import SCHEDULER_META

    ctx = current_click_context()
    address = ctx.meta.get(SCHEDULER_META) if ctx is not None else None
    address = address or os.environ.get("LOSSLOG_SCHEDULER") or None
    if not address:
        return None
    from losslog.engine.dask import DaskEngine

    return DaskEngine(address, storage=storage_options())


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
        mirrors = getattr(found, "mirrors", None)
        if mirrors is not None:
            console.print(_line(_fetched(mirrors), "dim"))
        show = getattr(found, "show", str)  # a mirrored file is named by its URL
        for p in found.ignored:
            console.print(_line(f"skipped (not a log): {show(p)}{_why(p)}", "dim"))
        for run in found.runs:
            console.print(_line(f"read {run.source} as {run.format}: run {run.name!r}, {len(run)} points", "dim"))
    return found


def _fetched(mirrors: Any) -> str:
    """What the object store was asked for (``--verbose``): unchanged objects cost nothing."""
    return f"object store: {mirrors.fetched_objects} objects, {mirrors.fetched_bytes:,} bytes fetched"


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


JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        metavar="N",
        help="Read and analyse runs in N processes (default: every core when there are more than 50 runs; "
        "1: in this process).",
    ),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Neither use nor fill the run cache (results of runs already read, kept in the user's cache folder; "
        "see `losslog cache`).",
    ),
]


def progress_wanted(console: Console) -> bool:
    """A progress bar only for a person watching: a terminal on stderr, and not in CI."""
    return console.is_terminal and not os.environ.get("CI")


def analyze_inputs(
    paths: Sequence[str | Path],
    log_format: str | None,
    keep_all: bool,
    verbose: bool,
    options: AnalysisOptions,
    *,
    mode: str = "report",
    jobs: int | None = None,
    no_cache: bool = False,
    extremes: bool = False,
) -> BatchResult:
    """Read and analyse every run through the engine (a process pool for a large sweep) and the run
    cache; the report is the one ``build_report`` gives for ``load_runs`` (the tests compare them)."""
    from losslog.cli.app import app_context
    from losslog.engine.batch import analyze_paths
    from losslog.remote.batch import rename_batch
    from losslog.remote.inputs import as_input, has_url, mirror_inputs
    from losslog.runcache import RunCache

    console = stderr_console()
    # URLs: listed and mirrored (only the claimed files fetched) before the walk; the cache then
    # knows a mirrored file by its local copy, which changes only when the object's ETag does
    mirrors = mirror_inputs(paths, log_format, storage_options()) if has_url(paths) else None
    local = mirrors.paths if mirrors is not None else [Path(as_input(p)) for p in paths]
    cache = None if no_cache else RunCache()
    bar = _Progress(console) if progress_wanted(console) else None
    engine = scheduler_engine()
    if engine is not None and mirrors is not None:
        engine.roots = dict(mirrors.roots)  # a worker lacking a mirrored run fetches it itself
    try:
        result = analyze_paths(
            local,
            options,
            engine=engine,
            log_format=log_format,
            keep_all=keep_all,
            mode=mode,
            raise_unexpected=app_context().traceback,
            jobs=jobs,
            cache=cache,
            extremes=extremes,
            on_listed=bar.start if bar else None,
            on_done=bar.advance if bar else None,
        )
    finally:
        if bar:
            bar.stop()
        if engine is not None:
            engine.close()
        if cache is not None:
            cache.flush()
            cache.close()
    if mirrors is not None:
        result = rename_batch(result, mirrors)
    if verbose:
        if mirrors is not None:
            console.print(_line(_fetched(mirrors), "dim"))
        show = mirrors.show if mirrors is not None else str
        for p in result.ignored:
            console.print(_line(f"skipped (not a log): {show(p)}{_why(p)}", "dim"))
        for e in result.entries:
            console.print(_line(f"read {e.source} as {e.format}: run {e.name!r}, {e.points} points", "dim"))
        if cache is not None:
            console.print(_line(f"run cache: {result.from_cache} of {result.sources} sources unchanged", "dim"))
    return result


class _Progress:
    """Runs done / total and the rate, on stderr, shown only past a few dozen sources."""

    MIN_SOURCES = 20

    def __init__(self, console: Console) -> None:
        self.console = console
        self._progress: Any = None
        self._task: Any = None

    def start(self, total: int) -> None:
        if total < self.MIN_SOURCES:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("reading runs"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self._task = self._progress.add_task("runs", total=total, rate="")
        self._started = time.monotonic()
        self._done = 0
        self._progress.start()

    def advance(self, result: object) -> None:
        if self._progress is None:
            return
        self._done += 1
        elapsed = time.monotonic() - self._started
        rate = f"{self._done / elapsed:,.0f} runs/s" if elapsed > 0 else ""
        self._progress.update(self._task, advance=1, rate=rate)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
