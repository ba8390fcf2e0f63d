"""Writing a finished text to a file or standard output, with one error for an unwritable path."""

from __future__ import annotations

import sys
from pathlib import Path

from losslog.errors import UsageError


def write_output(text: str, output: Path | None) -> None:
    """Standard output when ``output`` is None; otherwise the file (its folder created)."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
