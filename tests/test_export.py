"""``losslog export`` written from the runs' arrays: exact text, every point, no pandas on the way."""

from __future__ import annotations

import csv
import math
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from losslog import arrow, export
from losslog.columns import COLUMNS, PointColumns, SeriesName, concat_columns
from losslog.model import Run
from losslog.sanitize import spreadsheet_safe
from tests.tb_helpers import tbx_write

names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=8)
floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(width=32).map(float),  # float32 widened, as event files hold them
    st.sampled_from([0.0, -0.0, 1.0, 1e-7, 1e16, 5e-324, 2.0**53, 123456789.5]),
)
steps = st.one_of(st.integers(0, 10**6).map(float), st.floats(0, 1e6, allow_nan=False), st.just(float("nan")))


@st.composite
def runs_(draw: st.DrawFn) -> list[Run]:
    runs = []
    for _ in range(draw(st.integers(1, 3))):
        series = draw(st.lists(st.tuples(names, st.sampled_from(["train", "val", ""]), names), min_size=1, max_size=4))
        n = draw(st.integers(0, 40))
        code = np.array(draw(st.lists(st.integers(0, len(series) - 1), min_size=n, max_size=n)), dtype=np.int32)

        def col(strategy: st.SearchStrategy[float], n: int = n) -> np.ndarray:
            return np.array(draw(st.lists(strategy, min_size=n, max_size=n)), dtype=np.float64)

        cols = PointColumns(
            [SeriesName(*s) for s in series], code, col(steps), col(steps), col(floats), col(steps | floats)
        )
        runs.append(Run(draw(names), "src", "test", columns=cols))
    return runs


def _same_number(text: str, want: float, missing: str, bits: bool = False) -> bool:
    """The text reads back as ``want``; ``bits``: bit for bit, so -0.0 keeps its sign (values
    only: a whole step column is written as integers, where -0.0 is 0)."""
    if math.isnan(want):
        return text == missing
    got = float(text)
    return struct.pack("<d", got) == struct.pack("<d", want) if bits else got == want


@given(runs_(), st.sampled_from([1, 3, 7, 100_000]), st.booleans())
def test_csv_is_exact_and_complete(
    tmp_path_factory: pytest.TempPathFactory, runs: list[Run], chunk: int, safe: bool
) -> None:
    out = tmp_path_factory.mktemp("csv") / "all.csv"
    old = export.CSV_CHUNK_ROWS
    export.CSV_CHUNK_ROWS = chunk  # chunk edges split whole and fractional steps apart
    name = spreadsheet_safe if safe else str
    try:
        export.write_csv(runs, out, spreadsheet_safe=safe)
    finally:
        export.CSV_CHUNK_ROWS = old
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(export.EXPORT_COLUMNS)
    expected = [(run, i) for run in runs for i in range(len(run))]
    assert len(rows) - 1 == len(expected)
    for row, (run, i) in zip(rows[1:], expected, strict=True):
        c = run.columns
        s = c.series[int(c.code[i])]
        assert row[0] == name(run.name) and row[1] == name(s.metric) and row[2] == name(s.split)
        assert row[7] == name(s.tag)
        assert _same_number(row[3], c.step[i], "")
        assert _same_number(row[4], c.epoch[i], "")
        assert _same_number(row[5], c.value[i], "nan", bits=True)  # a logged NaN is a value, never a blank
        assert _same_number(row[6], c.wall_time[i], "")


def test_csv_names_never_start_a_formula_unless_raw_is_asked(tmp_path: Path) -> None:
    cols = PointColumns(
        [SeriesName('=HYPERLINK("http://x")', "train", "+cmd|' /C calc'!A0"), SeriesName("-2+3", "val", "@SUM(1)")],
        np.array([0, 1], dtype=np.int32),
        np.array([1.0, 2.0]),
        np.array([np.nan, np.nan]),
        np.array([-0.5, 0.25]),
        np.array([np.nan, np.nan]),
    )
    runs = [Run("=1+1", "src", "test", columns=cols)]
    safe, raw = tmp_path / "safe.csv", tmp_path / "raw.csv"
    export.write_csv(runs, safe)
    export.write_csv(runs, raw, spreadsheet_safe=False)
    with safe.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    for row in rows:
        for i in (0, 1, 2, 7):
            assert not row[i].startswith(("=", "+", "-", "@")), row
    assert rows[0][0] == "'=1+1" and rows[1][7] == "'@SUM(1)"
    assert rows[0][5] == "-0.5"  # numbers are never prefixed
    with raw.open(encoding="utf-8", newline="") as fh:
        raw_rows = list(csv.reader(fh))[1:]
    assert raw_rows[0][0] == "=1+1" and raw_rows[0][1] == '=HYPERLINK("http://x")'


@given(runs_())
def test_parquet_equals_the_arrays(tmp_path_factory: pytest.TempPathFactory, runs: list[Run]) -> None:
    out = tmp_path_factory.mktemp("pq") / "all.parquet"
    export.write_parquet(runs, out)
    table = pd.read_parquet(out)
    assert list(table.columns) == list(export.EXPORT_COLUMNS)
    assert len(table) == sum(len(r) for r in runs)
    frames = [r.columns.to_frame().assign(run=r.name) for r in runs if len(r)]
    if not frames:
        return
    want = pd.concat(frames, ignore_index=True)
    for col in ("run", "metric", "split", "tag"):
        assert table[col].astype(str).tolist() == want[col].tolist()
    for col in ("step", "epoch", "value", "wall_time"):
        got = table[col].to_numpy(dtype=np.float64, na_value=np.nan)
        np.testing.assert_array_equal(got, want[col].to_numpy())


@given(runs_())
def test_columns_and_frame_round_trip(runs: list[Run]) -> None:
    for run in runs:
        cols = run.columns
        frame = cols.to_frame()
        assert list(frame.columns) == list(COLUMNS)
        back = PointColumns.from_frame(frame)
        pd.testing.assert_frame_equal(back.to_frame(), frame)


@given(
    st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 6).map(float)), max_size=60),
)
def test_restart_rule_is_the_same_on_arrays_and_frames(points: list[tuple[str, float]]) -> None:
    """Discovery drops replaced points on whichever form the reader made: the result must not
    depend on it."""
    tags = [t for t, _ in points]
    frame = pd.DataFrame(
        {
            "metric": pd.Series(tags, dtype=object),
            "split": pd.Series(["train"] * len(points), dtype=object),
            "step": [s for _, s in points],
            "epoch": np.nan,
            "value": np.arange(len(points), dtype=np.float64),
            "wall_time": np.nan,
            "tag": pd.Series(tags, dtype=object),
        }
    )[list(COLUMNS)]
    as_frame = Run("r", "s", "test", frame=frame.copy())
    as_columns = Run("r", "s", "test", columns=PointColumns.from_frame(frame))
    assert as_frame.drop_replaced() == as_columns.drop_replaced()
    assert as_frame.replaced_points == as_columns.replaced_points
    pd.testing.assert_frame_equal(as_columns.frame, as_frame.frame)
    # the rule itself: no kept point is followed by a rewind of its series, and a series whose
    # steps never rewind loses nothing (several writes of one step are not a resume)
    for _, sub in as_frame.frame.groupby("tag"):
        assert sub["step"].is_monotonic_increasing
    for tag, sub in frame.groupby("tag"):
        if sub["step"].is_monotonic_increasing:
            assert len(as_frame.frame[as_frame.frame["tag"] == tag]) == len(sub)


def test_concat_merges_series_by_name() -> None:
    one = PointColumns([SeriesName("loss", "train", "loss")], np.zeros(2, np.int32), *np.ones((4, 2)))
    two = PointColumns(
        [SeriesName("loss", "val", "val_loss"), SeriesName("loss", "train", "loss")],
        np.array([0, 1, 1], np.int32),
        *np.zeros((4, 3)),
    )
    both = concat_columns([one, PointColumns.empty(), two])
    assert both.series == [SeriesName("loss", "train", "loss"), SeriesName("loss", "val", "val_loss")]
    assert both.code.tolist() == [0, 0, 1, 0, 0]
    assert [len(g) for g in both.tag_groups()] == [4, 1]


def test_arrow_helpers_keep_bytes_nulls_and_offsets() -> None:
    import pyarrow as pa

    texts = ["", "ünï", "a,b", "\n"]
    arr = arrow.strings(pa, texts)
    assert arr.to_pylist() == texts
    assert bytes(arrow.string_bytes(arr.slice(1, 2))) == "ünïa,b".encode()
    assert bytes(arrow.string_bytes(arr.slice(4, 0))) == b""
    nums = arrow.numbers(pa, np.array([1.5, np.nan, 3.0]), np.array([False, True, False]))
    assert nums.to_pylist() == [1.5, None, 3.0]
    assert math.isnan(arrow.numbers(pa, np.array([np.nan])).to_pylist()[0])  # NaN without a mask is a value
    assert arrow.dictionary(pa, np.array([1, 0, 1]), ["x", "y"]).to_pylist() == ["y", "x", "y"]
    mask = np.array([True, False, True, True, False, False, False, False, True, False])  # 10: past a byte
    assert arrow.booleans(pa, mask).to_pylist() == mask.tolist()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_event_file_export_never_imports_pandas(tmp_path: Path, fmt: str) -> None:
    """Importing pandas alone costs about 100 MB and 0.35 s: the event-file export path does
    without it (the reason the export meets its memory goal; docs/tensorboard.md)."""
    tbx_write(tmp_path / "run", [(tag, 0.5 * i, i) for i in range(50) for tag in ("train/loss", "val/loss")])
    out = tmp_path / f"out.{fmt}"
    code = (
        "import sys\n"
        "from losslog.cli.app import main\n"
        f"sys.argv = ['losslog', 'export', {str(tmp_path)!r}, '--format', {fmt!r}, '-o', {str(out)!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code in (0, None), e.code\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    if fmt == "csv":
        with out.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == 100
        assert [float(r["value"]) for r in rows if r["tag"] == "val/loss"] == [0.5 * i for i in range(50)]
    else:
        assert len(pd.read_parquet(out)) == 100


def _exported(folder: Path, fmt: str, tmp_path: Path) -> dict[str, list[tuple[int, float, float]]]:
    """``losslog export`` of a run folder, read back as {tag: [(step, wall_time, value)]}."""
    from typer.testing import CliRunner

    from losslog.cli import app

    out = tmp_path / f"export.{fmt}"
    result = CliRunner().invoke(app, ["export", str(folder), "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        with out.open(newline="") as fh:
            rows = [(r["tag"], int(r["step"]), float(r["wall_time"]), float(r["value"])) for r in csv.DictReader(fh)]
    else:
        t = pd.read_parquet(out)
        rows = list(zip(t["tag"].astype(str), t["step"], t["wall_time"], t["value"], strict=True))
    got: dict[str, list[tuple[int, float, float]]] = {}
    for tag, step, wall, value in rows:
        got.setdefault(tag, []).append((int(step), float(wall), float(value)))
    return got


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_equals_tensorboards_reader_point_for_point(tmp_path: Path, fmt: str) -> None:
    """The issue's check, end to end: every exported scalar equals TensorBoard's own reader for
    the same tag and step, specials and float32 extremes included, simple_value and tensor form."""
    from tests.tb_helpers import reference, same_points, scalar_tensor_event, tb_write

    rng = np.random.default_rng(7)
    specials = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1e-45, 3.4e38, 1e-7, 123456.789]
    points = [(tag, float(rng.standard_normal()), step) for step in range(300) for tag in ("train/loss", "val/loss")]
    points += [("special", v, i) for i, v in enumerate(specials)]
    simple = tbx_write(tmp_path / "simple", points)
    events = [
        scalar_tensor_event("epoch_loss", s, float(rng.random()), "double", "typed", 1.7e9 + s / 3) for s in range(80)
    ]
    tensor = tb_write(tmp_path / "tensor", events)
    for path in (simple, tensor):
        got = _exported(path.parent, fmt, tmp_path)
        assert same_points(got, reference(path))
