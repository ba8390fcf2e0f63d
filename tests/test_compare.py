"""The leaderboard: ranking by the monitored metric, its goal, ties, missing metrics; the command."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from losslog.analysis import AnalysisOptions, analyze
from losslog.analysis.compare import options_for, rank_runs
from losslog.cli import app
from losslog.errors import UsageError
from losslog.readers.discover import discover
from losslog.report import run_to_dict
from tests.conftest import curve_rows, keras_csv_text

runner = CliRunner()


def write(root: Path, name: str, rows: list[dict[str, float | None]]) -> Path:
    path = root / name / "training.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(keras_csv_text(rows))
    return path


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    """Three runs whose best validation losses are 0.5+, 0.3+ and 0.8+ (mid, best, worst)."""
    root = tmp_path / "runs"
    write(root, "mid", curve_rows(30, val_floor=0.5))
    write(root, "best", curve_rows(30, val_floor=0.3))
    write(root, "worst", curve_rows(30, val_floor=0.8, overfit_from=8))
    return root


def analyses(root: Path, options: AnalysisOptions | None = None):  # type: ignore[no-untyped-def]
    options = options or AnalysisOptions()
    return [analyze(r, options_for(r, options)) for r in discover([root]).runs]


def test_ranked_by_best_validation_loss(runs_dir: Path) -> None:
    board = rank_runs(analyses(runs_dir))
    assert board.metric == "val_loss" and board.goal == "min"
    assert board.order == ["best", "mid", "worst"]
    assert [s.rank for s in board.standings] == [1, 2, 3]
    worst = board.standings[2]
    assert worst.verdict == "overfitting"
    assert worst.best_epoch == 8
    assert worst.final is not None and worst.final > worst.best
    assert worst.gap_at_best is not None and worst.gap_last is not None
    json.dumps(board.to_dict(), allow_nan=False)  # JSON-serializable


def test_max_goal_ranks_highest_first(runs_dir: Path) -> None:
    board = rank_runs(analyses(runs_dir, AnalysisOptions(monitor="val_accuracy")), "val_accuracy")
    assert board.goal == "max"
    assert board.order == ["best", "mid", "worst"]
    assert board.standings[0].best == max(s.best for s in board.standings if s.best is not None)


def test_mode_overrides_the_goal(runs_dir: Path) -> None:
    opts = AnalysisOptions(monitor="val_loss", mode="max")
    board = rank_runs(analyses(runs_dir, opts), "val_loss", "max")
    assert board.order[0] == "worst"


def test_ties_go_to_the_earlier_best_step(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    rows_late = [{"epoch": e, "loss": 1.0 / (e + 1), "val_loss": 1.0 - 0.1 * min(e, 5)} for e in range(10)]
    rows_early = [{"epoch": e, "loss": 1.0 / (e + 1), "val_loss": 1.0 - 0.1 * min(e, 5)} for e in range(10)]
    rows_late[5]["val_loss"] = 0.6
    rows_late[7]["val_loss"] = 0.5  # same best value, reached two epochs later
    write(root, "a_late", rows_late)
    write(root, "b_early", rows_early)
    board = rank_runs(analyses(root))
    assert board.standings[0].best == board.standings[1].best
    assert board.order == ["b_early", "a_late"]


def test_runs_without_the_metric_come_last_and_say_so(runs_dir: Path) -> None:
    write(runs_dir, "no_val", [{"epoch": e, "loss": 1.0 / (e + 1), "accuracy": 0.5} for e in range(10)])
    board = rank_runs(analyses(runs_dir, AnalysisOptions(monitor="val_loss")), "val_loss")
    last = board.standings[-1]
    assert last.name == "no_val"
    assert last.rank is None
    assert "no val_loss" in last.note


def test_unknown_goal_needs_mode(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    for name in ("a", "b"):
        write(root, name, [{"epoch": e, "loss": 1.0 / (e + 1), "val_score": 0.1 * e} for e in range(6)])
    with pytest.raises(UsageError, match="--mode"):
        rank_runs(analyses(root, AnalysisOptions(monitor="val_score")), "val_score")
    board = rank_runs(analyses(root, AnalysisOptions(monitor="val_score", mode="max")), "val_score", "max")
    assert board.goal == "max"


# --------------------------------------------------------------------------- the command


def test_compare_text(runs_dir: Path) -> None:
    result = runner.invoke(app, ["compare", str(runs_dir)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "ranked by val_loss (lower is better)" in lines[0]
    order = [ln.split()[1] for ln in lines[2:5]]
    assert order == ["best", "mid", "worst"]


def test_compare_json_lists_runs_in_ranked_order_in_the_report_shape(runs_dir: Path) -> None:
    result = runner.invoke(app, ["compare", str(runs_dir), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["ranked_by"] == {"metric": "val_loss", "goal": "min"}
    assert [r["name"] for r in doc["runs"]] == ["best", "mid", "worst"]
    assert [r["rank"] for r in doc["runs"]] == [1, 2, 3]
    assert [s["name"] for s in doc["leaderboard"]] == ["best", "mid", "worst"]
    reference = run_to_dict(analyses(runs_dir)[0])
    assert set(reference) <= set(doc["runs"][0])


def test_compare_csv_and_markdown(runs_dir: Path) -> None:
    result = runner.invoke(app, ["compare", str(runs_dir), "--format", "csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["name"] for r in rows] == ["best", "mid", "worst"]
    assert rows[0]["rank"] == "1" and float(rows[0]["best"]) < float(rows[1]["best"])
    result = runner.invoke(app, ["compare", str(runs_dir), "--format", "markdown"])
    assert result.exit_code == 0
    table = [ln for ln in result.stdout.splitlines() if ln.startswith("| 1 ")]
    assert table and "best" in table[0]


def test_compare_plot_writes_the_side_by_side_chart(runs_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "cmp.png"
    result = runner.invoke(app, ["compare", str(runs_dir), "--plot", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_compare_bad_plot_extension_is_a_usage_error(runs_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["compare", str(runs_dir), "--plot", str(tmp_path / "x.gif")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_compare_keeps_runs_that_lack_the_monitor(runs_dir: Path) -> None:
    write(runs_dir, "no_val", [{"epoch": e, "loss": 1.0 / (e + 1), "accuracy": 0.5} for e in range(10)])
    result = runner.invoke(app, ["compare", str(runs_dir), "--monitor", "val_loss", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["runs"][-1]["name"] == "no_val" and doc["runs"][-1]["rank"] is None
    assert doc["errors"] == []
