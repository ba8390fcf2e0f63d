"""The one shape of an output format: ``Renderer(name, help, render)``.

Every format of every command (report text/json/markdown/html, compare text/json/markdown/csv,
check text/json/github/markdown, export csv/json/parquet) is a ``Renderer`` listed in its command's
table (``REPORT_RENDERERS`` ...). The table is the single source of ``--format``'s choices, its
help text and the dispatch, so adding a format is one function and one row (dvc-render's model).

``render(result, ctx)`` returns the finished output, text or bytes, which the command writes to
``ctx.output`` or standard output. A renderer that streams a large table itself (export) writes
to ``ctx.output`` and returns None.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from losslog.errors import UsageError

if TYPE_CHECKING:
    from losslog.model import Run

R = TypeVar("R")


@dataclass(frozen=True)
class RenderContext:
    """Everything a renderer may need besides the result itself."""

    #: the file the output goes to; None = standard output
    output: Path | None = None
    #: the runs' points, for the formats that draw charts (a Report keeps analyses, not points)
    runs: Sequence[Run] = ()
    #: Markdown: embed charts as base64 instead of writing PNG files beside the output
    embed: bool = False
    #: list every rule and skipped file, not just the failures
    verbose: bool = False
    #: terminal text: the width to lay out for, and whether colour/styles are written
    width: int = 160
    color: bool = False
    #: CSV: write name cells exactly as logged (no spreadsheet formula neutralization)
    raw_csv: bool = False
    #: GitHub annotations: the folder that ``file=`` paths are made relative to
    workspace: Path | None = None


RenderFn = Callable[[R, RenderContext], "str | bytes | None"]


@dataclass(frozen=True)
class Renderer(Generic[R]):
    """One output format: its ``--format`` name, a few words for ``--help``, and the function."""

    name: str
    help: str
    render: RenderFn[R]
    #: binary output (Parquet) cannot go to a terminal: it needs ``--output FILE``
    needs_file: bool = False


def format_names(table: Sequence[Renderer[R]]) -> tuple[str, ...]:
    return tuple(r.name for r in table)


def format_help(table: Sequence[Renderer[R]]) -> str:
    """``--format``'s help: the first row is the default."""
    parts = [f"{r.name} ({r.help}{', default' if i == 0 else ''})" for i, r in enumerate(table)]
    return "Output format: " + "; ".join(parts) + "."


def pick(table: Sequence[Renderer[R]], name: str) -> Renderer[R]:
    for r in table:
        if r.name == name:
            return r
    raise UsageError(f"--format {name!r}: expected one of {', '.join(format_names(table))}")
