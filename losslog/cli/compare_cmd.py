"""``losslog compare``: a leaderboard of runs with their hyperparameters (a sweep table: filtered,
sorted, grouped), and optionally the side-by-side chart."""

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
from losslog.hparams import fold_hparams_sessions
from losslog.output import print_note, print_warning
from losslog.render.base import RenderContext
from losslog.render.compare_formats import COMPARE_RENDERERS, Comparison
from losslog.report import InputProblem, Report
from losslog.sweep import SweepTable, build_sweep, parse_sweep_spec

#: hyperparameter warnings printed before the rest are counted in one line
MAX_HPARAM_WARNINGS = 5


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
        typer.Option("--plot", help="Also draw the table's runs side by side, in its order (.png, .svg or .pdf)."),
    ] = None,
    raw_csv: Annotated[
        bool,
        typer.Option(
            "--raw-csv",
            help="CSV: write names exactly as logged. By default a name cell starting with = + - @ gets a "
            "leading ' (spreadsheets would run it as a formula) and control characters are shown escaped.",
        ),
    ] = False,
    group_by: Annotated[
        list[str] | None,
        typer.Option(
            "--group-by",
            metavar="NAMES",
            help="Group runs by these hyperparameters (comma-separated or repeated): mean ± std and n of the "
            "best and final monitored metric, verdicts counted. Default: runs that differ only in a seed-like "
            "parameter (seed, random_seed, run, trial, rep, repeat ...) are grouped; 'none' turns that off.",
        ),
    ] = None,
    top: Annotated[int | None, typer.Option("--top", metavar="N", help="Show only the first N runs.")] = None,
    sort: Annotated[
        str | None,
        typer.Option(
            "--sort",
            metavar="METRIC[:best|last]",
            help="Sort by a metric's best (default) or last value, in its own direction, or by a "
            "hyperparameter (ascending). Default: the monitored metric's best.",
        ),
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(
            "--where",
            metavar="EXPR",
            help="Keep runs matching FIELD OP VALUE (OP: == != < <= > >=), e.g. 'lr<0.01', 'optimizer==adam', "
            "'verdict!=divergence', 'best<=0.3'; repeat to require several. Parsed, never evaluated.",
        ),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            metavar="NAMES",
            help="The columns to show, comma-separated: rank, run, best, best_epoch, best_step, last, "
            "gap_at_best, gap_last, verdict, format, source, a hyperparameter, or METRIC:best|last.",
        ),
    ] = None,
    all_hparams: Annotated[
        bool,
        typer.Option("--all-hparams", help="Show every hyperparameter, also those the same in every run."),
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
    point and at the end, its verdict, and the hyperparameters that differ between runs (read from
    hparams.yaml, params.yaml, args.yaml, config.yaml, MLflow params, TensorBoard HParams, Hydra
    overrides, key=value folder names ...). Runs that never logged the metric are listed last.
    Exit code 0, or 2 when an input could not be read (the other runs are still ranked).
    """
    renderer, forced = split_format(format, COMPARE_RENDERERS)
    spec = parse_sweep_spec(group_by, where or (), sort, top, columns, all_hparams)  # typos fail before reading
    if plot is not None:
        from losslog.render.chart import chart_format

        chart_format(plot)  # a bad extension fails before any reading
    if plot is None and renderer.name != "html":  # no points needed: the engine and the run cache
        runs: list[Any] = []
        batch = analyze_inputs(
            paths, log_format or forced, keep_all, verbose, options, mode="compare", jobs=jobs, no_cache=no_cache
        ).report
        rep = Report(tuple(fold_hparams_sessions(batch.runs)), batch.errors, batch.options)
    else:
        found = load_runs(paths, log_format or forced, keep_all, verbose)
        found.runs = runs = fold_hparams_sessions(found.runs)
        rep = compare_report(found.runs, found.errors, options)
    board = rank_runs(rep.runs, options.monitor, options.mode)
    table = sweep_table(board, rep, spec)
    emit(renderer, Comparison(board, rep, table), RenderContext(output=output, runs=runs, raw_csv=raw_csv))
    if plot is not None and len(table.frame):
        from losslog.render.chart import save_figure
        from losslog.render.compare_charts import compare_figure

        fig, left_out = compare_figure(Comparison(board, rep, table), runs)
        save_figure(fig, plot)
        print_note(f"wrote {plot}" + (f"; {left_out}" if left_out else ""))
    finish(rep.errors, bool(rep.runs))


def sweep_table(board: Any, rep: Report, spec: Any) -> SweepTable:
    """The sweep table: each analyzed run's hyperparameters beside its standing; warnings about
    hyperparameter files said on stderr (a few, then a count)."""
    from losslog.hparams import hparams_for

    hparams = {}
    warnings: list[str] = []
    listings: dict[str, frozenset[str]] = {}  # folder listings shared by the runs
    for analysis in rep.runs:
        found = hparams_for(analysis, listings)
        hparams[analysis.name] = found.values
        warnings.extend(found.warnings)
    unique = list(dict.fromkeys(warnings))
    for w in unique[:MAX_HPARAM_WARNINGS]:
        print_warning(w)
    if len(unique) > MAX_HPARAM_WARNINGS:
        print_warning(f"{len(unique) - MAX_HPARAM_WARNINGS} more warning(s) about hyperparameter files")
    table = build_sweep(board, rep.runs, hparams, spec)
    table.warnings.extend(unique)
    return table
