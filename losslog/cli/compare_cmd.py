"""``losslog compare``: a leaderboard of runs, and optionally the side-by-side chart."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from losslog.analysis import AnalysisOptions
from losslog.analysis.compare import options_for, rank_runs
from losslog.analysis.run_analysis import analyze
from losslog.cli.app import app, handle_errors
from losslog.cli.common import (
    InputsArg,
    KeepAllOpt,
    LogFormatOpt,
    OutputOpt,
    VerboseOpt,
    emit,
    finish,
    format_option,
    split_format,
    with_analysis_options,
    with_remote_options,
    with_scheduler_option,
)
from losslog.cli.loading import JobsOpt, NoCacheOpt, analyze_inputs, load_runs
from losslog.errors import LossLogError
from losslog.output import print_note
from losslog.render.base import RenderContext
from losslog.render.compare_formats import COMPARE_RENDERERS, Comparison, direction
from losslog.report import InputProblem, Report


def compare_report(runs: list[Any], errors: list[LossLogError], options: Any) -> Report:
    """Analyze every run for a comparison: a run lacking ``--monitor`` is kept (ranked last)."""
    analyses = []
    problems = [InputProblem(e.source or "", e.message) for e in errors]
    for run in runs:
        try:
            analyses.append(analyze(run, options_for(run, options)))
        except LossLogError as exc:
            problems.append(InputProblem(run.source, exc.message))
    return Report(tuple(analyses), tuple(problems), options)


@app.command()
@handle_errors
@with_scheduler_option
@with_remote_options
@with_analysis_options()
def compare(
    paths: InputsArg,
    format: Annotated[str | None, format_option(COMPARE_RENDERERS)] = None,
    output: OutputOpt = None,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Also draw the runs side by side, in ranked order (.png, .svg or .pdf)."),
    ] = None,
    raw_csv: Annotated[
        bool,
        typer.Option(
            "--raw-csv",
            help="CSV: write names exactly as logged. By default a name cell starting with = + - @ gets a "
            "leading ' (spreadsheets would run it as a formula) and control characters are shown escaped.",
        ),
    ] = False,
    log_format: LogFormatOpt = None,
    keep_all: KeepAllOpt = False,
    verbose: VerboseOpt = False,
    jobs: JobsOpt = None,
    no_cache: NoCacheOpt = False,
    *,
    options: AnalysisOptions,
) -> None:
    """Rank runs by the best value of the monitored validation metric (default: the validation loss).

    Each run shows where its best value was, its final value, the generalization gap at the best
    point and at the end, and its verdict. Runs that never logged the metric are listed last.
    Exit code 0, or 2 when an input could not be read (the other runs are still ranked).
    """
    renderer, forced = split_format(format, COMPARE_RENDERERS)
    if plot is not None:
        from losslog.render.chart import chart_format

        chart_format(plot)  # a bad extension fails before any reading
    if plot is None:  # no points needed: through the engine and the run cache
        rep = analyze_inputs(
            paths, log_format or forced, keep_all, verbose, options, mode="compare", jobs=jobs, no_cache=no_cache
        ).report
    else:
        found = load_runs(paths, log_format or forced, keep_all, verbose)
        rep = compare_report(found.runs, found.errors, options)
    board = rank_runs(rep.runs, options.monitor, options.mode)
    emit(renderer, Comparison(board, rep), RenderContext(output=output, raw_csv=raw_csv))
    if plot is not None and rep.runs:
        from losslog.render import chart

        by_name = {a.name: a for a in rep.runs}
        ranked = [by_name[n] for n in board.order]
        inputs = chart.chart_inputs(found.runs, ranked, options)
        names = chart.short_names([s.name for s in board.standings], 30 if len(ranked) <= 4 else 22)
        titles = tuple(f"#{s.rank} {n}" if s.rank is not None else f"– {n}" for s, n in zip(board.standings, names))
        opts = chart.ChartOptions(
            smooth=options.smooth,
            title=f"ranked by {board.metric} ({direction(board.goal)})",
            column_titles=titles,
        )
        fig = chart.figure_grid(inputs, opts)
        chart.save_figure(fig, plot)
        print_note(f"wrote {plot}")
    finish(rep.errors, bool(rep.runs))
