"""``losslog plot``: the charts an engineer would draw by hand after a run."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from losslog.analysis import AnalysisOptions
from losslog.cli.app import app, handle_errors
from losslog.cli.common import (
    DEFAULTS,
    InputsArg,
    KeepAllOpt,
    LogFormatOpt,
    VerboseOpt,
    finish,
    with_analysis_options,
    with_remote_options,
)
from losslog.cli.loading import load_runs_and_report
from losslog.errors import UsageError
from losslog.output import print_note
from losslog.render.chart_groups import RunGroup
from losslog.report import Report

ImageOutputOpt = Annotated[
    Path,
    typer.Option("--output", "-o", help="Image file to write; the extension picks the format: .png, .svg or .pdf."),
]
MetricsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--metrics",
        "-m",
        help="Metrics to draw, comma-separated or repeated (loss, val_loss, accuracy, lr ...). Default: "
        "losses, accuracies, other scores and the learning rate.",
    ),
]
PlotSmoothOpt = Annotated[
    float,
    typer.Option(
        "--smooth",
        min=0.0,
        max=0.999,
        help="TensorBoard smoothing weight of the drawn curve, over faint raw points (0 = raw only).",
    ),
]
LogYOpt = Annotated[
    bool, typer.Option("--log-y", help="Logarithmic y axis (learning rates get one when they span decades).")
]
XOpt = Annotated[
    str,
    typer.Option(
        "--x", help="x axis: auto (epochs when every series has one point per epoch, else steps), step, epoch or time."
    ),
]
TitleOpt = Annotated[
    str | None, typer.Option("--title", help="Figure title (default: the run name, or how many runs).")
]
SizeOpt = Annotated[
    str | None,
    typer.Option("--size", help="Figure size in inches, WIDTHxHEIGHT (e.g. 12x8). Default: fits the panels."),
]
DpiOpt = Annotated[
    float | None, typer.Option("--dpi", min=30, max=1200, help="Resolution of PNG output (default 150).")
]

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[x×,]\s*(\d+(?:\.\d+)?)\s*$", re.IGNORECASE)


def parse_size(value: str | None) -> tuple[float, float] | None:
    """``12x8`` -> (12.0, 8.0) inches; anything else is a usage error."""
    if value is None:
        return None
    m = _SIZE_RE.match(value)
    if not m:
        raise UsageError(f"--size {value!r}: expected WIDTHxHEIGHT in inches, e.g. 12x8")
    w, h = float(m.group(1)), float(m.group(2))
    if not (1 <= w <= 200 and 1 <= h <= 200):
        raise UsageError(f"--size {value!r}: width and height must be between 1 and 200 inches")
    return w, h


def parse_metrics(items: list[str] | None) -> tuple[str, ...]:
    """``--metrics loss,accuracy --metrics lr`` -> ("loss", "accuracy", "lr")."""
    out: list[str] = []
    for item in items or []:
        out.extend(p.strip() for p in item.split(",") if p.strip())
    return tuple(dict.fromkeys(out))


@app.command()
@handle_errors
@with_remote_options
@with_analysis_options(exclude=("smooth",))
def plot(
    paths: InputsArg,
    output: ImageOutputOpt,
    overlay: Annotated[
        bool, typer.Option("--overlay", help="Several runs: draw the models in the same panels, one colour each.")
    ] = False,
    metrics: MetricsOpt = None,
    smooth: PlotSmoothOpt = DEFAULTS.smooth,
    log_y: LogYOpt = False,
    x: XOpt = "auto",
    title: TitleOpt = None,
    size: SizeOpt = None,
    dpi: DpiOpt = None,
    log_format: LogFormatOpt = None,
    keep_all: KeepAllOpt = False,
    verbose: VerboseOpt = False,
    *,
    options: AnalysisOptions,
) -> None:
    """Draw the runs: one run gets a panel per kind of metric; several runs go side by side.

    Side by side means one column per model and one row per metric, with a shared y axis per row;
    --overlay draws all models in the same panels instead. The smoothed curve is drawn over faint
    raw points; the best checkpoint, the overfitting stretch, divergence and NaN/inf points are
    marked. Exit code 0, or 2 when an input could not be read (the other runs are still drawn).
    """
    from losslog.render import chart

    chart.chart_format(output)  # an unknown extension fails before any reading
    opts = chart.ChartOptions(
        metrics=parse_metrics(metrics),
        smooth=smooth,
        log_y=log_y,
        x=x.strip().lower(),
        title=title,
        size=parse_size(size),
        dpi=dpi,
    )
    if opts.x not in chart.X_MODES:
        raise UsageError(f"--x {x!r}: expected one of {', '.join(chart.X_MODES)}")
    options = replace(options, smooth=smooth)  # one weight: the drawn curve is the judged curve
    runs, rep = load_runs_and_report(paths, log_format, keep_all, verbose, options)
    if rep.runs:
        inputs = chart.chart_inputs(runs, rep.runs, options)
        groups = seed_groups(rep) if len(inputs) > chart.MAX_CELLS and not overlay else []
        plan = chart.plan_for(inputs, opts, overlay=overlay, groups=groups)
        chart.save_figure(chart.draw(plan), output, dpi)
        said = f"; {plan.note}" if plan.note else ""
        print_note(f"wrote {output} ({len(inputs)} run{'s' if len(inputs) != 1 else ''}{said})")
    finish(rep.errors, bool(rep.runs))


def seed_groups(rep: Report) -> list[RunGroup]:
    """Runs that differ only in a seed-like hyperparameter, as chart groups (the sweep table's
    automatic grouping); none when the runs carry no hyperparameters or ranking is impossible."""
    from losslog.analysis.compare import rank_runs
    from losslog.cli.compare_cmd import sweep_table
    from losslog.render.compare_charts import groups_of
    from losslog.sweep import SweepSpec

    try:
        board = rank_runs(rep.runs, rep.options.monitor, rep.options.mode)
    except UsageError:
        return []  # the direction is unknown: no groups, the plan ranks what it can
    return groups_of(sweep_table(board, rep, SweepSpec()))
