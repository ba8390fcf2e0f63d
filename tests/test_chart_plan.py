"""The chart plan: what a chart draws, decided without matplotlib (no figures in this file)."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from losslog.analysis import analyze
from losslog.columns import COLUMNS
from losslog.errors import UsageError
from losslog.model import Run
from losslog.readers.discover import discover
from losslog.render import chart_plan
from losslog.render.chart_parts import ChartPlan, Line, Span, VLine
from losslog.render.chart_series import ChartOptions, ChartRun, chart_input
from losslog.render.chart_style import RUN_COLOURS, SPLIT_COLOURS
from tests.conftest import curve_rows, keras_csv_text

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_logs" / "mlp_overfit" / "training.log"


def write(tmp_path: Path, name: str, rows: list[dict[str, float | None]]) -> Path:
    path = tmp_path / name / "training.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(keras_csv_text(rows))
    return path


def chart_run(path: Path) -> ChartRun:
    run = discover([path]).runs[0]
    return chart_input(run, analyze(run))


def lines(plan: ChartPlan, gid: str) -> list[Line]:
    return [a for ap in plan.axes for a in ap.artists if isinstance(a, Line) and a.gid == gid]


def legend_labels(plan: ChartPlan) -> list[str]:
    return [e.label for e in plan.legend.entries]


def test_building_a_plan_does_not_import_matplotlib() -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from losslog.analysis import analyze\n"
        "from losslog.readers.discover import discover\n"
        "from losslog.render import chart\n"
        "from losslog.render.chart_plan import plan_for\n"
        f"run = discover([Path({str(SAMPLE)!r})]).runs[0]\n"
        "cr = chart.chart_input(run, analyze(run))\n"
        "plan = plan_for([cr, cr], overlay=True)\n"
        "assert plan.axes and plan.axes[0].artists\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {m.split(".")[0] for m in done.stdout.split()}
    assert "losslog" in loaded  # the check ran in the child, not vacuously
    assert "matplotlib" not in loaded


@pytest.fixture
def overfit(tmp_path: Path) -> ChartRun:
    rows = curve_rows(40, overfit_from=12)
    for r in rows:
        r["epoch_time"] = 3.0  # a bookkeeping column: not drawn by default
        r["grad_norm"] = 1.0  # the one bookkeeping column that is drawn
    return chart_run(write(tmp_path, "overfit", rows))


def test_single_plan_panels_lines_and_marks(overfit: ChartRun) -> None:
    plan = chart_plan.plan_single(overfit)
    assert plan.kind == "single"
    assert [ap.panel.key for ap in plan.axes] == ["loss", "accuracy", "grad_norm"]
    assert [ap.share_x for ap in plan.axes] == [None, 0, 0]
    assert plan.x_axis.mode == "epoch"
    (val,) = lines(plan, "smooth:val_loss")
    assert val.colour == SPLIT_COLOURS["val"] and val.label == "validation"
    assert val.smoothing == pytest.approx(0.6)
    (raw,) = lines(plan, "raw:val_loss")
    assert raw.smoothing == 0.0 and raw.points == 40
    best = overfit.analysis.best
    assert best is not None
    loss = plan.axes[0]
    assert any(isinstance(a, VLine) and a.gid == "best" and a.x == pytest.approx(best.epoch) for a in loss.artists)
    (span,) = [a for a in loss.artists if isinstance(a, Span)]
    assert span.gid == "overfitting" and span.x1 == pytest.approx(39)
    assert [a.gid for a in loss.artists if isinstance(a, Line)][-1] == "best-point"  # the star is drawn on top
    assert "overfit" in plan.suptitle and "overfitting" in plan.suptitle
    labels = legend_labels(plan)
    assert labels[-2:] == ["best checkpoint", "overfitting"]  # marks after the curves
    assert {"train", "validation", "raw points", "smoothed (weight 0.6)"} <= set(labels)


def test_plan_says_what_it_left_out(overfit: ChartRun) -> None:
    plan = chart_plan.plan_single(overfit)
    assert [(lo.tag, lo.reason) for lo in plan.left_out] == [
        ("epoch_time", "not drawn by default (bookkeeping column)")
    ]
    asked = chart_plan.plan_single(overfit, ChartOptions(metrics=("val_loss",)))
    assert [ap.panel.key for ap in asked.axes] == ["loss"]
    assert {lo.tag for lo in asked.left_out} == {"loss", "accuracy", "val_accuracy", "epoch_time", "grad_norm"}
    assert all(lo.reason == "not asked for (--metrics)" for lo in asked.left_out)
    with pytest.raises(UsageError, match="no such metric"):
        chart_plan.plan_single(overfit, ChartOptions(metrics=("bleu",)))


def test_duplicate_series_of_one_metric_keep_the_longer() -> None:
    rows = [("loss", "train", float(s), s / 10, 1.0 / (s + 1), math.nan, "train_loss_step") for s in range(40)]
    rows += [("loss", "train", float(s), s / 10, 1.0 / (s + 1), math.nan, "train_loss_epoch") for s in (9, 19, 29)]
    run = Run("lightning", "l.csv", "test", pd.DataFrame(rows, columns=list(COLUMNS)))
    plan = chart_plan.plan_single(chart_input(run, analyze(run)))
    assert lines(plan, "smooth:train_loss_step") and not lines(plan, "smooth:train_loss_epoch")
    (lo,) = plan.left_out
    assert lo.tag == "train_loss_epoch" and "train_loss_step has more points" in lo.reason


def test_grid_plan_shares_y_per_row_and_marks_missing_panels(tmp_path: Path) -> None:
    with_lr = curve_rows(20)
    for i, r in enumerate(with_lr):
        r["lr"] = 1e-2 * 0.1 ** (i // 5)  # three decades: the learning-rate panel is logarithmic
    runs = [chart_run(write(tmp_path, "a", with_lr)), chart_run(write(tmp_path, "b", curve_rows(30)))]
    plan = chart_plan.plan_grid(runs)
    assert plan.grid == (3, 2)
    assert [(ap.panel.key, ap.run) for ap in plan.axes] == [
        ("loss", "a"), ("loss", "b"), ("accuracy", "a"), ("accuracy", "b"), ("lr", "a"), ("lr", "b"),
    ]  # fmt: skip
    assert [ap.share_y for ap in plan.axes] == [None, 0, None, 2, None, 4]
    assert [ap.share_x for ap in plan.axes] == [None, None, 0, 1, 0, 1]
    assert plan.height_ratios == (1.0, 1.0, 0.5)
    lr_a, lr_b = plan.axes[4:]
    assert lr_a.log and lr_b.log  # a row shares its scale
    assert [n.text for n in lr_b.notes] == ["not logged"]
    assert not [a for a in lr_b.artists if isinstance(a, Line)]
    assert plan.axes[0].title.startswith("a\n") and plan.axes[2].title == ""
    assert [ap.ylabel for ap in plan.axes[:2]] == ["loss", ""]
    assert lines(plan, "smooth:b:val_loss")


def test_overlay_plan_of_many_runs_leaves_out_training_curves(tmp_path: Path) -> None:
    runs = [chart_run(write(tmp_path, f"m{i}", curve_rows(15 + i))) for i in range(8)]
    plan = chart_plan.plan_overlay(runs)
    gids = {a.gid for ap in plan.axes for a in ap.artists}
    assert "smooth:m0:val_loss" in gids and "smooth:m0:loss" not in gids
    assert not any(g.startswith("raw:") for g in gids)  # past three runs, no raw points
    hidden = {(lo.run, lo.tag) for lo in plan.left_out}
    assert hidden == {(f"m{i}", t) for i in range(8) for t in ("loss", "accuracy")}
    assert "validation curves only" in plan.suptitle
    (m7,) = lines(plan, "smooth:m7:val_loss")
    assert m7.colour == RUN_COLOURS[0] and m7.marker == "o"  # colours repeat past seven, with a marker
    assert [lab.split(" (")[0] for lab in legend_labels(plan)[:8]] == [f"m{i}" for i in range(8)]
    assert "train" not in legend_labels(plan)  # no training curve drawn, no style key for it
    every = chart_plan.plan_overlay(runs, ChartOptions(metrics=("loss", "val_loss")))
    assert lines(every, "smooth:m0:loss")  # asked for by name: training curves come back
    assert {lo.tag for lo in every.left_out} == {"accuracy", "val_accuracy"}


def test_long_series_are_thinned_in_the_plan() -> None:
    n = 200_000
    steps = np.arange(n, dtype="float64")
    values = 2.0 * np.exp(-steps / 4e4) + 0.3
    values[123_456] = 50.0
    frame = pd.DataFrame(
        {"metric": "loss", "split": "train", "step": steps, "epoch": np.nan, "value": values, "wall_time": np.nan,
         "tag": "train_loss"}
    )  # fmt: skip
    run = Run("big", "big.csv", "test", frame)
    plan = chart_plan.plan_single(chart_input(run, analyze(run)), ChartOptions(max_points=1000))
    (raw,) = lines(plan, "raw:train_loss")
    assert raw.points == n and len(raw.x) <= 1002
    assert 123_456 in raw.x and raw.y.max() == 50.0
    (smooth,) = lines(plan, "smooth:train_loss")
    assert 0.6 < smooth.smoothing < 1.0  # widened so the curve spans the axis as on 1000 points
    assert plan.axes[0].ylim is not None and plan.axes[0].notes[0].gid == "clipped"


def test_hostile_names_are_safe_literal_text_in_the_plan() -> None:
    name = "new\nline\x1b[31m$x^2$"
    rows = [("$\\frac{", "val", float(s), float(s), 1.0 / (s + 1), math.nan, "val_$\\frac{") for s in range(10)]
    rows += [("lr", "", float(s), float(s), 0.1, math.nan, "_under") for s in range(10)]
    run = Run(name, "x.csv", "test", pd.DataFrame(rows, columns=list(COLUMNS)))
    plan = chart_plan.plan_single(chart_input(run, analyze(run)))
    texts = [plan.suptitle, *legend_labels(plan)]
    texts += [t for ap in plan.axes for t in (ap.title, ap.ylabel)]
    texts += [a.gid for ap in plan.axes for a in ap.artists]
    assert not any("\x1b" in t for t in texts)
    assert plan.suptitle.count("\n") == 1  # the title's line and the verdict's, nothing from the name
    assert plan.suptitle.startswith("new\\x0aline\\x1b[31m$x^2$")  # escaped, dollars kept as they are
    assert "$\\frac{" in [ap.title for ap in plan.axes]
    assert " _under" not in legend_labels(plan)  # a lone learning rate is just "learning rate"
    assert chart_plan.label_text("_under") == " _under"  # matplotlib hides labels starting with "_"
