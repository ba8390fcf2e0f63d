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
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from losslog.errors import UsageError
from losslog.model import Run
from losslog.output import write_output

if TYPE_CHECKING:
    import pandas as pd

#: rows formatted at a time when writing CSV (bounds memory for huge runs)
CSV_CHUNK_ROWS = 25_000
#: rows per Parquet row group
PARQUET_CHUNK_ROWS = 1_000_000

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
        write_output(json.dumps(records, allow_nan=False) + "\n", output)
        return
    raise UsageError(f"unknown export format {fmt!r}")  # pragma: no cover - the CLI checks first


def write_csv(runs: list[Run], output: Path | None) -> None:
    """Stream the tidy table as CSV, run by run, without building one big table.

    ``DataFrame.to_csv`` needs about 5 s and 600 MB for a million points; formatting each column
    once with ``repr`` and joining rows here takes a fraction of that, and memory stays per run.
    """
    fh: TextIO
    if output is None:
        fh = sys.stdout
        _write_csv_to(runs, fh)
        fh.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", encoding="utf-8", newline="") as fh:
            _write_csv_to(runs, fh)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _csv_quote(text: str) -> str:
    if any(c in text for c in ',"\r\n') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def _number_texts(values: np.ndarray) -> list[str]:
    """Exact text of each number: integers without ".0" where the column is whole, "" for missing."""
    finite = np.isfinite(values)
    if not finite.any() and np.isnan(values).all():
        return [""] * len(values)
    if finite.all() and (values % 1 == 0).all() and (np.abs(values) < 2**53).all():
        return list(map(str, values.astype(np.int64).tolist()))
    texts = list(map(repr, values.tolist()))
    if not finite.all():
        for i in np.flatnonzero(np.isnan(values)).tolist():
            texts[i] = ""
    return texts


def _write_csv_to(runs: list[Run], fh: TextIO) -> None:
    fh.write(",".join(EXPORT_COLUMNS) + "\n")
    for run in runs:
        f = run.frame
        if f.empty:
            continue
        run_text = _csv_quote(run.name)
        # Run, metric and split form one constant prefix per series: format it once per series.
        codes, keys = series_codes(f)
        prefixes = np.array([f"{run_text},{_csv_quote(m)},{_csv_quote(sp)}," for _, m, sp in keys], dtype=object)
        suffixes = np.array([_csv_quote(t) for t, _, _ in keys], dtype=object)
        step_all = f["step"].to_numpy(dtype="float64")
        epoch_all = f["epoch"].to_numpy(dtype="float64")
        value_all = f["value"].to_numpy(dtype="float64")
        wall_all = f["wall_time"].to_numpy(dtype="float64")
        # In chunks, so the text of a million-point run never sits in memory all at once.
        for lo in range(0, len(f), CSV_CHUNK_ROWS):
            hi = lo + CSV_CHUNK_ROWS
            chunk_codes = codes[lo:hi]
            steps = _number_texts(step_all[lo:hi])
            epochs = _number_texts(epoch_all[lo:hi])
            values = list(map(repr, value_all[lo:hi].tolist()))  # nan/inf stay visible
            walls = _number_texts(wall_all[lo:hi])
            fh.writelines(
                f"{p}{s},{e},{v},{w},{t}\n"
                for p, s, e, v, w, t in zip(
                    prefixes[chunk_codes].tolist(), steps, epochs, values, walls, suffixes[chunk_codes].tolist()
                )
            )


def series_codes(frame: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, str, str]]]:
    """A small integer per row naming its (tag, metric, split), and those triples.

    Factorizing the three columns separately and combining the codes arithmetically avoids
    building a million concatenated strings (slow, and hundreds of MB).
    """
    import pandas as pd

    parts = [pd.factorize(frame[c], sort=False) for c in ("tag", "metric", "split")]
    (tc, tu), (mc, mu), (sc, su) = parts
    combined = (np.asarray(tc, dtype=np.int64) * len(mu) + np.asarray(mc)) * len(su) + np.asarray(sc)
    uniq, codes = np.unique(combined, return_inverse=True)
    keys = []
    for c in uniq.tolist():
        rest, s = divmod(c, len(su))
        t, m = divmod(rest, len(mu))
        keys.append((str(tu[t]), str(mu[m]), str(su[s])))
    return codes.astype(np.int64), keys


def write_parquet(runs: list[Run], output: Path) -> None:
    """Write the tidy table straight from each run's arrays with pyarrow, one row group per chunk.

    Going through one concatenated DataFrame costs a copy of every column; here the only copies
    are the small dictionary-encoded name columns. Steps and epochs are integers where every
    run's are whole; a missing epoch or wall time is null, a logged NaN value stays NaN.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError("--format parquet needs pyarrow: pip install 'losslog[parquet]'") from None

    def whole(col: str) -> bool:
        for run in runs:
            v = run.frame[col].to_numpy(dtype="float64")
            known = v[~np.isnan(v)]
            if len(known) and not ((known % 1 == 0).all() and (np.abs(known) < 2**53).all()):
                return False
        return True

    int_cols = {c for c in ("step", "epoch") if whole(c)}
    text = pa.dictionary(pa.int32(), pa.string())
    schema = pa.schema(
        [
            ("run", text),
            ("metric", text),
            ("split", text),
            ("step", pa.int64() if "step" in int_cols else pa.float64()),
            ("epoch", pa.int64() if "epoch" in int_cols else pa.float64()),
            ("value", pa.float64()),
            ("wall_time", pa.float64()),
            ("tag", text),
        ]
    )

    def number(values: np.ndarray, as_int: bool) -> pa.Array:
        missing = np.isnan(values)
        if as_int:
            return pa.array(np.where(missing, 0, values).astype(np.int64), mask=missing, type=pa.int64())
        return pa.array(values, mask=missing, type=pa.float64())

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with pq.ParquetWriter(output, schema) as writer:
            for run in runs:
                f = run.frame
                if f.empty:
                    continue
                codes, keys = series_codes(f)
                tags = pa.array([k[0] for k in keys], pa.string())
                metrics = pa.array([k[1] for k in keys], pa.string())
                splits = pa.array([k[2] for k in keys], pa.string())
                cols = {c: f[c].to_numpy(dtype="float64") for c in ("step", "epoch", "value", "wall_time")}
                for lo in range(0, len(f), PARQUET_CHUNK_ROWS):
                    hi = lo + PARQUET_CHUNK_ROWS
                    idx = pa.array(codes[lo:hi].astype(np.int32))
                    n = len(idx)
                    batch = pa.record_batch(
                        [
                            pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), [run.name]),
                            pa.DictionaryArray.from_arrays(idx, metrics),
                            pa.DictionaryArray.from_arrays(idx, splits),
                            number(cols["step"][lo:hi], "step" in int_cols),
                            number(cols["epoch"][lo:hi], "epoch" in int_cols),
                            pa.array(cols["value"][lo:hi], type=pa.float64()),  # NaN stays a value
                            number(cols["wall_time"][lo:hi], False),
                            pa.DictionaryArray.from_arrays(idx, tags),
                        ],
                        schema=schema,
                    )
                    writer.write_batch(batch)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None

