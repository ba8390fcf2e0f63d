"""The tidy table of many runs, and writing it at full precision.

Floats are written with Python's shortest round-trip repr, so a float32 read from a log and
widened to float64 comes back bit-for-bit equal. A logged NaN/inf is written as ``nan``/``inf``
(never as an empty cell, which means "not logged").
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from losslog.errors import UsageError
from losslog.model import Run

if TYPE_CHECKING:
    import pandas as pd

EXPORT_COLUMNS: tuple[str, ...] = ("run", "metric", "split", "step", "epoch", "value", "wall_time", "tag")


def tidy_table(runs: list[Run]) -> pd.DataFrame:
    """All runs' points in one frame with a leading ``run`` column; integral steps as integers."""
    import pandas as pd

    frames = []
    for run in runs:
        f = run.frame.copy()
        f.insert(0, "run", run.name)
        frames.append(f)
    if not frames:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in EXPORT_COLUMNS})
    table = pd.concat(frames, ignore_index=True)[list(EXPORT_COLUMNS)]
    for col in ("step", "epoch"):
        values = table[col]
        known = values.notna()
        if known.any() and bool((values[known] % 1 == 0).all()) and bool((values[known].abs() < 2**53).all()):
            table[col] = values.astype("Int64")
    return table


def _float_text(x: float) -> str:
    return repr(float(x))  # "nan", "inf", "-inf" or the shortest exact decimal


def _cell(value: Any) -> Any:
    """A JSON-ready cell: None for missing, Python scalars, non-finite values as strings."""
    if value is None:
        return None
    try:
        import pandas as pd

        if value is pd.NA:
            return None
    except ImportError:  # pragma: no cover
        pass
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return _float_text(value)
    return value


def write_table(table: pd.DataFrame, fmt: str, output: Path | None) -> None:
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise UsageError("--format parquet needs pyarrow: pip install 'losslog[parquet]'") from None
        if output is None:
            raise UsageError("--format parquet needs --output FILE (it is binary)")
        table.to_parquet(output, index=False)
        return
    if fmt == "json":
        cols = list(table.columns)
        value_i = cols.index("value")
        records = []
        for row in table.itertuples(index=False, name=None):
            rec = {c: _cell(v) for c, v in zip(cols, row)}
            raw = row[value_i]
            if isinstance(raw, float) and math.isnan(raw):
                rec["value"] = "nan"  # a logged NaN is a value, not a missing cell
            records.append(rec)
        _emit(json.dumps(records, allow_nan=False) + "\n", output)
        return
    out = table.copy()
    out["value"] = out["value"].map(_float_text)
    out["wall_time"] = out["wall_time"].map(lambda x: "" if x is None or math.isnan(x) else _float_text(x))
    if out["epoch"].dtype.kind == "f":
        out["epoch"] = out["epoch"].map(lambda x: "" if math.isnan(x) else _float_text(x))
    if out["step"].dtype.kind == "f":
        out["step"] = out["step"].map(_float_text)
    _emit(out.to_csv(index=False, lineterminator="\n", na_rep=""), output)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
