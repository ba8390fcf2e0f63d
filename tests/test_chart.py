"""Charts: what the figures contain (panels, lines and their data, labels, shaded regions), not pixels."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from losslog.analysis import AnalysisOptions, analyze
from losslog.analysis.smoothing import tb_smooth
from losslog.cli import app
from losslog.columns import COLUMNS
from losslog.errors import UsageError
from losslog.model import Run
from losslog.readers.discover import discover
from losslog.render import chart
from losslog.render.thinning import thin_indices
from tests.conftest import curve_rows, keras_csv_text

runner = CliRunner()


def write(tmp_path: Path, name: str, rows: list[dict[str, float | None]]) -> Path:
    path = tmp_path / name / "training.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(keras_csv_text(rows))
    return path


def chart_run(path: Path, options: AnalysisOptions | None = None) -> chart.ChartRun:
    found = discover([path])
    assert found.runs, found.errors
    run = found.runs[0]
    return chart.chart_input(run, analyze(run, options), options)


def by_gid(fig, gid: str) -> list:  # type: ignore[no-untyped-def]
    out = []
    for ax in fig.axes:
        out.extend(a for a in [*ax.lines, *ax.patches, *ax.texts] if a.get_gid() == gid)
    return out


def axes_titled(fig, title: str):  # type: ignore[no-untyped-def]
    return next(ax for ax in fig.axes if ax.get_title(loc="left") == title)


# --------------------------------------------------------------------------- thinning


def test_short_series_are_not_thinned() -> None:
    assert list(thin_indices(np.arange(10.0), 100)) == list(range(10))


def test_thinning_keeps_spikes_and_ends() -> None:
    y = np.zeros(1_000_000)
    y[123_457] = 50.0
    y[654_321] = -7.0
    keep = thin_indices(y, 2000)
    assert len(keep) <= 2002
    assert {0, 123_457, 654_321, 999_999} <= set(keep.tolist())


def test_thinning_keeps_a_nan_so_the_line_breaks() -> None:
    y = np.linspace(0, 1, 100_000)
    y[50_000] = np.nan
    keep = thin_indices(y, 1000)
    assert np.isnan(y[keep]).any()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=False, width=32), min_size=1, max_size=3000),
    st.integers(min_value=4, max_value=400),
)
def test_thinning_preserves_extremes(values: list[float], budget: int) -> None:
    y = np.array(values, dtype="float64")
    keep = thin_indices(y, budget)
    assert np.all(np.diff(keep) > 0)  # sorted, unique, in x order
    fin = np.isfinite(y)
    # each of budget // 2 buckets keeps its min and max, and its first NaN when it has one (so the
    # line breaks there); the first and last points come on top
    per_bucket = 2 if fin.all() else 3
    assert len(keep) <= per_bucket * max(1, budget // 2) + 2 or len(keep) == len(y)
    if fin.any():
        assert np.nanmax(y[keep]) == np.nanmax(y)
        assert np.nanmin(y[keep]) == np.nanmin(y)


# --------------------------------------------------------------------------- one run


@pytest.fixture
def overfit_run(tmp_path: Path) -> chart.ChartRun:
    return chart_run(write(tmp_path, "overfit", curve_rows(40, overfit_from=12)))


def test_single_run_panels_and_labels(overfit_run: chart.ChartRun) -> None:
    fig = chart.figure_single(overfit_run)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == ["loss", "accuracy"]
    for ax in fig.axes:
        assert ax.get_xlabel() == "epoch"
        assert ax.get_ylabel() in ("loss", "accuracy")
    assert "overfit" in fig.get_suptitle()
    assert "overfitting" in fig.get_suptitle()  # the verdict, from the analysis
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"train", "validation", "best checkpoint", "overfitting", "raw points"} <= set(labels)


def test_single_run_lines_carry_the_data(overfit_run: chart.ChartRun) -> None:
    fig = chart.figure_single(overfit_run)
    val = next(s for s in overfit_run.series if s.tag == "val_loss")
    (raw,) = by_gid(fig, "raw:val_loss")
    (smooth,) = by_gid(fig, "smooth:val_loss")
    np.testing.assert_allclose(raw.get_xdata(), val.epochs)
    np.testing.assert_allclose(raw.get_ydata(), val.values)
    np.testing.assert_allclose(smooth.get_ydata(), tb_smooth(val.values, 0.6))
    # train and validation keep their colours in every panel
    assert smooth.get_color() == chart.SPLIT_COLOURS["val"]
    (acc,) = by_gid(fig, "smooth:val_accuracy")
    assert acc.get_color() == chart.SPLIT_COLOURS["val"]
    (tacc,) = by_gid(fig, "smooth:accuracy")
    assert tacc.get_color() == chart.SPLIT_COLOURS["train"]


def test_single_run_marks_checkpoint_and_shades_overfitting(overfit_run: chart.ChartRun) -> None:
    fig = chart.figure_single(overfit_run)
    best = overfit_run.analysis.best
    assert best is not None and best.epoch is not None
    finding = next(f for f in overfit_run.analysis.findings if f.code == "overfitting")
    spans = by_gid(fig, "overfitting")
    assert len(spans) == 2  # one per panel
    x0 = spans[0].get_x()
    assert x0 == pytest.approx(finding.onset_epoch)
    assert x0 + spans[0].get_width() == pytest.approx(39)  # to the end of the run
    lines = by_gid(fig, "best")
    assert lines and all(ln.get_xdata()[0] == pytest.approx(best.epoch) for ln in lines)
    (star,) = by_gid(fig, "best-point")
    assert star.get_ydata()[0] == pytest.approx(best.value)
    assert star in axes_titled(fig, "loss").lines


def test_diverging_run_marks_nonfinite_points_and_divergence(tmp_path: Path) -> None:
    cr = chart_run(write(tmp_path, "boom", curve_rows(30, diverge_at=20)))
    fig = chart.figure_single(cr)
    crosses = by_gid(fig, "nonfinite:val_loss")
    assert len(crosses) == 1
    np.testing.assert_allclose(crosses[0].get_xdata(), np.arange(20, 30))
    divs = by_gid(fig, "divergence")
    assert len(divs) == 2  # one per panel
    assert all(d.get_xdata()[0] == pytest.approx(20) for d in divs)
    assert "NaN / inf point" in [t.get_text() for t in fig.legends[0].get_texts()]
    assert "divergence" in fig.get_suptitle()


def test_learning_rate_gets_its_own_small_panel(tmp_path: Path) -> None:
    rows = curve_rows(20)
    for i, r in enumerate(rows):
        r["lr"] = 1e-3 * 0.5 ** (i // 5)
    fig = chart.figure_single(chart_run(write(tmp_path, "lr", rows)))
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[-1] == "learning rate"
    lr_ax, loss_ax = fig.axes[-1], fig.axes[0]
    assert lr_ax.get_position().height < loss_ax.get_position().height


def test_metrics_option_selects_panels_and_rejects_unknown(overfit_run: chart.ChartRun) -> None:
    fig = chart.figure_single(overfit_run, chart.ChartOptions(metrics=("val_loss",)))
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["loss"]
    assert not by_gid(fig, "smooth:loss")  # only the validation loss was asked for
    with pytest.raises(UsageError, match="no such metric"):
        chart.figure_single(overfit_run, chart.ChartOptions(metrics=("bleu",)))


def test_log_y_and_step_axis(overfit_run: chart.ChartRun) -> None:
    fig = chart.figure_single(overfit_run, chart.ChartOptions(log_y=True, x="step"))
    assert all(ax.get_yscale() == "log" for ax in fig.axes)
    assert all(ax.get_xlabel() == "step" for ax in fig.axes)
    assert "(log)" in fig.axes[0].get_ylabel()


def test_time_axis_needs_wall_times(overfit_run: chart.ChartRun) -> None:
    with pytest.raises(UsageError, match="--x time"):
        chart.figure_single(overfit_run, chart.ChartOptions(x="time"))


def make_run(name: str, frame_rows: list[tuple[str, str, float, float, float, float, str]]) -> Run:
    frame = pd.DataFrame(frame_rows, columns=list(COLUMNS))
    return Run(name=name, source=f"{name}.csv", format="test", frame=frame)


def test_time_axis_in_minutes() -> None:
    rows = [("loss", "train", float(s), math.nan, 2.0 / (s + 1), 1000.0 + 30 * s, "loss") for s in range(20)]
    run = make_run("timed", rows)
    cr = chart.chart_input(run, analyze(run))
    fig = chart.figure_single(cr, chart.ChartOptions(x="time"))
    assert fig.axes[0].get_xlabel() == "time (minutes)"
    (line,) = by_gid(fig, "smooth:loss")
    assert line.get_xdata()[-1] == pytest.approx(19 * 30 / 60)


def test_a_million_points_are_thinned_but_keep_their_spike() -> None:
    n = 1_000_000
    steps = np.arange(n, dtype="float64")
    values = 2.0 * np.exp(-steps / 2e5) + 0.3
    values[777_777] = 40.0
    frame = pd.DataFrame(
        {
            "metric": "loss",
            "split": "train",
            "step": steps,
            "epoch": np.nan,
            "value": values,
            "wall_time": np.nan,
            "tag": "train_loss",
        }
    )
    run = Run("big", "big.csv", "test", frame)
    cr = chart.chart_input(run, analyze(run))
    fig = chart.figure_single(cr)
    (raw,) = by_gid(fig, "raw:train_loss")
    assert len(raw.get_xdata()) <= chart.ChartOptions().max_points + 2
    assert 777_777 in raw.get_xdata()
    assert max(raw.get_ydata()) == 40.0
    assert fig.axes[0].get_xlabel() == "step"
    assert by_gid(fig, "clipped")  # the spike does not flatten the curve: the axis says it is clipped


# --------------------------------------------------------------------------- several runs


@pytest.fixture
def three(tmp_path: Path) -> list[chart.ChartRun]:
    return [
        chart_run(write(tmp_path, "alpha", curve_rows(30))),
        chart_run(write(tmp_path, "beta", curve_rows(40, overfit_from=10))),
        chart_run(write(tmp_path, "gamma", curve_rows(25, val_floor=0.8))),
    ]


def test_side_by_side_grid_shares_y_per_row(three: list[chart.ChartRun]) -> None:
    fig = chart.figure_grid(three)
    assert len(fig.axes) == 2 * 3  # two metric rows, three model columns
    top = fig.axes[:3]
    assert [ax.get_title().splitlines()[0] for ax in top] == ["alpha", "beta", "gamma"]
    assert "overfitting" in top[1].get_title()
    loss_row, acc_row = fig.axes[:3], fig.axes[3:]
    for row in (loss_row, acc_row):
        shared = row[0].get_shared_y_axes()
        assert all(shared.joined(row[0], ax) for ax in row[1:])
    assert loss_row[0].get_ylabel() == "loss" and acc_row[0].get_ylabel() == "accuracy"
    assert all(ax.get_xlabel() == "epoch" for ax in acc_row)
    assert by_gid(fig, "overfitting")  # beta's stretch is shaded
    (beta_val,) = by_gid(fig, "smooth:beta:val_loss")
    assert beta_val in loss_row[1].lines


def test_overlay_keeps_one_colour_per_model(three: list[chart.ChartRun]) -> None:
    fig = chart.figure_overlay(three)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["loss", "accuracy"]
    for i, cr in enumerate(three):
        lines = fig.axes[0].lines + fig.axes[1].lines
        colours = {ln.get_color() for ln in lines if ln.get_gid().startswith(f"smooth:{cr.name}:")}
        assert colours == {chart.RUN_COLOURS[i]}
    (train,) = by_gid(fig, "smooth:alpha:loss")
    (val,) = by_gid(fig, "smooth:alpha:val_loss")
    assert train.get_linestyle() == "--" and val.get_linestyle() == "-"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "beta (overfitting)" in labels and "train" in labels and "validation" in labels


def test_twelve_runs_with_long_names(tmp_path: Path) -> None:
    names = [f"resnet50_pretrained_imagenet_finetune_lr{i}e-4_seed{i}" for i in range(12)]
    runs = [chart_run(write(tmp_path, n, curve_rows(15 + i))) for i, n in enumerate(names)]
    fig = chart.figure_grid(runs)
    titles = [ax.get_title().splitlines()[0] for ax in fig.axes if ax.get_title()]  # wrapped: 2 rows of 6
    assert len(set(titles)) == 12
    assert all(len(t) <= 26 for t in titles)
    fig2 = chart.figure_overlay(runs)
    colours = [ln.get_color() for ln in fig2.legends[0].get_lines()[:12]]
    markers = [ln.get_marker() for ln in fig2.legends[0].get_lines()[:12]]
    assert len(set(zip(colours, markers))) == 12  # repeated colours are told apart by markers


def test_short_names_are_consistent_and_unique() -> None:
    names = ["experiment_" + "x" * 40 + "_a", "experiment_" + "x" * 40 + "_b", "short"]
    out = chart.short_names(names, 20)
    assert out[2] == "short"
    assert len(set(out)) == 3
    assert all("…" in s for s in out[:2])
    assert chart.short_names(names, 20) == out


def test_chart_format_from_extension() -> None:
    assert chart.chart_format("a/b.PNG") == "png"
    assert chart.chart_format("x.svg") == "svg"
    with pytest.raises(UsageError):
        chart.chart_format("x.jpg")


# --------------------------------------------------------------------------- the plot command


def test_plot_one_run_png(tmp_path: Path) -> None:
    log = write(tmp_path, "run", curve_rows(30, overfit_from=10))
    out = tmp_path / "one.png"
    result = runner.invoke(app, ["plot", str(log), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("ext, magic", [("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_plot_formats(tmp_path: Path, ext: str, magic: bytes) -> None:
    log = write(tmp_path, "run", curve_rows(20))
    out = tmp_path / f"chart.{ext}"
    result = runner.invoke(app, ["plot", str(log), "-o", str(out), "--title", "T", "--size", "8x5", "--dpi", "80"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(magic)


def test_plot_three_side_by_side_and_overlaid(tmp_path: Path) -> None:
    for name, rows in (("a", curve_rows(20)), ("b", curve_rows(30, overfit_from=8)), ("c", curve_rows(25))):
        write(tmp_path / "runs", name, rows)
    for extra in ([], ["--overlay"]):
        out = tmp_path / f"cmp{len(extra)}.png"
        result = runner.invoke(app, ["plot", str(tmp_path / "runs"), "-o", str(out), "--metrics", "loss", *extra])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000


@pytest.mark.parametrize(
    "args, message",
    [
        (["-o", "chart.jpg"], "png, .svg or .pdf"),
        (["-o", "c.png", "--x", "hours"], "--x"),
        (["-o", "c.png", "--size", "big"], "--size"),
        (["-o", "c.png", "--metrics", "nope"], "no such metric"),
    ],
)
def test_plot_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    log = write(tmp_path, "run", curve_rows(10))
    args = [a if not a.endswith((".png", ".jpg")) else str(tmp_path / a) for a in args]
    result = runner.invoke(app, ["plot", str(log), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
