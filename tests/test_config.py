"""Gate settings from pyproject.toml / losslog.toml, and the command line overriding them."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from losslog import config as config_mod
from losslog.cli import app
from losslog.config import Config, find_config, load_config
from losslog.errors import UsageError
from tests.test_gate import write_run

runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git checkout with an overfitting and a healthy run; the tests run from its root."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write_run(root / "logs", "overfit", n=40, overfit_from=10)
    write_run(root / "logs", "healthy", n=40)
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return root


def check(*args: str | Path):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["check", *map(str, args)])


def test_pyproject_tool_losslog(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.losslog]\npaths = ["logs"]\nfail_on = ["overfitting"]\n'
        'assert = ["val_loss<10"]\nmax-regression = "2%"\nsmooth = 0.5\npatience = 2\nkeep_all = true\n'
        'goal = {bleu = "max"}\n',
        encoding="utf-8",
    )
    cfg = load_config()
    assert cfg.source == project / "pyproject.toml"
    assert cfg.paths == (project / "logs",)
    assert cfg.fail_on == ("overfitting",) and cfg.assertions == ("val_loss<10",)
    assert cfg.max_regression == "2%" and cfg.smooth == 0.5 and cfg.patience == 2 and cfg.keep_all is True
    assert cfg.goal == ("bleu=max",)


def test_losslog_toml_table_or_top_level(project: Path) -> None:
    (project / "losslog.toml").write_text('[losslog]\nfail_on = "overfitting"\n', encoding="utf-8")
    assert load_config().fail_on == ("overfitting",)
    (project / "losslog.toml").write_text('fail-on = ["divergence"]\n', encoding="utf-8")
    assert load_config().fail_on == ("divergence",)


def test_losslog_toml_before_pyproject_and_nearest_first(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "pyproject.toml").write_text('[tool.losslog]\nfail_on = "warning"\n', encoding="utf-8")
    (project / "losslog.toml").write_text('fail_on = "overfitting"\n', encoding="utf-8")
    assert find_config() == project / "losslog.toml"
    sub = project / "training" / "jobs"
    sub.mkdir(parents=True)
    (sub.parent / "pyproject.toml").write_text('[tool.losslog]\nfail_on = "divergence"\n', encoding="utf-8")
    monkeypatch.chdir(sub)
    assert find_config() == sub.parent / "pyproject.toml"


def test_pyproject_without_our_table_is_skipped(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = project / "pkg"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[project]\nname = "pkg"\n[tool.ruff]\nline-length = 100\n', encoding="utf-8")
    (project / "losslog.toml").write_text('fail_on = "overfitting"\n', encoding="utf-8")
    monkeypatch.chdir(sub)
    assert find_config() == project / "losslog.toml"


def test_search_stops_at_the_git_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "losslog.toml").write_text('fail_on = "overfitting"\n', encoding="utf-8")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    monkeypatch.chdir(repo)
    assert find_config() is None
    assert load_config() == Config()


def test_unknown_key_is_a_usage_error_naming_the_file(project: Path) -> None:
    (project / "losslog.toml").write_text('fail_on = "overfitting"\nfailon = "x"\n', encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_config()
    assert "losslog.toml" in str(info.value) and "'failon'" in str(info.value) and "fail_on" in str(info.value)
    result = check("logs")
    assert result.exit_code == 2
    assert "losslog.toml" in result.stderr and "failon" in result.stderr


@pytest.mark.parametrize(
    "line",
    ["patience = 1.5", "smooth = 'high'", "fail_on = 3", "assert = [1]", "keep_all = 'yes'", "baseline = ['a']"],
)
def test_wrong_types_are_usage_errors(project: Path, line: str) -> None:
    (project / "losslog.toml").write_text(line + "\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_config()
    assert "losslog.toml" in str(info.value)


def test_invalid_toml_exits_2(project: Path) -> None:
    (project / "losslog.toml").write_text("fail_on = [\n", encoding="utf-8")
    result = check("logs")
    assert result.exit_code == 2
    assert "not valid TOML" in result.stderr


def test_keys_outside_the_losslog_table(project: Path) -> None:
    (project / "losslog.toml").write_text('other = 1\n[losslog]\nfail_on = "error"\n', encoding="utf-8")
    with pytest.raises(UsageError):
        load_config()


def test_config_makes_the_ci_line_short(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.losslog]\npaths = ["logs"]\nfail_on = ["overfitting"]\n', encoding="utf-8"
    )
    result = check()
    assert result.exit_code == 1, result.output
    assert "FAIL  overfit" in result.stdout and "PASS  healthy" in result.stdout


def test_command_line_overrides_the_file(project: Path) -> None:
    (project / "losslog.toml").write_text(
        'paths = ["logs"]\nfail_on = ["overfitting"]\nassert = ["val_loss<0.0001"]\n', encoding="utf-8"
    )
    assert check().exit_code == 1
    assert check("--fail-on", "none", "--assert", "val_loss<10").exit_code == 0
    # a path on the command line replaces the configured ones
    assert check("logs/healthy", "--assert", "val_loss<10").exit_code == 0
    assert check("--no-config", "logs").exit_code == 0  # default rules: errors only


def test_paths_in_the_file_are_relative_to_it(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "losslog.toml").write_text(
        'paths = ["logs/healthy"]\nbaseline = "logs/overfit"\nfail_on = "none"\n', encoding="utf-8"
    )
    sub = project / "somewhere" / "deeper"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    cfg = load_config()
    assert cfg.baseline == project / "logs" / "overfit"
    result = check()
    assert result.exit_code == 0, result.output  # healthy is better than the overfit baseline
    assert "baseline:" in result.stdout


def test_explicit_config_file(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "gate.toml"
    other.write_text('fail_on = "overfitting"\n', encoding="utf-8")
    assert check("--config", other, "logs").exit_code == 1
    assert check("--config", tmp_path / "missing.toml", "logs").exit_code == 2
    plain = tmp_path / "pyproject.toml"
    plain.write_text('[project]\nname = "x"\n', encoding="utf-8")
    result = check("--config", plain, "logs")
    assert result.exit_code == 2 and "no [tool.losslog]" in result.stderr


def test_python_310_without_tomli_says_what_is_needed(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "losslog.toml").write_text('fail_on = "overfitting"\n', encoding="utf-8")
    monkeypatch.setattr(config_mod, "sys", SimpleNamespace(version_info=(3, 10, 0)))
    monkeypatch.setitem(sys.modules, "tomli", None)  # import tomli -> ImportError
    with pytest.raises(UsageError) as info:
        load_config()
    assert "Python 3.11 or the tomli package" in str(info.value)
    # a pyproject.toml without [tool.losslog] never needs a TOML parser
    (project / "losslog.toml").unlink()
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert load_config() == Config()
