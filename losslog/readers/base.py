"""What every reader is, and the helpers they share to build a tidy run table.

A reader answers two questions cheaply and separately: "is this path mine?" (``sniff``, from the
name and the first bytes only) and "read it into runs" (``read``). Keeping detection cheap lets a
folder of thousands of files be walked quickly, and a big file is read once, by ``read``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from losslog import naming
from losslog.columns import COLUMNS, PointColumns, SeriesName
from losslog.errors import InputError, ParseError
from losslog.model import Run
from losslog.readers.cells import parse_numbers
from losslog.readers.text import Table

if TYPE_CHECKING:
    import pandas as pd

#: How many leading bytes ``sniff`` gets to look at.
HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Probe:
    """What a reader may look at to decide whether a path is its own."""

    path: Path
    is_dir: bool
    head: bytes  # first HEAD_BYTES of a file; b"" for a folder

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def text_head(self) -> str:
        """The head decoded leniently (BOM stripped), for text formats."""
        return self.head.decode("utf-8", errors="replace").lstrip("\ufeff")

    @property
    def first_line(self) -> str:
        return self.text_head.splitlines()[0] if self.text_head.strip() else ""


class Reader(Protocol):
    """A family of formats."""

    #: stable name used by ``--format NAME`` and in reports ("keras-csv")
    name: str
    #: one line for ``losslog formats``
    description: str
    #: file or folder names it matches, for ``losslog formats`` (documentation only)
    patterns: tuple[str, ...]
    #: a one-line example of the content
    example: str
    #: True when the reader claims folders (TensorBoard run dirs, MLflow stores), False for files
    reads_dirs: bool

    def sniff(self, probe: Probe) -> int:
        """0 when the path is not ours; otherwise a confidence, higher wins (10..100)."""
        ...

    def read(self, path: Path) -> list[Run]:
        """Read the path into runs. ``Run.name`` is the run's name *within* the path: "" when the
        path is one run; discovery prefixes it with the path's own name."""
        ...


def make_probe(path: Path) -> Probe:
    if path.is_dir():
        return Probe(path, True, b"")
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    return Probe(path, False, head)


def empty_frame() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "metric": pd.Series([], dtype=object),
            "split": pd.Series([], dtype=object),
            "step": pd.Series([], dtype="float64"),
            "epoch": pd.Series([], dtype="float64"),
            "value": pd.Series([], dtype="float64"),
            "wall_time": pd.Series([], dtype="float64"),
            "tag": pd.Series([], dtype=object),
        }
    )


def tidy_series(
    tag: str,
    steps: object,
    values: object,
    epochs: object = None,
    wall_times: object = None,
    split: str | None = None,
    default_split: str = "train",
    name: naming.MetricName | None = None,
) -> pd.DataFrame:
    """One tag's points as a tidy frame; its name is parsed once for the whole series."""
    import pandas as pd

    mn = name or naming.parse(tag, split=split, default_split=default_split)
    v = np.asarray(values, dtype="float64")
    n = len(v)
    s = np.asarray(steps, dtype="float64") if steps is not None else np.arange(n, dtype="float64")
    e = np.asarray(epochs, dtype="float64") if epochs is not None else np.full(n, np.nan)
    w = np.asarray(wall_times, dtype="float64") if wall_times is not None else np.full(n, np.nan)
    return pd.DataFrame(
        {
            "metric": pd.Series([mn.metric] * n, dtype=object),
            "split": pd.Series([mn.split] * n, dtype=object),
            "step": s,
            "epoch": e,
            "value": v,
            "wall_time": w,
            "tag": pd.Series([tag] * n, dtype=object),
        }
    )


def concat_frames(frames: list[pd.DataFrame]) -> pd.DataFrame:
    import pandas as pd

    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_frame()
    out = pd.concat(frames, ignore_index=True)
    return out[list(COLUMNS)]


def tidy_from_wide(
    wide: pd.DataFrame,
    step_col: str | None,
    epoch_col: str | None = None,
    wall_col: str | None = None,
    skip: tuple[str, ...] = (),
    split_for: dict[str, str] | None = None,
    default_split: str = "train",
    present: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Melt a wide table (a column per metric) into the tidy table.

    ``wide`` holds floats where a value was logged and ``pd.NA``/missing where the cell was empty
    (sparse Lightning rows, Keras ``NA``): those are absences, not values, and produce no point.
    A logged ``nan`` is a value, not an absence: pass ``present`` (from ``numeric_cells``) to say
    which cells were written; without it, NaN cells count as absent.
    """
    frames = []
    meta_cols = {c for c in (step_col, epoch_col, wall_col) if c}
    steps = wide[step_col].to_numpy(dtype="float64") if step_col else np.arange(len(wide), dtype="float64")
    epochs = wide[epoch_col].to_numpy(dtype="float64") if epoch_col else None
    walls = wide[wall_col].to_numpy(dtype="float64") if wall_col else None
    for col in wide.columns:
        if col in meta_cols or col in skip:
            continue
        mask = (present or {}).get(str(col))
        if mask is None:
            mask = ~wide[col].isna().to_numpy()
        if not mask.any():
            continue
        values = wide[col].to_numpy(dtype="float64", na_value=np.nan)
        frames.append(
            tidy_series(
                str(col),
                steps[mask],
                values[mask],
                epochs[mask] if epochs is not None else None,
                walls[mask] if walls is not None else None,
                split=(split_for or {}).get(str(col)),
                default_split=default_split,
            )
        )
    return concat_frames(frames)


def numeric_cells(texts: pd.Series | Sequence[object]) -> tuple[np.ndarray, np.ndarray]:
    """Parse a column of raw strings: (values, present).

    Empty/``NA`` cells are *absent* (no point); ``nan``/``inf`` are *present* non-finite values
    (divergence evidence, kept); text that is no number is absent too: readers that hold a
    ``Table`` use ``Table.numbers`` instead, which counts such cells.
    """
    cells = texts.tolist() if hasattr(texts, "tolist") else list(texts)
    values, present, _ = parse_numbers(cells)
    return values, present


def tidy_from_table(
    table: Table,
    path: Path,
    step_col: str | None,
    epoch_col: str | None = None,
    wall_col: str | None = None,
    skip: tuple[str, ...] = (),
    split_for: dict[str, str] | None = None,
    rename: dict[str, str] | None = None,
    epoch_from_step: bool = False,
    require_metric: bool = True,
) -> pd.DataFrame:
    """Turn a parsed wide table (a column per metric) into the tidy frame (``columns_from_table``)."""
    cols = columns_from_table(
        table, path, step_col, epoch_col, wall_col, skip, split_for, rename, epoch_from_step, require_metric
    )
    return cols.to_frame() if len(cols) else empty_frame()


def columns_from_table(
    table: Table,
    path: Path,
    step_col: str | None,
    epoch_col: str | None = None,
    wall_col: str | None = None,
    skip: tuple[str, ...] = (),
    split_for: dict[str, str] | None = None,
    rename: dict[str, str] | None = None,
    epoch_from_step: bool = False,
    require_metric: bool = True,
) -> PointColumns:
    """Turn a parsed wide table (a column per metric) into the tidy table's arrays, in one pass.

    Cells are parsed with ``Table.numbers`` so that empty/``NA`` cells are absences (sparse logs),
    a written ``nan``/``inf`` stays a point, and text that is no number is counted. Rows without
    a usable x value give no points. The arrays are built once, not a frame per column: a
    100,000-column table costs what a 100,000-row one does, and a reader that hands the arrays to
    ``finish_run`` spares the analysis a DataFrame (issue 14: a sweep of 1,000 small logs).
    """
    n = len(table.rows)
    epochs: np.ndarray | None = None
    if step_col:
        steps, step_ok = table.numbers(step_col)
    elif epoch_col:
        steps, step_ok = table.numbers(epoch_col)
        epochs = steps.copy()
    else:
        steps, step_ok = np.arange(n, dtype="float64"), np.ones(n, dtype=bool)
    if epoch_col and epochs is None:
        epochs = table.numbers(epoch_col)[0]
    if epoch_from_step:
        epochs = steps.copy()
    walls = table.numbers(wall_col)[0] if wall_col else None
    step_ok = step_ok & np.isfinite(steps)
    meta_cols = {c for c in (step_col, epoch_col, wall_col) if c}
    columns = [i for i, col in enumerate(table.header) if col and col not in meta_cols and col not in skip]
    values, present = table.number_block(columns)  # every metric cell in one pass
    mask = present & step_ok[:, None]
    used = np.flatnonzero(mask.any(axis=0))
    # column-major order: each series' points together, in the file's order
    col_pos, rows = np.nonzero(mask[:, used].T)
    picked_values = values[:, used].T[mask[:, used].T]
    counts = np.bincount(col_pos, minlength=len(used))
    series: list[SeriesName] = []
    for pos in used.tolist():
        col = table.header[columns[pos]]
        tag = (rename or {}).get(col, col)
        mn = naming.parse(tag, split=(split_for or {}).get(col), default_split="train")
        series.append(SeriesName(mn.metric, mn.split, tag))
    if require_metric and not series:
        if not table.rows:
            raise InputError("a header without data rows", path)
        raise ParseError("no numeric metric column found", path)
    if not series:
        return PointColumns.empty()
    return PointColumns(
        series,
        np.repeat(np.arange(len(series), dtype=np.int32), counts),
        steps[rows],
        epochs[rows] if epochs is not None else np.full(len(rows), np.nan),
        picked_values,
        walls[rows] if walls is not None else np.full(len(rows), np.nan),
    )


#: Metadata (hyperparameters, configs, summaries) is shown, never computed with: past these
#: limits it is cut with a warning, so that a hostile config cannot make ``--format json`` slow.
MAX_META_DEPTH = 20
MAX_META_ITEMS = 100_000
MAX_META_STRING = 10_000


def limit_meta(meta: dict[str, object]) -> tuple[dict[str, object], str | None]:
    """``meta`` within the limits (depth, total items, string length), and what was cut.

    Shared references (YAML aliases) are walked as often as they are referenced, so the budget
    bounds the size of the JSON that will be written, not only of the object in memory.
    """
    budget = [MAX_META_ITEMS]
    cut: set[str] = set()

    def walk(value: object, depth: int) -> object:
        budget[0] -= 1
        if isinstance(value, str):
            if len(value) > MAX_META_STRING:
                cut.add(f"strings over {MAX_META_STRING:,} characters")
                return value[:MAX_META_STRING] + "..."
            return value
        if isinstance(value, (dict, list, tuple)):
            if depth >= MAX_META_DEPTH:
                cut.add(f"nesting deeper than {MAX_META_DEPTH} levels")
                return "..."
            items = value.items() if isinstance(value, dict) else enumerate(value)
            out: list[tuple[object, object]] = []
            for key, item in items:
                if budget[0] <= 0:
                    cut.add(f"more than {MAX_META_ITEMS:,} items")
                    break
                out.append((key, walk(item, depth + 1)))
            if isinstance(value, dict):
                return dict(out)
            return [v for _, v in out]
        return value

    limited = walk(meta, 0)
    assert isinstance(limited, dict)
    if not cut:
        return meta, None
    what = ", ".join(sorted(cut))
    return {str(k): v for k, v in limited.items()}, f"metadata cut ({what}); see docs/security.md"


def finish_run(
    frame: pd.DataFrame | PointColumns,
    fmt: str,
    source: Path,
    name: str = "",
    meta: dict[str, object] | None = None,
    warnings: list[str] | None = None,
) -> Run:
    """Wrap a frame or its arrays (rows in write order, every point kept) in a Run.

    Readers never apply the replace-on-restart rule themselves: discovery does, once, so that
    ``--keep-all`` works the same for every format. Metadata is held to ``limit_meta``'s limits,
    and the values the reader dropped (its ``CountedWarning``s) become ``Run.dropped_values``.
    """
    notes = list(warnings or [])
    kept, cut = limit_meta(dict(meta or {}))
    if cut:
        notes.append(f"{source}: {cut}")
    if isinstance(frame, PointColumns):
        return Run(name, str(source), fmt, columns=frame, meta=kept, warnings=notes)
    return Run(name=name, source=str(source), format=fmt, frame=frame.reset_index(drop=True), meta=kept, warnings=notes)
