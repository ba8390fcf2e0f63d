"""Names from strangers' logs are drawn as literal text: a ``$`` is a dollar, never matplotlib math.

Before, a run or metric named ``$\\frac{$`` made every chart, HTML and Markdown report fail with an
internal error (exit 3), and an ESC byte in a name went into SVG text comments as-is.
"""

from __future__ import annotations

import math
import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.text import Text
from typer.testing import CliRunner

from losslog.analysis import analyze
from losslog.cli import app
from losslog.columns import COLUMNS
from losslog.model import Run
from losslog.render import chart, report_charts
from tests.conftest import curve_rows, keras_csv_text

runner = CliRunner()

NAMES = [
    "a$b",
    "$x^2$",
    "$\\frac{$",
    "\\frac{",
    "_under",
    "naïve-模型-🚀",
    "run_" + "x" * 300,
    "new\nline\x1b[31mred",
]
#: metric names, as hostile: they become panel titles, axis labels and legend entries
METRICS = ["$\\frac{$", "_under$x^2$", "m\x1b\n" + "é" * 80]
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def hostile_run(name: str, metric: str) -> chart.ChartRun:
    rows = []
    for s in range(25):
        rows.append((metric, "train", float(s), float(s), 2.0 * math.exp(-s / 6) + 0.1, math.nan, metric))
        rows.append((metric, "val", float(s), float(s), 1.5 * math.exp(-s / 5) + 0.3 + 0.02 * max(0, s - 10),
                     math.nan, f"val_{metric}"))  # fmt: skip
        rows.append(("lr", "", float(s), float(s), 1e-3 * 0.9**s, math.nan, "lr"))
    run = Run(name, f"{name}.csv", "test", pd.DataFrame(rows, columns=list(COLUMNS)))
    return chart.chart_input(run, analyze(run))


@pytest.fixture(scope="module")
def runs() -> list[chart.ChartRun]:
    return [hostile_run(name, METRICS[i % len(METRICS)]) for i, name in enumerate(NAMES)]


def check_literal(fig) -> None:  # type: ignore[no-untyped-def]
    texts = [t for t in fig.findobj(Text) if t.get_text()]
    with_dollar = [t for t in texts if "$" in t.get_text()]
    assert not [t.get_text() for t in with_dollar if t.get_parse_math()]
    assert not [t.get_text() for t in texts if CONTROL.search(t.get_text())]


@pytest.mark.parametrize("kind", ["single", "grid", "overlay"])
def test_hostile_names_render_png_and_svg(runs: list[chart.ChartRun], kind: str) -> None:
    figures = {"single": lambda: [chart.figure_single(cr) for cr in runs[4:7]],
               "grid": lambda: [chart.figure_grid(runs)],
               "overlay": lambda: [chart.figure_overlay(runs), chart.figure_overlay(runs[:3])]}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no glyph or mathtext warning either
        for fig in figures[kind]():
            check_literal(fig)
            assert chart.figure_bytes(fig, "png").startswith(b"\x89PNG")
            svg = chart.figure_bytes(fig, "svg").decode("utf-8")
            assert not CONTROL.search(svg)
            ET.fromstring(svg)  # well-formed XML


def test_hostile_names_in_report_charts(runs: list[chart.ChartRun]) -> None:
    for cr in runs[1:3]:
        svg = report_charts.run_svg(cr)
        assert svg is not None and svg.startswith("<svg")
        assert not CONTROL.search(svg)
        png = report_charts.run_png(cr)
        assert png is not None and png.startswith(b"\x89PNG")


def test_the_name_is_drawn_as_written(runs: list[chart.ChartRun]) -> None:
    fig = chart.figure_single(runs[1])  # run "$x^2$", metric "_under$x^2$"
    assert fig.get_suptitle().startswith("$x^2$\n")
    assert fig.axes[0].get_title(loc="left") == "_under$x^2$"
    fig = chart.figure_single(runs[-1])  # run "new\nline\x1b[31mred": escaped, one line
    assert fig.get_suptitle().startswith("new\\x0aline\\x1b[31mred\n")
    labels = [t.get_text() for t in chart.figure_overlay(runs).legends[0].get_texts()]
    assert " _under (" in " ".join(labels)  # shown, not hidden as a matplotlib "_" label


def test_plot_and_reports_with_hostile_run_names(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    for name in ["a$b", "$\\frac{$", "_under", "new\nline\x1b[31mred"]:
        path = logs / name / "training.log"
        path.parent.mkdir(parents=True)
        path.write_text(keras_csv_text(curve_rows(15, overfit_from=6)))
    for args in (
        ["plot", str(logs), "-o", str(tmp_path / "grid.png")],
        ["plot", str(logs), "--overlay", "-o", str(tmp_path / "overlay.svg")],
        ["report", str(logs), "--format", "html", "-o", str(tmp_path / "r.html")],
        ["report", str(logs), "--format", "markdown", "--embed", "-o", str(tmp_path / "r.md")],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
    assert not CONTROL.search((tmp_path / "overlay.svg").read_text())
    assert "<svg" in (tmp_path / "r.html").read_text()
