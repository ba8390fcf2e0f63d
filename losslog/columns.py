"""A run's points as plain numpy arrays: the form that needs no pandas.

Importing pandas costs about 0.35 s and 100 MB before the first point is read, and a DataFrame
with three object columns costs 24 bytes a point for names that take a handful of values. The
event-file reader builds these arrays, discovery applies the replace-on-restart rule to them, and
``losslog export`` writes them; the DataFrame that analysis and charts use is built from them the
first time it is asked for (``Run.frame``). A million TensorBoard scalars export in a third of
the memory this way (docs/tensorboard.md has the measurements).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

#: The tidy-table columns, in order.
#: metric: normalized name without its split ("loss", "accuracy", "box_loss");
#: split: "train", "val", "test" or "" where the log does not say;
#: step: x position as logged; epoch: as the log counts it (NaN where unknown);
#: value: float, non-finite kept; wall_time: seconds since 1970 (NaN where unknown);
#: tag: the raw name as written in the file, so every number traces back.
COLUMNS: tuple[str, ...] = ("metric", "split", "step", "epoch", "value", "wall_time", "tag")


class SeriesName(NamedTuple):
    """What every point of one series shares: the tidy table's three name columns."""

    metric: str
    split: str
    tag: str


@dataclass
class PointColumns:
    """The tidy table, column by column: ``code`` indexes ``series`` for each point's names."""

    series: list[SeriesName]
    code: np.ndarray  # int32 per point (a million points: 4 MB)
    step: np.ndarray  # float64, as the run model has it
    epoch: np.ndarray  # float64, NaN where unknown
    value: np.ndarray  # float64, non-finite kept
    wall_time: np.ndarray  # float64, NaN where unknown

    def __len__(self) -> int:
        return len(self.code)

    @classmethod
    def empty(cls) -> PointColumns:
        nothing = np.empty(0, dtype=np.float64)
        return cls([], np.empty(0, dtype=np.int32), nothing, nothing.copy(), nothing.copy(), nothing.copy())

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> PointColumns:
        """Factorize the three name columns separately and combine the codes arithmetically:
        a million concatenated strings would cost seconds and hundreds of MB."""
        import pandas as pd

        if frame.empty:
            return cls.empty()
        parts = [pd.factorize(frame[c], sort=False) for c in ("metric", "split", "tag")]
        (mc, mu), (sc, su), (tc, tu) = parts
        combined = (np.asarray(tc, dtype=np.int64) * len(mu) + np.asarray(mc)) * len(su) + np.asarray(sc)
        uniq, codes = np.unique(combined, return_inverse=True)
        series = []
        for c in uniq.tolist():
            rest, s = divmod(c, len(su))
            t, m = divmod(rest, len(mu))
            series.append(SeriesName(str(mu[m]), str(su[s]), str(tu[t])))
        return cls(
            series,
            codes.reshape(-1).astype(np.int32),
            *(frame[c].to_numpy(dtype=np.float64) for c in ("step", "epoch", "value", "wall_time")),
        )

    def to_frame(self) -> pd.DataFrame:
        """The tidy frame of the run model (object name columns, float64 numbers), rows in order."""
        import pandas as pd

        def names(field: int) -> pd.Series:
            lookup = np.array([s[field] for s in self.series] or [""], dtype=object)
            return pd.Series(lookup[self.code], dtype=object, copy=False)

        frame = pd.DataFrame(
            {
                "metric": names(0),
                "split": names(1),
                "step": self.step,
                "epoch": self.epoch,
                "value": self.value,
                "wall_time": self.wall_time,
                "tag": names(2),
            },
            copy=False,
        )
        return frame[list(COLUMNS)]

    def take(self, rows: np.ndarray) -> PointColumns:
        """The points at ``rows`` (a boolean mask or positions), the series list unchanged."""
        return PointColumns(
            self.series,
            self.code[rows],
            self.step[rows],
            self.epoch[rows],
            self.value[rows],
            self.wall_time[rows],
        )

    def codes_by_tag(self) -> dict[str, list[int]]:
        """The series codes of each tag, tags in series order (a tag may span several codes)."""
        codes_of: dict[str, list[int]] = {}
        for i, s in enumerate(self.series):
            codes_of.setdefault(s.tag, []).append(i)
        return codes_of

    def tag_groups(self) -> list[np.ndarray]:
        """The row positions of each tag, in write order."""
        codes_of = self.codes_by_tag()
        if len(codes_of) == 1:
            return [np.arange(len(self.code))]
        order = np.argsort(self.code, kind="stable")
        bounds = np.searchsorted(self.code[order], np.arange(len(self.series) + 1))
        by_code = [order[bounds[i] : bounds[i + 1]] for i in range(len(self.series))]
        groups = []
        for codes in codes_of.values():
            rows = by_code[codes[0]] if len(codes) == 1 else np.sort(np.concatenate([by_code[c] for c in codes]))
            groups.append(rows)
        return groups


def concat_columns(parts: Iterable[PointColumns]) -> PointColumns:
    """Parts one after another, rows in order; series shared by name get one code."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return PointColumns.empty()
    if len(parts) == 1:
        return parts[0]
    index: dict[SeriesName, int] = {}
    codes = []
    for p in parts:
        remap = np.array([index.setdefault(s, len(index)) for s in p.series], dtype=np.int32)
        codes.append(remap[p.code])
    return PointColumns(
        list(index),
        np.concatenate(codes),
        *(np.concatenate([getattr(p, c) for p in parts]) for c in ("step", "epoch", "value", "wall_time")),
    )


def replaced_and_repeated(
    steps: np.ndarray, groups: Iterable[np.ndarray], values: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(replaced, repeated) masks: what a resume replaced, and exact repeats merged without alarm.

    A series *resumes* only where its steps rewind (a point's step is below the one before it):
    every earlier point at or after the step it rewound to is replaced by the resumed writes
    (TensorBoard's data-server rule, applied to real restarts only). Several points at one step
    with no rewind between them are not a resume: two writers (train and val lines of a nanoGPT
    log), Lightning's ``epoch`` written at the end of the train and the validation loop, YOLOv8's
    per-batch writes. They are kept, except exact repeats (same step, same value, one after the
    other), which are merged.
    """
    replaced = np.zeros(len(steps), dtype=bool)
    repeated = np.zeros(len(steps), dtype=bool)
    for idx in groups:
        s = steps[idx]
        if len(s) < 2:
            continue
        segment = np.concatenate(([0], np.cumsum(s[1:] < s[:-1])))
        if segment[-1]:
            # the lowest step any later segment starts again from, for each point
            starts = s[np.flatnonzero(np.diff(segment, prepend=-1))]
            later = np.append(np.minimum.accumulate(starts[::-1])[::-1][1:], np.inf)
            replaced[idx] = s >= later[segment]
        if values is not None:
            v = values[idx]
            same = (s[1:] == s[:-1]) & ((v[1:] == v[:-1]) | (np.isnan(v[1:]) & np.isnan(v[:-1])))
            repeated[idx[1:]] = same & ~replaced[idx[1:]] & ~replaced[idx[:-1]]
    return replaced, repeated


def keep_latest(steps: np.ndarray, groups: Iterable[np.ndarray], values: np.ndarray | None = None) -> np.ndarray:
    """Resumed and appended logs: True for the points neither a resume replaced nor an exact repeat.

    ``groups`` are each series' row positions in write order (see ``replaced_and_repeated``).
    """
    replaced, repeated = replaced_and_repeated(steps, list(groups), values)
    return ~(replaced | repeated)
