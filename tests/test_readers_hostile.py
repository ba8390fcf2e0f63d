"""Hostile and careless inputs (issue 13): the gate never passes on a log it could not read, never
depends on the clock, stays within its bounds, and counts every value it drops."""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from losslog.cli import app
from losslog.errors import ExitCode, ParseError
from losslog.readers import discover as discover_mod
from losslog.readers import text as text_mod
from losslog.readers.base import MAX_META_DEPTH, empty_frame, finish_run
from losslog.readers.discover import discover
from losslog.readers.log_names import carries_log_name, plainly_not_a_log
from tests.readers_helpers import read_one
from tests.test_gate import write_run

runner = CliRunner()

LIGHTNING_CSV = "epoch,step,train_loss,val_loss\n0,9,1.0,\n0,9,,1.1\n1,19,0.8,\n1,19,,0.9\n2,29,0.6,\n2,29,,0.7\n"

#: A few hundred bytes that expand to 9**9 (387 million) values when written out.
ALIAS_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)
)


@pytest.fixture(autouse=True)
def _no_config_around(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


def check(*args: object):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["check", *map(str, args)])


def report(*args: object):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["report", *map(str, args)])


def healthy_folder(tmp_path: Path) -> Path:
    logs = tmp_path / "logs"
    write_run(logs, "good", n=30)
    return logs


# --- 1. the gate never passes on unreadable input -----------------------------------------------


def test_healthy_folder_passes(tmp_path: Path) -> None:
    logs = healthy_folder(tmp_path)
    (logs / "README.md").write_text("# notes\n")
    (logs / "curve.png").write_bytes(os.urandom(300))
    (logs / "train.py").write_text("print(1)\n")
    assert check(logs).exit_code == ExitCode.OK


@pytest.mark.parametrize("name", ["metrics.csv", "training.log", "trainer_state.json", "events.out.tfevents.1.host"])
def test_random_bytes_over_a_log_fail_the_gate(tmp_path: Path, name: str) -> None:
    logs = healthy_folder(tmp_path)
    (logs / "broken").mkdir()
    (logs / "broken" / name).write_bytes(b"\x00\x9f" + os.urandom(4000))
    result = check(logs)
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert "broken" in result.output  # the file, or the TensorBoard run folder that holds it
    doc = json.loads(report(logs, "--format", "json").stdout)
    assert any("broken" in e["source"] for e in doc["errors"])
    assert report(logs).exit_code == ExitCode.BAD_INPUT


def test_binary_data_under_a_text_log_suffix_is_an_error_text_is_not(tmp_path: Path) -> None:
    logs = healthy_folder(tmp_path)
    (logs / "labels.csv").write_text("cat\ndog\n")  # text no reader claims: not a log
    assert check(logs).exit_code == ExitCode.OK
    (logs / "run7.csv").write_bytes(b"\x00\x9f" + os.urandom(2000))
    result = check(logs)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "run7.csv" in result.output


def test_empty_file_with_a_log_name_is_an_error_but_an_empty_note_is_not(tmp_path: Path) -> None:
    logs = healthy_folder(tmp_path)
    (logs / "notes.txt").write_text("")
    assert check(logs).exit_code == ExitCode.OK
    (logs / "other").mkdir()
    (logs / "other" / "training.log").write_text("")
    result = check(logs)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "empty" in result.output


def _deny(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """Opening ``denied`` fails as it does for a user without the permission (tests run as root)."""
    real_open = Path.open

    def fake_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if os.path.realpath(self) == os.path.realpath(denied):
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", fake_open)


def test_unreadable_log_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    logs = healthy_folder(tmp_path)
    secret = write_run(logs, "secret", n=30)
    _deny(monkeypatch, secret)
    found = discover([logs])
    assert [e.source for e in found.errors] == [str(secret)]
    assert "Permission denied" in found.errors[0].message
    result = check(logs)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "Permission denied" in result.output


def test_unreadable_file_that_plainly_is_no_log_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    logs = healthy_folder(tmp_path)
    picture = logs / "curve.png"
    picture.write_bytes(b"\x89PNG")
    _deny(monkeypatch, picture)
    found = discover([logs])
    assert not found.errors
    assert picture in found.ignored


def test_chmod_000_log_fails_the_gate() -> None:
    """A real permission error, not a simulated one. Root opens any file, so as root (CI) the
    check runs with the effective user dropped to the unprivileged ``nobody`` and then restored."""
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="losslog-perm-"))
    base.chmod(0o755)  # pytest's own temp folders are private to root
    logs = healthy_folder(base)
    secret = write_run(logs, "secret", n=30)
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    try:
        assert check(logs).exit_code == ExitCode.OK  # readable: passes (and every module is imported)
        secret.chmod(0)
        if root:
            os.setegid(65534)
            os.seteuid(65534)
        try:
            result = check(logs)
        finally:
            if root:
                os.seteuid(0)
                os.setegid(0)
        import traceback

        trace = "".join(traceback.format_exception(result.exception)) if result.exception else ""
        assert result.exit_code == ExitCode.BAD_INPUT, result.output + trace
        assert "Permission denied" in result.output
    finally:
        secret.chmod(0o644)
        shutil.rmtree(base)


def test_log_names_are_data() -> None:
    assert carries_log_name("metrics.csv") and carries_log_name("events.out.tfevents.17.host")
    assert not carries_log_name("README.md")
    assert plainly_not_a_log("README.md") and plainly_not_a_log("model.ckpt") and plainly_not_a_log("LICENSE")
    assert not plainly_not_a_log("hparams.yaml") and not plainly_not_a_log("run.data")


def test_symlink_loop_lists_each_log_once(tmp_path: Path) -> None:
    logs = healthy_folder(tmp_path)
    os.symlink(logs, logs / "good" / "loop")
    os.symlink(logs / "good" / "training.log", logs / "again.log")
    os.symlink(logs / "good", logs / "a_latest")  # sorts first, but the run keeps its real name
    found = discover([logs])
    assert not found.errors, found.errors
    assert [r.name for r in found.runs] == ["good"]


def test_walk_depth_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discover_mod, "MAX_WALK_DEPTH", 3)
    deep = tmp_path / "logs" / "a" / "b" / "c" / "d" / "e"
    write_run(deep, "run", n=30)
    found = discover([tmp_path / "logs"])
    assert any("nested deeper" in e.message for e in found.errors)


# --- 2. clock independence ---------------------------------------------------------------------


def test_cut_last_row_is_dropped_with_a_warning_in_every_output(tmp_path: Path) -> None:
    path = tmp_path / "run" / "metrics.csv"
    path.parent.mkdir()
    path.write_text(LIGHTNING_CSV + "3,39,0.5")  # the writer stopped inside the row
    run = read_one(path)
    assert run.series("train_loss")["value"].tolist() == [1.0, 0.8, 0.6]
    assert any("cut off" in w for w in run.warnings)
    doc = json.loads(report(path, "--format", "json").stdout)
    assert any("cut off" in w for w in doc["runs"][0]["warnings"])
    assert "cut off" in report(path).output
    checked = json.loads(check(path, "--format", "json").stdout)
    assert any("cut off" in w for w in checked["runs"][0]["warnings"])
    old = time.time() - 3600
    os.utime(path, (old, old))
    assert read_one(path).warnings == run.warnings  # the same an hour later


def test_complete_last_row_without_line_end_is_read(tmp_path: Path) -> None:
    path = tmp_path / "run" / "metrics.csv"
    path.parent.mkdir()
    path.write_text(LIGHTNING_CSV + "3,39,0.5,")
    assert read_one(path).series("train_loss")["value"].tolist() == [1.0, 0.8, 0.6, 0.5]


# --- 3. denial of service bounds -----------------------------------------------------------------


def test_yaml_alias_bomb_skips_the_metadata_not_the_metrics(tmp_path: Path) -> None:
    folder = tmp_path / "version_0"
    folder.mkdir()
    (folder / "metrics.csv").write_text(LIGHTNING_CSV)
    (folder / "hparams.yaml").write_text(ALIAS_BOMB)
    started = time.perf_counter()
    result = report(folder / "metrics.csv", "--format", "json")
    assert time.perf_counter() - started < 20
    assert result.exit_code == ExitCode.OK, result.output
    run = json.loads(result.stdout)["runs"][0]
    assert run["points"] == 6
    assert run["hparams"] == {}
    assert any("alias" in w for w in run["warnings"])


def test_dvclive_params_alias_bomb(tmp_path: Path) -> None:
    live = tmp_path / "dvclive"
    (live / "plots" / "metrics" / "train").mkdir(parents=True)
    (live / "plots" / "metrics" / "train" / "loss.tsv").write_text("timestamp\tstep\tloss\n1\t0\t1.0\n2\t1\t0.5\n")
    (live / "params.yaml").write_text(ALIAS_BOMB)
    run = read_one(live)
    assert "params" not in run.meta
    assert any("alias" in w for w in run.warnings)


def test_yaml_with_a_few_aliases_still_reads(tmp_path: Path) -> None:
    folder = tmp_path / "version_0"
    folder.mkdir()
    (folder / "metrics.csv").write_text(LIGHTNING_CSV)
    (folder / "hparams.yaml").write_text("opt: &o {lr: 0.1}\nsched: *o\n")
    assert read_one(folder / "metrics.csv").meta["hparams"] == {"opt": {"lr": 0.1}, "sched": {"lr": 0.1}}


def test_oversized_yaml_is_skipped_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from losslog.readers import _points

    monkeypatch.setattr(_points, "MAX_YAML_BYTES", 100)
    folder = tmp_path / "version_0"
    folder.mkdir()
    (folder / "metrics.csv").write_text(LIGHTNING_CSV)
    (folder / "hparams.yaml").write_text("lr: 0.1\n" * 50)
    run = read_one(folder / "metrics.csv")
    assert "hparams" not in run.meta
    assert any("limit" in w for w in run.warnings)


def test_deep_metadata_is_cut_with_a_warning(tmp_path: Path) -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(200):
        node["x"] = {}
        node = node["x"]  # type: ignore[assignment]
    run = finish_run(empty_frame(), "csv", tmp_path / "x.csv", meta={"hparams": deep, "name": "y" * 50_000})
    assert any("metadata cut" in w for w in run.warnings)
    depth, node = 0, run.meta["hparams"]
    while isinstance(node, dict):
        node, depth = node["x"], depth + 1
    assert depth < MAX_META_DEPTH
    assert len(run.meta["name"]) < 20_000


def test_hundred_thousand_columns_read_in_seconds(tmp_path: Path) -> None:
    n = 100_000
    path = tmp_path / "wide.csv"
    rows = "\n".join(f"{s}," + ",".join(["0.5"] * n) for s in range(3))
    path.write_text("step," + ",".join(f"m{i}" for i in range(n)) + "\n" + rows)
    started = time.perf_counter()
    run = read_one(path)
    elapsed = time.perf_counter() - started
    assert len(run) == 3 * n
    assert elapsed < 60  # about 3 s on an idle laptop core; the per-column path took over 5 minutes


def test_row_beyond_the_cell_limit_is_refused_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_mod, "MAX_ROW_CELLS", 1000)
    path = tmp_path / "huge.csv"
    path.write_text("step,loss\n1,0.5\n" + ",".join(["1"] * 5000) + "\n")
    found = discover([path])
    assert not found.runs
    assert "more than 1,000 cells" in found.errors[0].message
    assert "line 3" in found.errors[0].message


def test_line_beyond_the_length_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_mod, "MAX_ROW_CELLS", 10)
    monkeypatch.setattr(text_mod, "MAX_LINE_CHARS", 1000)
    path = tmp_path / "huge.csv"
    path.write_text("step,loss\n1," + "9" * 5000 + "\n")
    with pytest.raises(ParseError, match="characters"):
        text_mod.read_table(path)


# --- 4. silent losses counted --------------------------------------------------------------------


def test_non_numeric_cells_are_counted_and_said(tmp_path: Path) -> None:
    path = tmp_path / "run" / "history.csv"
    path.parent.mkdir()
    path.write_text("epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,abc\n2,0.8,0.2e\n3,0.7,0x10\n4,0.6,0.9\n")
    run = read_one(path)
    assert run.dropped_values == 3
    note = next(w for w in run.warnings if "not numbers dropped" in w)
    assert "3 values not numbers dropped (first: line 3, column val_loss: 'abc')" in note
    doc = json.loads(report(path, "--format", "json").stdout)
    assert doc["runs"][0]["dropped_values"] == 3
    assert "not numbers dropped" in report(path).output
    assert json.loads(check(path, "--format", "json").stdout)["runs"][0]["dropped_values"] == 3


def test_drop_warning_shows_control_characters_as_escapes(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    path.write_text("step,\x1b[31mloss\x07\n1,0.5\n2,\x1b[2J\n")
    run = read_one(path)
    note = next(w for w in run.warnings if "dropped" in w)
    assert "\x1b" not in note and "\x07" not in note
    assert "\\x1b" in note


def test_a_byte_that_is_not_utf8_inside_a_number_is_counted(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    path.write_bytes(b"step,loss\n1,0.5\n2,0.4\xff\n3,0.3\n")
    run = read_one(path)
    assert run.series("loss")["value"].tolist() == [0.5, 0.3]
    assert run.dropped_values == 1


def test_long_csv_counts_dropped_values(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("step,metric,value\n1,loss,0.5\n2,loss,oops\n3,loss,0.3\n")
    assert read_one(path).dropped_values == 1


def test_nan_strings_in_trainer_state_are_points(tmp_path: Path) -> None:
    path = tmp_path / "out" / "trainer_state.json"
    path.parent.mkdir()
    history = [
        {"epoch": 1.0, "loss": 1.0, "step": 10},
        {"epoch": 1.0, "eval_loss": 0.9, "step": 10},
        {"epoch": 2.0, "loss": "NaN", "step": 20},
        {"epoch": 2.0, "eval_loss": "nan", "step": 20},
        {"epoch": 3.0, "eval_loss": "-inf", "step": 30},
    ]
    path.write_text(json.dumps({"log_history": history}))
    run = read_one(path)
    evals = run.series("eval_loss")["value"].tolist()
    assert evals[0] == 0.9 and math.isnan(evals[1]) and evals[2] == -math.inf
    assert math.isnan(run.series("loss")["value"].tolist()[1])


def test_integer_with_a_million_digits_in_a_csv_cell(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("step,loss\n1,0.5\n2," + "9" * 1_000_000 + "\n")
    run = read_one(path)
    assert run.series("loss")["value"].tolist() == [0.5, math.inf]


def test_integer_with_many_digits_in_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "trainer_state.json"
    path.write_text('{"log_history": [{"step": 1, "loss": 0.5}, {"step": 2, "loss": ' + "9" * 10_000 + "}]}")
    found = discover([path])
    assert not any("4300" in e.message for e in found.errors)
    assert found.runs[0].series("loss")["value"].tolist() == [0.5, math.inf]


def test_mlflow_deleted_run_is_said(tmp_path: Path) -> None:
    exp = tmp_path / "mlruns" / "1"
    exp.mkdir(parents=True)
    (exp / "meta.yaml").write_text("name: exp\nlifecycle_stage: active\n")
    for run_id, stage in (("aaa", "active"), ("bbb", "deleted")):
        run = exp / run_id
        (run / "metrics").mkdir(parents=True)
        (run / "meta.yaml").write_text(f"run_id: {run_id}\nlifecycle_stage: {stage}\n")
        (run / "metrics" / "loss").write_text("1700000000000 0.5 0\n1700000001000 0.4 1\n")
    found = discover([tmp_path / "mlruns"])
    assert len(found.runs) == 1
    assert any("deleted" in w and "bbb" in w for w in found.runs[0].warnings)
    doc = json.loads(report(tmp_path / "mlruns", "--format", "json").stdout)
    assert any("deleted" in w for w in doc["runs"][0]["warnings"])


def test_mlflow_store_with_only_deleted_runs_is_an_error(tmp_path: Path) -> None:
    run = tmp_path / "mlruns" / "1" / "bbb"
    (run / "metrics").mkdir(parents=True)
    (run.parent / "meta.yaml").write_text("name: exp\n")
    (run / "meta.yaml").write_text("run_id: bbb\nlifecycle_stage: deleted\n")
    (run / "metrics" / "loss").write_text("1700000000000 0.5 0\n")
    result = check(tmp_path / "mlruns")
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "deleted" in result.output
