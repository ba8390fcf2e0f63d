"""Summaries, smoothing, the recommended checkpoint and the first diagnoses."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from losslog.analysis import AnalysisOptions, analyze
from losslog.analysis.smoothing import tb_smooth
from losslog.readers.discover import discover
from tests.conftest import curve_rows, keras_csv_text


def tensorboard_reference_smoothing(ys: list[float], weight: float) -> list[float]:
    """A line-by-line port of TensorBoard's resmoothDataset (vz_line_chart2/line-chart.ts)."""
    last = 0.0 if ys else math.nan
    num_accum = 0
    is_constant = all(y == ys[0] for y in ys)
    out = []
    for next_val in ys:
        if is_constant or not math.isfinite(next_val):
            out.append(next_val)
        else:
            last = last * weight + (1 - weight) * next_val
            num_accum += 1
            debias = 1 - weight**num_accum if weight != 1 else 1
            out.append(last / debias)
    return out


@settings(max_examples=200)
@given(
    ys=st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(float("nan")), st.just(float("inf"))), min_size=1, max_size=60),
    weight=st.sampled_from([0.0, 0.3, 0.6, 0.9, 0.99]),
)
def test_smoothing_matches_tensorboard(ys: list[float], weight: float) -> None:
    got = tb_smooth(np.array(ys), weight)
    want = tensorboard_reference_smoothing(ys, weight)
    np.testing.assert_allclose(got, np.array(want), rtol=1e-9, atol=1e-9)


def run_from_rows(tmp_path: Path, rows, name: str = "training.log"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(keras_csv_text(rows))
    found = discover([path])
    assert not found.errors
    return found.runs[0]


def test_best_checkpoint_is_exact(tmp_path: Path) -> None:
    rows = curve_rows(40, overfit_from=12)
    run = run_from_rows(tmp_path, rows)
    result = analyze(run)
    vals = [r["val_loss"] for r in rows]
    best = int(np.argmin(vals))
    assert result.best is not None
    assert result.best.metric == "val_loss"
    assert result.best.epoch == best
    assert result.best.value == vals[best]
    assert result.best.epochs_after == 39 - best
    summary = result.metric("val_loss")
    assert summary is not None and summary.best_epoch == best and summary.first == vals[0] and summary.last == vals[-1]


def test_overfitting_found_with_onset_at_best(tmp_path: Path) -> None:
    run = run_from_rows(tmp_path, curve_rows(40, overfit_from=12))
    result = analyze(run)
    codes = [f.code for f in result.findings]
    assert "overfitting" in codes
    f = next(f for f in result.findings if f.code == "overfitting")
    assert result.best is not None
    assert f.onset_epoch == result.best.epoch
    assert f.evidence["last_degradation_pct"] > 20
    assert result.verdict == "overfitting"


def test_healthy_run_has_no_findings(tmp_path: Path) -> None:
    result = analyze(run_from_rows(tmp_path, curve_rows(30)))
    assert not [f for f in result.findings if f.severity != "info"]
    assert result.verdict in ("healthy", "underfitting")


def test_divergence_at_first_nan(tmp_path: Path) -> None:
    result = analyze(run_from_rows(tmp_path, curve_rows(20, diverge_at=9)))
    div = [f for f in result.findings if f.code == "divergence"]
    assert div and div[0].onset_epoch == 9 and div[0].severity == "error"
    assert result.verdict == "divergence"


def test_monitor_option_and_mode(tmp_path: Path) -> None:
    rows = curve_rows(20, overfit_from=8)
    run = run_from_rows(tmp_path, rows)
    result = analyze(run, AnalysisOptions(monitor="val_accuracy"))
    assert result.best is not None and result.best.metric == "val_accuracy" and result.best.goal == "max"
    best = int(np.argmax([r["val_accuracy"] for r in rows]))
    assert result.best.epoch == best


def test_trend_of_the_end(tmp_path: Path) -> None:
    result = analyze(run_from_rows(tmp_path, curve_rows(40, overfit_from=12)))
    val = result.metric("val_loss")
    train = result.metric("loss")
    assert val is not None and val.trend == "worsening"
    assert train is not None and train.trend == "improving"
