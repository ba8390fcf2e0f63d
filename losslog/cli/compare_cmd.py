"""``losslog compare``: a leaderboard of runs, and optionally the side-by-side chart."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from losslog.analysis.compare import Leaderboard, options_for, rank_runs
from losslog.analysis.run_analysis import analyze
from losslog.cli.app import app, handle_errors
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
from losslog.cli.loading import load_runs
from losslog.errors import ExitCode, LossLogError
from losslog.report import SCHEMA_VERSION, InputProblem, Report, run_to_dict

COMPARE_FORMATS = ("text", "json", "markdown", "csv")
CSV_FIELDS = (
    "rank",
    "name",
    "source",
    "metric",
    "goal",
    "best",
    "best_step",
    "best_epoch",
    "final",
    "gap_at_best",
    "gap_last",
    "verdict",
    "note",
)


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


def compare_to_dict(board: Leaderboard, rep: Report) -> dict[str, Any]:
    """The JSON form: the leaderboard, and the runs in ranked order in the report's run shape."""
    by_name = {r.name: r for r in rep.runs}
    runs = []
    for s in board.standings:
        d = run_to_dict(by_name[s.name])
        d["rank"] = s.rank
        runs.append(d)
    return {
        "schema_version": SCHEMA_VERSION,
        "ranked_by": {"metric": board.metric, "goal": board.goal},
        "leaderboard": [s.to_dict() for s in board.standings],
        "runs": runs,
        "errors": [e.to_dict() for e in rep.errors],
    }


def _direction(goal: str | None) -> str:
    return {"min": "lower is better", "max": "higher is better"}.get(goal or "", "direction unknown")


def _at(step: float | None, epoch: float | None) -> str:
    from losslog.render.words import x_label

    return x_label(step, epoch)


def _gap(a: float | None, b: float | None) -> str:
    from losslog.render.words import num

    if a is None and b is None:
        return "–"
    return f"{num(a, 3)} → {num(b, 3)}"


def render_text(board: Leaderboard, output: Path | None) -> str:
    """The leaderboard as a table for a person."""
    from rich.console import Console
    from rich.table import Table

    from losslog.render.words import num

    buf = io.StringIO()
    console = Console(file=buf, width=160, no_color=True, highlight=False)
    console.print(f"ranked by {board.metric or '(nothing)'} ({_direction(board.goal)}), best first")
    table = Table(box=None, padding=(0, 1), header_style="bold", show_edge=False)
    for col, justify in (
        ("#", "right"),
        ("run", "left"),
        (f"best {board.metric or ''}".strip(), "right"),
        ("at", "left"),
        ("final", "right"),
        ("loss gap best → end", "right"),
        ("verdict", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for s in board.standings:
        table.add_row(
            str(s.rank) if s.rank is not None else "–",
            s.name,
            num(s.best),
            _at(s.best_step, s.best_epoch) if s.best is not None else "–",
            num(s.final),
            _gap(s.gap_at_best, s.gap_last),
            s.verdict + (f" ({s.note})" if s.note else ""),
        )
    console.print(table)
    return buf.getvalue()


def render_markdown(board: Leaderboard) -> str:
    """The leaderboard as a Markdown table (names escaped: they cannot break the table)."""
    from losslog.render.markdown import md_escape
    from losslog.render.words import num

    metric = md_escape(board.metric or "(nothing)")
    lines = [
        "## losslog compare",
        "",
        f"Ranked by **{metric}** ({_direction(board.goal)}), best first.",
        "",
        f"| # | run | best {metric} | at | final | loss gap best → end | verdict |",
        "|--:|---|--:|---|--:|--:|---|",
    ]
    for s in board.standings:
        verdict = md_escape(s.verdict + (f" ({s.note})" if s.note else ""))
        lines.append(
            "| "
            + " | ".join(
                [
                    str(s.rank) if s.rank is not None else "–",
                    md_escape(s.name),
                    num(s.best),
                    _at(s.best_step, s.best_epoch) if s.best is not None else "–",
                    num(s.final),
                    _gap(s.gap_at_best, s.gap_last),
                    verdict,
                ]
            )
            + " |"
        )
    lines.append("")
    return "\n".join(lines)


def render_csv(board: Leaderboard) -> str:
    """One row per run, ranked order, full-precision numbers (empty where unknown)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for s in board.standings:
        d = s.to_dict()
        writer.writerow(
            {k: ("" if d[k] is None else repr(d[k]) if isinstance(d[k], float) else d[k]) for k in CSV_FIELDS}
        )
    return buf.getvalue()


@app.command()
@handle_errors
def compare(
    paths: PathsArg,
    format: Annotated[str | None, typer.Option("--format", "-f", help="text (default), json, markdown or csv.")] = None,
    output: OutputOpt = None,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Also draw the runs side by side, in ranked order (.png, .svg or .pdf)."),
    ] = None,
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
    """Rank runs by the best value of the monitored validation metric (default: the validation loss).

    Each run shows where its best value was, its final value, the generalization gap at the best
    point and at the end, and its verdict. Runs that never logged the metric are listed last.
    Exit code 0, or 2 when an input could not be read (the other runs are still ranked).
    """
    out_format, forced = split_format(format, COMPARE_FORMATS, "text")
    if plot is not None:
        from losslog.render.chart import chart_format

        chart_format(plot)  # a bad extension fails before any reading
    options = analysis_options(smooth, monitor, mode, goal, patience, min_delta, classes)
    found = load_runs(paths, log_format or forced, keep_all, verbose)
    rep = compare_report(found.runs, found.errors, options)
    board = rank_runs(rep.runs, options.monitor, options.mode)
    if out_format == "json":
        text = json.dumps(compare_to_dict(board, rep), indent=2, allow_nan=False) + "\n"
    elif out_format == "markdown":
        text = render_markdown(board)
    elif out_format == "csv":
        text = render_csv(board)
    else:
        text = render_text(board, output)
    write_output(text, output)
    for e in rep.errors:
        typer.echo(f"losslog: error: {e.source}: {e.message}", err=True)
    if plot is not None and rep.runs:
        from losslog.render import chart

        by_name = {a.name: a for a in rep.runs}
        ranked = [by_name[n] for n in board.order]
        inputs = chart.chart_inputs(found.runs, ranked, options)
        names = chart.short_names([s.name for s in board.standings], 30 if len(ranked) <= 4 else 22)
        titles = tuple(f"#{s.rank} {n}" if s.rank is not None else f"– {n}" for s, n in zip(board.standings, names))
        opts = chart.ChartOptions(
            smooth=smooth,
            title=f"ranked by {board.metric} ({_direction(board.goal)})",
            column_titles=titles,
        )
        fig = chart.figure_grid(inputs, opts)
        chart.save_figure(fig, plot)
        typer.echo(f"wrote {plot}", err=True)
    code = ExitCode.BAD_INPUT if rep.errors or not rep.runs else ExitCode.OK
    raise typer.Exit(int(code))
