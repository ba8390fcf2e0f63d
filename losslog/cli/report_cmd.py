"""``losslog report``, ``losslog export`` and ``losslog formats``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from losslog.cli.app import app, handle_errors, stdout_closed
from losslog.cli.common import (
    ClassesOpt,
    GoalOpt,
    KeepAllOpt,
    LogFormatOpt,
    MinDeltaOpt,
    ModeOpt,
    MonitorOpt,
    OutputOpt,
    PathsArg,
    PatienceOpt,
    SmoothOpt,
    VerboseOpt,
    analysis_options,
    split_format,
    write_output,
)
from losslog.cli.loading import load_runs, load_runs_and_report
from losslog.errors import ExitCode, UsageError
from losslog.model import Run
from losslog.report import Report

REPORT_FORMATS = ("text", "json", "markdown", "html")


def report_exit_code(report: Report) -> int:
    """2 when any input could not be read (the good runs are still reported), else 0."""
    if report.errors or not report.runs:
        return int(ExitCode.BAD_INPUT)
    return int(ExitCode.OK)


def print_errors_to_stderr(report: Report) -> None:
    for e in report.errors:
        typer.echo(f"losslog: error: {e.source}: {e.message}", err=True)


@app.command()
@handle_errors
def report(
    paths: PathsArg,
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="text (default), json, markdown or html.")
    ] = None,
    output: OutputOpt = None,
    embed: Annotated[
        bool, typer.Option("--embed", help="Markdown: embed the chart as base64 instead of a file.")
    ] = False,
    log_format: LogFormatOpt = None,
    keep_all: KeepAllOpt = False,
    smooth: SmoothOpt = 0.6,
    monitor: MonitorOpt = None,
    mode: ModeOpt = None,
    goal: GoalOpt = None,
    patience: PatienceOpt = 3,
    min_delta: MinDeltaOpt = 0.0,
    classes: ClassesOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """What happened in each run: the verdict, the best checkpoint, every metric's trend.

    Exit code 0, or 2 when an input could not be read (the other runs are still reported).
    """
    out_format, forced = split_format(format, REPORT_FORMATS, "text")
    options = analysis_options(smooth, monitor, mode, goal, patience, min_delta, classes)
    runs, rep = load_runs_and_report(paths, log_format or forced, keep_all, verbose, options)
    if out_format == "json":
        from losslog.render.json_render import render_json

        write_output(render_json(rep), output)
        print_errors_to_stderr(rep)
    elif out_format == "markdown":
        from losslog.render.markdown import render_markdown

        charts = _markdown_charts(rep, runs, output, embed)
        write_output(render_markdown(rep, charts), output)
        print_errors_to_stderr(rep)
    elif out_format == "html":
        html = _html_report(rep, runs)
        write_output(html, output)
        print_errors_to_stderr(rep)
    else:
        _text_report(rep, output)
    raise typer.Exit(report_exit_code(rep))


def _text_report(rep: Report, output: Path | None) -> None:
    import io

    from rich.console import Console

    from losslog.render.terminal import render_terminal

    if output is None:
        console = Console(highlight=False, soft_wrap=False)
        if not console.is_terminal:
            console = Console(highlight=False, width=160, no_color=True, soft_wrap=True)
        console.on_broken_pipe = stdout_closed  # type: ignore[method-assign]  # rich would exit 1
        render_terminal(Report(rep.runs, (), rep.options), console)
        print_errors_to_stderr(rep)
        return
    buf = io.StringIO()
    render_terminal(rep, Console(file=buf, width=160, no_color=True, highlight=False, soft_wrap=True))
    write_output(buf.getvalue(), output)
    print_errors_to_stderr(rep)


def _markdown_charts(rep: Report, runs: list[Run], output: Path | None, embed: bool) -> dict[str, str]:
    """Charts for a Markdown report (a PNG beside the output file, or base64 with --embed)."""
    from losslog.render import report_charts

    return report_charts.markdown_charts(rep, output, embed, runs=runs)


def _html_report(rep: Report, runs: list[Run]) -> str:
    from losslog.render.html import render_html

    return render_html(rep, runs=runs)


EXPORT_FORMATS = ("csv", "json", "parquet")


@app.command()
@handle_errors
def export(
    paths: PathsArg,
    format: Annotated[str | None, typer.Option("--format", "-f", help="csv (default), json or parquet.")] = None,
    output: OutputOpt = None,
    log_format: LogFormatOpt = None,
    keep_all: KeepAllOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Every point of every run as one tidy table: run, metric, split, step, epoch, value, wall_time, tag.

    Values are written at full precision (a float32 from a log round-trips exactly).
    """
    out_format, forced = split_format(format, EXPORT_FORMATS, "csv")
    if out_format == "parquet" and output is None:
        raise UsageError("--format parquet needs --output FILE (it is binary)")
    found = load_runs(paths, log_format or forced, keep_all, verbose)
    from losslog.export import write_csv, write_json, write_parquet

    if out_format == "csv":
        write_csv(found.runs, output)
    elif out_format == "parquet":
        assert output is not None
        write_parquet(found.runs, output)
    else:
        write_json(found.runs, output)
    for e in found.errors:
        typer.echo(f"losslog: error: {e}", err=True)
    code = ExitCode.BAD_INPUT if found.errors or not found.runs else ExitCode.OK
    raise typer.Exit(int(code))


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
