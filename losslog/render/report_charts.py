"""Charts for the Markdown and HTML reports.

A ``Report`` holds analyses, not points, and charts need both. Callers that still have the runs
pass them (``runs=``); renderers never read files, so without them there is no chart. That keeps
``report --format json`` free of any chart work.

Markdown charts (one PNG per run):

- ``--output report.md``: the PNG is written beside it as ``report-<run>.png`` and linked by
  that relative name, so the pair can be committed or uploaded together (wikis, CI artifacts);
- ``--embed``: the PNG is inlined as a base64 data URI (one self-contained file, bigger);
- neither (Markdown on standard output): no chart. Writing image files into the current folder
  unasked would surprise, and standard output carries only the Markdown; a note on standard
  error says how to get the charts.

matplotlib is imported only when a chart is actually drawn.
"""

from __future__ import annotations

import base64
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from losslog.analysis.smoothing import DEFAULT_WEIGHT
from losslog.errors import UsageError

if TYPE_CHECKING:
    from losslog.model import Run
    from losslog.render.chart import ChartRun
    from losslog.report import Report

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def slug(name: str, limit: int = 60) -> str:
    """A file-name-safe form of a run name (letters, digits, ``._-``); never empty."""
    s = _UNSAFE.sub("_", name).strip("._-")[:limit]
    return s or "run"


def chart_runs(rep: Report, runs: Sequence[Run] | None) -> list[ChartRun]:
    """Chart inputs for every run of the report that has points to draw."""
    from losslog.render.chart import chart_inputs

    return chart_inputs(runs or [], rep.runs, rep.options)


def run_png(cr: ChartRun, smooth: float = DEFAULT_WEIGHT) -> bytes | None:
    """One run's chart as PNG; None when the run has nothing to draw."""
    from losslog.render.chart import ChartOptions, figure_bytes, figure_single

    try:
        fig = figure_single(cr, ChartOptions(smooth=smooth))
    except UsageError:
        return None
    return figure_bytes(fig, "png", dpi=110)


def run_svg(cr: ChartRun, smooth: float = DEFAULT_WEIGHT) -> str | None:
    """One run's chart as an inline ``<svg>`` element; None when the run has nothing to draw."""
    from losslog.render.chart import ChartOptions, figure_single, inline_svg

    try:
        fig = figure_single(cr, ChartOptions(smooth=smooth))
    except UsageError:
        return None
    return inline_svg(fig)


def markdown_charts(rep: Report, output: Path | None, embed: bool, runs: Sequence[Run] | None = None) -> dict[str, str]:
    """Run name -> Markdown image text for its chart (see the module docstring for where PNGs go)."""
    if output is None and not embed:
        if rep.runs:
            sys.stderr.write("losslog: note: charts need --output FILE.md (PNG beside it) or --embed (inline)\n")
        return {}
    from losslog.render.markdown import md_escape

    out: dict[str, str] = {}
    used: set[str] = set()
    for cr in chart_runs(rep, runs):
        png = run_png(cr, rep.options.smooth)
        if png is None:
            continue
        alt = md_escape(f"chart of {cr.name}")
        if embed:
            data = base64.b64encode(png).decode("ascii")
            out[cr.name] = f"![{alt}](data:image/png;base64,{data})"
            continue
        assert output is not None
        base = f"{slug(output.stem, 40)}-{slug(cr.name)}"
        name, i = base, 2
        while name in used:
            name, i = f"{base}-{i}", i + 1
        used.add(name)
        target = output.parent / f"{name}.png"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(png)
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
        out[cr.name] = f"![{alt}]({name}.png)"
    return out
