"""A cache of analysed runs, so that comparing a sweep again re-reads only the runs that changed.

What is stored is each source's small result (its analyses and errors, never the points), keyed
by the source's fingerprint (for a local file: path, size and modification time, and the same of
the files beside it that side readers consult), losslog's version, the reader, and the analysis
options. It lives in the user's cache folder (``LOSSLOG_CACHE_DIR``, else
``$XDG_CACHE_HOME/losslog``, else ``~/.cache/losslog``) in one SQLite file, bounded in size: the
entries used longest ago are dropped first.

The values are JSON, decoded by ``decode`` into an allow-list of losslog's own result types
only, never pickle: a cache folder is a place a stranger could write to, and reading it must not
be a way to run their code. A value that does not decode is a miss, not an error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from losslog import __version__
from losslog.model import CountedWarning

if TYPE_CHECKING:
    from losslog.engine.tasks import RunResult, RunTask
    from losslog.errors import LossLogError

#: bump when the stored form changes (old entries then simply miss)
FORMAT = 1
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
_FILE = "runs.sqlite"


def cache_folder() -> Path:
    """Where the cache lives: ``LOSSLOG_CACHE_DIR``, else the XDG cache folder, else ``~/.cache``."""
    if override := os.environ.get("LOSSLOG_CACHE_DIR"):
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "losslog"


@dataclass(frozen=True)
class CacheInfo:
    folder: Path
    entries: int
    bytes: int
    max_bytes: int


class Uncacheable(ValueError):
    """A result holding a value the cache does not know how to store faithfully."""


class RunCache:
    """The run cache in ``folder`` (created on first write), at most ``max_bytes`` of values."""

    def __init__(self, folder: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = folder if folder is not None else cache_folder()
        self.max_bytes = max_bytes
        self._db: sqlite3.Connection | None = None
        self._broken = False
        self._listings: dict[str, list[tuple[str, int, int]]] = {}
        self._pending: list[tuple[str, str, int]] = []
        self._hits: list[str] = []
        #: how many sources were answered here and how many were stored (for tests and --verbose)
        self.hits = 0
        self.stores = 0

    # --- keys ----------------------------------------------------------------------------
    def fingerprint(self, path: Path) -> str:
        """What a local source is known by: its path, size and modification time, and those of
        the entries of its folder (side files such as hparams.yaml that readers consult).

        For a folder source (a TensorBoard run, an MLflow store) every file below it counts.
        "" when the path cannot be looked at (then the source is not cached).
        """
        try:
            resolved = path.resolve()
            if resolved.is_dir():
                return json.dumps([str(resolved), _tree(resolved), self._listing(resolved.parent)])
            st = resolved.stat()
            return json.dumps([str(resolved), st.st_size, st.st_mtime_ns, self._listing(resolved.parent)])
        except OSError:
            return ""

    def _listing(self, folder: Path) -> list[tuple[str, int, int]]:
        key = str(folder)
        if key not in self._listings:
            self._listings[key] = _entries(folder)
        return self._listings[key]

    @staticmethod
    def key(task: RunTask) -> str | None:
        if not task.fingerprint:
            return None
        parts = [
            FORMAT,
            __version__,
            task.fingerprint,
            task.source.reader,
            task.source.base,
            task.mode,
            task.keep_all,
            task.extremes,
            task.raise_unexpected,  # --traceback must meet a reader's bug, not its cached message
            repr(task.options),
        ]
        return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()

    # --- storage -------------------------------------------------------------------------
    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if self._db is not None or self._broken:
            return self._db
        path = self.folder / _FILE
        try:
            if not create and not path.exists():
                return None
            self.folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=5.0)
            db.execute(
                "CREATE TABLE IF NOT EXISTS runs (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
                "size INTEGER NOT NULL, used REAL NOT NULL)"
            )
            self._db = db
        except (OSError, sqlite3.Error):
            self._broken = True  # a cache that cannot be opened is no cache, never a failure
        return self._db

    def get(self, task: RunTask) -> RunResult | None:
        key = self.key(task)
        db = self._connect(create=False) if key else None
        if db is None or key is None:
            return None
        try:
            row = db.execute("SELECT value FROM runs WHERE key = ?", (key,)).fetchone()
        except (OSError, sqlite3.Error):
            return None
        if row is None:
            return None
        try:
            result = decode_result(decode(row[0]))
        except (ValueError, TypeError, KeyError):
            return None
        self._hits.append(key)
        self.hits += 1
        return result

    def put(self, task: RunTask, result: RunResult) -> None:
        key = self.key(task)
        if key is None:
            return
        try:
            value = json.dumps(encode_result(result), allow_nan=True, separators=(",", ":"))
        except Uncacheable:
            return
        self._pending.append((key, value, len(value)))

    def flush(self) -> None:
        """Write the new entries, mark the used ones, and evict beyond the size bound."""
        if not self._pending and not self._hits:
            return
        db = self._connect(create=bool(self._pending))
        if db is None:
            return
        now = time.time()
        try:
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO runs (key, value, size, used) VALUES (?, ?, ?, ?)",
                    [(k, v, n, now) for k, v, n in self._pending],
                )
                db.executemany("UPDATE runs SET used = ? WHERE key = ?", [(now, k) for k in self._hits])
            self.stores += len(self._pending)
            self._pending.clear()
            self._hits.clear()
            self._evict(db)
        except (OSError, sqlite3.Error):
            pass  # not written: the next run reads those runs again

    def _evict(self, db: sqlite3.Connection) -> None:
        total = db.execute("SELECT COALESCE(SUM(size), 0) FROM runs").fetchone()[0]
        if total <= self.max_bytes:
            return
        # drop the least recently used entries down to 90% of the bound
        excess = total - int(self.max_bytes * 0.9)
        doomed: list[tuple[str]] = []
        for key, size in db.execute("SELECT key, size FROM runs ORDER BY used ASC"):
            if excess <= 0:
                break
            doomed.append((key,))
            excess -= size
        with db:
            db.executemany("DELETE FROM runs WHERE key = ?", doomed)
        db.execute("VACUUM")

    def info(self) -> CacheInfo:
        db = self._connect(create=False)
        entries, size = (0, 0)
        if db is not None:
            with contextlib.suppress(OSError, sqlite3.Error):
                entries, size = db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM runs").fetchone()
        return CacheInfo(self.folder, int(entries), int(size), self.max_bytes)

    def clear(self) -> int:
        """Delete every entry; how many there were."""
        entries = self.info().entries
        self.close()
        for name in (_FILE, _FILE + "-journal", _FILE + "-wal"):
            try:
                (self.folder / name).unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                from losslog.errors import InputError

                raise InputError(f"cannot remove the run cache: {exc.strerror or exc}", self.folder / name) from exc
        return entries

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _entries(folder: Path) -> list[tuple[str, int, int]]:
    """(name, size, mtime_ns) of a folder's entries, sorted; [] when it cannot be listed."""
    out = []
    try:
        with os.scandir(folder) as it:
            for e in it:
                try:
                    st = e.stat()
                except OSError:
                    continue
                out.append((e.name, st.st_size if e.is_file() else 0, st.st_mtime_ns))
    except OSError:
        return []
    return sorted(out)


def _tree(folder: Path, limit: int = 10_000) -> list[tuple[str, int, int]]:
    """(relative path, size, mtime_ns) of the files below a folder (at most ``limit`` of them)."""
    out: list[tuple[str, int, int]] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            try:
                st = os.stat(full)
            except OSError:
                continue
            out.append((os.path.relpath(full, folder), st.st_size, st.st_mtime_ns))
            if len(out) >= limit:
                return out
    return out


# --- the JSON form ---------------------------------------------------------------------------
def _allowed() -> dict[str, type]:
    from losslog.analysis.chance import ChanceEvidence, Classes, LossReading
    from losslog.analysis.findings import Finding
    from losslog.analysis.monitor import Monitor
    from losslog.analysis.run_analysis import Checkpoint, Gap, RunAnalysis
    from losslog.analysis.summary import MetricSummary
    from losslog.engine.tasks import RunEntry

    types: list[type] = [
        RunAnalysis,
        MetricSummary,
        Checkpoint,
        Gap,
        Finding,
        Monitor,
        LossReading,
        Classes,
        ChanceEvidence,
        RunEntry,
    ]
    return {t.__name__: t for t in types}


def _errors() -> dict[str, type[LossLogError]]:
    from losslog import errors

    types: list[type[LossLogError]] = [
        errors.LossLogError,
        errors.InputError,
        errors.ParseError,
        errors.UnknownFormatError,
    ]
    return {t.__name__: t for t in types}


def encode(value: Any) -> Any:
    """A JSON value that ``decode`` turns back into an equal value (types included).

    JSON keeps str, int, float (NaN and infinities as Python's json writes them), bool, None,
    lists and string-keyed dicts; tuples become ``{"$t": [...]}``, losslog's result types
    ``{"$c": name, ...fields}``, a warning that counts dropped values ``{"$w": [text, count]}``,
    and a dict whose keys could be mistaken for those markers a list
    of pairs under ``"$d"``. Anything else (numpy scalars, paths ...) is ``Uncacheable``.
    """
    if value is None or type(value) in (bool, str, int, float):
        return value
    if isinstance(value, CountedWarning):
        return {"$w": [str(value), value.dropped]}
    if isinstance(value, tuple):
        return {"$t": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if not all(type(k) is str for k in value):
            raise Uncacheable("a dict with keys that are not strings")
        if any(k.startswith("$") for k in value):
            return {"$d": [[k, encode(v)] for k, v in value.items()]}
        return {k: encode(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if _allowed().get(name) is not type(value):
            raise Uncacheable(name)
        out = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        out["$c"] = name
        return out
    raise Uncacheable(type(value).__name__)


def decode(value: Any) -> Any:
    """The value ``encode`` stored, from its JSON text or parsed form."""
    if isinstance(value, str):
        return json.loads(value, object_hook=_Decoder())
    return json.loads(json.dumps(value), object_hook=_Decoder())


class _Decoder:
    """``json.loads``'s object hook: builds only losslog's own result types (an allow-list)."""

    def __init__(self) -> None:
        self.allowed = _allowed()
        self.fields = {name: {f.name for f in dataclasses.fields(cls)} for name, cls in self.allowed.items()}

    def __call__(self, obj: dict[str, Any]) -> Any:
        if "$c" in obj:
            name = obj.pop("$c")
            cls = self.allowed.get(name)
            if cls is None:
                raise ValueError(f"unknown type {name!r} in the cache")
            if set(obj) - self.fields[name]:
                raise ValueError(f"unknown fields for {name} in the cache")
            return cls(**obj)
        if "$t" in obj:
            items = obj["$t"]
            if len(obj) != 1 or not isinstance(items, list):
                raise ValueError("bad tuple in the cache")
            return tuple(items)
        if "$w" in obj:
            text, dropped = obj["$w"]
            if len(obj) != 1 or not isinstance(text, str) or type(dropped) is not int:
                raise ValueError("bad warning in the cache")
            return CountedWarning(text, dropped)
        if "$d" in obj:
            pairs = obj["$d"]
            if len(obj) != 1 or not isinstance(pairs, list):
                raise ValueError("bad dict in the cache")
            return {str(k): v for k, v in pairs}
        return obj


def encode_result(result: RunResult) -> dict[str, Any]:
    errors = []
    for exc in result.errors:
        name = type(exc).__name__
        if _errors().get(name) is not type(exc):
            raise Uncacheable(name)
        errors.append({"type": name, "message": exc.message, "source": exc.source, "line": getattr(exc, "line", None)})
    return {"runs": encode(result.runs), "errors": errors, "hparams": encode(result.hparams), "ignored": result.ignored}


def decode_result(data: dict[str, Any]) -> RunResult:
    from losslog.engine.tasks import RunEntry, RunResult
    from losslog.errors import ParseError

    runs = data["runs"]
    if not isinstance(runs, list) or not all(isinstance(r, RunEntry) for r in runs):
        raise ValueError("bad runs")
    errors = []
    for e in data["errors"]:
        cls = _errors().get(e["type"])
        if cls is None:
            raise ValueError(f"unknown error type {e['type']!r}")
        exc = cls.__new__(cls)
        Exception.__init__(exc, str(e["message"]))
        exc.message = str(e["message"])
        exc.source = None if e["source"] is None else str(e["source"])
        if isinstance(exc, ParseError):
            exc.line = None if e["line"] is None else int(e["line"])
        errors.append(exc)
    hparams = data["hparams"]
    return RunResult(runs=runs, errors=errors, hparams=hparams, ignored=bool(data["ignored"]), cached=True)
