"""``losslog report``, ``losslog export`` and ``losslog formats``."""

from __future__ import annotations

from typing import Annotated

import typer

from losslog.analysis import AnalysisOptions
from losslog.cli.app import app, handle_errors
from losslog.cli.common import (
    InputsArg,
    KeepAllOpt,
    LogFormatOpt,
    OutputOpt,
    VerboseOpt,
    check_output,
    emit,
    finish,
    format_option,
    split_format,
    terminal_layout,
    with_analysis_options,
    with_remote_options,
    with_scheduler_option,
    write_output,
)
from losslog.cli.loading import JobsOpt, NoCacheOpt, analyze_inputs, load_runs, load_runs_and_report
from losslog.model import Run
from losslog.render.base import RenderContext
from losslog.render.export_formats import EXPORT_RENDERERS
from losslog.render.report_formats import REPORT_RENDERERS


@app.command()
@handle_errors
@with_scheduler_option
@with_remote_options
@with_analysis_options()
def report(
    paths: InputsArg,
    format: Annotated[str | None, format_option(REPORT_RENDERERS)] = None,
    output: OutputOpt = None,
    embed: Annotated[
        bool, typer.Option("--embed", help="Markdown: embed the chart as base64 instead of a file.")
    ] = False,
    log_format: LogFormatOpt = None,
    keep_all: KeepAllOpt = False,
    verbose: VerboseOpt = False,
    jobs: JobsOpt = None,
    no_cache: NoCacheOpt = False,
    *,
    options: AnalysisOptions,
) -> None:
    """What happened in each run: the verdict, the best checkpoint, every metric's trend.

    Exit code 0, or 2 when an input could not be read (the other runs are still reported).
    """
    renderer, forced = split_format(format, REPORT_RENDERERS)
    if renderer.name in ("text", "json"):  # no charts, no points: through the engine and the run cache
        runs: list[Run] = []
        rep = analyze_inputs(
            paths, log_format or forced, keep_all, verbose, options, jobs=jobs, no_cache=no_cache
        ).report
    else:
        runs, rep = load_runs_and_report(paths, log_format or forced, keep_all, verbose, options)
    width, color = terminal_layout(output) if renderer.name == "text" else (160, False)
    emit(renderer, rep, RenderContext(output=output, runs=runs, embed=embed, width=width, color=color))
    finish(rep.errors, bool(rep.runs))


@app.command()
@handle_errors
@with_remote_options
def export(
    paths: InputsArg,
    format: Annotated[str | None, format_option(EXPORT_RENDERERS)] = None,
    output: OutputOpt = None,
    log_format: LogFormatOpt = None,
    keep_all: KeepAllOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Every point of every run as one tidy table: run, metric, split, step, epoch, value, wall_time, tag.

    Values are written at full precision (a float32 from a log round-trips exactly).
    """
    renderer, forced = split_format(format, EXPORT_RENDERERS)
    check_output(renderer, output)  # before reading: a mistake should cost nothing
    found = load_runs(paths, log_format or forced, keep_all, verbose)
    emit(renderer, found.runs, RenderContext(output=output))
    finish(found.errors, bool(found.runs))


@app.command()
@handle_errors
def formats() -> None:
    """List every log format losslog reads, the files it matches, and an example."""
    from losslog.readers import registry

    lines = []
    for r in registry.all_readers():
        kind = "folder" if r.reads_dirs else "file"
        lines.append(f"{r.name}  ({kind}) {r.description}")
        lines.append(f"    matches: {', '.join(r.patterns)}")
        lines.append(f"    example: {r.example}")
        lines.append("")
    lines.append("Detection is automatic (file name and first bytes); force a format with --log-format NAME.")
    write_output("\n".join(lines) + "\n", None)
