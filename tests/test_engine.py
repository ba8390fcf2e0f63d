"""The many-runs engine: order, bounded work in flight, and results identical to the serial path."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from losslog.analysis import AnalysisOptions
from losslog.analysis.summary import _spark_sample
from losslog.cli import app
from losslog.engine import SerialEngine, choose_engine
from losslog.engine.batch import analyze_paths
from losslog.engine.local import ProcessPoolEngine
from losslog.readers.discover import discover, list_sources
from losslog.report import build_report
from tests.conftest import curve_rows, keras_csv_text

runner = CliRunner()
DATA = Path(__file__).parent / "data"


def _negate(x: int) -> int:
    return -x


class _Recording(list[int]):
    """A sequence that remembers the furthest item an engine has taken from it."""

    furthest = -1

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            self.furthest = max(self.furthest, min(key.stop, len(self)) - 1)
        else:
            self.furthest = max(self.furthest, key)
        return super().__getitem__(key)


def test_serial_engine_yields_in_order() -> None:
    assert list(SerialEngine().map(_negate, [3, 1, 2])) == [-3, -1, -2]


def test_pool_yields_in_input_order() -> None:
    items = list(range(500))
    with ProcessPoolEngine(2, chunk_size=7) as engine:
        assert list(engine.map(_negate, items)) == [-i for i in items]


def test_pool_keeps_a_bounded_number_of_items_in_flight() -> None:
    items = _Recording(range(1000))
    with ProcessPoolEngine(2, chunk_size=5, in_flight=3) as engine:
        results = engine.map(_negate, items)
        assert next(results) == 0
        # the first result is out once 3 chunks of 5 were sent: nothing beyond them was taken
        assert items.furthest < 3 * 5 + 5
        rest = list(results)
    assert len(rest) == 999


def test_choose_engine() -> None:
    assert isinstance(choose_engine(10), SerialEngine)
    assert isinstance(choose_engine(10_000, jobs=1), SerialEngine)
    forced = choose_engine(3, jobs=2)
    assert isinstance(forced, ProcessPoolEngine)
    forced.close()
    with pytest.raises(ValueError):
        choose_engine(3, jobs=0)


def _sweep(root: Path, n: int) -> Path:
    for i in range(n):
        folder = root / f"lr={0.001 * (1 + i % 3):g},seed={i}"
        folder.mkdir(parents=True)
        (folder / "training.log").write_text(keras_csv_text(curve_rows(12 + i % 5, val_floor=0.2 + 0.01 * i)))
    (root / "notes.txt").write_text("not a log\n")
    (root / "broken").mkdir()
    (root / "broken" / "training.log").write_text("epoch,loss,val_loss\n")  # a header without rows
    (root / "empty.csv").write_text("")
    return root


@pytest.mark.parametrize("paths", [["data"], ["data", "missing"], ["data/eval_runs", "data/golden"]])
def test_batch_report_is_discover_then_build_report(paths: list[str], tmp_path: Path) -> None:
    given_paths = [DATA.parent / p for p in paths]
    found = discover(given_paths)
    expected = build_report(found.runs, found.errors, AnalysisOptions()).to_dict()
    serial = analyze_paths(given_paths, AnalysisOptions(), engine=SerialEngine())
    with ProcessPoolEngine(2) as engine:
        pooled = analyze_paths(given_paths, AnalysisOptions(), engine=engine)
    for batch in (serial, pooled):
        assert batch.report.to_dict() == expected
        assert batch.ignored == found.ignored
        assert [e.name for e in batch.entries] == [r.name for r in found.runs]


def test_listing_reads_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing is names and sniffing only: no reader's ``read`` runs (that is the engine's work)."""
    from losslog.readers import registry

    root = _sweep(tmp_path / "sweep", 5)
    for reader in registry.all_readers():
        monkeypatch.setattr(type(reader), "read", _no_read)
    listing = list_sources([root])
    assert len(listing.sources) == 7  # 5 runs, the broken log, notes.txt (sniffed when read)
    assert listing.ignored == [root / "empty.csv"]


def _no_read(self: object, path: Path) -> list[object]:
    raise AssertionError(f"read {path} while listing")


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "-f", "csv"],
        ["compare", "-f", "json"],
        ["compare"],
        ["report", "-f", "json"],
        ["report"],
        ["check", "--no-config", "-f", "json", "--assert", "val_loss:min<0.5"],
    ],
)
def test_cli_outputs_are_byte_identical_serial_pooled_and_cached(args: list[str], tmp_path: Path) -> None:
    root = _sweep(tmp_path / "sweep", 8)
    outputs = []
    for extra in (["--jobs", "1", "--no-cache"], ["--jobs", "2", "--no-cache"], ["--jobs", "2"], ["--jobs", "1"]):
        result = runner.invoke(app, [*args, *extra, str(root)])
        outputs.append((result.exit_code, result.stdout))
    assert outputs[0][0] == 2  # the broken log is reported, the others compared
    assert all(o == outputs[0] for o in outputs[1:])


def test_compare_output_is_the_one_before_the_engine(tmp_path: Path) -> None:
    """Every compare format through the engine is what ``discover`` + ``compare_report`` rendered."""
    from losslog.analysis.compare import rank_runs
    from losslog.cli.compare_cmd import compare_report, sweep_table
    from losslog.render.base import RenderContext
    from losslog.render.compare_formats import COMPARE_RENDERERS, Comparison
    from losslog.sweep import parse_sweep_spec

    root = _sweep(tmp_path / "sweep", 6)
    found = discover([root])
    rep = compare_report(found.runs, found.errors, AnalysisOptions())
    board = rank_runs(rep.runs, None, None)
    table = sweep_table(board, rep, parse_sweep_spec(None, (), None, None, None, False))
    comparison = Comparison(board, rep, table)
    for renderer in COMPARE_RENDERERS:
        if renderer.name in ("text", "html"):
            continue  # text follows the terminal's width (the serial/pooled test covers it); html reads points
        expected = renderer.render(comparison, RenderContext())
        result = runner.invoke(app, ["compare", "-f", renderer.name, "--jobs", "2", str(root)])
        assert result.stdout == expected, renderer.name


def _spark_reference(values: np.ndarray, width: int = 40) -> list[float]:
    n = len(values)
    if n <= width:
        return [float(x) for x in values]
    edges = np.linspace(0, n, width + 1).astype(int)
    out = []
    for a, b in itertools.pairwise(edges):
        chunk = values[a:b]
        out.append(float("nan") if not np.isfinite(chunk).all() else float(chunk.mean()))
    return out


def _spark_cases() -> Iterator[np.ndarray]:
    rng = np.random.default_rng(7)
    for n in (41, 79, 100, 101, 999, 5000, 12345):
        v = rng.standard_normal(n) * 10.0 ** rng.integers(-6, 6)
        yield v
        v = v.copy()
        v[rng.integers(0, n, 3)] = np.nan
        v[rng.integers(0, n, 1)] = np.inf
        yield v


def test_spark_sample_is_bit_identical_to_a_mean_per_bucket() -> None:
    for v in _spark_cases():
        assert np.array_equal(np.array(_spark_sample(v)), np.array(_spark_reference(v)), equal_nan=True)


def test_run_points_from_arrays_equal_those_from_the_frame() -> None:
    """The analysis reads a run's arrays directly when it has them: the same view as the frame's."""
    from losslog.analysis.run_points import _from_columns, _from_frame

    checked = 0
    for run in discover([DATA]).runs:
        cols = run.columns
        a, b = _from_columns(cols), _from_frame(run)
        assert a.tags == b.tags and a.first_split == b.first_split and a.last_split == b.last_split
        assert a.rows.keys() == b.rows.keys()
        assert all(np.array_equal(a.rows[t], b.rows[t]) for t in a.tags)
        for col in ("step", "epoch", "value", "wall_time"):
            assert np.array_equal(getattr(a, col), getattr(b, col), equal_nan=True)
        checked += 1
    assert checked > 50


def test_a_few_big_runs_get_a_pool() -> None:
    from losslog.engine.base import POOL_BYTES

    assert isinstance(choose_engine(5, total_bytes=POOL_BYTES // 2), SerialEngine)
    pool = choose_engine(5, total_bytes=POOL_BYTES)
    assert isinstance(pool, ProcessPoolEngine) or len(os.sched_getaffinity(0)) < 2
    pool.close()
