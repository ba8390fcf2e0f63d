"""The output layer and the options: one renderer table per command, options declared once, the
config file as click's default_map, one exit-code rule, and output errors as exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from losslog.analysis import AnalysisOptions
from losslog.analysis.options import param_name, user_options
from losslog.cli import app, check_cmd
from losslog.config import KEYS
from losslog.errors import ExitCode, outcome_exit_code
from losslog.render.compare_formats import COMPARE_RENDERERS
from losslog.render.export_formats import EXPORT_RENDERERS
from losslog.render.report_formats import REPORT_RENDERERS
from tests.conftest import curve_rows, keras_csv_text

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_logs" / "mlp_overfit" / "training.log"
runner = CliRunner()

TABLES = {
    "report": REPORT_RENDERERS,
    "compare": COMPARE_RENDERERS,
    "check": check_cmd.CHECK_RENDERERS,
    "export": EXPORT_RENDERERS,
}


def _help(command: str) -> str:
    result = runner.invoke(app, [command, "--help"], terminal_width=400)
    assert result.exit_code == 0, result.output
    return " ".join(result.stdout.split())


@pytest.mark.parametrize("command", sorted(TABLES))
def test_format_help_and_errors_come_from_the_renderer_table(command: str) -> None:
    names = [r.name for r in TABLES[command]]
    text = _help(command)
    for r in TABLES[command]:
        assert f"{r.name} ({r.help}" in text
    bad = runner.invoke(app, [command, str(SAMPLE), "-f", "nonsense", "--no-config"][: 5 if command == "check" else 4])
    assert bad.exit_code == 2
    assert ", ".join(names) in bad.stderr


@pytest.mark.parametrize("command", ["report", "compare", "check", "plot"])
def test_every_command_offers_every_analysis_option_with_one_help_text(command: str) -> None:
    text = _help(command)
    for f in user_options():
        if command == "plot" and f.name == "smooth":
            continue  # plot's --smooth also smooths the drawn curve, and says so
        assert f.metadata["flag"] in text and f.metadata["help"] in text


def test_the_config_file_accepts_every_analysis_option() -> None:
    assert {param_name(f) for f in user_options()} <= set(KEYS)


def _capture_options(monkeypatch: pytest.MonkeyPatch) -> list[AnalysisOptions]:
    seen: list[AnalysisOptions] = []
    real = check_cmd.analyze_inputs

    def spy(paths: Any, log_format: Any, keep_all: bool, verbose: bool, options: AnalysisOptions, **kw: Any) -> Any:
        seen.append(options)
        return real(paths, log_format, keep_all, verbose, options, **kw)

    monkeypatch.setattr(check_cmd, "analyze_inputs", spy)
    return seen


def test_config_values_are_defaults_the_command_line_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "logs" / "run" / "training.log"
    log.parent.mkdir(parents=True)
    log.write_bytes(keras_csv_text(curve_rows(30)).encode())
    (tmp_path / "losslog.toml").write_text('paths = ["logs"]\nsmooth = 0.5\npatience = 7\ngoal = {bleu = "max"}\n')
    monkeypatch.chdir(tmp_path)
    seen = _capture_options(monkeypatch)
    assert runner.invoke(app, ["check"]).exit_code == 0
    assert runner.invoke(app, ["check", "--smooth", "0.25"]).exit_code == 0
    assert runner.invoke(app, ["check", "--no-config", "logs"]).exit_code == 0
    first, second, third = seen
    assert (first.smooth, first.patience, first.goals) == (0.5, 7, {"bleu": "max"})
    assert (second.smooth, second.patience) == (0.25, 7)
    assert third == AnalysisOptions()


@pytest.mark.parametrize("setting", ["smooth = 2.0", "patience = -1", "classes = 1"])
def test_an_out_of_range_config_value_is_one_line_exit_2(
    setting: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "losslog.toml").write_text(setting + "\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", "logs"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("losslog: error: ") and "losslog.toml" in lines[0]


def test_one_exit_code_rule() -> None:
    assert outcome_exit_code(input_errors=False, runs_found=True) is ExitCode.OK
    assert outcome_exit_code(input_errors=True, runs_found=True, gate_passed=False) is ExitCode.BAD_INPUT
    assert outcome_exit_code(input_errors=False, runs_found=False) is ExitCode.BAD_INPUT
    assert outcome_exit_code(input_errors=False, runs_found=True, gate_passed=False) is ExitCode.GATE_FAILED
    assert outcome_exit_code(input_errors=False, runs_found=True, gate_passed=True) is ExitCode.OK


def test_traceback_switch_does_not_outlive_its_invocation(tmp_path: Path) -> None:
    """--traceback travels in the click context (AppContext), not in a class attribute."""
    missing = str(tmp_path / "missing.json")
    loud = runner.invoke(app, ["--traceback", "check", "--no-config", "logs", "--baseline", missing])
    assert loud.exception is not None and not isinstance(loud.exception, SystemExit)
    quiet = runner.invoke(app, ["check", "--no-config", "logs", "--baseline", missing])
    assert quiet.exit_code == 2 and isinstance(quiet.exception, SystemExit)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize(("command", "fmt"), [("report", "text"), ("report", "json"), ("export", "csv")])
def test_a_full_disk_on_standard_output_is_one_line_and_exit_2(command: str, fmt: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    code = "from losslog.cli.app import main; main()"
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-c", code, command, str(SAMPLE), "-f", fmt],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=120,
        )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == ["losslog: error: cannot write to standard output: No space left on device"]
