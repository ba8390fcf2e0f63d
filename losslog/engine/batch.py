"""Many runs, read and analysed through an engine, gathered into the Report the commands print.

The walk lists the sources first (names and sniffing only); the run cache answers for the sources
it has seen unchanged; the engine reads and analyses the rest; the results are put back in the
walk's order, and names made unique, exactly as ``discover`` + ``build_report`` would have done.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from losslog.analysis import AnalysisOptions, RunAnalysis
from losslog.engine.tasks import RunEntry, RunResult, RunTask, analyze_source
from losslog.errors import LossLogError
from losslog.readers.discover import Listing, list_sources, walk_results
from losslog.readers.run_names import dedupe_names
from losslog.report import InputProblem, Report

if TYPE_CHECKING:
    from losslog.engine.base import Engine
    from losslog.runcache import RunCache


@dataclass
class BatchResult:
    """The report, plus what the walk skipped and how many sources the cache answered."""

    report: Report
    ignored: list[Path] = field(default_factory=list)
    entries: list[RunEntry] = field(default_factory=list)
    #: hyperparameters per entry (empty dicts unless the task collected them)
    hparams: list[dict[str, object]] = field(default_factory=list)
    sources: int = 0
    from_cache: int = 0


def analyze_paths(
    paths: Sequence[Path],
    options: AnalysisOptions,
    *,
    log_format: str | None = None,
    keep_all: bool = False,
    mode: str = "report",
    raise_unexpected: bool = False,
    engine: Engine | None = None,
    jobs: int | None = None,
    cache: RunCache | None = None,
    extremes: bool = False,
    on_listed: Callable[[int], None] | None = None,
    on_done: Callable[[RunResult], None] | None = None,
) -> BatchResult:
    """Read and analyse every run under ``paths``: the report ``build_report`` gives for ``discover``.

    ``engine``: how to run the tasks (default: ``choose_engine`` for the number of sources the
    cache could not answer, ``jobs`` as ``--jobs``). ``on_listed(n)`` is told the number of sources
    before any is read, ``on_done`` each source's result as it is gathered (a progress bar).
    """
    listing = list_sources(paths, log_format)
    tasks = [
        RunTask(s, options, mode, keep_all, raise_unexpected, cache.fingerprint(s.path) if cache else "", extremes)
        for s in listing.sources
    ]
    if on_listed:
        on_listed(len(tasks))
    results = _run(tasks, cache, engine, jobs, on_done)
    out = gather(listing, results, options)
    out.sources = len(tasks)
    return out


def _run(
    tasks: list[RunTask],
    cache: RunCache | None,
    engine: Engine | None,
    jobs: int | None,
    on_done: Callable[[RunResult], None] | None,
) -> list[RunResult]:
    from losslog.engine.base import POOL_THRESHOLD, choose_engine

    found: list[RunResult | None] = [cache.get(t) if cache else None for t in tasks]
    missing = [i for i, r in enumerate(found) if r is None]
    if on_done:
        for r in found:
            if r is not None:
                on_done(r)
    if missing:
        own = engine is None
        size = _bytes([tasks[i] for i in missing]) if jobs is None and 4 <= len(missing) <= POOL_THRESHOLD else 0
        eng = engine if engine is not None else choose_engine(len(missing), jobs, size)
        try:
            for i, result in zip(missing, eng.map(analyze_source, [tasks[i] for i in missing])):
                found[i] = result
                if cache is not None:
                    cache.put(tasks[i], result)
                if on_done:
                    on_done(result)
        finally:
            if own:
                eng.close()
    return [r for r in found if r is not None]


def gather(listing: Listing, results: Iterable[RunResult], options: AnalysisOptions) -> BatchResult:
    """The report from each source's result, in the walk's order (what ``build_report`` orders)."""
    errors: list[LossLogError] = []
    entries: list[RunEntry] = []
    hparams: list[dict[str, object]] = []
    from_cache = 0
    ignored: list[Path] = []
    sources = iter(listing.sources)
    for kind, payload in walk_results(listing, results, _counts):
        if kind == "error":
            errors.append(payload)
            continue
        if kind == "ignored":
            ignored.append(payload)
            continue
        result: RunResult = payload
        source = next(sources)
        from_cache += result.cached
        if result.ignored:
            ignored.append(source.path)
        errors.extend(result.errors)
        entries.extend(result.runs)
        hparams.extend(result.hparams or [{} for _ in result.runs])
    names = dedupe_names([(e.name, e.source) for e in entries])
    analyses: list[RunAnalysis] = []
    problems = [InputProblem(e.source or "", e.message) for e in errors]
    renamed: list[RunEntry] = []
    for entry, name in zip(entries, names):
        if entry.analysis is not None:
            analysis = entry.analysis if entry.analysis.name == name else dataclasses.replace(entry.analysis, name=name)
            analyses.append(analysis)
            entry = dataclasses.replace(entry, name=name, analysis=analysis)
        else:
            problems.append(InputProblem(entry.source, entry.problem or ""))
            entry = dataclasses.replace(entry, name=name)
        renamed.append(entry)
    report = Report(tuple(analyses), tuple(problems), options)
    return BatchResult(report, ignored, renamed, hparams, from_cache=from_cache)


def _counts(result: RunResult) -> tuple[int, int]:
    return len(result.runs), len(result.errors)


def _bytes(tasks: list[RunTask], limit: int = 1 << 30) -> int:
    """Roughly how much log data the tasks hold (files, and the files of a folder and its
    sub-folders), to tell a few big runs worth a process pool from a few small ones."""
    import os

    total = 0
    for task in tasks:
        path = task.source.path
        try:
            if path.is_dir():
                for dirpath, _, files in os.walk(path):
                    total += sum(os.stat(os.path.join(dirpath, f)).st_size for f in files)
            else:
                total += path.stat().st_size
        except OSError:
            continue
        if total >= limit:
            break
    return total
