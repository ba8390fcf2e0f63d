"""``losslog cache info`` and ``losslog cache clear``: the run cache, seen and emptied."""

from __future__ import annotations

import typer

from losslog.cli.app import app, handle_errors
from losslog.output import write_output

cache_app = typer.Typer(
    name="cache",
    help="The run cache: results of runs already read, so a second compare re-reads only what changed.",
    no_args_is_help=True,
)
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
@handle_errors
def info() -> None:
    """Where the run cache is, how many runs it holds, and its size bound."""
    from losslog.runcache import RunCache

    cache = RunCache()
    i = cache.info()
    cache.close()
    write_output(
        f"folder: {i.folder}\n"
        f"entries: {i.entries}\n"
        f"size: {_mb(i.bytes)} of at most {_mb(i.max_bytes)}\n"
        "set LOSSLOG_CACHE_DIR to move it; --no-cache on report, compare and check bypasses it\n",
        None,
    )


@cache_app.command("clear")
@handle_errors
def clear() -> None:
    """Delete every cached run (the next compare reads every run again)."""
    from losslog.runcache import RunCache

    removed = RunCache().clear()
    write_output(f"removed {removed} cached run{'s' if removed != 1 else ''}\n", None)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"
