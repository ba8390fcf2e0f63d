"""Errors and exit codes.

Every error a user can cause is a ``LossLogError`` carrying its exit code, so the CLI has exactly
one place that turns exceptions into exit codes and one-line messages (the httpie pattern).
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Stable, documented process exit codes."""

    OK = 0
    GATE_FAILED = 1  # a check/--fail-on/--assert rule failed (only when the user asked for one)
    BAD_INPUT = 2  # usage error, missing or unreadable input, format nobody reads
    INTERNAL = 3  # a bug in losslog; please report it with --traceback
    INTERRUPTED = 130


class LossLogError(Exception):
    """Base of every error that is the input's or the user's fault, never a bug."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, source: str | Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = str(source) if source is not None else None

    def __str__(self) -> str:
        if self.source:
            return f"{self.source}: {self.message}"
        return self.message


class UsageError(LossLogError):
    """Bad options or arguments."""


class InputError(LossLogError):
    """A path that cannot be read: missing, empty, unreadable, not a log."""


class UnknownFormatError(InputError):
    """No reader claims the file."""


class ParseError(InputError):
    """A reader claimed the file but its content is malformed.

    ``line`` is the 1-based line (or record) where the problem is, when known.
    """

    def __init__(self, message: str, source: str | Path | None = None, line: int | None = None) -> None:
        if line is not None:
            message = f"line {line}: {message}"
        super().__init__(message, source)
        self.line = line


class OutputError(LossLogError):
    """The output could not be written (a full disk, a closed terminal): the environment's fault, not a bug."""


def outcome_exit_code(*, input_errors: bool, runs_found: bool, gate_passed: bool | None = None) -> ExitCode:
    """The one rule for every command that reads runs.

    An input that could not be read, or no run at all, wins (2): a gate must never pass on what it
    did not see. Then a failed gate (1, only when a gate was asked for), else 0.
    """
    if input_errors or not runs_found:
        return ExitCode.BAD_INPUT
    if gate_passed is False:
        return ExitCode.GATE_FAILED
    return ExitCode.OK
