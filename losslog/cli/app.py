"""The typer app, its global options, and the one place where errors become exit codes.

Commands live in sibling modules (report_cmd, plot_cmd, check_cmd ...) and register themselves on
``app``; each is wrapped in ``handle_errors`` so that CliRunner tests and the real console script
behave identically.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from losslog import __version__
from losslog.errors import ExitCode, LossLogError
from losslog.output import print_error

app = typer.Typer(
    name="losslog",
    help=(
        "Read training logs (CSV, JSON, TensorBoard ...), say what happened, and gate CI on it.\n\n"
        "Exit codes: 0 fine; 1 a gate failed (check, --fail-on, --assert); "
        "2 usage error or unreadable input; 3 internal error."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass(frozen=True)
class AppContext:
    """The global options, carried on click's context (``ctx.obj``) rather than in module state,
    so two invocations in one process (tests, a library caller) cannot leak settings."""

    traceback: bool = False


def current_click_context() -> Any:
    """click's current context: typer >= 0.25 vendors click, older versions use the click package."""
    try:
        from typer._click.globals import get_current_context
    except ImportError:  # pragma: no cover - typer < 0.25
        from click import get_current_context  # type: ignore[import-not-found,no-redef,unused-ignore]
    return get_current_context(silent=True)


def app_context() -> AppContext:
    """The running command's AppContext (defaults outside a command, e.g. a direct call in a test)."""
    ctx = current_click_context()
    obj = ctx.find_object(AppContext) if ctx is not None else None
    return obj if obj is not None else AppContext()


F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: ExitCode = ExitCode.BAD_INPUT) -> typer.Exit:
    """Print a one-line error on stderr and return the Exit to raise."""
    print_error(message)
    return typer.Exit(int(code))


def handle_errors(func: F) -> F:
    """Turn LossLogError into a one-line message and its exit code; bugs into exit 3.

    ``--traceback`` lets every exception through with its stack, for bug reports.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except LossLogError as exc:
            if app_context().traceback:
                raise
            raise fail(str(exc), exc.exit_code) from None
        except KeyboardInterrupt:
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except BrokenPipeError:
            stdout_closed()
        except Exception as exc:
            if app_context().traceback:
                raise
            raise fail(
                f"internal error ({type(exc).__name__}: {exc}); rerun with --traceback and report it",
                ExitCode.INTERNAL,
            ) from None

    return wrapper  # type: ignore[return-value]


def stdout_closed() -> NoReturn:
    """The reader of our output went away (``losslog report ... | head``): stop quietly, exit 0.

    Standard output is pointed at /dev/null first, so the interpreter's final flush cannot fail
    with a second BrokenPipeError on the way out (Python's documented recipe).
    """
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    raise typer.Exit(int(ExitCode.OK))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"losslog {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    ctx: typer.Context,
    traceback: Annotated[bool, typer.Option("--traceback", help="Show the full Python traceback on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """losslog: training-log analyzer."""
    ctx.obj = AppContext(traceback=traceback)


def main() -> None:
    """Console-script entry point."""
    from losslog.cli import commands  # noqa: F401  (registers the commands)

    try:
        app(prog_name="losslog")
    except KeyboardInterrupt:
        sys.exit(int(ExitCode.INTERRUPTED))
