"""One run's files, read a poll at a time, and the run they add up to.

Three kinds of feed, from the cheapest per new point to the most general:

- ``EventFolderFeed``: TensorBoard event files (a run folder, Keras's ``train/``+``validation/``,
  or one file). New bytes are framed into whole records (``RecordFramer``) and decoded by the
  batch decoder (``tfevents.decode``); the run is assembled by ``tensorboard.run_from_scalars``,
  the batch reader's own rules.
- ``LineFeed``: logs whose rows stand alone (Keras CSVLogger, wide CSV, Lightning, Ultralytics,
  detectron2 ``metrics.json``). New complete lines, behind the file's header line, are handed to
  the batch reader as a small file of their own, so every cell is parsed exactly as ``report``
  parses it. A line without its line end waits. Lines are parsed when the run is next judged,
  all of them in one go: the reader's fixed cost (pandas) is paid once per analysis, not per line.
- ``WholeFeed``: every other format (text logs whose lines depend on earlier ones, JSON files
  rewritten whole, stores). The file or folder is read again, by its batch reader, when its size
  or modification time changed: correct for any format, but not incremental.

``EventFolderFeed`` lives in ``watch/event_feeds.py``.

Each feed keeps its points per file, in write order; the run is rebuilt from them only when it is
analysed (throttled by the watcher), never per poll.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from losslog.errors import InputError, LossLogError
from losslog.model import Run
from losslog.readers.base import Reader
from losslog.watch.tail import FileTail

#: readers whose rows are independent of each other, behind a header line
HEADER_LINE_READERS = frozenset({"keras", "csv", "lightning", "ultralytics"})
#: readers whose lines are independent JSON objects (no header)
JSON_LINE_READERS = frozenset({"detectron2"})
#: files a reader looks at beside its log (linked next to the chunk it reads)
SIBLINGS: dict[str, tuple[str, ...]] = {"lightning": ("hparams.yaml",)}
#: complete lines waiting for a parse are parsed at once beyond this many bytes (bounded memory)
PARSE_AT_BYTES = 4 << 20
#: "line 12" / "lines 3" in a reader's message
_LINE = re.compile(r"\b(lines? )(\d+)")


@dataclass
class Update:
    """What one poll of a feed found."""

    #: new data read: points (event files, whole re-reads) or complete lines (line logs, parsed
    #: when the run is next judged); zero when nothing changed
    new_points: int = 0
    #: (file, reason) for every file read again from its start
    resets: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Feed:
    """A run's files and how to build the run from what was read so far."""

    #: the reader's name, shown in the run's header
    fmt: str = ""

    def poll(self) -> Update:
        raise NotImplementedError

    def build(self) -> list[Run]:
        """The run(s) as the batch reader would give them for the bytes read so far; ``Run.name``
        is relative to the feed, "" for the feed's own run."""
        raise NotImplementedError

    @property
    def bytes_read(self) -> int:
        raise NotImplementedError

    def take_warnings(self) -> list[str]:
        """Problems met while building (a line that did not parse), each given once."""
        return []

    def close(self) -> None:
        """Let go of temporary files."""


# --------------------------------------------------------------------------------------------
# Line-oriented logs
# --------------------------------------------------------------------------------------------


class LineFeed(Feed):
    """A log whose complete lines can be parsed on their own (behind the header line, if any)."""

    def __init__(self, path: Path, reader: Reader) -> None:
        self.path = path
        self.reader = reader
        self.fmt = reader.name
        self.has_header = reader.name in HEADER_LINE_READERS
        self.tail = FileTail(path)
        self._partial = b""
        self._header: bytes | None = None
        self._chunks: list[Any] = []  # PointColumns
        self._meta: dict[str, Any] | None = None
        self._warnings: list[str] = []
        self._tmp: Path | None = None
        self._lines: list[bytes] = []
        self._line_bytes = 0
        self._build_warnings: list[str] = []
        #: complete lines read so far (header and blank lines included), and the file's line
        #: number of the first line waiting for a parse: a reader's "line N" in the chunk file
        #: is told as the line it is in the real file
        self._lines_read = 0
        self._first_pending_line = 1

    def _scratch(self) -> Path:
        """A private folder for the chunk files, holding links to the siblings the reader reads."""
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="losslog-watch-"))
            for name in SIBLINGS.get(self.fmt, ()):
                sibling = self.path.with_name(name)
                if sibling.is_file():
                    with contextlib.suppress(OSError):
                        os.symlink(sibling.resolve(), self._tmp / name)
        return self._tmp

    def poll(self) -> Update:
        update = Update()
        chunk = self.tail.poll()
        if chunk is None:
            return update
        if chunk.reset:
            self._partial = b""
            self._header = None
            self._chunks.clear()
            self._meta = None
            self._warnings.clear()
            self._lines.clear()
            self._line_bytes = 0
            self._lines_read = 0
            update.resets.append((str(self.path), chunk.reason))
        data = self._partial + chunk.data
        cut = data.rfind(b"\n")
        if cut < 0:
            self._partial = data
            return update
        self._partial = data[cut + 1 :]
        lines = data[: cut + 1]
        line_no = self._lines_read + 1  # of the first line in ``lines``
        self._lines_read += lines.count(b"\n")
        if self.has_header and self._header is None:
            # the first non-blank line is the header; every chunk is parsed behind it
            pos = 0
            while pos < len(lines):
                end = lines.index(b"\n", pos) + 1
                if lines[pos:end].strip():
                    self._header = lines[pos:end]
                    # a logger that rewrites the file with new columns (Lightning) changes the
                    # header, maybe only past the default fingerprint: compare all of it
                    self.tail.fingerprint = max(self.tail.fingerprint, end)
                    line_no += lines.count(b"\n", 0, end)
                    lines = lines[end:]
                    break
                pos = end
            else:
                return update
        if not lines.strip():
            return update
        if not self._lines:
            self._first_pending_line = line_no
        self._lines.append(lines)
        self._line_bytes += len(lines)
        update.new_points += lines.count(b"\n")
        if self._line_bytes > PARSE_AT_BYTES:
            self._flush()
        return update

    def _flush(self) -> None:
        """Parse the complete lines read since the last parse."""
        if self._lines:
            lines = b"".join(self._lines)
            self._lines.clear()
            self._line_bytes = 0
            self._parse(lines, self._build_warnings)

    def take_warnings(self) -> list[str]:
        out, self._build_warnings = self._build_warnings, []
        return out

    def _told(self, message: str, target: Path) -> str:
        """A reader's message about the chunk file, as one about the real file and its lines."""
        shift = self._first_pending_line - (2 if self._header else 1)
        message = _LINE.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + shift}", message)
        return message.replace(str(target), str(self.path))

    def _parse(self, lines: bytes, warnings: list[str]) -> int:
        target = self._scratch() / self.path.name
        target.write_bytes((self._header or b"") + lines)
        try:
            runs = self.reader.read(target)
        except InputError as exc:
            if "without data rows" in exc.message or "no numeric metric" in exc.message:
                return 0  # rows with no value yet (all cells empty): nothing to add
            warnings.append(f"{self.path}: {self._told(exc.message, target)}")
            return 0
        except LossLogError as exc:
            warnings.append(f"{self.path}: {self._told(exc.message, target)}")
            return 0
        except Exception as exc:  # a reader tripped on a chunk: say so, keep watching
            warnings.append(f"{self.path}: could not parse new lines ({type(exc).__name__}: {exc})")
            return 0
        added = 0
        for run in runs[:1]:
            cols = run.columns
            if self._meta is None:
                self._meta = dict(run.meta)
            fixed = [self._told(w, target) for w in run.warnings]
            self._warnings.extend(fixed)
            warnings.extend(fixed)
            if len(cols):
                self._chunks.append(cols)
                added += len(cols)
        return added

    def build(self) -> list[Run]:
        from losslog.columns import concat_columns

        self._flush()
        columns = concat_columns(self._chunks)
        self._chunks = [columns] if len(columns) else []
        meta = dict(self._meta or {})
        meta.pop("repeated_headers", None)
        return [Run("", str(self.path), self.fmt, columns=columns, meta=meta, warnings=list(self._warnings))]

    @property
    def bytes_read(self) -> int:
        return self.tail.bytes_read

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


# --------------------------------------------------------------------------------------------
# Everything else
# --------------------------------------------------------------------------------------------


def _signature(path: Path) -> tuple[tuple[str, int, int], ...]:
    """Size and modification time of a file, or of every file below a folder."""
    out = []
    if path.is_dir():
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                p = os.path.join(dirpath, name)
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                out.append((p, st.st_size, st.st_mtime_ns))
    else:
        try:
            st = os.stat(path)
            out.append((str(path), st.st_size, st.st_mtime_ns))
        except OSError:
            pass
    return tuple(sorted(out))


class WholeFeed(Feed):
    """Any format: read again whole, by its batch reader, when the file or folder changed.

    A poll only compares sizes and modification times; the re-read waits for the next judgment
    of the run, so a log written line by line is read at most once per --interval, not per line.
    """

    def __init__(self, path: Path, reader: Reader) -> None:
        self.path = path
        self.reader = reader
        self.fmt = reader.name
        self._sig: tuple[tuple[str, int, int], ...] = ()
        self._stale = False
        self._runs: list[Run] = []
        self._bytes = 0
        self._error: str | None = None
        self._build_warnings: list[str] = []

    def poll(self) -> Update:
        update = Update()
        sig = _signature(self.path)
        if sig == self._sig or not sig:
            return update
        self._sig = sig
        self._stale = True
        update.new_points = 1  # something changed; how many points it holds, the re-read will tell
        return update

    def build(self) -> list[Run]:
        if not self._stale:
            return self._runs
        self._stale = False
        self._bytes += sum(s for _, s, _ in self._sig)
        try:
            runs = self.reader.read(self.path)
        except LossLogError as exc:
            msg = exc.message
            if msg != self._error:  # a file caught half-written: said once, retried on change
                self._build_warnings.append(f"{self.path}: {msg}")
            self._error = msg
            return self._runs
        except Exception as exc:
            self._build_warnings.append(f"{self.path}: could not parse ({type(exc).__name__}: {exc})")
            return self._runs
        self._error = None
        self._runs = runs
        return runs

    def take_warnings(self) -> list[str]:
        out, self._build_warnings = self._build_warnings, []
        return out

    @property
    def bytes_read(self) -> int:
        return self._bytes
