"""Hostile names cannot drive a terminal, a CI runner or a spreadsheet (issue 13, injection).

Run folders and metric tags are named with a GitHub Actions workflow command after a newline, an
OSC sequence that retitles a terminal, a clear-screen CSI and a spreadsheet formula. Every command
and every text format is run on them; no output may carry a control byte other than the line ends
(and tabs) the format itself writes, no line may start a workflow command from a name, and no
name cell of compare's CSV may begin with a formula character.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from losslog.cli import app
from tests.conftest import curve_rows, keras_csv_text

HOSTILE = (
    "\n::error file=x::pwned",
    "\x1b]0;title\x07",
    "\x1b[2J",
    '=HYPERLINK("x.test")',
)
FORMULA = HOSTILE[3]
#: control bytes a text output may not hold: C0 except tab and newline, DEL, C1
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

runner = CliRunner()


@pytest.fixture
def hostile_logs(tmp_path: Path) -> Path:
    """One run per hostile folder name; each also logs a metric whose tag is hostile."""
    root = tmp_path / "logs"
    for i, name in enumerate(HOSTILE):
        rows = curve_rows(30, overfit_from=8 if i % 2 else None)
        for row in rows:
            row[f"val_{name}"] = row["val_accuracy"]
            row[FORMULA] = row["val_loss"]
        path = root / name / "training.log"
        path.parent.mkdir(parents=True)
        path.write_bytes(keras_csv_text(rows, crlf=False).encode())
    return root


def _missing(tmp_path: Path) -> str:
    """An input that cannot be read, whose name is hostile too (it shows in every error line)."""
    return str(tmp_path / "gone\x1b[2J\n::error file=x::pwned.csv")


def _assert_clean(text: str, where: str) -> None:
    bad = CONTROL.search(text)
    assert bad is None, f"{where}: control byte {bad.group(0)!r} in {text[max(bad.start() - 40, 0) : bad.end() + 40]!r}"
    for line in text.splitlines():
        assert not line.startswith("::error file=x::"), f"{where}: a name started a workflow command"


CASES = [
    ("report", "text"),
    ("report", "json"),
    ("report", "markdown"),
    ("report", "html"),
    ("compare", "text"),
    ("compare", "json"),
    ("compare", "markdown"),
    ("compare", "csv"),
    ("check", "text"),
    ("check", "json"),
    ("check", "github"),
    ("check", "markdown"),
    ("export", "json"),
]


@pytest.mark.parametrize(("command", "fmt"), CASES)
def test_no_output_carries_a_control_sequence_from_a_name(
    command: str, fmt: str, hostile_logs: Path, tmp_path: Path
) -> None:
    args = [command, str(hostile_logs), _missing(tmp_path), "-f", fmt, "-v"]
    if command == "check":
        args += ["--no-config", "--fail-on", "overfitting"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output  # the missing input
    assert "Traceback" not in result.stdout + result.stderr
    assert "pwned" in result.stdout + result.stderr  # the names are shown, made harmless
    _assert_clean(result.stdout, f"{command} -f {fmt} stdout")
    _assert_clean(result.stderr, f"{command} -f {fmt} stderr")


def test_junit_file_and_error_lines_are_clean(hostile_logs: Path, tmp_path: Path) -> None:
    junit = tmp_path / "j.xml"
    result = runner.invoke(
        app,
        ["check", str(hostile_logs), _missing(tmp_path), "--no-config", "--fail-on", "overfitting", "--junit", junit],
    )
    assert result.exit_code == 2
    _assert_clean(junit.read_text(encoding="utf-8"), "junit")
    errors = [line for line in result.stderr.splitlines() if line.startswith("losslog: error: ")]
    assert len(errors) == 1 and "\\x1b[2J\\x0a::error" in errors[0]


def _name_cells(text: str) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    return [row[k] for row in rows for k in ("name", "source", "metric") if row[k]]


def test_compare_csv_neutralizes_formulas_by_default(hostile_logs: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["compare", str(hostile_logs), "-f", "csv", "--monitor", FORMULA, "--mode", "min"])
    assert result.exit_code == 0, result.output
    cells = _name_cells(result.stdout)
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert [row for row in csv.DictReader(io.StringIO(result.stdout)) if row["name"] == "'" + FORMULA]
    assert any(c == "'" + FORMULA for c in cells if c)  # the run name, and the metric


def test_raw_csv_writes_names_as_logged(hostile_logs: Path) -> None:
    result = runner.invoke(
        app, ["compare", str(hostile_logs), "-f", "csv", "--monitor", FORMULA, "--mode", "min", "--raw-csv"]
    )
    assert result.exit_code == 0, result.output
    cells = _name_cells(result.stdout)
    assert any(c.startswith("=HYPERLINK") for c in cells)
    assert any("\x1b[2J" in c for c in cells)


def test_console_markup_in_a_name_is_literal(tmp_path: Path) -> None:
    """rich would read ``[red]`` (or ``[link=...]``) in a plain string as markup and drop it."""
    path = tmp_path / "[red]run" / "training.log"
    path.parent.mkdir(parents=True)
    path.write_bytes(keras_csv_text(curve_rows(20), crlf=False).encode())
    for command in ("report", "compare"):
        result = runner.invoke(app, [command, str(path.parent)])
        assert result.exit_code == 0, result.output
        assert "[red]run" in result.stdout
