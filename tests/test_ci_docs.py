"""Docs as tests: the CI examples in docs/ci.md (and README.md, where it has them) stay true.

Every YAML block that runs ``losslog check`` must parse, have the shape its CI expects, and its
command lines must run on the bundled sample logs with the exit code, JUnit file and step summary
they promise. The TOML example must be a valid settings file that passes on the samples too.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from losslog.cli import app
from losslog.config import load_config
from losslog.errors import ExitCode

REPO = Path(__file__).resolve().parent.parent
DOCS = [p for p in (REPO / "docs" / "ci.md", REPO / "README.md") if p.is_file()]
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)

runner = CliRunner()


def blocks(path: Path, lang: str) -> list[str]:
    return [body for kind, body in _FENCE.findall(path.read_text(encoding="utf-8")) if kind == lang]


def check_yaml_blocks(path: Path) -> list[str]:
    return [b for b in blocks(path, "yaml") if "losslog check" in b]


def strings(node: Any) -> list[str]:
    """Every string in a parsed YAML document (run: values, script: items ...)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return []


def commands(doc: Any) -> list[list[str]]:
    """The ``losslog ...`` command lines, split as a POSIX shell would (continuations joined)."""
    out = []
    for s in strings(doc):
        for line in s.replace("\\\n", " ").splitlines():
            if line.strip().startswith("losslog "):
                out.append(shlex.split(line))
    return out


DOC_YAML = [(p, i) for p in DOCS for i in range(len(check_yaml_blocks(p)))]


def test_docs_hold_a_github_workflow_and_a_gitlab_job() -> None:
    docs = check_yaml_blocks(REPO / "docs" / "ci.md")
    kinds = {("jobs" in yaml.safe_load(b)) for b in docs}
    assert kinds == {True, False}  # a GitHub workflow (jobs:) and a GitLab job (no jobs: key)


@pytest.fixture
def in_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout-like folder: the samples at their repo path, files written here, no settings file."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "sample_logs").symlink_to(REPO / "sample_logs", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("doc", "index"), DOC_YAML, ids=[f"{p.name}-{i}" for p, i in DOC_YAML])
def test_ci_yaml_parses_and_its_commands_pass_on_the_samples(doc: Path, index: int, in_sandbox: Path) -> None:
    data = yaml.safe_load(check_yaml_blocks(doc)[index])
    assert isinstance(data, dict)
    if "jobs" in data:  # GitHub Actions: PyYAML reads the `on:` key as True (YAML 1.1)
        assert "on" in data or True in data
        for job in data["jobs"].values():
            assert job["runs-on"] and job["steps"]
            assert all(("uses" in step) != ("run" in step) for step in job["steps"])
    else:  # GitLab CI: jobs are the top-level tables with a script; a JUnit report is uploaded
        jobs = [v for v in data.values() if isinstance(v, dict) and "script" in v]
        assert jobs and all(isinstance(job["script"], list) for job in jobs)
        junit = {job["artifacts"]["reports"]["junit"] for job in jobs if "artifacts" in job}
    cmds = [c for c in commands(data) if c[:2] == ["losslog", "check"]]
    assert cmds, "the block runs losslog check"
    for argv in cmds:
        summary = in_sandbox / "step-summary.md"
        result = runner.invoke(app, argv[1:], env={"GITHUB_STEP_SUMMARY": str(summary)})
        assert result.exit_code == ExitCode.OK, result.output
        if "--junit" in argv:
            out = in_sandbox / argv[argv.index("--junit") + 1]
            suite = ET.parse(out).getroot().find("testsuite")
            assert suite is not None and int(suite.get("tests") or 0) >= 1 and suite.get("failures") == "0"
            if "jobs" not in data:
                assert argv[argv.index("--junit") + 1] in junit  # the job uploads the file the command writes
        if "github" in argv:
            assert "## losslog check: ✅ passed" in summary.read_text(encoding="utf-8")


def test_the_workflow_command_runs_as_a_real_process(in_sandbox: Path) -> None:
    data = yaml.safe_load(next(b for b in check_yaml_blocks(REPO / "docs" / "ci.md") if "jobs:" in b))
    argv = next(c for c in commands(data) if c[:2] == ["losslog", "check"])
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(in_sandbox / "s.md")}
    done = subprocess.run([sys.executable, "-m", "losslog", *argv[1:]], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("losslog check PASSED")
    # and the same gate fails (exit 1) on the overfitting sample, with an annotation saying why
    bad = [a if a != "sample_logs/mlp_healthy" else "sample_logs/mlp_overfit" for a in argv[1:]]
    done = subprocess.run([sys.executable, "-m", "losslog", *bad], capture_output=True, text=True, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert any(line.startswith("::error ") and "overfitting" in line for line in done.stdout.splitlines())


@pytest.mark.parametrize("doc", DOCS, ids=[p.name for p in DOCS])
def test_toml_examples_are_valid_settings_that_pass(doc: Path, in_sandbox: Path) -> None:
    for body in blocks(doc, "toml"):
        if "losslog" not in body:
            continue
        (in_sandbox / "pyproject.toml").write_text(body, encoding="utf-8")
        cfg = load_config()
        assert cfg.source == in_sandbox / "pyproject.toml"
        result = runner.invoke(app, ["check"])
        assert result.exit_code == ExitCode.OK, result.output


def test_documented_exit_codes_match_the_code() -> None:
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| (\d) \| (.+?) \|$", text, re.MULTILINE))
    assert set(table) == {"0", "1", "2"}
    assert ExitCode.OK == 0 and "passed" in table["0"]
    assert ExitCode.GATE_FAILED == 1 and "gate failed" in table["1"]
    assert ExitCode.BAD_INPUT == 2 and "unreadable input" in table["2"]
