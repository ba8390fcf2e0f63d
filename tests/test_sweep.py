"""The sweep table: seed groups (checked against numpy), --where/--sort/--top/--columns, the
command's four formats on a sweep, and the library call."""

from __future__ import annotations

import builtins
import csv
import io
import json
import math
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import losslog
from losslog.cli import app
from losslog.errors import UsageError
from losslog.sweep import BASE_COLUMNS, GROUP_COLUMNS, OPS, Condition, is_seed_name, matches, parse_where
from tests.conftest import curve_rows, keras_csv_text

runner = CliRunner()
LRS = (0.1, 0.01, 0.001)
SEEDS = (0, 1, 2, 3)


def floor(i: int, seed: int) -> float:
    """Each run's validation-loss floor: the lr sets the level, the seed a small irregular shift."""
    return 0.3 + 0.1 * i + [0.0, 0.013, 0.031, 0.007][seed]


def write_run(path: Path, val_floor: float, overfit_from: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(keras_csv_text(curve_rows(20, val_floor=val_floor, overfit_from=overfit_from)))


@pytest.fixture
def grid(tmp_path: Path) -> Path:
    """3 learning rates x 4 seeds, named as Hydra's override_dirname names them."""
    root = tmp_path / "sweep"
    for i, lr in enumerate(LRS):
        for seed in SEEDS:
            write_run(root / f"lr={lr},seed={seed}" / "training.log", floor(i, seed))
    return root


# --------------------------------------------------------------------------------------------
# Groups


def test_seeds_are_grouped_automatically_with_numpy_mean_and_std(grid: Path) -> None:
    table = losslog.sweep(grid)
    assert table.varying == ["hp.lr", "hp.seed"]
    assert table.group_by == ["hp.lr"] and table.seed_columns == ["hp.seed"]
    groups = table.group_rows()
    assert [g["hp.lr"] for g in groups] == [0.1, 0.01, 0.001]  # best group first (lower loss)
    assert [g["n"] for g in groups] == [4, 4, 4]
    best = dict(zip(table.frame["run"], table.frame["best"]))
    last = dict(zip(table.frame["run"], table.frame["last"]))
    for g in groups:
        bests = np.array([best[r] for r in g["runs"]])
        lasts = np.array([last[r] for r in g["runs"]])
        assert g["best_mean"] == pytest.approx(np.mean(bests), rel=1e-12)
        assert g["best_std"] == pytest.approx(np.std(bests, ddof=1), rel=1e-12)
        assert g["last_mean"] == pytest.approx(np.mean(lasts), rel=1e-12)
        assert g["last_std"] == pytest.approx(np.std(lasts, ddof=1), rel=1e-12)
        assert sum(g["verdicts"].values()) == 4
        assert sorted(g["runs"]) == sorted(f"lr={g['hp.lr']},seed={s}" for s in SEEDS)
    # and the mean is the floors' mean plus the same curve tail: each group 0.1 apart
    assert groups[1]["best_mean"] - groups[0]["best_mean"] == pytest.approx(0.1, abs=1e-9)
    assert list(table.groups.columns) == ["hp.lr", *GROUP_COLUMNS]


def test_group_by_names_the_columns_and_none_turns_grouping_off(grid: Path) -> None:
    by_seed = losslog.sweep(grid, group_by="seed")
    assert by_seed.group_by == ["hp.seed"] and list(by_seed.groups["n"]) == [3, 3, 3, 3]
    both = losslog.sweep(grid, group_by=["lr", "hp.seed"])
    assert len(both.groups) == 12 and set(both.groups["n"]) == {1}
    assert all(v is None for v in both.groups["best_std"])  # n=1: no spread to speak of
    off = losslog.sweep(grid, group_by="none")
    assert off.group_by == [] and off.groups.empty
    with pytest.raises(UsageError, match="--group-by 'momentum': no such hyperparameter"):
        losslog.sweep(grid, group_by="momentum")


def test_no_automatic_groups_without_repeats_or_for_folds(tmp_path: Path) -> None:
    for i, lr in enumerate(LRS):
        write_run(tmp_path / "a" / f"lr={lr},seed={i}" / "training.log", 0.3 + i / 10)  # every seed once
        for fold in range(2):
            write_run(tmp_path / "b" / f"lr={lr},fold={fold}" / "training.log", 0.3 + i / 10 + fold / 50)
    assert losslog.sweep(tmp_path / "a").group_by == []
    assert losslog.sweep(tmp_path / "b").group_by == []  # a fold is another data split, not a seed


def test_seed_like_names() -> None:
    for name in ("seed", "hp.random_seed", "trainer.seed", "data_seed", "trial", "rep", "repeat", "run"):
        assert is_seed_name(name), name
    for name in ("fold", "seed_size", "lr", "hp.runs"):
        assert not is_seed_name(name), name


# --------------------------------------------------------------------------------------------
# --where: parsed, never evaluated


@pytest.mark.parametrize(
    ("text", "field", "op", "value", "number"),
    [
        ("lr<0.01", "lr", "<", "0.01", 0.01),
        ("optimizer == adam", "optimizer", "==", "adam", None),
        ("verdict!=divergence", "verdict", "!=", "divergence", None),
        ("best<=0.3", "best", "<=", "0.3", 0.3),
        ("val_accuracy:last>=0.9", "val_accuracy:last", ">=", "0.9", 0.9),
        ("name=='a<b'", "name", "==", "a<b", None),
        ("model.depth>-1e3", "model.depth", ">", "-1e3", -1000.0),
    ],
)
def test_where_parses(text: str, field: str, op: str, value: str, number: float | None) -> None:
    assert parse_where(text) == Condition(field, op, value, number)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lr=0.01", "use =="),
        ("lr", "no comparison operator"),
        ("lr<adam", "< needs a number"),
        ("lr<<1", "unknown operator"),
        ("<1", "not a field name"),
        ("lr==", "nothing to compare with"),
        ("__import__('os').system('x')==1", "not a field name"),
        ("val_loss:median<1", "not a field name"),
    ],
)
def test_bad_where_is_a_one_line_usage_error_naming_it(text: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_where(text)
    assert message in str(info.value) and repr(text) in str(info.value) and "\n" not in str(info.value)


_FIELD = st.from_regex(r"[A-Za-z_][A-Za-z0-9_./\-]{0,20}(:best|:last)?", fullmatch=True)
_VALUE = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers().map(str),
    st.from_regex(r"[A-Za-z_][\w.\-/@ ]{0,15}[\w]", fullmatch=True),
)


@settings(max_examples=300, deadline=None)
@given(_FIELD, st.sampled_from(OPS), _VALUE)
def test_where_round_trips(field: str, op: str, value: str) -> None:
    numeric = value[0].isdigit() or value[0] in "+-." or value.lower() in ("inf", "nan")
    if op not in ("==", "!=") and not numeric:
        return
    try:
        cond = parse_where(f"{field}{op}{value}")
    except UsageError:
        assert op not in ("==", "!=") and not numeric  # only a number is ordered
        return
    assert (cond.field, cond.op, cond.value) == (field, op, value)
    assert parse_where(cond.text) == cond
    assert parse_where(f"  {field} {op} {value}  ") == cond


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_where_never_evaluates_anything(text: str) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("evaluated")

    saved = builtins.eval, builtins.exec, builtins.compile
    builtins.eval, builtins.exec, builtins.compile = refuse, refuse, refuse  # type: ignore[assignment]
    try:
        try:
            cond = parse_where(text)
        except UsageError:
            return
    finally:
        builtins.eval, builtins.exec, builtins.compile = saved
    assert cond.op in OPS and isinstance(cond.field, str) and isinstance(cond.value, str)
    assert matches(3.0, cond) in (True, False) and matches("x", cond) in (True, False)


def test_matches() -> None:
    assert matches(0.001, parse_where("lr<0.01")) and not matches(0.1, parse_where("lr<0.01"))
    assert matches("adam", parse_where("opt==adam")) and not matches("sgd", parse_where("opt==adam"))
    assert matches(True, parse_where("bn==true")) and matches(False, parse_where("bn!=true"))
    assert matches(32, parse_where("bs==32")) and matches("32x", parse_where("bs!=32"))
    assert not matches(None, parse_where("lr<1")) and not matches(None, parse_where("lr!=1"))  # missing: no
    assert not matches("adam", parse_where("opt<1"))


def test_where_filters_are_anded_on_hparams_metrics_and_verdicts(grid: Path) -> None:
    table = losslog.sweep(grid, where=["lr<0.05", "seed!=0"], group_by="none")
    assert sorted(table.frame["run"]) == sorted(f"lr={lr},seed={s}" for lr in LRS[1:] for s in SEEDS[1:])
    assert table.filtered_out == 6 and table.total == 12
    table = losslog.sweep(grid, where="best<=0.35")
    assert set(table.frame["hp.lr"]) == {0.1} and len(table.frame) == 3
    table = losslog.sweep(grid, where="val_accuracy:last>0.8")
    assert "val_accuracy:last" in table.frame.columns and (table.frame["val_accuracy:last"] > 0.8).all()
    assert losslog.sweep(grid, where="verdict!=healthy").frame["verdict"].ne("healthy").all()
    with pytest.raises(UsageError, match="no hyperparameter, column or metric named 'momentum'"):
        losslog.sweep(grid, where="momentum<1")


# --------------------------------------------------------------------------------------------
# --sort, --top, --columns


def test_sort_top_and_columns(grid: Path) -> None:
    default = losslog.sweep(grid)
    assert list(default.frame["best"]) == sorted(default.frame["best"])
    assert default.sort == "val_loss:best"
    by_acc = losslog.sweep(grid, sort="val_accuracy:last", top=3)
    assert len(by_acc.frame) == 3 and by_acc.cut_by_top == 9
    accs = list(by_acc.frame["val_accuracy:last"])
    assert accs == sorted(accs, reverse=True)  # accuracy: higher first
    by_lr = losslog.sweep(grid, sort="lr")
    assert list(by_lr.frame["hp.lr"]) == sorted(by_lr.frame["hp.lr"])  # a hyperparameter: ascending
    chosen = losslog.sweep(grid, columns="run,lr,last,val_accuracy:best")
    assert chosen.shown == ["run", "hp.lr", "last", "val_accuracy:best"]
    assert len(losslog.sweep(grid, top=5).groups) == 3  # groups are over every run that passed --where
    for bad, kwargs in (("--top 0", {"top": 0}), ("--sort", {"sort": "val_loss:median"})):
        with pytest.raises(UsageError, match=bad):
            losslog.sweep(grid, **kwargs)


def test_the_frame_has_the_contract_columns(grid: Path) -> None:
    table = losslog.sweep(grid)
    assert list(table.frame.columns[: len(BASE_COLUMNS)]) == list(BASE_COLUMNS)
    assert table.hparam_columns == ["hp.lr", "hp.seed"]
    assert table.frame["hp.seed"].map(type).eq(int).all()  # Python types kept, not floats
    assert set(table.frame["monitor"]) == {"val_loss"} and set(table.frame["goal"]) == {"min"}


def test_constant_hparams_are_hidden_unless_asked(tmp_path: Path) -> None:
    for i, lr in enumerate(LRS):
        run = tmp_path / f"r{i}"
        write_run(run / "training.log", 0.3 + i / 10)
        (run / "params.yaml").write_text(f"lr: {lr}\nepochs: 20\n")
    assert losslog.sweep(tmp_path).shown[-1:] == ["hp.lr"]
    assert "hp.epochs" in losslog.sweep(tmp_path, all_hparams=True).shown
    result = runner.invoke(app, ["compare", str(tmp_path)])
    assert "1 hyperparameter(s) the same in every run not shown (--all-hparams shows them)" in result.stdout


# --------------------------------------------------------------------------------------------
# The command


def test_compare_text_shows_hparams_and_groups(grid: Path) -> None:
    result = runner.invoke(app, ["compare", str(grid)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].split()[-2:] == ["lr", "seed"]
    assert lines[2].split()[1] == "lr=0.1,seed=0" and lines[2].split()[-2:] == ["0.1", "0"]
    title = next(i for i, ln in enumerate(lines) if ln.startswith("groups by lr"))
    assert "seed averaged" in lines[title]
    first = lines[title + 2].split()
    assert first[:2] == ["0.1", "4"] and first[3] == "±"


def test_a_big_sweep_shows_20_rows_in_text_and_every_row_in_csv_and_json(tmp_path: Path) -> None:
    for i in range(30):
        write_run(tmp_path / f"lr={0.001 * (i + 1):.3f}" / "training.log", 0.3 + i / 100)
    text = runner.invoke(app, ["compare", str(tmp_path)]).stdout
    rows = [ln for ln in text.splitlines() if " lr=" in ln]
    assert len(rows) == 20
    assert "10 more run(s) not shown: --top N to choose how many, --format csv or json for every run" in text
    assert len([ln for ln in runner.invoke(app, ["compare", str(tmp_path), "--top", "25"]).stdout.splitlines()]) > 25
    out = runner.invoke(app, ["compare", str(tmp_path), "-f", "csv"]).stdout
    table = list(csv.DictReader(io.StringIO(out)))
    assert len(table) == 30 and table[0]["hp.lr"] == "0.001" and table[0]["name"] == "lr=0.001"
    doc = json.loads(runner.invoke(app, ["compare", str(tmp_path), "-f", "json"]).stdout)
    assert len(doc["sweep"]["rows"]) == 30 and doc["sweep"]["varying"] == ["hp.lr"]
    assert len(doc["leaderboard"]) == 30 and doc["sweep"]["rows"][0]["hp.lr"] == 0.001


def test_json_and_markdown_carry_the_groups(grid: Path) -> None:
    doc = json.loads(runner.invoke(app, ["compare", str(grid), "-f", "json", "--where", "seed<3"]).stdout)
    assert doc["sweep"]["group_by"] == ["hp.lr"] and [g["n"] for g in doc["sweep"]["groups"]] == [3, 3, 3]
    assert doc["sweep"]["where"] == ["seed<3"] and doc["sweep"]["filtered_out"] == 3
    assert [s["name"] for s in doc["leaderboard"]] == [r["run"] for r in doc["sweep"]["rows"]]
    md = runner.invoke(app, ["compare", str(grid), "-f", "markdown"]).stdout
    assert "### groups by lr" in md
    assert any(ln.startswith("| 0.1 | 4 | ") for ln in md.splitlines())


def test_cli_options_reach_the_table(grid: Path) -> None:
    args = ["compare", str(grid), "--where", "lr<=0.01", "--sort", "val_loss:last", "--top", "2"]
    result = runner.invoke(app, [*args, "--columns", "run,lr,last", "-f", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["name", "hp.lr", "final"] and len(rows) == 2
    assert [r["name"] for r in rows] == ["lr=0.01,seed=0", "lr=0.01,seed=3"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--where", "lr=0.1"], "--where 'lr=0.1': no comparison operator (use == to compare for equality)"),
        (["--where", "nope<1"], "--where 'nope<1': no hyperparameter, column or metric named 'nope'"),
        (["--sort", "lr:median"], "--sort 'lr:median': unknown statistic 'median'"),
        (["--group-by", "nope"], "--group-by 'nope': no such hyperparameter"),
        (["--columns", "nope"], "--columns 'nope': no hyperparameter, column or metric named 'nope'"),
        (["--top", "0"], "--top 0: expected a whole number of runs"),
    ],
)
def test_bad_options_exit_2_with_one_line(grid: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["compare", str(grid), *args])
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_hostile_hparam_names_and_values_are_escaped_and_spreadsheet_safe(tmp_path: Path) -> None:
    for i, value in enumerate(['=HYPERLINK("x")', "\x1b[2Jboom"]):
        run = tmp_path / f"r{i}"
        write_run(run / "training.log", 0.3 + i / 10)
        (run / "params.yaml").write_text(f'"bad\\u202ename": {json.dumps(value)}\n')
    text = runner.invoke(app, ["compare", str(tmp_path)]).stdout
    assert "\x1b" not in text and "\u202e" not in text and "\\x1b[2Jboom" in text and "bad\\u202ename" in text
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, ["compare", str(tmp_path), "-f", "csv"]).stdout)))
    assert rows[0]["hp.bad\\u202ename"] == '\'=HYPERLINK("x")'
    raw = runner.invoke(app, ["compare", str(tmp_path), "-f", "csv", "--raw-csv"]).stdout
    assert "=HYPERLINK" in raw and "'=HYPERLINK" not in raw


def test_a_run_without_the_monitor_keeps_its_hparams(tmp_path: Path) -> None:
    write_run(tmp_path / "lr=0.1" / "training.log", 0.3)
    path = tmp_path / "lr=0.2" / "training.log"
    path.parent.mkdir()
    path.write_text(keras_csv_text([{k: v for k, v in r.items() if not k.startswith("val")} for r in curve_rows(10)]))
    table = losslog.sweep(tmp_path)
    rows = {r["run"]: r for r in table.rows()}
    assert rows["lr=0.2"]["best"] is None and rows["lr=0.2"]["hp.lr"] == 0.2 and rows["lr=0.2"]["rank"] is None
    assert math.isfinite(rows["lr=0.1"]["best"])


# --------------------------------------------------------------------------------------------
# The README section: its sweep is made, its commands print what it shows, its API example runs

REPO = Path(__file__).resolve().parent.parent
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


def test_the_readme_sweep_section_is_true(tmp_path: Path) -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Comparing a sweep") :]
    section = section[: section.index("\n## ", 1)]
    blocks = _FENCE.findall(section)
    make, example = [body for kind, body in blocks if kind == "python"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", make], check=True, cwd=tmp_path, env=env)
    shown = [body for kind, body in blocks if kind == "text" and body.startswith("$ losslog ")]
    assert len(shown) == 2
    for body in shown:
        command, _, expected = body.partition("\n")
        args = shlex.split(command[2:])[1:]
        done = subprocess.run(
            [sys.executable, "-m", "losslog", *args], capture_output=True, text=True, cwd=tmp_path, env=env
        )
        assert done.returncode == 0, done.stderr
        got = [ln.rstrip() for ln in done.stdout.rstrip("\n").splitlines()]
        assert got == expected.rstrip("\n").splitlines(), done.stdout
    done = subprocess.run([sys.executable, "-c", example], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    promised = re.findall(r"#\s*→\s*(.+)$", example, re.MULTILINE)
    assert len(promised) == 3
    lines = [ln.strip() for ln in done.stdout.splitlines()]
    for expected in promised:
        assert expected.strip() in lines, (expected, done.stdout)
    table_lines = [ln[1:].strip() for ln in example.splitlines() if ln.startswith("#  ")]
    assert table_lines and all(t in lines for t in table_lines), done.stdout


def test_a_wide_table_is_printed_whole(tmp_path: Path) -> None:
    for i in range(3):
        run = tmp_path / f"r{i}"
        write_run(run / "training.log", 0.3 + i / 10)
        (run / "params.yaml").write_text("".join(f"a_rather_long_parameter_name_{k}: {k + i}\n" for k in range(12)))
    text = runner.invoke(app, ["compare", str(tmp_path)]).stdout
    header = text.splitlines()[1]
    assert all(f"a_rather_long_parameter_name_{k}" in header for k in range(12)) and "…" not in text


def test_plot_draws_the_tables_runs(grid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from losslog.render import chart

    drawn: list[list[str]] = []
    real = chart.chart_inputs

    def spy(runs: Any, ranked: Any, options: Any) -> Any:
        drawn.append([a.name for a in ranked])
        return real(runs, ranked, options)

    monkeypatch.setattr(chart, "chart_inputs", spy)
    out = tmp_path / "c.png"
    result = runner.invoke(app, ["compare", str(grid), "--where", "lr==0.01", "--top", "2", "--plot", str(out)])
    assert result.exit_code == 0, result.output
    assert drawn == [["lr=0.01,seed=0", "lr=0.01,seed=3"]] and out.stat().st_size > 0


def test_run_names_and_paths_are_not_hyperparameters_and_do_not_split_seed_groups(tmp_path: Path) -> None:
    n = 0
    for i, lr0 in enumerate(LRS):
        for seed in SEEDS[:2]:
            n += 1
            d = tmp_path / "runs" / "detect" / f"train{n}"
            write_run(d / "training.log", floor(i, seed))
            args = f"task: detect\nname: train{n}\nsave_dir: runs/detect/train{n}\nlr0: {lr0}\nseed: {seed}\n"
            (d / "args.yaml").write_text(args)
    table = losslog.sweep(tmp_path)
    assert table.varying == ["hp.lr0", "hp.seed"]
    assert table.bookkeeping == ["hp.name", "hp.save_dir"]
    assert table.group_by == ["hp.lr0"] and list(table.groups["n"]) == [2, 2, 2]
    assert "hp.save_dir" in losslog.sweep(tmp_path, all_hparams=True).shown
    assert "hp.name" not in table.shown


def test_the_text_says_what_hyperparameters_it_left_out(tmp_path: Path) -> None:
    for i, lr in enumerate(LRS):
        d = tmp_path / f"train{i}"
        write_run(d / "training.log", 0.3 + i / 10)
        (d / "args.yaml").write_text(f"name: train{i}\nlr0: {lr}\nepochs: 20\nbatch: 16\n")
    text = runner.invoke(app, ["compare", str(tmp_path)]).stdout
    assert "2 hyperparameter(s) the same in every run not shown (--all-hparams shows them)" in text
    assert "run names and folders (name) not shown (--all-hparams shows them)" in text
    text = runner.invoke(app, ["compare", str(tmp_path), "--all-hparams"]).stdout
    assert "not shown" not in text and text.splitlines()[1].split()[-4:] == ["name", "lr0", "epochs", "batch"]


def test_hyperparameter_file_problems_are_warnings_not_failures(tmp_path: Path) -> None:
    for i in range(7):
        d = tmp_path / f"lr={i / 10}"
        write_run(d / "training.log", 0.3 + i / 10)
        (d / "training_args.json").write_text('{\n  "broken": \n')
    result = runner.invoke(app, ["compare", str(tmp_path)])
    assert result.exit_code == 0
    warned = [ln for ln in result.stderr.splitlines() if "training_args.json" in ln]
    assert len(warned) == 5 and "2 more warning(s) about hyperparameter files" in result.stderr
    assert len(losslog.sweep(tmp_path).warnings) == 7


def test_the_api_function_and_the_module_share_a_name() -> None:
    code = (
        "import losslog, losslog.sweep\n"
        "from losslog.sweep import build_sweep\n"
        "from losslog import SweepTable\n"
        "assert callable(losslog.sweep) and losslog.sweep.__module__ == 'losslog.api'\n"
        "assert build_sweep.__module__ == 'losslog.sweep' and SweepTable.__module__ == 'losslog.sweep'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
