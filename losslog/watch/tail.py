"""Reading only what was appended to a file since the last look.

A ``FileTail`` keeps a byte offset and a fingerprint of the file (its inode and its first bytes),
so a poll costs one ``stat`` when nothing changed and reads only the new bytes when something did.
A file that shrank, was replaced (another inode) or whose first bytes changed (a logger that
rewrites the whole file, as Lightning's CSVLogger does when a new column appears) is read again
from the start: the caller is told with ``Chunk.reset`` and drops what it had from this file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: How many leading bytes identify a file's content by default: an event file's first record, a
#: short CSV header; small enough that checking them costs nothing next to the new bytes.
FINGERPRINT_BYTES = 256
#: A caller may ask for a longer fingerprint (a CSV's whole header line) up to this many bytes.
MAX_FINGERPRINT_BYTES = 64 * 1024


@dataclass(frozen=True)
class Chunk:
    """What a poll found: the new bytes, and whether they start the file anew."""

    data: bytes
    reset: bool = False
    #: why the file is read anew ("truncated", "replaced", "rewritten"), "" when it is not
    reason: str = ""


class FileTail:
    """The appended bytes of one file, poll after poll."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self._inode: tuple[int, int] | None = None
        self._mtime_ns = -1
        self._head = b""  # the file's first bytes, up to MAX_FINGERPRINT_BYTES
        #: how many of them are compared on each poll that finds the file changed
        self.fingerprint = FINGERPRINT_BYTES
        #: every byte read from the file so far (new data and fingerprint checks): what the
        #: incremental-reading tests and the benchmark count
        self.bytes_read = 0

    def poll(self) -> Chunk | None:
        """The bytes appended since the last poll, or None when the file did not change.

        A file that vanished gives None (a writer may be rotating it); its successor is read from
        the start when it appears.
        """
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        inode = (st.st_dev, st.st_ino)
        size = st.st_size
        reason = ""
        if self._inode is not None and inode != self._inode:
            reason = "replaced"
        elif size < self.offset:
            reason = "truncated"
        elif size == self.offset and st.st_mtime_ns == self._mtime_ns:
            return None
        try:
            with open(self.path, "rb") as fh:
                known = self._head[: self.fingerprint]
                if not reason and known and size >= len(known):
                    head = fh.read(len(known))
                    self.bytes_read += len(head)
                    if head != known:
                        reason = "rewritten"
                start = 0 if reason or self._inode is None else self.offset
                fh.seek(start)
                data = fh.read(max(0, size - start))
        except OSError:
            return None
        self.bytes_read += len(data)
        reset = bool(reason)
        if reset or self._inode is None:
            self._head = b""
            self.offset = 0
        self._inode = inode
        self._mtime_ns = st.st_mtime_ns
        self.offset += len(data)
        if len(self._head) < MAX_FINGERPRINT_BYTES and data:
            self._head += data[: MAX_FINGERPRINT_BYTES - len(self._head)]
        if not data and not reset:
            return None
        return Chunk(data, reset, reason)
