"""The per-run task every engine runs: read one source, analyse its runs, return a small result.

The result never holds the points: only what the tables need (the analyses, the errors), so that
shipping it back from a worker process (or a Dask worker, or the run cache) costs little.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from losslog.analysis import AnalysisOptions, RunAnalysis
from losslog.errors import LossLogError
from losslog.readers.discover import Source

#: how each command picks a run's options: "report" uses them as given, "compare" lets a run
#: that lacks the monitored metric be ranked last instead of failing (``options_for``)
MODES = ("report", "compare")


@dataclass(frozen=True)
class RunTask:
    """One source to read and analyse, with everything the worker needs (picklable data only).

    ``fingerprint``: what the run cache keys this source by (for a local file its path, size and
    modification time; a remote source builds it from an ETag); "" means do not cache.
    """

    source: Source
    options: AnalysisOptions
    mode: str = "report"
    keep_all: bool = False
    raise_unexpected: bool = False
    fingerprint: str = ""
    #: also note each run's per-tag smallest and largest value (``check``'s ``:min``/``:max``)
    extremes: bool = False


@dataclass(frozen=True)
class RunEntry:
    """One run a source gave: its name and source (the name clean-up needs every run's), and its
    analysis, or the message of the error that stopped the analysis."""

    name: str
    source: str
    format: str
    points: int
    analysis: RunAnalysis | None = None
    problem: str | None = None
    #: per raw tag, (smallest, largest) finite value, when the task asked for them
    extremes: dict[str, tuple[float | None, float | None]] | None = None


@dataclass
class RunResult:
    """What one source gave: its runs in the reader's order, or the errors that stopped reading."""

    runs: list[RunEntry] = field(default_factory=list)
    errors: list[LossLogError] = field(default_factory=list)
    #: per run: its hyperparameters, when a caller asked for them (issue 14), else empty
    hparams: list[dict[str, Any]] = field(default_factory=list)
    #: True when no reader claimed the source (sniffed in the worker): a file that is not a log
    ignored: bool = False
    #: True when the result came from the run cache (counted for --verbose and tests)
    cached: bool = False


def analyze_source(task: RunTask) -> RunResult:
    """Read ``task.source`` and analyse each of its runs (what ``discover`` + ``build_report`` do)."""
    from losslog.analysis.compare import options_for
    from losslog.analysis.run_analysis import analyze
    from losslog.gate.evaluate import metric_extremes
    from losslog.readers.discover import read_source

    found = read_source(task.source, task.keep_all, task.raise_unexpected)
    result = RunResult(errors=list(found.errors), ignored=bool(found.ignored))
    for run in found.runs:
        options = options_for(run, task.options) if task.mode == "compare" else task.options
        try:
            analysis = analyze(run, options)
        except LossLogError as exc:
            result.runs.append(RunEntry(run.name, run.source, run.format, len(run), problem=exc.message))
            continue
        extremes = metric_extremes(run) if task.extremes else None  # after: it builds the frame
        result.runs.append(RunEntry(run.name, run.source, run.format, len(run), analysis, extremes=extremes))
    return result
