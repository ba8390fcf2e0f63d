"""``losslog check`` end to end: exit codes, text/JSON/GitHub/Markdown output, JUnit, baselines."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from losslog.cli import app
from losslog.errors import ExitCode
from losslog.render.github import annotation, escape_data, escape_property
from losslog.report import SCHEMA_VERSION
from tests.test_gate import write_run

runner = CliRunner()


def invoke(*args: str | Path, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["check", *map(str, args)], env=env)


@pytest.fixture(autouse=True)
def _no_config_around(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from an empty folder so no settings file of the surrounding project applies."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture
def runs(tmp_path: Path) -> dict[str, Path]:
    logs = tmp_path / "logs"
    return {
        "overfit": write_run(logs, "overfit", n=40, overfit_from=10),
        "healthy": write_run(logs, "healthy", n=40),
        "diverged": write_run(logs, "diverged", n=20, diverge_at=12),
    }


# --------------------------------------------------------------------------------------------
# Exit codes


def test_exit_codes_are_the_documented_ones() -> None:
    assert (ExitCode.OK, ExitCode.GATE_FAILED, ExitCode.BAD_INPUT) == (0, 1, 2)


def test_fail_on_overfitting(runs: dict[str, Path]) -> None:
    bad = invoke(runs["overfit"], "--fail-on", "overfitting")
    assert bad.exit_code == 1, bad.output
    assert "FAIL  overfit" in bad.stdout and "fail-on overfitting" in bad.stdout
    assert bad.stdout.startswith("losslog check FAILED")
    good = invoke(runs["healthy"], "--fail-on", "overfitting")
    assert good.exit_code == 0, good.output
    assert "PASS  healthy" in good.stdout


def test_fail_on_divergence(runs: dict[str, Path]) -> None:
    assert invoke(runs["diverged"], "--fail-on", "divergence").exit_code == 1
    assert invoke(runs["healthy"], "--fail-on", "divergence").exit_code == 0
    assert invoke(runs["overfit"], "--fail-on", "divergence").exit_code == 0


def test_default_fails_on_errors_only(runs: dict[str, Path]) -> None:
    assert invoke(runs["overfit"]).exit_code == 0
    assert invoke(runs["diverged"]).exit_code == 1


def test_fail_on_warning_and_comma_lists(runs: dict[str, Path]) -> None:
    assert invoke(runs["overfit"], "--fail-on", "warning").exit_code == 1
    assert invoke(runs["healthy"], "--fail-on", "warning").exit_code == 0
    both = invoke(runs["overfit"].parent.parent, "--fail-on", "overfitting,divergence")
    assert both.exit_code == 1
    assert "FAIL  overfit" in both.stdout and "FAIL  diverged" in both.stdout and "PASS  healthy" in both.stdout


def test_unknown_fail_on_is_a_usage_error(runs: dict[str, Path]) -> None:
    result = invoke(runs["overfit"], "--fail-on", "overfit")
    assert result.exit_code == 2
    assert "overfitting" in result.stderr


def test_assertions_pass_and_fail(runs: dict[str, Path]) -> None:
    ok = invoke(runs["healthy"], "--fail-on", "none", "--assert", "val_loss<1", "--assert", "val_accuracy:best>=0.5")
    assert ok.exit_code == 0, ok.output
    assert "ok   val_loss<1" in ok.stdout  # assertions are listed even when they hold
    bad = invoke(runs["healthy"], "--assert", "val_loss:last<0.01")
    assert bad.exit_code == 1
    assert "FAIL val_loss:last<0.01" in bad.stdout and "not < 0.01" in bad.stdout


def test_assert_on_a_missing_metric_fails_listing_metrics(runs: dict[str, Path]) -> None:
    result = invoke(runs["healthy"], "--assert", "val_f1>0.5")
    assert result.exit_code == 1
    assert "no metric 'val_f1'" in result.stdout and "val_loss" in result.stdout


@pytest.mark.parametrize("expr", ["val_loss=0.1", "val_loss<abc", "val_loss:median<1", "__import__('os')<1"])
def test_malformed_assert_is_a_usage_error(runs: dict[str, Path], expr: str) -> None:
    result = invoke(runs["healthy"], "--assert", expr)
    assert result.exit_code == 2
    assert "METRIC[:STAT] OP NUMBER" in result.stderr
    assert "Traceback" not in result.output


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = invoke(tmp_path / "nope.csv", "--fail-on", "overfitting")
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_unreadable_input_wins_over_a_failed_gate(runs: dict[str, Path], tmp_path: Path) -> None:
    result = invoke(runs["overfit"], tmp_path / "nope.csv", "--fail-on", "overfitting")
    assert result.exit_code == 2
    assert "FAIL  overfit" in result.stdout  # the readable run is still judged and shown


def test_empty_folder_exits_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = invoke(tmp_path / "empty")
    assert result.exit_code == 2
    assert "no training logs found" in result.stderr


def test_no_path_at_all_is_a_usage_error() -> None:
    result = invoke()
    assert result.exit_code == 2
    assert "no PATH given" in result.stderr


def test_max_regression_without_baseline_is_a_usage_error(runs: dict[str, Path]) -> None:
    assert invoke(runs["healthy"], "--max-regression", "5").exit_code == 2


# --------------------------------------------------------------------------------------------
# Baseline


@pytest.fixture
def versions(tmp_path: Path) -> dict[str, Path]:
    v = tmp_path / "versions"
    return {
        "base": write_run(v, "base", n=25, floor=0.3),
        "better": write_run(v, "better", n=25, floor=0.2),
        "worse": write_run(v, "worse", n=25, floor=0.4),
        "slightly": write_run(v, "slightly", n=25, floor=0.305),
    }


def test_worse_than_baseline_fails_better_passes(versions: dict[str, Path]) -> None:
    worse = invoke(versions["worse"], "--baseline", versions["base"])
    assert worse.exit_code == 1, worse.output
    assert "baseline" in worse.stdout and "worse" in worse.stdout
    better = invoke(versions["better"], "--baseline", versions["base"])
    assert better.exit_code == 0, better.output
    table = better.stdout[better.stdout.index("baseline:") :]
    header = table.splitlines()[1].split()
    assert header[:6] == ["run", "metric", "baseline", "candidate", "change", "%"]
    assert "val_loss (gated)" in table and "better" in table and "PASS" in table


def test_max_regression_tolerates_small_losses(versions: dict[str, Path]) -> None:
    assert invoke(versions["slightly"], "--baseline", versions["base"]).exit_code == 1
    assert invoke(versions["slightly"], "--baseline", versions["base"], "--max-regression", "5%").exit_code == 0
    assert invoke(versions["worse"], "--baseline", versions["base"], "--max-regression", "5").exit_code == 1


def test_baseline_from_a_saved_json_report(versions: dict[str, Path], tmp_path: Path) -> None:
    saved = tmp_path / "baseline.json"
    made = runner.invoke(app, ["report", str(versions["base"]), "--format", "json", "-o", str(saved)])
    assert made.exit_code == 0, made.output
    assert invoke(versions["worse"], "--baseline", saved).exit_code == 1
    assert invoke(versions["better"], "--baseline", saved).exit_code == 0


def test_missing_baseline_exits_2(versions: dict[str, Path], tmp_path: Path) -> None:
    result = invoke(versions["better"], "--baseline", tmp_path / "gone")
    assert result.exit_code == 2
    assert "baseline" in result.stderr


# --------------------------------------------------------------------------------------------
# JSON and Markdown


def test_json_is_the_report_plus_the_gate(runs: dict[str, Path]) -> None:
    result = invoke(runs["overfit"].parent.parent, "--format", "json", "--fail-on", "overfitting")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == SCHEMA_VERSION
    assert {r["name"] for r in doc["runs"]} == {"overfit", "healthy", "diverged"}
    gate = doc["gate"]
    assert gate["passed"] is False
    assert {r["name"]: r["passed"] for r in gate["runs"]} == {"overfit": False, "healthy": True, "diverged": True}
    failed = [r for r in gate["rules"] if not r["passed"]]
    assert [(r["run"], r["rule"]) for r in failed] == [("overfit", "fail-on overfitting")]
    assert failed[0]["evidence"]["findings"][0]["code"] == "overfitting"
    assert gate["baseline"] == [] and gate["settings"]["fail_on"] == ["overfitting"]


def test_json_with_baseline_rows(versions: dict[str, Path]) -> None:
    doc = json.loads(invoke(versions["worse"], "--baseline", versions["base"], "-f", "json").stdout)
    gated = [row for row in doc["gate"]["baseline"] if row["gated"]]
    assert len(gated) == 1 and gated[0]["metric"] == "val_loss" and gated[0]["passed"] is False
    assert gated[0]["relative_change"] > 0


def test_markdown_summary(runs: dict[str, Path]) -> None:
    result = invoke(runs["overfit"].parent.parent, "--format", "markdown", "--fail-on", "overfitting")
    assert result.exit_code == 1
    md = result.stdout
    assert md.startswith("## losslog check: ❌ failed")
    assert "| overfit | overfitting | ❌ FAIL | fail-on overfitting |" in md
    assert "### Failed rules" in md


# --------------------------------------------------------------------------------------------
# GitHub Actions


def test_github_annotations_and_step_summary(runs: dict[str, Path], tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    result = invoke(
        runs["overfit"].parent.parent,
        "--format",
        "github",
        "--fail-on",
        "overfitting,divergence",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.exit_code == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 2
    overfit_line = next(line for line in errors if "overfit" in line.split("::")[1])
    assert "file=logs/overfit/training.log," in overfit_line  # relative to the workspace, as GitHub links it
    assert "title=losslog check failed%3A fail-on overfitting (overfit)" in overfit_line
    assert overfit_line.split("::", 2)[2].startswith("overfit: ") and "epoch 10" in overfit_line
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n")  # appended, never overwritten
    assert "## losslog check: ❌ failed" in text and "### Failed rules" in text


def test_github_summary_holds_the_baseline_table(versions: dict[str, Path], tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    result = invoke(
        versions["worse"], "--baseline", versions["base"], "-f", "github", env={"GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert result.exit_code == 1
    text = summary.read_text(encoding="utf-8")
    assert "### Baseline" in text and "val\\_loss \\(gated\\)" in text and "| FAIL |" in text


def test_github_without_summary_env_prints_only(runs: dict[str, Path], tmp_path: Path) -> None:
    result = invoke(runs["overfit"], "-f", "github", "--fail-on", "none")
    assert result.exit_code == 0
    assert "::warning " in result.stdout  # findings that did not fail the gate still show
    assert not list(tmp_path.glob("*.md"))


def test_escaping_follows_the_actions_toolkit() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = annotation("error", "x\n::set-output name=a::b", file="logs/a,b:c.csv", title="t: 1, 2")
    assert "\n" not in line
    assert line == "::error file=logs/a%2Cb%3Ac.csv,title=t%3A 1%2C 2::x%0A: :set-output name=a: :b"


def test_a_hostile_run_name_cannot_inject_a_workflow_command(tmp_path: Path) -> None:
    evil = "evil\n::add-mask::secret%0A::warning::x"
    path = write_run(tmp_path / "logs", evil, n=40, overfit_from=10)
    result = invoke(path.parent, "-f", "github", "--fail-on", "overfitting")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert commands and all(line.startswith("::error ") for line in commands)
    assert not any(line.startswith(("::add-mask", "::warning::")) for line in lines)
    assert "%250A" in commands[0]  # the literal %0A in the name survives decoding as text


# --------------------------------------------------------------------------------------------
# JUnit


def test_junit_one_case_per_run_and_rule(runs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "reports" / "losslog.xml"
    result = invoke(
        runs["overfit"].parent.parent, "--fail-on", "overfitting", "--assert", "val_loss<10", "--junit", out
    )
    assert result.exit_code == 1
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert {(c.get("classname"), c.get("name")) for c in cases} == {
        (run, rule) for run in ("overfit", "healthy", "diverged") for rule in ("fail-on overfitting", "val_loss<10")
    }
    failed = [c for c in cases if c.find("failure") is not None]
    assert [(c.get("classname"), c.get("name")) for c in failed] == [("overfit", "fail-on overfitting")]
    failure = failed[0].find("failure")
    assert failure is not None and "epoch 10" in (failure.get("message") or "")
    assert suite.get("tests") == "6" and suite.get("failures") == "1" and suite.get("errors") == "0"


def test_junit_records_unreadable_inputs_and_odd_names(tmp_path: Path) -> None:
    path = write_run(tmp_path / "logs", "a<b>&\x01c", n=40, overfit_from=10)
    out = tmp_path / "j.xml"
    result = invoke(path.parent, tmp_path / "missing.csv", "--fail-on", "overfitting", "--junit", out)
    assert result.exit_code == 2
    suite = ET.parse(out).getroot().find("testsuite")
    assert suite is not None and suite.get("errors") == "1" and suite.get("failures") == "1"
    names = {c.get("classname") for c in suite.findall("testcase")}
    assert "a<b>&\ufffdc" in names


def test_junit_when_everything_passes(runs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "j.xml"
    assert invoke(runs["healthy"], "--junit", out).exit_code == 0
    suite = ET.parse(out).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and suite.get("tests") == "1"


_RUNNER_DATA_DECODE = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))


@given(st.text(), st.text(), st.text())
def test_an_annotation_is_one_command_whatever_the_text(message: str, file: str, title: str) -> None:
    line = annotation("error", message, file=file or None, title=title or None)
    assert "\n" not in line and "\r" not in line
    head, sep, data = line[2:].partition("::")
    assert sep and "::" not in data  # the runner splits at the first '::' after the command
    props = head.partition(" ")[2]
    assert ":" not in props  # a property value cannot end the command early
    if props:  # nor add a property: every comma separates file= and title=
        assert [p.partition("=")[0] for p in props.split(",")] == [
            k for k, v in (("file", file), ("title", title)) if v
        ]
    decoded = data
    for code, char in _RUNNER_DATA_DECODE:
        decoded = decoded.replace(code, char)
    assert decoded.replace(": :", "::").replace(": :", "::") == message.replace(": :", "::").replace(": :", "::")


def test_annotation_paths_are_relative_to_the_github_workspace(runs: dict[str, Path], tmp_path: Path) -> None:
    result = invoke(
        runs["overfit"], "-f", "github", "--fail-on", "overfitting", env={"GITHUB_WORKSPACE": str(tmp_path / "logs")}
    )
    assert result.exit_code == 1
    assert "::error file=overfit/training.log," in result.stdout


def test_check_text_and_github_output_say_what_was_dropped(tmp_path: Path) -> None:
    """A value the reader could not use is said in every output of the gate, not only in report."""
    from typer.testing import CliRunner

    from losslog.cli.app import app

    log = tmp_path / "metrics.csv"
    log.write_text("epoch,loss,val_loss\n0,1.0,1.1\n1,0.8,abc\n2,0.6,0.8\n3,0.5,0.7\n")
    for fmt, marker in (("text", "warning: "), ("github", "::warning ")):
        result = CliRunner().invoke(app, ["check", str(log), "--no-config", "--format", fmt])
        assert result.exit_code == 0, result.output
        lines = [line for line in result.output.splitlines() if marker in line]
        assert any("dropped" in line and "abc" in line for line in lines), result.output
