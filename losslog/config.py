"""Gate rules from a file, so the CI line stays ``losslog check``.

The settings live in ``[tool.losslog]`` of ``pyproject.toml`` or in ``losslog.toml`` (in a
``[losslog]`` table or at the top level). The file is searched for from the current directory up to
the root of the git repository (or, outside one, up to the filesystem root); in each directory
``losslog.toml`` is looked at before ``pyproject.toml``, and the nearest file that holds settings
wins. Command-line options override the file, key by key.

Keys may be written with ``_`` or ``-``. An unknown key or a value of the wrong type is a usage
error naming the file, because a silently ignored typo in a CI gate is a gate that never fails.
Paths in the file (``paths``, ``baseline``, ``junit``) are relative to the file's folder.

Reading TOML needs ``tomllib`` (Python 3.11+) or the ``tomli`` package on Python 3.10; losslog
does not depend on tomli, so on 3.10 without it a config file is an error that says so.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from losslog.analysis.options import param_name, user_options
from losslog.errors import UsageError

CONFIG_NAMES: tuple[str, ...] = ("losslog.toml", "pyproject.toml")


#: analysis settings (``smooth``, ``patience`` ...): every user-settable ``AnalysisOptions`` field,
#: keyed by its command-line parameter name, so a new option is accepted here without a line
_ANALYSIS_FIELDS = {param_name(f): f for f in user_options()}


@dataclass(frozen=True)
class Config:
    """Settings read from a file; None (or empty) means the file did not set it.

    The analysis settings are in ``analysis`` (keyed like the command-line parameters) and read as
    attributes too (``cfg.smooth``).
    """

    source: Path | None = None
    paths: tuple[Path, ...] = ()
    fail_on: tuple[str, ...] | None = None
    assertions: tuple[str, ...] | None = None
    baseline: Path | None = None
    max_regression: float | str | None = None
    format: str | None = None
    junit: Path | None = None
    log_format: str | None = None
    keep_all: bool | None = None
    analysis: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        if name in _ANALYSIS_FIELDS:
            return self.analysis.get(name)
        raise AttributeError(name)

    def default_map(self) -> dict[str, Any]:
        """The settings as click's ``default_map`` (parameter name -> value): the command line
        overrides them option by option, and click checks them like typed values."""
        out: dict[str, Any] = {}
        for name in ("fail_on", "assertions", "baseline", "format", "junit", "log_format", "keep_all"):
            value = getattr(self, name)
            if value is not None:
                out[name] = list(value) if isinstance(value, tuple) else value
        if self.paths:
            out["paths"] = list(self.paths)
        if self.max_regression is not None:
            out["max_regression"] = str(self.max_regression)
        for name, value in self.analysis.items():
            out[name] = list(value) if isinstance(value, tuple) else value
        return out


def _load_toml(text: str, path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib

        loads: Callable[[str], dict[str, Any]] = tomllib.loads
        error: type[Exception] = tomllib.TOMLDecodeError
    else:  # pragma: no cover - exercised on Python 3.10 only
        try:
            import tomli
        except ImportError:
            raise UsageError(
                "reading losslog settings from a TOML file needs Python 3.11 or the tomli package "
                "(pip install tomli); or run with --no-config and pass the options on the command line",
                path,
            ) from None
        loads = tomli.loads
        error = tomli.TOMLDecodeError
    try:
        return loads(text)
    except error as exc:
        raise UsageError(f"not valid TOML: {exc}", path) from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read config file: {exc}", path) from None


def settings_in(path: Path) -> dict[str, Any] | None:
    """The losslog table of one file, or None when the file holds no losslog settings."""
    text = _read_text(path)
    if path.name == "pyproject.toml":
        # Cheap test first: a pyproject without our table must not need a TOML parser (Python 3.10).
        if "tool.losslog" not in text and "[tool]" not in text:
            return None
        data = _load_toml(text, path)
        tool = data.get("tool")
        table = tool.get("losslog") if isinstance(tool, dict) else None
        if table is None:
            return None
        if not isinstance(table, dict):
            raise UsageError("[tool.losslog] must be a table", path)
        return table
    data = _load_toml(text, path)
    if "losslog" in data:
        table = data["losslog"]
        if not isinstance(table, dict):
            raise UsageError("[losslog] must be a table", path)
        rest = sorted(k for k in data if k != "losslog")
        if rest:
            raise UsageError(f"keys outside the [losslog] table: {', '.join(rest)}", path)
        return table
    return data


def _exists(path: Path, kind: str = "any") -> bool:
    """Whether a path is there; a folder we may not look into (a shared machine, another user's
    home) counts as nothing there, so the search for a settings file never fails a command."""
    try:
        return path.is_file() if kind == "file" else path.exists()
    except OSError:
        return False


def _git_root(start: Path) -> Path | None:
    for d in (start, *start.parents):
        if _exists(d / ".git"):
            return d
    return None


def find_config(start: Path | None = None) -> Path | None:
    """The nearest losslog.toml, or pyproject.toml with [tool.losslog], from ``start`` upward."""
    here = (start or Path.cwd()).resolve()
    stop = _git_root(here)
    for d in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = d / name
            if _exists(candidate, "file") and settings_in(candidate) is not None:
                return candidate
        if stop is not None and d == stop:
            break
    return None


# --------------------------------------------------------------------------------------------
# Typed reading of each key


def _err(path: Path, key: str, expected: str, value: Any) -> UsageError:
    return UsageError(f"{key} = {value!r}: expected {expected}", path)


def _str(path: Path, key: str, v: Any) -> str:
    if not isinstance(v, str):
        raise _err(path, key, "a string", v)
    return v


def _strs(path: Path, key: str, v: Any) -> tuple[str, ...]:
    """A string or a list of strings (a single string is one item)."""
    if isinstance(v, str):
        return (v,)
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return tuple(v)
    raise _err(path, key, "a string or a list of strings", v)


def _number(path: Path, key: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _err(path, key, "a number", v)
    return float(v)


def _int(path: Path, key: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise _err(path, key, "an integer", v)
    return v


def _bool(path: Path, key: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise _err(path, key, "true or false", v)
    return v


def _goals(path: Path, key: str, v: Any) -> tuple[str, ...]:
    """``goal = {"bleu" = "max"}`` or ``goal = ["bleu=max"]``: both become NAME=GOAL items."""
    if isinstance(v, dict):
        if not all(isinstance(g, str) for g in v.values()):
            raise _err(path, key, 'a table of NAME = "min" | "max"', v)
        return tuple(f"{k}={g}" for k, g in v.items())
    return _strs(path, key, v)


def _regression(path: Path, key: str, v: Any) -> float | str:
    if isinstance(v, str):
        return v
    return _number(path, key, v)


def _rel(base: Path, p: str) -> Path:
    q = Path(p).expanduser()
    return q if q.is_absolute() else base / q


#: key -> the Config field it fills (analysis keys fill ``Config.analysis``)
KEYS: dict[str, str] = {
    "paths": "paths",
    "fail_on": "fail_on",
    "assert": "assertions",
    "assertions": "assertions",
    "baseline": "baseline",
    "max_regression": "max_regression",
    "format": "format",
    "junit": "junit",
    "log_format": "log_format",
    "keep_all": "keep_all",
    **{name: name for name in _ANALYSIS_FIELDS},
    "goals": "goal",
}
_ALIASES = ("assertions", "goals")


def _analysis_value(path: Path, key: str, v: Any) -> Any:
    """Type and range of an analysis setting, from its field's metadata (as the CLI checks them)."""
    meta = _ANALYSIS_FIELDS[key].metadata
    if meta["repeat"]:
        return _goals(path, key, v) if key == "goal" else _strs(path, key, v)
    kind = meta["value"]
    value: Any
    if kind is float:
        value = _number(path, key, v)
    elif kind is int:
        value = _int(path, key, v)
    elif kind is bool:
        value = _bool(path, key, v)
    else:
        value = _str(path, key, v)
    low, high = meta["min"], meta["max"]
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (
            f"between {low} and {high}"
            if low is not None and high is not None
            else (f"at least {low}" if low is not None else f"at most {high}")
        )
        raise _err(path, key, f"a number {bounds}", v)
    return value


def parse_settings(table: dict[str, Any], path: Path) -> Config:
    """Check every key and type; resolve paths against the file's folder."""
    base = path.parent
    values: dict[str, Any] = {}
    analysis: dict[str, Any] = {}
    for raw_key, v in table.items():
        key = str(raw_key).replace("-", "_")
        if key not in KEYS:
            known = ", ".join(sorted(k for k in KEYS if k not in _ALIASES))
            raise UsageError(f"unknown setting {raw_key!r} (known: {known})", path)
        fname = KEYS[key]
        if fname in values or fname in analysis:
            raise UsageError(f"{raw_key!r} is set twice (as {key} and an alias)", path)
        if fname in _ANALYSIS_FIELDS:
            analysis[fname] = _analysis_value(path, fname, v)
        elif fname == "paths":
            values[fname] = tuple(_rel(base, p) for p in _strs(path, key, v))
        elif fname in ("fail_on", "assertions"):
            values[fname] = _strs(path, key, v)
        elif fname in ("baseline", "junit"):
            values[fname] = _rel(base, _str(path, key, v))
        elif fname == "max_regression":
            values[fname] = _regression(path, key, v)
        elif fname == "keep_all":
            values[fname] = _bool(path, key, v)
        else:
            values[fname] = _str(path, key, v)
    return Config(source=path, analysis=analysis, raw=dict(table), **values)


def load_config(path: Path | None = None, start: Path | None = None) -> Config:
    """Settings from ``path``, or from the file found from ``start`` upward; empty when none."""
    if path is not None:
        if not path.is_file():
            raise UsageError("config file not found", path)
        table = settings_in(path)
        if table is None:
            raise UsageError("no [tool.losslog] table in this file", path)
        return parse_settings(table, path)
    found = find_config(start)
    if found is None:
        return Config()
    table = settings_in(found)
    return parse_settings(table or {}, found)
