"""Options shared by the commands that read runs (report, export, compare, plot, check).

The analysis options are not written here: ``with_analysis_options`` adds one command-line option
per user-settable field of ``AnalysisOptions`` (its flag, help, range and default come from the
field) and hands the command a built ``AnalysisOptions``. A new analysis option is therefore one
field in ``analysis/options.py``; every command and the config file get it from there.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar, cast

import typer

from losslog.analysis import AnalysisOptions
from losslog.analysis.options import param_name, user_options
from losslog.errors import UsageError, outcome_exit_code
from losslog.naming import Goal
from losslog.output import Problem, print_input_errors, stdout_guard, write_output
from losslog.render.base import RenderContext, Renderer, format_help, format_names

__all__ = ["write_output"]

#: every default, written once in ``AnalysisOptions``
DEFAULTS = AnalysisOptions()

PathsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Log files or folders on this machine (folders are walked; every log found is a run; "
        "URLs of object storage are read by report, compare, plot, check and export, not here).",
        show_default=False,
        metavar="PATH",
    ),
]
#: the inputs of report, compare, plot, check and export: paths or URLs (kept as text: ``Path``
#: would fold the ``//`` of ``s3://``)
InputsArg = Annotated[
    list[str],
    typer.Argument(
        help="Log files or folders (folders are walked; every log found is a run), or URLs of them in "
        "object storage: s3://, gs://, az://, https:// ... (needs losslog[s3], [gcs], [azure] or [remote]).",
        show_default=False,
        metavar="PATH",
    ),
]
LogFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--log-format",
        "-F",
        metavar="NAME",
        help="Force the input format (see `losslog formats`) instead of detecting it.",
    ),
]
KeepAllOpt = Annotated[
    bool,
    typer.Option(
        "--keep-all/--no-keep-all", help="Keep points that a resumed/appended log wrote again for the same steps."
    ),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="List files that were skipped as not logs.")]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of standard output.")
]


def format_option(table: Sequence[Renderer[Any]]) -> Any:
    """``--format``: its help lists the renderers of the command's table (the first is the default)."""
    return typer.Option("--format", "-f", metavar="FORMAT", help=format_help(table))


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


#: fields whose command-line text needs parsing into the field's value (the others are as typed)
_PARSERS: dict[str, Callable[[Any], Any]] = {"goals": parse_goals, "mode": parse_mode}


def analysis_options(**given: Any) -> AnalysisOptions:
    """``AnalysisOptions`` from command-line values keyed by parameter name (``min_delta``, ``goal``);
    an absent key keeps the field's default."""
    values: dict[str, Any] = {}
    for f in user_options():
        name = param_name(f)
        if name in given:
            values[f.name] = _PARSERS.get(f.name, lambda v: v)(given[name])
    return AnalysisOptions(**values)


def _cli_parameter(f: Any) -> inspect.Parameter:
    m = f.metadata
    value_type: Any = m["value"]
    default = f.default if f.default is not f.default_factory else None
    if m["repeat"]:
        annotation: Any = list[value_type] | None
        default = None
    elif default is None:
        annotation = value_type | None
    else:
        annotation = value_type
    opt = typer.Option(m["flag"], help=m["help"], min=m["min"], max=m["max"], metavar=m["metavar"])
    return inspect.Parameter(
        param_name(f), inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[annotation, opt]
    )


F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R")


def with_analysis_options(exclude: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Give the command one option per user-settable ``AnalysisOptions`` field, and pass it
    ``options: AnalysisOptions`` built from them (``exclude``: parameters the command declares
    itself, e.g. plot's ``--smooth``, which also smooths the drawn curve)."""

    def decorate(func: F) -> F:
        sig = inspect.signature(func, eval_str=True)  # typer reads real annotations from __signature__
        own = [p for p in sig.parameters.values() if p.name != "options"]
        added = [_cli_parameter(f) for f in user_options() if param_name(f) not in exclude]
        names = [p.name for p in added]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            given = {n: kwargs.pop(n) for n in names if n in kwargs}
            return func(*args, options=analysis_options(**given), **kwargs)

        wrapper.__signature__ = sig.replace(parameters=own + added)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in own + added if p.annotation is not p.empty}
        return cast(F, wrapper)

    return decorate


#: where ``with_remote_options`` leaves the ``StorageOptions`` for the loading code (click's context)
STORAGE_META = "losslog.storage"
_REMOTE_PARAMS = (
    inspect.Parameter(
        "anon",
        inspect.Parameter.KEYWORD_ONLY,
        default=False,
        annotation=Annotated[
            bool, typer.Option("--anon", help="Object storage: read without credentials (public buckets).")
        ],
    ),
    inspect.Parameter(
        "endpoint_url",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            str | None,
            typer.Option(
                "--endpoint-url", metavar="URL", help="Object storage: an S3-compatible server (MinIO, Ceph ...)."
            ),
        ],
    ),
    inspect.Parameter(
        "storage_option",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            list[str] | None,
            typer.Option(
                "--storage-option",
                metavar="KEY=VALUE",
                help="Object storage: an fsspec option of the file system (repeatable; dotted keys nest: "
                "client_kwargs.region_name=eu-west-1).",
            ),
        ],
    ),
)


def with_remote_options(func: F) -> F:
    """Give a reading command ``--anon``, ``--endpoint-url`` and ``--storage-option``; their
    ``StorageOptions`` go on click's context (``STORAGE_META``), where the loading code finds them."""
    sig = inspect.signature(func, eval_str=True)
    own = list(sig.parameters.values())
    names = [p.name for p in _REMOTE_PARAMS]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from losslog.cli.app import current_click_context
        from losslog.remote.storage import make_options

        given = {n: kwargs.pop(n) for n in names if n in kwargs}
        ctx = current_click_context()
        if ctx is not None:
            ctx.meta[STORAGE_META] = make_options(
                bool(given.get("anon")), given.get("endpoint_url"), given.get("storage_option")
            )
        return func(*args, **kwargs)

    keyword = [p for p in own if p.kind is inspect.Parameter.KEYWORD_ONLY]
    positional = [p for p in own if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    params = positional + keyword + list(_REMOTE_PARAMS)
    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params if p.annotation is not p.empty}
    return cast(F, wrapper)


#: where ``with_scheduler_option`` leaves ``--scheduler`` for the loading code
SCHEDULER_META = "losslog.scheduler"
_SCHEDULER = inspect.Parameter(
    "scheduler",
    inspect.Parameter.KEYWORD_ONLY,
    default=None,
    annotation=Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Read and analyse the runs on a Dask cluster: tcp://HOST:PORT of its scheduler, or 'local' for a "
            "LocalCluster on this machine (default: $LOSSLOG_SCHEDULER, else this machine's processes). "
            "Needs losslog[dask].",
        ),
    ],
)


def with_scheduler_option(func: F) -> F:
    """Give a command that reads through the engine ``--scheduler`` (left on click's context)."""
    sig = inspect.signature(func, eval_str=True)
    own = list(sig.parameters.values())

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from losslog.cli.app import current_click_context

        scheduler = kwargs.pop("scheduler", None)
        ctx = current_click_context()
        if ctx is not None:
            ctx.meta[SCHEDULER_META] = scheduler
        return func(*args, **kwargs)

    keyword = [p for p in own if p.kind is inspect.Parameter.KEYWORD_ONLY]
    positional = [p for p in own if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    params = [*positional, *keyword, _SCHEDULER]
    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params if p.annotation is not p.empty}
    return cast(F, wrapper)


def split_format(value: str | None, outputs: Sequence[Renderer[Any]]) -> tuple[Renderer[Any], str | None]:
    """``--format`` names an output format; as a shortcut it may also name an input format.

    Returns (the renderer, input format or None); no value is the table's first row. Output names
    win where both exist ("csv").
    """
    if value is None:
        return outputs[0], None
    v = value.strip().lower()
    for r in outputs:
        if r.name == v:
            return r, None
    from losslog.readers import registry

    if any(r.name == v for r in registry.all_readers()):
        return outputs[0], v
    raise UsageError(
        f"--format {value!r}: expected one of {', '.join(format_names(outputs))} "
        "(or an input format, see `losslog formats`)"
    )


def check_output(renderer: Renderer[Any], output: Path | None) -> None:
    """A binary format cannot go to standard output (checked before any reading)."""
    if renderer.needs_file and output is None:
        raise UsageError(f"--format {renderer.name} needs --output FILE (it is binary)")


def emit(renderer: Renderer[R], result: R, ctx: RenderContext) -> None:
    """Render ``result`` and write it to ``ctx.output`` (or standard output): the one dispatch."""
    check_output(renderer, ctx.output)
    if ctx.output is None:
        with stdout_guard():  # a streaming renderer writes standard output itself
            data = renderer.render(result, ctx)
    else:
        data = renderer.render(result, ctx)
    if data is not None:
        write_output(data, ctx.output)


def finish(problems: Iterable[Problem], runs_found: bool, gate_passed: bool | None = None) -> NoReturn:
    """Every command that reads runs ends here: unreadable inputs said once on stderr, then the
    exit code from ``outcome_exit_code`` (2 for any unreadable input or no run, 1 for a failed gate)."""
    problems = list(problems)
    print_input_errors(problems)
    code = outcome_exit_code(input_errors=bool(problems), runs_found=runs_found, gate_passed=gate_passed)
    raise typer.Exit(int(code))


def terminal_layout(output: Path | None) -> tuple[int, bool]:
    """(width, colour) for terminal text: the terminal's own when standard output is one, else a
    fixed 160 columns without colour (files and pipes read the same everywhere)."""
    if output is None:
        from rich.console import Console

        console = Console()
        if console.is_terminal:
            return console.width, True
    return 160, False
