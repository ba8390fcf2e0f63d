"""Decoding state of one file: the points gathered so far (``Collector``), the problems met, the
record count, and step 4 of the decoder, ``Session.finish`` (points into write order, tags
numbered in first-seen order, warnings).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losslog.readers.tfevents.layouts import Template, learned_layouts
from losslog.readers.tfevents.result import EventScalars

#: at most this many warnings per file are spelled out; the rest are counted.
_MAX_WARNINGS = 10


class Collector:
    """Points gathered out of order (one length group at a time), scattered back into write order
    at the end: a point's place is the number of points in earlier records plus its index within
    its record. Scattering instead of concatenating and sorting keeps one copy of the columns."""

    def __init__(self) -> None:
        self.tag_index: dict[str, int] = {}
        self.chunks: list[
            tuple[np.ndarray, int | np.ndarray, int | np.ndarray, np.ndarray, np.ndarray, np.ndarray]
        ] = []

    def tag_id(self, tag: str) -> int:
        return self.tag_index.setdefault(tag, len(self.tag_index))

    def add(
        self,
        rec: np.ndarray,
        sub: int | np.ndarray,
        tag: int | np.ndarray,
        step: np.ndarray,
        wall: np.ndarray,
        value: np.ndarray,
    ) -> None:
        self.chunks.append((rec, sub, tag, step, wall, value))

    def write_order(self, n_records: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(tag ids, steps, wall times, values) in write order; the chunks are consumed one column
        at a time, so memory holds the chunks plus one output column, not two full copies."""
        counts = np.zeros(n_records, dtype=np.int64)
        for rec, *_ in self.chunks:
            counts += np.bincount(rec, minlength=n_records)
        starts = np.cumsum(counts) - counts
        total = int(counts.sum())
        del counts
        chunks: list[list[Any]] = [list(c) for c in self.chunks]
        self.chunks = []
        for c in chunks:  # replace each chunk's record numbers by its points' destinations
            c[0] = starts[c[0]] + c[1]
        del starts
        out = []
        for j, dtype in ((2, np.int32), (3, np.int64), (4, np.float64), (5, np.float64)):
            column = np.empty(total, dtype=dtype)
            for c in chunks:
                column[c[0]] = c[j]
                c[j] = None
            out.append(column)
        return out[0], out[1], out[2], out[3]


class Session:
    """Decoding state shared by the windows of one file: the points found so far, the problems,
    and the templates learned (so a window does not re-learn the layout the previous one saw).

    Templates are shared by every file this process reads (``layouts.learned_layouts``): the runs
    of a sweep log the same layouts, and learning them anew for each small file was most of its
    decoding time."""

    def __init__(self, path: str) -> None:
        self.result = EventScalars(path=path)
        self.col = Collector()
        self.problems: list[tuple[int, str]] = []
        self.templates: dict[int, list[Template]] = learned_layouts()
        self.rec_base = 0  # records decoded in earlier windows
        self.base = 0  # file offset of the current window

    def problem(self, at: int, msg: str) -> None:
        """``at`` is an offset in the current window; ``{at}`` in ``msg`` becomes the file offset."""
        at += self.base
        self.problems.append((at, msg.format(at=at)))

    def finish(self) -> EventScalars:
        """Step 4: points into write order, tags numbered in first-seen order, warnings."""
        result, col = self.result, self.col
        result.records = self.rec_base
        for learned in self.templates.values():
            for tmpl in learned:  # 256 KB each, worth it within a big file, not kept across files
                tmpl.pair_tables.clear()
        if col.chunks:
            ids, result.steps, result.wall_times, result.values = col.write_order(self.rec_base)
            # renumber tags in first-seen order (groups were decoded by length, not in file order)
            names = list(col.tag_index)
            present = np.zeros(len(names), dtype=bool)
            present[ids] = True
            first_at = np.full(len(names), len(ids), dtype=np.int64)
            np.minimum.at(first_at, ids, np.arange(len(ids), dtype=np.int64))
            seen = sorted(np.flatnonzero(present).tolist(), key=lambda t: int(first_at[t]))
            remap = np.zeros(len(names), dtype=np.int32)
            remap[seen] = np.arange(len(seen), dtype=np.int32)
            result.tag_ids = remap[ids]
            result.tags = [names[t] for t in seen]
        problems = sorted(self.problems)  # in file order, whichever path found them
        if problems:
            path = result.path
            result.bad_records = len(problems)
            shown = problems[:_MAX_WARNINGS]
            result.warnings = [f"{path}: {msg}" for _, msg in shown]
            if len(problems) > len(shown):
                result.warnings.append(f"{path}: ... and {len(problems) - len(shown)} more damaged records")
        return result
