"""What the decoder gives back: ``EventScalars`` (every scalar point of one file, as numpy
columns) and the one error it raises, ``NotAnEventFile``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class EventScalars:
    """Every scalar point of one event file, in write order (record order, then value order)."""

    path: str
    tags: list[str] = field(default_factory=list)
    tag_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    wall_times: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    values: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    #: hyperparameters from the HParams plugin's session_start_info
    hparams: dict[str, Any] = field(default_factory=dict)
    #: plugin name per tag, from the first metadata seen for it
    plugins: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    records: int = 0
    bad_records: int = 0
    file_version: str | None = None
    #: the file ends inside a record (a writer still running, or a copy cut short): normal
    truncated: bool = False

    def __len__(self) -> int:
        return len(self.values)

    def tags_of_points(self) -> list[str]:
        """The tag of every point (a Python list, for tests and small files)."""
        return [self.tags[i] for i in self.tag_ids.tolist()]

    def series(self) -> Iterator[tuple[str, np.ndarray]]:
        """(tag, row indices) per tag, tags in first-seen order."""
        if not len(self.tag_ids):
            return
        order = np.argsort(self.tag_ids, kind="stable")
        sorted_ids = self.tag_ids[order]
        bounds = np.flatnonzero(np.diff(sorted_ids)) + 1
        groups = np.split(order, bounds)
        firsts = sorted(groups, key=lambda g: int(g[0]))
        for g in firsts:
            yield self.tags[int(self.tag_ids[g[0]])], g


class NotAnEventFile(ValueError):
    """The bytes are not TFRecord-framed at all (raised only when no record can be found)."""
