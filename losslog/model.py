"""The run model: one tidy table per run.

A ``Run`` holds one long table with a row per logged point, whatever the format it came from: a
pandas DataFrame, or the same columns as numpy arrays (``losslog.columns``, which also names the
columns: ``COLUMNS``) until pandas is needed. Imports go one way: model uses columns, never back.
One table (not one per metric) keeps readers trivial and lets pandas align metrics.
Readers keep every point: NaN and inf values are evidence of divergence and are never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from losslog.columns import PointColumns


class CountedWarning(str):
    """A warning that stands for ``dropped`` values the reader dropped (cells that were no number).

    The run's warnings are the one record of what was lost: every output format shows them, and
    ``dropped_count`` sums them for the report's ``dropped_values``, so the two never disagree.
    """

    dropped: int

    def __new__(cls, text: str, dropped: int) -> CountedWarning:
        obj = super().__new__(cls, text)
        obj.dropped = dropped
        return obj

    def __getnewargs__(self) -> tuple[str, int]:  # type: ignore[override]
        """Pickled with its count (a process pool sends analyses back from its workers)."""
        return (str(self), self.dropped)


def dropped_count(warnings: Iterable[str]) -> int:
    """How many values the ``CountedWarning``s among ``warnings`` stand for."""
    return sum(w.dropped for w in warnings if isinstance(w, CountedWarning))


class Run:
    """One training run: a name, where it came from, and its tidy table.

    The table is held either as a DataFrame or as plain arrays (``PointColumns``): the event-file
    reader makes arrays so that ``losslog export`` never imports pandas, and the frame is built
    from them the first time analysis asks for it (the arrays are then let go).
    """

    def __init__(
        self,
        name: str,
        source: str,
        format: str,
        frame: pd.DataFrame | None = None,
        meta: dict[str, Any] | None = None,
        replaced_points: int = 0,
        warnings: list[str] | None = None,
        *,
        columns: PointColumns | None = None,
    ) -> None:
        if (frame is None) == (columns is None):
            raise TypeError("a Run needs exactly one of frame= and columns=")
        self.name = name
        self.source = source
        self.format = format
        self._frame = frame
        self._columns = columns
        self.meta: dict[str, Any] = meta if meta is not None else {}
        #: points dropped because a later write of the same step replaced them (resumed/appended logs)
        self.replaced_points = replaced_points
        #: problems the reader met and recovered from (a bad CRC, a skipped line): shown, never fatal
        self.warnings: list[str] = warnings if warnings is not None else []

    @property
    def dropped_values(self) -> int:
        """Values the reader could not read (text that is no number), as its warnings count them."""
        return dropped_count(self.warnings)

    @property
    def frame(self) -> pd.DataFrame:
        """The tidy table (built from the arrays on first use)."""
        if self._frame is None:
            assert self._columns is not None
            self._frame = self._columns.to_frame()
            self._columns = None
        return self._frame

    @frame.setter
    def frame(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self._columns = None

    @property
    def pending_columns(self) -> PointColumns | None:
        """The arrays, while no frame was built from them yet (the analysis reads them directly)."""
        return self._columns

    @property
    def columns(self) -> PointColumns:
        """The tidy table as arrays: what export writes from, without a DataFrame in between."""
        if self._columns is not None:
            return self._columns
        from losslog.columns import PointColumns

        assert self._frame is not None
        return PointColumns.from_frame(self._frame)

    def drop_replaced(self) -> int:
        """Apply the replace-on-restart rule in place; how many points were dropped."""
        import numpy as np

        from losslog.columns import replaced_and_repeated

        if self._columns is not None:
            cols = self._columns
            replaced, repeated = replaced_and_repeated(cols.step, cols.tag_groups(), cols.value)
            keep = ~(replaced | repeated)
            if not keep.all():
                self._columns = cols.take(keep)
        else:
            f = self.frame
            if f.empty:
                return 0
            groups = [np.asarray(rows) for rows in f.groupby("tag", sort=False).indices.values()]
            replaced, repeated = replaced_and_repeated(
                f["step"].to_numpy(dtype="float64"), groups, f["value"].to_numpy(dtype="float64")
            )
            keep = ~(replaced | repeated)
            if not keep.all():
                self._frame = f[keep].reset_index(drop=True)
        # exact repeats are merged silently: only a resume's replaced points are reported
        dropped = int(replaced.sum())
        self.replaced_points += dropped
        return dropped

    @property
    def tags(self) -> list[str]:
        """Raw series names in first-seen order."""
        import pandas as pd

        return [str(t) for t in pd.unique(self.frame["tag"])]

    def series(self, tag: str) -> pd.DataFrame:
        """The points of one tag, sorted by step."""
        sub = self.frame[self.frame["tag"] == tag]
        return sub.sort_values("step", kind="stable")

    def __len__(self) -> int:
        return len(self._columns) if self._columns is not None else len(self.frame)

    def __repr__(self) -> str:
        return f"Run(name={self.name!r}, source={self.source!r}, format={self.format!r}, points={len(self)})"
