"""Charts of many runs: the wrapped side-by-side grid, what past 24 runs is left out, groups as
mean and band, and the sweep chart (scatter per hyperparameter, parallel coordinates, top curves)."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from losslog.analysis import analyze
from losslog.cli import app
from losslog.readers.discover import discover
from losslog.render import chart_plan
from losslog.render.chart_groups import MAX_CELLS, TOP_RUNS_WITH_GROUPS, RunGroup, select
from losslog.render.chart_parts import Band, Line
from losslog.render.chart_series import ChartRun, chart_input
from losslog.render.sweep_plan import MAX_MEANS, TOP_CURVES, has_sweep, hp_axis, plan_sweep
from tests.conftest import curve_rows, keras_csv_text

REPO = Path(__file__).resolve().parent.parent


def write_run(root: Path, name: str, floor: float, n: int = 20, noise: float = 0.0) -> Path:
    rows = curve_rows(n, val_floor=floor)
    for i, r in enumerate(rows):
        r["val_loss"] = float(r["val_loss"] or 0) + noise * math.sin(i)  # members of a group differ
    path = root / name / "training.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(keras_csv_text(rows))
    return path


def chart_runs(paths: list[Path]) -> list[ChartRun]:
    found = discover(paths)
    by_name = {r.name: r for r in found.runs}
    out = []
    for p in paths:
        run = next(r for n, r in by_name.items() if p.parent.name in n)
        out.append(chart_input(run, analyze(run)))
    return out


@pytest.fixture(scope="module")
def thirty(tmp_path_factory: pytest.TempPathFactory) -> list[ChartRun]:
    """5 learning rates x 6 seeds; the lower the lr index, the better (lower floor)."""
    root = tmp_path_factory.mktemp("thirty")
    paths = [
        write_run(root, f"lr={lr},seed={s}", 0.3 + 0.1 * i + 0.01 * s, noise=0.01 * s)
        for i, lr in enumerate([0.001, 0.003, 0.01, 0.03, 0.1])
        for s in range(6)
    ]
    return chart_runs(paths)


# ---------------------------------------------------------------------------------------------
# the wrapped grid


@pytest.mark.parametrize(("n", "cols"), [(1, 1), (3, 3), (6, 6), (7, 4), (10, 5), (12, 6), (13, 5), (24, 6)])
def test_wrap_columns_at_most_six_and_balanced(n: int, cols: int) -> None:
    assert chart_plan.wrap_columns(n) == cols
    rows = math.ceil(n / cols)
    assert rows * cols - n < rows  # no row is emptier than one cell per row


def test_twelve_runs_wrap_into_two_block_rows_with_shared_y(thirty: list[ChartRun]) -> None:
    plan = chart_plan.plan_grid(thirty[:12])
    assert plan.grid == (4, 6)  # 2 block rows x (loss, accuracy), 6 columns
    assert plan.size[0] <= 16 and plan.size[1] <= 24
    assert len(plan.axes) == 24 and not plan.runs_left_out and plan.note == ""
    loss = [i for i, ap in enumerate(plan.axes) if ap.panel.key == "loss"]
    assert plan.axes[loss[0]].share_y is None
    assert all(plan.axes[i].share_y == loss[0] for i in loss[1:])  # one y scale per metric, all rows
    titled = [ap for ap in plan.axes if ap.title]
    assert [ap.run for ap in titled] == [cr.name for cr in thirty[:12]]
    assert {ap.cell[0] for ap in titled} == {0, 2}  # titles on the top panel of each block row
    assert [ap.xlabel for ap in plan.axes if ap.xlabel] == ["epoch"] * 6  # bottom row only


def test_hundred_runs_are_bounded_not_one_row(thirty: list[ChartRun]) -> None:
    runs = (thirty * 4)[:100]
    plan = chart_plan.plan_grid(runs)
    assert plan.grid[1] <= 6
    assert len({ap.run for ap in plan.axes if ap.title}) <= MAX_CELLS
    assert plan.size[0] <= 16 and plan.size[1] <= 30
    assert len(plan.runs_left_out) == 100 - MAX_CELLS
    assert plan.note.startswith(f"{100 - MAX_CELLS} more runs not drawn") and "see the table" in plan.note
    assert plan.note in plan.suptitle


def test_past_the_limit_the_best_runs_are_drawn(thirty: list[ChartRun]) -> None:
    pick = select(thirty, limit=10)
    best = sorted(thirty, key=lambda cr: cr.analysis.best.value if cr.analysis.best else math.inf)
    assert [thirty[i].name for i in pick.runs] == [cr.name for cr in best[:10]]
    assert set(pick.runs_left_out) == {cr.name for cr in best[10:]}
    assert select(thirty[:5], limit=10).note == ""


def test_groups_are_drawn_as_mean_and_min_max_band(thirty: list[ChartRun]) -> None:
    groups = [RunGroup(f"lr={lr}", tuple(cr.name for cr in thirty if cr.name.startswith(f"lr={lr},"))) for lr in
              (0.001, 0.003, 0.01, 0.03, 0.1)]  # fmt: skip
    plan = chart_plan.plan_grid(thirty, groups=groups)
    titled = [ap for ap in plan.axes if ap.title]
    runs_drawn = [ap for ap in titled if ap.run is not None]
    group_cells = [ap for ap in titled if ap.run is None]
    assert len(runs_drawn) == MAX_CELLS - 5  # the runs fill what the 5 groups leave
    assert [ap.title.splitlines()[0] for ap in group_cells][:2] == ["group lr=0.001", "group lr=0.003"]
    assert "n=6" in group_cells[0].title
    assert "5 groups drawn as mean, band min–max" in plan.note
    assert "11 more runs not drawn (the best 19 are)" in plan.note
    bands = [a for ap in plan.axes for a in ap.artists if isinstance(a, Band)]
    means = {a.gid: a for ap in plan.axes for a in ap.artists if isinstance(a, Line) and a.gid.startswith("mean:")}
    band = next(b for b in bands if b.gid == "band:group:lr=0.001:loss:val")
    mean = means["mean:group:lr=0.001:loss:val"]
    assert np.all(band.lo <= mean.y + 1e-12) and np.all(mean.y <= band.hi + 1e-12)
    assert np.any(band.hi - band.lo > 1e-3)  # the seeds differ: the band has width
    assert "group: mean, band min–max" in [e.label for e in plan.legend.entries]


def test_groups_past_the_cap_leave_twelve_runs_and_few_groups_are_ignored(thirty: list[ChartRun]) -> None:
    pairs = [RunGroup(f"p{i}", (thirty[2 * i].name, thirty[2 * i + 1].name)) for i in range(15)]
    pick = select(thirty, pairs, limit=MAX_CELLS)
    assert len(pick.runs) == TOP_RUNS_WITH_GROUPS and len(pick.groups) == MAX_CELLS - TOP_RUNS_WITH_GROUPS
    assert pick.groups_left_out == 15 - len(pick.groups) and "3 more groups not drawn" in pick.note
    few = select(thirty, pairs[:2], limit=MAX_CELLS)  # 4 of 30 runs in groups: not a grouped sweep
    assert few.groups == () and len(few.runs) == MAX_CELLS


def test_a_group_of_one_run_is_not_a_band(thirty: list[ChartRun]) -> None:
    pick = select(thirty, [RunGroup("alone", (thirty[0].name,)), RunGroup("none", ("missing",))], limit=10)
    assert pick.groups == () and len(pick.runs) == 10


def test_overlay_of_many_runs_is_bounded_too(thirty: list[ChartRun]) -> None:
    plan = chart_plan.plan_for(thirty, overlay=True)
    assert len(plan.legend.entries) < len(thirty)
    assert len(plan.runs_left_out) == len(thirty) - MAX_CELLS and plan.note in plan.suptitle


def test_sweep_and_grid_plans_do_not_import_matplotlib() -> None:
    code = (
        "import sys\n"
        "import pandas as pd\n"
        "from losslog.render.chart_groups import select\n"
        "from losslog.render.chart_plan import plan_grid\n"
        "from losslog.render.sweep_plan import plan_sweep\n"
        "class T:\n"
        "    frame = pd.DataFrame({'run': ['a', 'b'], 'best': [0.1, 0.2], 'verdict': ['healthy'] * 2,\n"
        "                          'rank': [1, 2], 'hp.lr': [1e-4, 1e-2]})\n"
        "    varying = ['hp.lr']; seed_columns = []; monitor = 'val_loss'; goal = 'min'\n"
        "plan = plan_sweep(T())\n"
        "assert plan.scatter and plan.parallel is not None\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {m.split(".")[0] for m in done.stdout.split()}
    assert "losslog" in loaded
    assert "matplotlib" not in loaded


# ---------------------------------------------------------------------------------------------
# the sweep chart's plan


@dataclass
class Table:
    """A sweep table by its contract (losslog.sweep), made by hand."""

    frame: pd.DataFrame
    varying: list[str]
    group_by: list[str] = field(default_factory=list)
    groups: pd.DataFrame = field(default_factory=pd.DataFrame)
    seed_columns: list[str] = field(default_factory=list)
    monitor: str = "val_loss"
    goal: str = "min"


def sweep_table() -> Table:
    rows = []
    for lr in (1e-4, 1e-3, 1e-2):
        for opt in ("sgd", "adam"):
            for seed in range(4):
                best = 0.3 + abs(math.log10(lr) + 3) * 0.1 + (0.05 if opt == "sgd" else 0) + seed * 0.001
                rows.append({"run": f"lr={lr},opt={opt},seed={seed}", "best": best, "verdict": "healthy",
                             "hp.lr": lr, "hp.opt": opt, "hp.seed": seed, "hp.same": 1})  # fmt: skip
    rows[0]["best"] = None  # never logged the metric
    rows[1]["verdict"] = "divergence"
    frame = pd.DataFrame(rows).sort_values("best", na_position="last").reset_index(drop=True)
    frame["rank"] = range(1, len(frame) + 1)
    return Table(frame, ["hp.lr", "hp.opt", "hp.seed"], seed_columns=["hp.seed"])


def test_hyperparameter_axes_numeric_log_and_categorical() -> None:
    lr = hp_axis("hp.lr", [1e-4, 1e-3, 1e-2, None])
    assert lr.categories is None and lr.log and math.isnan(lr.values[-1])
    batch = hp_axis("hp.batch", [16, 32, 64])
    assert batch.categories is None and not batch.log  # 4x: linear
    opt = hp_axis("hp.opt", ["sgd", "adam", None, "adam"])
    assert opt.categories == ("adam", "sgd", "–") and list(opt.values) == [1, 0, 2, 0]
    flag = hp_axis("hp.aug", [True, False])
    assert flag.categories == ("false", "true")
    mixed = hp_axis("hp.x", [1, "auto"])
    assert mixed.categories is not None  # mixed values are categories
    assert hp_axis("hp.name", ["a\x1b[2Jb"]).categories == ("a\\x1b[2Jb",)


def test_sweep_plan_scatter_parallel_and_seed_left_out() -> None:
    plan = plan_sweep(sweep_table())
    assert [s.axis.name for s in plan.scatter] == ["lr", "opt"]  # seed is noise, "same" does not vary
    lr, opt = plan.scatter
    assert lr.axis.log and opt.axis.categories == ("adam", "sgd")
    assert len(lr.mean_x) == 3 and len(opt.mean_x) == 2
    ok = np.isfinite(opt.best)
    for x, y in zip(opt.mean_x, opt.mean_y):  # the mean at each value is the mean of those runs
        assert y == pytest.approx(np.mean(opt.best[ok & (opt.axis.values == x)]))
    assert np.all(np.abs(opt.jitter) <= 0.12) and not np.any(lr.jitter)
    assert any("seed not drawn" in n for n in plan.notes)
    assert any("1 run(s) without a best value" in n for n in plan.notes)
    p = plan.parallel
    assert p is not None and p.positions.shape == (23, 3)  # 23 runs with a best; lr, opt, metric
    assert np.nanmin(p.positions) >= 0 and np.nanmax(p.positions) <= 1
    assert p.metric[p.order[-1]] == p.metric.min()  # lower is better: the best drawn last, on top
    assert [t for _, t in p.ticks[1]] == ["adam", "sgd"]
    assert "#C00000" in opt.colours  # the diverged run stands out


def test_many_distinct_values_get_no_means_and_max_goal_reverses_order() -> None:
    n = MAX_MEANS + 5
    frame = pd.DataFrame(
        {"run": [f"r{i}" for i in range(n)], "best": np.linspace(0.5, 0.9, n), "verdict": ["healthy"] * n,
         "rank": range(1, n + 1), "hp.lr": np.geomspace(1e-5, 1e-1, n)}
    )  # fmt: skip
    plan = plan_sweep(Table(frame, ["hp.lr"], monitor="val_acc", goal="max"))
    assert len(plan.scatter[0].mean_x) == 0
    p = plan.parallel
    assert p is not None and p.metric[p.order[-1]] == p.metric.max()


def test_has_sweep_needs_a_varying_hyperparameter() -> None:
    t = sweep_table()
    assert has_sweep(t)
    assert not has_sweep(Table(t.frame, []))
    assert not has_sweep(None)


def test_top_curves_follow_the_table_order(thirty: list[ChartRun]) -> None:
    names = [cr.name for cr in thirty]
    lrs = [float(n.split(",")[0][3:]) for n in names[::-1]]
    frame = pd.DataFrame(
        {"run": names[::-1], "best": np.arange(30.0), "verdict": ["healthy"] * 30, "rank": range(1, 31), "hp.lr": lrs}
    )
    plan = plan_sweep(Table(frame, ["hp.lr"]), thirty)
    assert len(plan.legend) == TOP_CURVES
    assert plan.legend[0][0].startswith(f"#1 {names[-1]}")
    assert all(ln.gid.startswith("smooth:top:") for ln in plan.top if ln.gid.startswith("smooth"))


# ---------------------------------------------------------------------------------------------
# the commands


def make_sweep(root: Path, seeds: int = 3) -> Path:
    for i, lr in enumerate([0.0001, 0.001, 0.01]):
        for opt in ("adam", "sgd"):
            for s in range(seeds):
                write_run(
                    root, f"lr={lr},opt={opt},seed={s}", 0.3 + 0.1 * i + (0.05 if opt == "sgd" else 0), noise=0.01 * s
                )
    return root


def test_compare_plot_draws_the_sweep_chart(tmp_path: Path) -> None:
    root = make_sweep(tmp_path / "sweep", seeds=2)
    out = tmp_path / "sweep.svg"
    res = CliRunner().invoke(app, ["compare", str(root), "--plot", str(out)])
    assert res.exit_code == 0, res.output
    svg = out.read_text()
    assert 'id="parallel' in svg and 'id="scatter:lr' in svg and 'id="scatter:opt' in svg
    assert 'id="means:opt' in svg
    assert "seed not drawn against the metric" in res.stderr


def test_compare_plot_without_hyperparameters_draws_side_by_side(tmp_path: Path) -> None:
    for name, floor in (("alpha", 0.4), ("beta", 0.3)):
        write_run(tmp_path / "runs", name, floor)
    out = tmp_path / "side.svg"
    res = CliRunner().invoke(app, ["compare", str(tmp_path / "runs"), "--plot", str(out)])
    assert res.exit_code == 0, res.output
    svg = out.read_text()
    assert 'id="smooth:beta:val_loss"' in svg and 'id="parallel' not in svg


def test_plot_of_many_runs_says_what_it_left_out(tmp_path: Path) -> None:
    root = make_sweep(tmp_path / "sweep", seeds=5)  # 30 runs, 6 groups of 5 seeds
    out = tmp_path / "many.svg"
    res = CliRunner().invoke(app, ["plot", str(root), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "12 more runs not drawn (the best 18 are); 6 groups drawn as mean, band min–max" in res.stderr
    svg = out.read_text()
    assert 'id="band:group:lr=0.0001, opt=adam:loss:val"' in svg


def test_a_seed_is_left_out_even_when_nothing_was_grouped() -> None:
    frame = pd.DataFrame(
        {"run": ["a", "b", "c"], "best": [0.3, 0.4, 0.5], "verdict": ["healthy"] * 3, "rank": [1, 2, 3],
         "hp.lr": [1e-4, 1e-3, 1e-2], "hp.seed": [2, 0, 1]}
    )  # fmt: skip
    plan = plan_sweep(Table(frame, ["hp.lr", "hp.seed"]))  # no seed_columns: no group formed
    assert [s.axis.name for s in plan.scatter] == ["lr"]
    assert "mean of the runs at a value" not in [k for k, _ in plan.verdict_keys]  # one run per value: no means
