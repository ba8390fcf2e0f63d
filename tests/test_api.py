"""The library API gives what the CLI gives, raises losslog's errors, and keeps ``import losslog`` cheap.

The README's Python example is run as a real process, and every ``# →`` comment in it must be
what it prints, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import losslog
from losslog.cli import app
from losslog.errors import ExitCode, InputError, ParseError, UsageError
from losslog.readers import discover as discover_module
from tests.test_gate import write_run

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_logs"
runner = CliRunner()


def cli_json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, [*map(str, args)])
    return result.exit_code, json.loads(result.stdout)


# --------------------------------------------------------------------------------------------
# import losslog stays cheap


def test_import_losslog_loads_no_heavy_module() -> None:
    code = "import sys, losslog\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    loaded = {m.split(".")[0] for m in done.stdout.split()}
    assert not {"pandas", "numpy", "matplotlib", "typer", "rich"} & loaded
    assert "losslog.api" not in done.stdout.split()


def test_the_api_loads_no_cli_or_drawing_module() -> None:
    code = "import sys, losslog\nlosslog.check, losslog.GateResult\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert not {"matplotlib", "typer", "rich"} & {m.split(".")[0] for m in done.stdout.split()}


def test_every_exported_name_resolves() -> None:
    for name in losslog.__all__:
        assert getattr(losslog, name) is not None, name
    assert set(losslog.__all__) <= set(dir(losslog))
    with pytest.raises(AttributeError):
        losslog.no_such_name  # noqa: B018


def test_losslog_report_stays_the_function_after_the_submodule_is_imported() -> None:
    import losslog.report as _  # noqa: F401  (binds the submodule on the package, as any import does)
    from losslog.report import Report

    assert callable(losslog.report) and losslog.report.__module__ == "losslog.api"
    assert isinstance(losslog.report(SAMPLES / "mlp_small"), Report)
    assert losslog.Report is Report


# --------------------------------------------------------------------------------------------
# read


def test_read_names_runs_as_the_cli_does() -> None:
    runs = losslog.read(str(SAMPLES))
    assert [r.name for r in runs] == ["mlp_healthy", "mlp_overfit", "mlp_small"]
    assert all(isinstance(r, losslog.Run) for r in runs) and runs.errors == []
    one = losslog.read([SAMPLES / "mlp_overfit" / "training.log"])
    assert [r.name for r in one] == ["mlp_overfit"] and len(one[0]) > 0


def test_read_raises_the_first_error_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "gone.csv"
    with pytest.raises(InputError) as caught:
        losslog.read([SAMPLES / "mlp_small", missing])
    assert caught.value.source == str(missing) and caught.value.exit_code == ExitCode.BAD_INPUT


def test_read_can_collect_errors_instead(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"log_history": [' + "[" * 100_000, encoding="utf-8")
    runs = losslog.read([SAMPLES / "mlp_small", broken, tmp_path / "gone"], errors="collect")
    assert [r.name for r in runs] == ["mlp_small"]
    assert [e.source for e in runs.errors] == [str(broken), str(tmp_path / "gone")]
    assert all(isinstance(e, losslog.LossLogError) for e in runs.errors)


def test_read_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="errors"):
        losslog.read(SAMPLES, errors="ignore")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="paths"):
        losslog.read([1])  # type: ignore[list-item]
    with pytest.raises(UsageError, match="unknown format"):
        losslog.read(SAMPLES, log_format="nope")


def test_raise_unexpected_is_a_parameter_not_global_state(monkeypatch: pytest.MonkeyPatch) -> None:
    from losslog.readers import registry

    reader = registry.reader_for_file(SAMPLES / "mlp_small" / "training.log")

    def boom(self: object, path: Path) -> list[Any]:
        raise RuntimeError("a reader bug")

    monkeypatch.setattr(type(reader), "read", boom)
    assert not hasattr(discover_module, "RAISE_UNEXPECTED")  # no module switch the CLI could leave set
    runs = losslog.read(SAMPLES / "mlp_small", errors="collect")
    assert isinstance(runs.errors[0], ParseError) and "RuntimeError: a reader bug" in runs.errors[0].message
    with pytest.raises(RuntimeError, match="a reader bug"):
        losslog.read(SAMPLES / "mlp_small", raise_unexpected=True)
    with pytest.raises(RuntimeError):
        discover_module.discover([SAMPLES / "mlp_small"], raise_unexpected=True)
    assert isinstance(discover_module.discover([SAMPLES / "mlp_small"]).errors[0], ParseError)
    # the CLI passes --traceback down from its context object: the reader's bug shows its stack
    from typer.testing import CliRunner

    from losslog.cli.app import app

    quiet = CliRunner().invoke(app, ["report", str(SAMPLES / "mlp_small")])
    assert quiet.exit_code == 2 and "a reader bug" in quiet.output
    loud = CliRunner().invoke(app, ["--traceback", "report", str(SAMPLES / "mlp_small")])
    assert isinstance(loud.exception, RuntimeError)
    again = CliRunner().invoke(app, ["report", str(SAMPLES / "mlp_small")])
    assert again.exit_code == 2  # nothing leaked from the previous invocation


# --------------------------------------------------------------------------------------------
# analyze


def test_analyze_takes_analysis_options_by_name() -> None:
    (run,) = losslog.read(SAMPLES / "mlp_overfit")
    default = losslog.analyze(run)
    assert isinstance(default, losslog.RunAnalysis) and default.verdict == "overfitting"
    assert all(isinstance(f, losslog.Finding) for f in default.findings)
    by_accuracy = losslog.analyze(run, monitor="val_accuracy")
    assert by_accuracy.best is not None and by_accuracy.best.metric == "val_accuracy"
    assert by_accuracy.best.goal == "max"
    base = losslog.AnalysisOptions(monitor="val_accuracy")
    assert losslog.analyze(run, base) == by_accuracy
    assert losslog.analyze(run, base, monitor=None) == default


def test_analyze_names_an_unknown_option() -> None:
    (run,) = losslog.read(SAMPLES / "mlp_small")
    with pytest.raises(TypeError, match="'smoothing'"):
        losslog.analyze(run, smoothing=0.5)
    with pytest.raises(UsageError, match="mode 'up'"):
        losslog.analyze(run, mode="up")
    with pytest.raises(UsageError, match="expected 'min' or 'max'"):
        losslog.analyze(run, goals={"val_loss": "lower"})
    with pytest.raises(TypeError, match="Run"):
        losslog.analyze(SAMPLES)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# report, compare, check: what the CLI computes


def test_report_to_dict_is_the_cli_json() -> None:
    code, cli = cli_json("report", SAMPLES, "--format", "json")
    assert code == 0
    assert losslog.report(SAMPLES).to_dict() == cli
    assert (
        losslog.report(str(SAMPLES), smooth=0.0).to_dict()
        == cli_json("report", SAMPLES, "-f", "json", "--smooth", "0")[1]
    )


def test_report_keeps_unreadable_inputs_as_errors_like_the_cli(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    code, cli = cli_json("report", SAMPLES / "mlp_small", gone, "--format", "json")
    assert code == 2
    assert losslog.report([SAMPLES / "mlp_small", gone]).to_dict() == cli
    collected = losslog.read([SAMPLES / "mlp_small", gone], errors="collect")
    assert losslog.report(collected).to_dict() == cli  # errors travel with the runs


def test_compare_is_the_cli_leaderboard() -> None:
    code, cli = cli_json("compare", SAMPLES, "--format", "json")
    assert code == 0
    board = losslog.compare(SAMPLES)
    assert isinstance(board, losslog.Leaderboard)
    assert board.to_dict()["standings"] == cli["leaderboard"]
    assert board.order == [s["name"] for s in cli["leaderboard"]]
    frame = losslog.leaderboard_frame(board)
    assert list(frame["name"]) == board.order
    assert list(frame.columns[:4]) == ["rank", "name", "source", "metric"]
    assert frame["best"].tolist() == [s["best"] for s in cli["leaderboard"]]


def test_compare_raises_on_an_unreadable_input_unless_read_collected_it(tmp_path: Path) -> None:
    inputs = [SAMPLES / "mlp_small", tmp_path / "gone"]
    with pytest.raises(InputError):
        losslog.compare(inputs)
    assert losslog.compare(losslog.read(inputs, errors="collect")).order == ["mlp_small"]


@pytest.mark.parametrize(
    ("target", "args", "kwargs", "expected"),
    [
        (
            "mlp_healthy",
            ["--fail-on", "overfitting", "--assert", "val_loss<0.2"],
            {"fail_on": "overfitting", "assertions": "val_loss<0.2"},
            0,
        ),
        ("mlp_overfit", ["--fail-on", "overfitting"], {"fail_on": ["overfitting"]}, 1),
        ("", ["--assert", "val_accuracy:last>=0.99"], {"assertions": ["val_accuracy:last>=0.99"]}, 1),
        ("", ["--fail-on", "none", "--assert", "val_loss<5"], {"fail_on": "none", "assertions": ["val_loss<5"]}, 0),
    ],
    ids=["passing", "failing-findings", "failing-assert", "passing-all"],
)
def test_check_exit_code_and_json_are_the_cli_ones(
    target: str, args: list[str], kwargs: dict[str, Any], expected: int
) -> None:
    path = SAMPLES / target if target else SAMPLES
    code, cli = cli_json("check", "--no-config", path, "--format", "json", *args)
    result = losslog.check(path, **kwargs)
    assert code == expected == result.exit_code
    assert result.passed is (expected == 0)
    assert result.to_dict() == cli
    assert isinstance(result.gate, losslog.GateResult)
    assert [r.rule for r in result.failed_rules()] == [r["rule"] for r in cli["gate"]["rules"] if not r["passed"]]


def test_check_text_is_the_cli_text() -> None:
    done = runner.invoke(app, ["check", "--no-config", str(SAMPLES), "--fail-on", "overfitting"])
    assert done.exit_code == 1
    assert losslog.check(SAMPLES, fail_on="overfitting").to_text() == done.stdout


def test_check_with_a_baseline_as_a_path_or_as_runs(tmp_path: Path) -> None:
    base = write_run(tmp_path / "v", "base", n=25, floor=0.3)
    worse = write_run(tmp_path / "v", "worse", n=25, floor=0.4)
    code, cli = cli_json("check", "--no-config", worse, "--baseline", base, "-f", "json", "--max-regression", "5")
    by_path = losslog.check(worse, baseline=base, max_regression="5")
    assert code == 1 == by_path.exit_code and by_path.to_dict() == cli
    by_runs = losslog.check(losslog.read(worse), baseline=losslog.read(base), max_regression=5)
    assert by_runs.exit_code == 1
    assert by_runs.baseline == by_path.baseline
    assert losslog.check(worse, baseline=base, max_regression=50).passed


def test_check_errors_are_losslog_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="needs a baseline"):
        losslog.check(SAMPLES, max_regression=5)
    with pytest.raises(UsageError, match="--assert"):
        losslog.check(SAMPLES, assertions=["__import__('os')<1"])
    with pytest.raises(UsageError, match="--fail-on"):
        losslog.check(SAMPLES, fail_on="sometimes")
    unreadable = losslog.check([SAMPLES / "mlp_small", tmp_path / "gone"])
    assert unreadable.exit_code == ExitCode.BAD_INPUT and not unreadable.passed


# --------------------------------------------------------------------------------------------
# the README example


_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


def readme_api_example() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API") :]
    section = section[: section.index("\n## ", 1)]
    (block,) = [body for kind, body in _FENCE.findall(section) if kind == "python"]
    return block


def test_the_readme_example_runs_and_prints_what_it_says(tmp_path: Path) -> None:
    block = readme_api_example()
    (tmp_path / "sample_logs").symlink_to(SAMPLES, target_is_directory=True)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    promised = re.findall(r"#\s*→\s*(.+)$", block, re.MULTILINE)
    assert len(promised) >= 6
    lines = done.stdout.splitlines()
    for expected in promised:
        assert any(line.strip() == expected.strip() for line in lines), (expected, done.stdout)
    for name in ("read", "analyze", "report", "compare", "check"):
        assert f"losslog.{name}(" in block
