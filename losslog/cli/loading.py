"""Reading the paths a command was given, with progress on stderr and nothing on stdout."""

from __future__ import annotations

from pathlib import Path

from losslog.analysis import AnalysisOptions, RunAnalysis
from losslog.model import Run
from losslog.readers.discover import Discovery, discover
from losslog.report import Report, build_report


def stderr_console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def load_runs(paths: list[Path], log_format: str | None, keep_all: bool, verbose: bool) -> Discovery:
    """Discover runs; a spinner on stderr (only on a terminal) names the file being read."""
    console = stderr_console()
    if console.is_terminal:
        with console.status("reading logs …") as status:

            def on_path(p: Path) -> None:
                status.update(f"reading {p}")

            found = discover(paths, fmt=log_format, keep_all=keep_all, on_path=on_path)
    else:
        found = discover(paths, fmt=log_format, keep_all=keep_all)
    if verbose:
        for p in found.ignored:
            console.print(f"skipped (not a log): {p}", style="dim")
        for run in found.runs:
            console.print(f"read {run.source} as {run.format}: run {run.name!r}, {len(run.frame)} points", style="dim")
    return found


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


def reread_runs(rep: Report) -> list[Run]:
    """The runs behind ``rep``'s analyses, read again from their sources (names as in the report).

    The Markdown and HTML reports draw charts, which need the points a Report does not keep. The
    render layer never reads files, so it asks through ``report_charts.RUNS_SOURCE``, set below.
    A source that cannot be read any more is skipped: its run gets no chart, the report stands.
    """
    from losslog.errors import LossLogError

    groups: dict[tuple[str, str], list[RunAnalysis]] = {}
    for a in rep.runs:
        groups.setdefault((a.source, a.format), []).append(a)
    out: list[Run] = []
    for (source, fmt), analyses in groups.items():
        try:
            # keep_all: with no point replaced the first time, keeping all changes nothing.
            found = discover([Path(source)], fmt=fmt, keep_all=not any(a.replaced_points for a in analyses))
        except LossLogError:
            continue
        if len(found.runs) == len(analyses):
            pairs = list(zip(analyses, found.runs))
        else:
            pairs = []
            for a in analyses:
                tail = a.name.split("/")[-1]
                run = next((r for r in found.runs if r.name in (a.name, tail) or r.name.endswith("/" + tail)), None)
                if run is not None:
                    pairs.append((a, run))
        for a, run in pairs:
            run.name = a.name
            out.append(run)
    return out


def _register_chart_runs() -> None:
    from losslog.render import report_charts

    report_charts.RUNS_SOURCE = reread_runs


_register_chart_runs()
