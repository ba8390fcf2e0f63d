"""The report, export and formats commands, end to end through typer's CliRunner."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from losslog.cli import app
from losslog.report import SCHEMA_VERSION
from tests.conftest import curve_rows, keras_csv_text

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_logs"
GOLDEN = Path(__file__).parent / "data" / "golden" / "mlp_overfit.report.json"

runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


@pytest.fixture
def runs(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "overfit": tmp_path / "overfit" / "training.log",
        "healthy": tmp_path / "healthy" / "training.log",
        "diverged": tmp_path / "diverged" / "training.log",
    }
    shapes = {
        "overfit": curve_rows(40, overfit_from=10),
        "healthy": curve_rows(25),
        "diverged": curve_rows(20, diverge_at=12),
    }
    for key, path in paths.items():
        path.parent.mkdir(parents=True)
        path.write_text(keras_csv_text(shapes[key]))
    return paths


def test_text_report_verdict_first(runs: dict[str, Path]) -> None:
    result = invoke("report", str(runs["overfit"]))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].strip().startswith("OVERFITTING:")
    assert "best checkpoint: epoch 10" in result.output
    assert "val_loss" in result.output
    assert "\x1b[" not in result.output  # no colour codes when not on a terminal


def test_json_report_shape(runs: dict[str, Path]) -> None:
    result = invoke("report", str(runs["overfit"].parent.parent), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["errors"] == []
    by_name = {r["name"]: r for r in doc["runs"]}
    assert set(by_name) == {"overfit", "healthy", "diverged"}
    run = by_name["overfit"]
    for key in ("name", "source", "format", "metrics", "best", "findings"):
        assert key in run
    metric = next(m for m in run["metrics"] if m["name"] == "val_loss")
    for key in ("name", "metric", "split", "goal", "points", "first", "last", "best", "best_step", "best_epoch"):
        assert key in metric
    assert (metric["metric"], metric["split"], metric["goal"]) == ("loss", "val", "min")
    assert run["best"]["metric"] == "val_loss" and run["best"]["epoch"] == 10
    finding = next(f for f in run["findings"] if f["code"] == "overfitting")
    for key in ("code", "severity", "metric", "onset_step", "onset_epoch", "message", "evidence"):
        assert key in finding
    assert "overfitting" not in [f["code"] for f in by_name["healthy"]["findings"]]
    assert next(f["code"] for f in by_name["diverged"]["findings"]) == "divergence"


def test_markdown_report(runs: dict[str, Path]) -> None:
    result = invoke("report", str(runs["overfit"]), "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "| metric | split |" in result.stdout
    assert "OVERFITTING" in result.stdout


def test_one_bad_file_does_not_hide_the_others(runs: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "garbage.csv"
    bad.write_bytes(bytes(range(256)) * 8)
    result = invoke("report", str(runs["healthy"]), str(bad), "--format", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert len(doc["runs"]) == 1
    assert doc["errors"][0]["source"] == str(bad)
    assert "binary" in doc["errors"][0]["message"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file or directory"),
        (b"", "empty file"),
        (bytes(range(256)) * 16, "binary data"),
        (b"epoch,loss,val_loss\r\n", "a header without data rows"),
        (b"model,optimizer\nresnet,sgd\nvit,adam\n", "no numeric metric column"),
        (b"Once upon a time there was a model.\n", "not a training log"),
    ],
)
def test_bad_input_one_line_exit_2(tmp_path: Path, content: bytes | None, expected: str) -> None:
    path = tmp_path / "input.csv"
    if content is not None:
        path.write_bytes(content)
    result = invoke("report", str(path))
    assert result.exit_code == 2
    err = result.stderr.strip().splitlines()
    assert len(err) == 1, result.stderr
    assert str(path) in err[0] and expected in err[0]
    assert "Traceback" not in result.output + result.stderr


def test_traceback_flag_shows_the_real_error(tmp_path: Path) -> None:
    path = tmp_path / "missing.csv"
    result = invoke("--traceback", "report", str(path), "--monitor", "nope")
    assert result.exit_code == 2  # missing input is still a reported error, not an exception


def test_unknown_monitor_is_a_usage_error(runs: dict[str, Path]) -> None:
    result = invoke("report", str(runs["healthy"]), "--monitor", "val_bleu")
    assert result.exit_code == 2
    assert "val_bleu" in result.stderr and "val_loss" in result.stderr


def test_goal_override(runs: dict[str, Path]) -> None:
    result = invoke("report", str(runs["healthy"]), "--goal", "val_loss=max", "--format", "json")
    doc = json.loads(result.stdout)
    metric = next(m for m in doc["runs"][0]["metrics"] if m["name"] == "val_loss")
    assert metric["goal"] == "max"
    bad = invoke("report", str(runs["healthy"]), "--goal", "val_loss=up")
    assert bad.exit_code == 2 and "NAME=min" in bad.stderr


def test_format_accepts_an_input_format_name(runs: dict[str, Path]) -> None:
    result = invoke("report", str(runs["healthy"]), "--format", "csv")
    assert result.exit_code == 0
    assert "csv ·" in result.output  # read with the generic CSV reader instead of keras


def test_formats_lists_readers() -> None:
    result = invoke("formats")
    assert result.exit_code == 0
    assert "keras" in result.stdout and "epoch,accuracy,loss" in result.stdout


def test_export_csv_every_point_full_precision(runs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    result = invoke("export", str(runs["overfit"].parent.parent), "--output", str(out))
    assert result.exit_code == 0, result.output
    import csv
    import math

    with out.open(newline="") as fh:
        records = list(csv.DictReader(fh))
    assert list(records[0]) == ["run", "metric", "split", "step", "epoch", "value", "wall_time", "tag"]
    assert len(records) == (40 + 25 + 20) * 4
    rows = curve_rows(40, overfit_from=10)
    got = [float(r["value"]) for r in records if r["run"] == "overfit" and r["tag"] == "val_loss"]
    assert got == [r["val_loss"] for r in rows]  # bit-exact through the text
    diverged = [r["value"] for r in records if r["run"] == "diverged" and r["tag"] == "loss"]
    assert sum(math.isnan(float(v)) for v in diverged) == 8 and "" not in diverged  # NaN is a value


def test_export_float32_round_trips(tmp_path: Path) -> None:
    import numpy as np

    vals = np.array([0.1, 1 / 3, 2.5e-8, 123456.789], dtype=np.float32).astype(np.float64)
    path = tmp_path / "training.log"
    path.write_text("epoch,loss\n" + "".join(f"{i},{float(v)!r}\n" for i, v in enumerate(vals)))
    result = invoke("export", str(path), "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert [r["value"] for r in doc] == vals.tolist()


def test_export_parquet(runs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "all.parquet"
    result = invoke("export", str(runs["healthy"]), "--format", "parquet", "-o", str(out))
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert len(table) == 25 * 4
    assert list(table.columns) == ["run", "metric", "split", "step", "epoch", "value", "wall_time", "tag"]
    val = table[table["tag"] == "val_loss"]
    assert val["value"].tolist() == [r["val_loss"] for r in curve_rows(25)]
    assert val["wall_time"].isna().all()  # unknown wall time: null
    out2 = tmp_path / "diverged.parquet"
    assert invoke("export", str(runs["diverged"]), "-f", "parquet", "-o", str(out2)).exit_code == 0
    loss = pd.read_parquet(out2)
    assert loss[loss["tag"] == "loss"]["value"].isna().sum() == 8  # a logged NaN stays a value
    assert invoke("export", str(runs["healthy"]), "--format", "parquet").exit_code == 2


def test_python_dash_m(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "losslog", "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.startswith("losslog ")


def test_golden_json_report_for_sample_log() -> None:
    """The JSON of a shipped sample log, field for field. LOSSLOG_UPDATE_GOLDEN=1 rewrites it."""
    os.chdir(REPO)
    result = invoke("report", "sample_logs/mlp_overfit/training.log", "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    if os.environ.get("LOSSLOG_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(doc, indent=2) + "\n")
    assert doc == json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_closed_pipe_exits_quietly(fmt: str) -> None:
    """``losslog report ... | head``: the reader goes away before we write; exit 0, no noise."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "losslog", "report", str(SAMPLES), "--format", fmt],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # closed before the report is written
    err = proc.stderr.read()
    assert proc.wait() == 0
    assert b"Traceback" not in err and b"BrokenPipe" not in err
