"""The layers stay apart: analysis never pulls in the CLI or drawing libraries, and a text or JSON
report never imports matplotlib (it costs half a second of start-up)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "losslog"
SAMPLE = PKG.parent / "sample_logs" / "mlp_overfit" / "training.log"


def modules_after(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(done.stdout.split())


def test_analysis_import_is_light() -> None:
    loaded = modules_after("import losslog.analysis, losslog.readers.discover, losslog.report, losslog.gate")
    assert not {"typer", "rich", "matplotlib"} & {m.split(".")[0] for m in loaded}


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_report_does_not_import_matplotlib(fmt: str, tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from losslog.cli.app import main\n"
        f"sys.argv = ['losslog', 'report', {str(SAMPLE)!r}, '--format', {fmt!r}, '-o', {str(tmp_path / 'out')!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
    )
    loaded = modules_after(code)
    assert (tmp_path / "out").exists()
    if fmt != "markdown":  # Markdown may embed a chart
        assert "matplotlib" not in loaded


#: what each layer must not import: readers -> analysis -> report -> gate -> render -> cli
#: (render may use the gate's result types; the gate may read baselines through readers)
LAYERS = {
    "readers": {"analysis", "report", "gate", "render", "cli", "api"},
    "analysis": {"report", "gate", "render", "cli", "readers", "api"},
    "gate": {"render", "cli", "api"},
    "render": {"cli", "readers", "api"},
}


def imported_losslog_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("losslog."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("losslog."):
                    found.add(alias.name.split(".")[1])
    return found


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_layers_import_only_to_their_left(layer: str) -> None:
    assert sorted((PKG / layer).glob("*.py")), f"no modules in {layer}/"
    for path in sorted((PKG / layer).glob("*.py")):
        bad = imported_losslog_packages(path) & LAYERS[layer]
        assert not bad, f"{path.name} imports {bad}"
