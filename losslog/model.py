"""The run model: one tidy table per run.

A ``Run`` holds one long pandas DataFrame with a row per logged point, whatever the format it came
from. One table (not one per metric) keeps readers trivial and lets pandas align metrics.
Readers keep every point: NaN and inf values are evidence of divergence and are never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: The tidy-table columns, in order.
#: metric: normalized name without its split ("loss", "accuracy", "box_loss");
#: split: "train", "val", "test" or "" where the log does not say;
#: step: x position as logged; epoch: as the log counts it (NaN where unknown);
#: value: float, non-finite kept; wall_time: seconds since 1970 (NaN where unknown);
#: tag: the raw name as written in the file, so every number traces back.
COLUMNS: tuple[str, ...] = ("metric", "split", "step", "epoch", "value", "wall_time", "tag")


@dataclass
class Run:
    """One training run: a name, where it came from, and its tidy table."""

    name: str
    source: str
    format: str
    frame: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    #: points dropped because a later write of the same step replaced them (resumed/appended logs)
    replaced_points: int = 0
    #: problems the reader met and recovered from (a bad CRC, a skipped line): shown, never fatal
    warnings: list[str] = field(default_factory=list)

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
        return len(self.frame)
