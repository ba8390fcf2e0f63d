"""Long (tidy) CSV: one point per row, runs and splits from columns; property tests."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losslog.errors import InputError, ParseError
from losslog.readers import registry
from losslog.readers.base import make_probe
from losslog.readers.long_csv import LongCsvReader
from tests.readers_helpers import fixture, naming_of, points, read_all


def test_detected_over_the_generic_csv_reader() -> None:
    for rel in ("long_csv/tidy.csv", "long_csv/tbparse.csv"):
        reader = registry.best_reader(make_probe(fixture(rel)))
        assert reader is not None and reader.name == "long-csv"


def test_run_and_split_columns() -> None:
    found = read_all(fixture("long_csv/tidy.csv"))
    by_name = {r.name: r for r in found.runs}
    assert sorted(by_name) == ["tidy/baseline", "tidy/wide"]
    base = by_name["tidy/baseline"]
    assert naming_of(base, "train/loss") == ("train", "loss")
    assert naming_of(base, "validation/loss") == ("val", "loss")
    assert points(base, "validation/loss") == [2.2, 1.9]
    assert points(base, "validation/loss", "epoch") == [0, 1]
    assert math.isnan(points(base, "train/loss")[-1])  # a written nan is a point
    wide = by_name["tidy/wide"]
    assert points(wide, "train/loss") == [1.9]  # an empty value cell is no point


def test_tbparse_layout() -> None:
    found = read_all(fixture("long_csv/tbparse.csv"))
    run_a = next(r for r in found.runs if r.name.endswith("run_a"))
    assert naming_of(run_a, "val/loss") == ("val", "loss")
    assert points(run_a, "train/loss", "step") == [0, 10]


def test_no_x_column_uses_row_order(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("metric,value\nloss,3\nacc,0.1\nloss,2\n")
    run = LongCsvReader().read(path)[0]
    assert points(run, "loss", "step") == [0, 1]


def test_unknown_split_words_are_kept_in_the_tag(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("step,split,metric,value\n1,holdout,loss,3\n")
    run = LongCsvReader().read(path)[0]
    assert run.tags == ["holdout/loss"]
    assert any("holdout" in w for w in run.warnings)


def test_header_only_and_no_numbers(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("step,metric,value\n")
    with pytest.raises(InputError, match="without data"):
        LongCsvReader().read(path)
    path.write_text("step,metric,value\n1,loss,high\n")
    with pytest.raises(ParseError, match="no numeric"):
        LongCsvReader().read(path)


_names = st.sampled_from(["loss", "val_loss", "accuracy", "train/loss", "lr"])
_values = st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=32), st.just(math.inf), st.just(math.nan))
_rows = st.lists(
    st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 10_000), _names, _values), min_size=1, max_size=40
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_rows)
def test_every_row_is_one_point_in_order(tmp_path: Path, rows: list[tuple[str, int, str, float]]) -> None:
    path = tmp_path / "tidy.csv"
    lines = ["run,step,metric,value"] + [f"{r},{s},{m},{v!r}" for r, s, m, v in rows]
    path.write_text("\n".join(lines) + "\n")
    runs = {run.name: run for run in LongCsvReader().read(path)}
    assert sorted(runs) == sorted({r for r, *_ in rows})
    for name, run in runs.items():
        for metric in {m for r, _, m, _ in rows if r == name}:
            want = [(float(s), v) for r, s, m, v in rows if r == name and m == metric]
            sub = run.frame[run.frame["tag"] == metric]  # the reader's rows, in write order
            got = list(zip(sub["step"].tolist(), sub["value"].tolist(), strict=True))
            assert [g[0] for g in got] == [w[0] for w in want]
            assert all(same(g[1], w[1]) for g, w in zip(got, want, strict=True))


def same(a: float, b: float) -> bool:
    """Equal floats, NaN equal to NaN (a written nan is a kept point)."""
    return (math.isnan(a) and math.isnan(b)) or a == b
