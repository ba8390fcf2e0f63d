"""Notifications a user can act on: the ``--on-finding`` hook.

The command line is split with ``shlex.split`` once, when the watch starts, and run without a
shell: nothing from a log (run names, tags, messages) ever becomes part of a command. The finding
reaches the hook as JSON on its standard input. A hook that fails, hangs past its timeout or
cannot be started is a warning on standard error; the watch goes on.
"""

from __future__ import annotations

import json
import math
import shlex
import subprocess
import sys
from typing import Any

from losslog.errors import UsageError
from losslog.watch.events import WatchEvent


def _json_safe(obj: Any) -> Any:
    """NaN and infinity as null: standard JSON has no such numbers."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    return obj


class FindingHook:
    """Runs a command for every new (or newly more severe) finding."""

    def __init__(self, command: str, timeout: float = 30.0) -> None:
        try:
            self.argv = shlex.split(command)
        except ValueError as exc:
            raise UsageError(f"--on-finding {command!r}: {exc}") from None
        if not self.argv:
            raise UsageError("--on-finding: empty command")
        self.timeout = timeout
        self.runs = 0
        self.failures = 0

    def __call__(self, event: WatchEvent) -> str | None:
        """Run the hook for ``event``; a warning to show, or None when it went well."""
        payload = json.dumps(_json_safe(event.to_dict()), sort_keys=True).encode("utf-8")
        self.runs += 1
        try:
            done = subprocess.run(
                self.argv,
                input=payload,
                stdout=sys.stderr.fileno() if _has_fileno() else subprocess.DEVNULL,
                stderr=None,
                timeout=self.timeout,
                shell=False,
                check=False,
            )
        except subprocess.TimeoutExpired:
            self.failures += 1
            return f"--on-finding {self.argv[0]}: still running after {self.timeout:g}s; stopped"
        except OSError as exc:
            self.failures += 1
            return f"--on-finding {self.argv[0]}: cannot run ({exc.strerror or exc})"
        if done.returncode != 0:
            self.failures += 1
            return f"--on-finding {self.argv[0]}: exited with code {done.returncode}"
        return None


def _has_fileno() -> bool:
    try:
        sys.stderr.fileno()
        return True
    except (AttributeError, OSError, ValueError):
        return False
