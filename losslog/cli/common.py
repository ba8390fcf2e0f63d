"""Options shared by the commands that read runs (report, export, compare, plot, check).

Declaring each option once keeps their names, help texts and validation identical everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer

from losslog.analysis import AnalysisOptions
from losslog.errors import UsageError
from losslog.naming import Goal
from losslog.output import write_output

__all__ = ["write_output"]

PathsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Log files or folders (folders are walked; every log found is a run).", show_default=False, metavar="PATH"
    ),
]
LogFormatOpt = Annotated[
    str | None,
    typer.Option("--log-format", "-F", help="Force the input format (see `losslog formats`) instead of detecting it."),
]
KeepAllOpt = Annotated[
    bool,
    typer.Option("--keep-all", help="Keep points that a resumed/appended log wrote again for the same steps."),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="List files that were skipped as not logs.")]
SmoothOpt = Annotated[
    float,
    typer.Option("--smooth", min=0.0, max=0.999, help="TensorBoard smoothing weight used to judge curves (0 = raw)."),
]
MonitorOpt = Annotated[
    str | None,
    typer.Option("--monitor", help="Metric that picks the best checkpoint (default: the validation loss)."),
]
ModeOpt = Annotated[
    str | None, typer.Option("--mode", help="min or max: the goal of --monitor when its name does not tell.")
]
GoalOpt = Annotated[
    list[str] | None,
    typer.Option("--goal", help="NAME=min|max: override whether a metric is minimized or maximized (repeatable)."),
]
PatienceOpt = Annotated[
    int, typer.Option("--patience", min=0, help="Evaluations after the best before overfitting can be called.")
]
MinDeltaOpt = Annotated[
    float, typer.Option("--min-delta", min=0.0, help="Relative improvement below which a change does not count.")
]
ClassesOpt = Annotated[
    int | None, typer.Option("--classes", min=2, help="Number of classes, for chance-level checks (else inferred).")
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of standard output.")
]


def parse_goals(items: list[str] | None) -> dict[str, Goal]:
    goals: dict[str, Goal] = {}
    for item in items or []:
        name, sep, goal = item.partition("=")
        goal = goal.strip().lower()
        if not sep or not name.strip() or goal not in ("min", "max"):
            raise UsageError(f"--goal {item!r}: expected NAME=min or NAME=max")
        goals[name.strip()] = cast(Goal, goal)
    return goals


def parse_mode(mode: str | None) -> Goal | None:
    if mode is None:
        return None
    if mode.lower() not in ("min", "max"):
        raise UsageError(f"--mode {mode!r}: expected min or max")
    return cast(Goal, mode.lower())


def analysis_options(
    smooth: float = 0.6,
    monitor: str | None = None,
    mode: str | None = None,
    goal: list[str] | None = None,
    patience: int = 3,
    min_delta: float = 0.0,
    classes: int | None = None,
) -> AnalysisOptions:
    return AnalysisOptions(
        smooth=smooth,
        monitor=monitor,
        mode=parse_mode(mode),
        goals=parse_goals(goal),
        patience=patience,
        min_delta=min_delta,
        classes=classes,
    )


def split_format(value: str | None, outputs: tuple[str, ...], default: str) -> tuple[str, str | None]:
    """``--format`` names an output format; as a shortcut it may also name an input format.

    Returns (output format, input format or None). Output names win where both exist ("csv").
    """
    if value is None:
        return default, None
    v = value.strip().lower()
    if v in outputs:
        return v, None
    from losslog.readers import registry

    if any(r.name == v for r in registry.all_readers()):
        return default, v
    raise UsageError(
        f"--format {value!r}: expected one of {', '.join(outputs)} (or an input format, see `losslog formats`)"
    )
