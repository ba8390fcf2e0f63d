"""The tidy table of many runs, and writing it at full precision.

Floats are written as their shortest round-trip decimal text (Arrow's formatter: ``0.1``,
``1e-7``, ``3`` for a whole float), so a float32 read from a log and widened to float64 comes back
bit-for-bit equal. A logged NaN/inf is written as ``nan``/``inf`` (never as an empty cell, which
means "not logged").
"""

from __future__ import annotations

import json
import math
import sys
from collections import deque
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from losslog import sanitize
from losslog.errors import UsageError
from losslog.model import Run
from losslog.output import write_output

if TYPE_CHECKING:
    import pandas as pd

    from losslog.columns import PointColumns

#: rows formatted at a time when writing CSV (bounds memory for huge runs)
CSV_CHUNK_ROWS = 25_000
#: threads formatting CSV chunks (Arrow releases the GIL; these machines have two cores)
CSV_THREADS = 2
#: rows per Parquet row group (the writer holds one encoded row group in memory)
PARQUET_CHUNK_ROWS = 250_000

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
        values = table[col].to_numpy(dtype=np.float64)
        known = values[~np.isnan(values)]
        if len(known) and whole_numbers(known).all():
            table[col] = table[col].astype("Int64")
    return table


def whole_numbers(values: np.ndarray) -> np.ndarray:
    """Which values an integer column can hold exactly: whole and below 2**53 (False for NaN
    and inf). Steps and epochs are written as integers where they are whole."""
    with np.errstate(invalid="ignore"):
        return np.asarray((values % 1 == 0) & (np.abs(values) < 2**53))


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


def write_json(runs: list[Run], output: Path | None) -> None:
    """The tidy table as one JSON array of records; a logged NaN is the string "nan" (JSON has
    no NaN), a missing cell is null."""
    table = tidy_table(runs)
    cols = list(table.columns)
    value_i = cols.index("value")
    records = []
    for row in table.itertuples(index=False, name=None):
        rec = {c: _cell(v) for c, v in zip(cols, row, strict=True)}
        raw = row[value_i]
        if isinstance(raw, float) and math.isnan(raw):
            rec["value"] = "nan"  # a logged NaN is a value, not a missing cell
        records.append(rec)
    write_output(json.dumps(records, allow_nan=False) + "\n", output)


def write_csv(runs: list[Run], output: Path | None, spreadsheet_safe: bool = True) -> None:
    """Stream the tidy table as CSV, run by run and chunk by chunk, from the runs' arrays.

    Run, metric, split and tag come from strangers' logs: with ``spreadsheet_safe`` (the default)
    a name that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` ...) is written
    with a leading ``'`` (OWASP's advice, ``losslog.sanitize.spreadsheet_safe``); ``False`` writes
    the names as the logs have them. Numbers are never touched. The cost is one check per series,
    not per row.

    Each chunk's lines are formatted and joined by Arrow's compute kernels (shortest round-trip
    float text, so every value is exact) and written straight from the joined string buffer: no
    Python object per cell, no DataFrame. ``DataFrame.to_csv`` needed about 5 s and 600 MB for a
    million points, a Python ``repr`` per cell about 2.5 s; this takes about 0.3 s.
    """
    pa, _ = _arrow("csv")
    if output is None:
        stream = getattr(sys.stdout, "buffer", None)
        if stream is None:  # a text-only stdout (an embedding host): decode, slower but the same
            for chunk in _csv_chunks(runs, pa, spreadsheet_safe):
                sys.stdout.write(bytes(chunk).decode("utf-8"))
        else:
            sys.stdout.flush()
            for chunk in _csv_chunks(runs, pa, spreadsheet_safe):
                stream.write(chunk)
            stream.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("wb") as fh:
            for chunk in _csv_chunks(runs, pa, spreadsheet_safe):
                fh.write(chunk)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _arrow(fmt: str) -> tuple[Any, Any]:
    """pyarrow and its compute module; a clear message when the install lacks them.

    Arrow's own allocator (mimalloc or jemalloc) keeps freed chunks for reuse: writing a million
    points chunk by chunk then holds 50-90 MB more at its peak than with the C library's
    allocator, which hands big blocks back at once. Time is the same either way (measured).
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        raise UsageError(f"--format {fmt} needs pyarrow: pip install pyarrow") from None
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())
    return pa, pc


def _csv_quote(text: str) -> str:
    if any(c in text for c in ',"\r\n') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def _name_cell(text: str) -> str:
    """A name column's cell that a spreadsheet shows as text, never runs as a formula."""
    return _csv_quote(sanitize.spreadsheet_safe(text))


def _csv_chunks(runs: list[Run], pa: Any, spreadsheet_safe: bool = True) -> Iterator[memoryview]:
    """The CSV's bytes: the header, then each run's lines, CSV_CHUNK_ROWS at a time.

    Arrow's kernels release the GIL, so chunks are formatted two at a time on worker threads
    while this thread writes the one before (a few chunks in flight bound the memory).
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    yield memoryview((",".join(EXPORT_COLUMNS) + "\n").encode())
    with ThreadPoolExecutor(max_workers=CSV_THREADS) as pool:
        pending: deque[Future[memoryview]] = deque()
        for job in _csv_jobs(runs, pa, spreadsheet_safe):
            pending.append(pool.submit(job))
            if len(pending) > CSV_THREADS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _csv_jobs(runs: list[Run], pa: Any, spreadsheet_safe: bool = True) -> Iterator[Callable[[], memoryview]]:
    """One callable per chunk of about CSV_CHUNK_ROWS rows, each giving its CSV lines as bytes.

    A chunk is cut from one big run or gathers many small ones (a sweep of 200 short runs is
    a handful of chunks, not 200 rounds of Arrow calls)."""
    segments: list[tuple[str, PointColumns, int, int]] = []
    rows = 0
    for run in runs:
        cols = run.columns
        for lo in range(0, len(cols), CSV_CHUNK_ROWS):
            hi = min(lo + CSV_CHUNK_ROWS, len(cols))
            if segments and rows + hi - lo > CSV_CHUNK_ROWS:
                yield partial(_csv_lines, segments, pa, spreadsheet_safe)
                segments, rows = [], 0
            segments.append((run.name, cols, lo, hi))
            rows += hi - lo
    if segments:
        yield partial(_csv_lines, segments, pa, spreadsheet_safe)


def _csv_lines(
    segments: list[tuple[str, PointColumns, int, int]], pa: Any, spreadsheet_safe: bool = True
) -> memoryview:
    """The CSV lines of some runs' rows ``lo:hi``, formatted and joined by Arrow's kernels.

    Run, metric and split are one constant prefix per series and the tag one suffix: they are
    quoted once per series, and Arrow picks them per row by the series code."""
    import pyarrow.compute as pc

    from losslog import arrow

    prefixes: list[str] = []
    suffixes: list[str] = []
    codes = []
    numbers: dict[str, list[np.ndarray]] = {c: [] for c in ("step", "epoch", "value", "wall_time")}
    name_cell = _name_cell if spreadsheet_safe else _csv_quote
    for name, cols, lo, hi in segments:
        run_text = name_cell(name)
        codes.append(cols.code[lo:hi].astype(np.int32) + len(prefixes))
        prefixes += [f"{run_text},{name_cell(s.metric)},{name_cell(s.split)}" for s in cols.series]
        suffixes += [name_cell(s.tag) + "\n" for s in cols.series]
        for c, parts in numbers.items():
            parts.append(getattr(cols, c)[lo:hi])
    code = arrow.numbers(pa, np.concatenate(codes) if len(codes) > 1 else codes[0])
    column = {c: np.concatenate(parts) if len(parts) > 1 else parts[0] for c, parts in numbers.items()}
    empty = arrow.strings(pa, [""])[0]  # scalars made this way skip pyarrow's pandas probe
    joined = pc.binary_join_element_wise(
        arrow.strings(pa, prefixes).take(code),
        _number_text(column["step"], pa, pc, empty),
        _number_text(column["epoch"], pa, pc, empty),
        pc.cast(arrow.numbers(pa, column["value"]), pa.string()),  # NaN is "nan": a logged value
        _number_text(column["wall_time"], pa, pc, empty),
        arrow.strings(pa, suffixes).take(code),
        arrow.strings(pa, [","])[0],
    )
    return arrow.string_bytes(joined)


def _number_text(values: np.ndarray, pa: Any, pc: Any, empty: Any) -> Any:
    """Exact text per number, "" where NaN (not logged): a whole number below 2**53 as an
    integer, anything else as its shortest round-trip float (so the text of a number never
    depends on its neighbours or on how rows were chunked)."""
    from losslog import arrow

    missing = np.isnan(values)
    if missing.all():
        return arrow.strings(pa, [""]).take(arrow.numbers(pa, np.zeros(len(values), dtype=np.int32)))
    whole = whole_numbers(values)
    if whole.all():
        return pc.cast(arrow.numbers(pa, values.astype(np.int64)), pa.string())
    as_float = pc.cast(arrow.numbers(pa, values, missing), pa.string())
    if whole.any():
        as_int = pc.cast(arrow.numbers(pa, np.where(whole, values, 0).astype(np.int64)), pa.string())
        as_float = pc.if_else(arrow.booleans(pa, whole), as_int, as_float)
    return pc.fill_null(as_float, empty) if missing.any() else as_float


def write_parquet(runs: list[Run], output: Path) -> None:
    """Write the tidy table straight from each run's arrays with pyarrow, one row group per chunk.

    Going through one concatenated DataFrame costs a copy of every column; here the only copies
    are the small dictionary-encoded name columns. Steps and epochs are integers where every
    run's are whole; a missing epoch or wall time is null, a logged NaN value stays NaN.
    """
    pa, _ = _arrow("parquet")
    import pyarrow.parquet as pq

    from losslog import arrow

    tables = [(run.name, run.columns) for run in runs]  # a frame-held run is factorized once

    def whole(col: str) -> bool:
        for _, cols in tables:
            v = getattr(cols, col)
            known = v[~np.isnan(v)]
            if len(known) and not whole_numbers(known).all():
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

    def number(values: np.ndarray, as_int: bool) -> Any:
        missing = np.isnan(values)
        if as_int:
            return arrow.numbers(pa, np.where(missing, 0, values).astype(np.int64), missing)
        return arrow.numbers(pa, values, missing)

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        # Dictionary pages only for the name columns: for floats the writer builds a hash table of
        # every distinct value before giving up on it (about 45 MB per 250,000 values, measured).
        with pq.ParquetWriter(output, schema, use_dictionary=["run", "metric", "split", "tag"]) as writer:
            for run_name, cols in tables:
                if not len(cols):
                    continue
                names = {f: [getattr(s, f) for s in cols.series] for f in ("metric", "split", "tag")}
                for lo in range(0, len(cols), PARQUET_CHUNK_ROWS):
                    hi = lo + PARQUET_CHUNK_ROWS
                    idx = cols.code[lo:hi]
                    batch = pa.record_batch(
                        [
                            arrow.dictionary(pa, np.zeros(len(idx), dtype=np.int32), [run_name]),
                            arrow.dictionary(pa, idx, names["metric"]),
                            arrow.dictionary(pa, idx, names["split"]),
                            number(cols.step[lo:hi], "step" in int_cols),
                            number(cols.epoch[lo:hi], "epoch" in int_cols),
                            arrow.numbers(pa, cols.value[lo:hi]),  # NaN stays a value
                            number(cols.wall_time[lo:hi], False),
                            arrow.dictionary(pa, idx, names["tag"]),
                        ],
                        schema=schema,
                    )
                    writer.write_batch(batch)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
