"""TensorBoard event files watched a poll at a time: new bytes framed into whole records
(``RecordFramer``), decoded by the batch decoder (``tfevents.decode``), and the run assembled by
``tensorboard.run_from_scalars``, the batch reader's own rules (restarts, Keras splits)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from losslog.model import Run
from losslog.watch.feeds import Feed, Update
from losslog.watch.records import RecordFramer
from losslog.watch.tail import FileTail


class EventFileSource:
    """One event file: its tail, its record framer and the scalars decoded so far."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tail = FileTail(path)
        self.framer = RecordFramer()
        self._chunks: list[Any] = []  # EventScalars
        self.records = 0

    def poll(self, update: Update) -> None:
        from losslog.readers.tfevents import NotAnEventFile, decode

        chunk = self.tail.poll()
        if chunk is None:
            return
        if chunk.reset:
            self.framer.reset()
            self._chunks.clear()
            self.records = 0
            update.resets.append((str(self.path), chunk.reason))
        records = self.framer.feed(chunk.data)
        if not records:
            return
        try:
            ev = decode(records, str(self.path))
        except NotAnEventFile:
            update.warnings.append(f"{self.path}: bytes that are no TFRecord skipped")
            return
        self.records += ev.records
        update.warnings.extend(ev.warnings)
        if len(ev) or ev.hparams:
            self._chunks.append(ev)
            update.new_points += len(ev)

    def scalars(self) -> Any:
        """Every chunk decoded so far as one ``EventScalars`` (merged once, then kept merged)."""
        from losslog.readers.tfevents import EventScalars

        if len(self._chunks) == 1:
            return self._chunks[0]
        merged = EventScalars(path=str(self.path))
        if not self._chunks:
            return merged
        index: dict[str, int] = {}
        ids = []
        for ev in self._chunks:
            remap = np.array([index.setdefault(t, len(index)) for t in ev.tags] or [0], dtype=np.int32)
            ids.append(remap[ev.tag_ids] if len(ev.tag_ids) else ev.tag_ids.astype(np.int32))
            merged.hparams.update(ev.hparams)
            for tag, plugin in ev.plugins.items():
                merged.plugins.setdefault(tag, plugin)
            merged.file_version = merged.file_version or ev.file_version
        merged.tags = list(index)
        merged.tag_ids = np.concatenate(ids).astype(np.int32)
        merged.steps = np.concatenate([ev.steps for ev in self._chunks])
        merged.wall_times = np.concatenate([ev.wall_times for ev in self._chunks])
        merged.values = np.concatenate([ev.values for ev in self._chunks])
        merged.records = sum(ev.records for ev in self._chunks)
        self._chunks = [merged]
        return merged


class EventFolderFeed(Feed):
    """A TensorBoard run: event files directly in a folder, plus Keras split children."""

    fmt = "tensorboard"

    def __init__(self, source: Path, hparams_dirs: list[Path]) -> None:
        self.source = source
        self.hparams_dirs = hparams_dirs
        #: (file source, forced split, tag prefix) in name order, which is creation order
        self.parts: list[tuple[EventFileSource, str | None, str]] = []
        self._known: set[Path] = set()

    def set_parts(self, parts: list[tuple[Path, str | None, str]]) -> None:
        """Add the event files found by the latest scan (a restart adds a new file)."""
        for path, split, prefix in parts:
            if path not in self._known:
                self._known.add(path)
                self.parts.append((EventFileSource(path), split, prefix))
        # TensorBoard merges a run's files in name order: later files' points replace earlier ones.
        self.parts.sort(key=lambda p: (p[2], p[0].path.name))

    def poll(self) -> Update:
        update = Update()
        for src, _, _ in self.parts:
            src.poll(update)
        return update

    def build(self) -> list[Run]:
        from losslog.readers.tensorboard import run_from_scalars

        loaded = [(src.scalars(), split, prefix) for src, split, prefix in self.parts]
        meta = {
            "event_files": [str(src.path) for src, _, _ in self.parts],
            "records": sum(src.records for src, _, _ in self.parts),
        }
        return [run_from_scalars(loaded, self.source, "", self.fmt, self.hparams_dirs, meta)]

    @property
    def bytes_read(self) -> int:
        return sum(src.tail.bytes_read for src, _, _ in self.parts)


