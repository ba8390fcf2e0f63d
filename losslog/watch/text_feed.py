"""Console text logs watched line by line: only the new complete lines are parsed.

A text log's lines are not independent (a Keras ``Epoch 3/10`` line says which epoch the next
``- loss: ...`` line belongs to; mm* logs count iterations within an epoch), so the parser's state
(``LineState``) is kept from one poll to the next and each new line is fed to it: the same parse
as the batch reader's, one line at a time, never re-reading the file. A cut last line waits for
its end; a truncated or replaced file starts a new state.
"""

from __future__ import annotations

from pathlib import Path

from losslog.errors import LossLogError
from losslog.model import Run
from losslog.readers.base import Reader
from losslog.readers.plaintext import run_from_state
from losslog.readers.text_dialects import ANSI, LineState, parse_line
from losslog.watch.feeds import Feed, Update
from losslog.watch.tail import FileTail


class TextLineFeed(Feed):
    """A plain-text training log (nanoGPT, llm.c, Keras console, mmengine, custom scripts)."""

    def __init__(self, path: Path, reader: Reader) -> None:
        self.path = path
        self.reader = reader
        self.fmt = reader.name
        self.tail = FileTail(path)
        self._partial = b""
        self._state = LineState()
        self._runs: list[Run] = []
        self._stale = False

    def poll(self) -> Update:
        update = Update()
        chunk = self.tail.poll()
        if chunk is None:
            return update
        if chunk.reset:
            self._partial = b""
            self._state = LineState()
            self._runs = []
            update.resets.append((str(self.path), chunk.reason))
        data = self._partial + chunk.data
        cut = max(data.rfind(b"\n"), data.rfind(b"\r"))
        if cut < 0:
            self._partial = data
            return update
        self._partial = data[cut + 1 :]
        text = ANSI.sub("", data[: cut + 1].decode("utf-8", errors="replace"))
        before = len(self._state.points)
        for line in text.replace("\r\n", "\n").replace("\r", "\n").replace("\x08", "\n").split("\n"):
            if line.strip():
                parse_line(line, self._state)
        update.new_points = len(self._state.points) - before
        self._stale = self._stale or update.new_points > 0
        return update

    def build(self) -> list[Run]:
        """The points parsed so far. A Keras epoch still printing its progress bar is not a point
        yet (its running means become the epoch's value when the next epoch starts)."""
        if not self._stale:
            return self._runs
        self._stale = False
        try:
            run = run_from_state(self._state, self.path, [])
        except LossLogError:
            return self._runs  # no metric line yet
        run.name = ""
        self._runs = [run]
        return self._runs

    @property
    def bytes_read(self) -> int:
        return self.tail.bytes_read
