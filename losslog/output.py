"""Writing a finished output to a file or standard output, and the lines losslog says on stderr.

Every stderr line (an error, a warning, a note, progress) is built here, and every name in it goes
through ``safe_text``: file and run names come from strangers, and a terminal or a CI runner obeys
control sequences and reads ``::error::`` at the start of a line. Writing cannot fail with a
traceback: a full disk or an unwritable file is an ``OutputError`` (exit 2); a reader that went
away (``| head``) is ``BrokenPipeError``, which the CLI turns into a quiet exit 0.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from losslog.errors import OutputError
from losslog.sanitize import safe_text

PREFIX = "losslog"


class Problem(Protocol):
    """An input that could not be read (``report.InputProblem``, or a ``LossLogError``)."""

    @property
    def source(self) -> str | None: ...

    @property
    def message(self) -> str: ...


def _detach_stdout() -> None:
    """Point standard output at /dev/null so the interpreter's last flush cannot fail again on exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


@contextmanager
def stdout_guard() -> Iterator[None]:
    """Writing to standard output: a failure other than a closed pipe becomes an OutputError."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        _detach_stdout()
        raise OutputError(f"cannot write to standard output: {exc.strerror or exc}") from None


def write_output(data: str | bytes, output: Path | None) -> None:
    """Standard output when ``output`` is None; otherwise the file (its folder created)."""
    if output is None:
        with stdout_guard():
            if isinstance(data, bytes):
                sys.stdout.flush()
                sys.stdout.buffer.write(data)
            else:
                sys.stdout.write(data)
            sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            output.write_bytes(data)
        else:
            output.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {safe_text(output)}: {exc.strerror or exc}") from None


def say(kind: str, message: object) -> None:
    """One ``losslog: <kind>: <message>`` line on stderr, control characters made visible."""
    line = f"{PREFIX}: {kind}: {safe_text(message)}\n" if kind else f"{safe_text(message)}\n"
    try:
        sys.stderr.write(line)
        sys.stderr.flush()
    except (OSError, ValueError):  # nowhere left to complain to
        pass


def print_error(message: object) -> None:
    say("error", message)


def print_warning(message: object) -> None:
    say("warning", message)


def print_note(message: object) -> None:
    """A plain progress line (``wrote chart.png``): no prefix, still sanitized."""
    say("", message)


def print_input_errors(problems: Iterable[Problem]) -> None:
    """The one place an unreadable input is told on stderr: ``losslog: error: <file>: <problem>``."""
    for p in problems:
        print_error(f"{p.source}: {p.message}" if p.source else p.message)
