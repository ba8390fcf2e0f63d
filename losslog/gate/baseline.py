"""A baseline for ``check --baseline``: a saved JSON report or any log or folder losslog reads.

A report is told apart by its content, not its name; logs are read and analyzed with the
candidate's options, so both sides are judged alike. Either way the gate gets ``BaselineRun``
objects: a run's name and each metric's best value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from losslog.analysis import AnalysisOptions, analyze
from losslog.analysis.run_analysis import RunAnalysis
from losslog.errors import InputError
from losslog.readers.discover import discover
from losslog.report import SCHEMA_VERSION


@dataclass(frozen=True)
class BaselineMetric:
    name: str  # raw tag
    display: str
    goal: str | None
    best: float | None


@dataclass(frozen=True)
class BaselineRun:
    """What a baseline contributes: its name and each metric's best value (from a log or a report)."""

    name: str
    source: str
    monitor: str | None  # display name of the monitored metric
    metrics: tuple[BaselineMetric, ...]

    def metric(self, tag: str, display: str) -> BaselineMetric | None:
        for m in self.metrics:
            if m.name == tag:
                return m
        return next((m for m in self.metrics if m.display == display), None)


def baseline_from_analysis(run: RunAnalysis) -> BaselineRun:
    return BaselineRun(
        name=run.name,
        source=run.source,
        monitor=run.best.metric if run.best else None,
        metrics=tuple(BaselineMetric(m.name, m.display, m.goal, m.best) for m in run.metrics),
    )


def is_report_json(path: Path) -> bool:
    """A JSON report saved by ``losslog report --format json``: told apart by content, not name."""
    if not path.is_file():
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(4096).lstrip()
    except OSError:
        return False
    if not head.startswith(b"{"):
        return False
    return b'"schema_version"' in head


def baseline_from_report_json(path: Path) -> list[BaselineRun]:
    """Baseline runs from a saved JSON report (``runs[].best`` and ``runs[].metrics[].best``).

    The file may come from anywhere (a CI artifact, a pull request): a malformed, deeply nested
    or oversized one is an ``InputError`` naming it, never a crash.
    """
    data = _load_report(path)
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise InputError("baseline JSON is not a losslog report (no 'runs' list)", path)
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version > SCHEMA_VERSION:
        shown = _short(version) if isinstance(version, (int, float, str, type(None))) else "(an object or list)"
        raise InputError(f"baseline report has schema_version {shown}; this losslog reads up to {SCHEMA_VERSION}", path)
    out: list[BaselineRun] = []
    for i, r in enumerate(data["runs"]):
        if not isinstance(r, dict):
            raise InputError(f"baseline report: runs[{i}] is not an object", path)
        raw_metrics = r.get("metrics") or []
        if not isinstance(raw_metrics, list):
            raise InputError(f"baseline report: runs[{i}].metrics is not a list", path)
        metrics: list[BaselineMetric] = []
        for m in raw_metrics:
            if isinstance(m, dict) and isinstance(m.get("name"), str):
                display = m.get("display") if isinstance(m.get("display"), str) else None
                metrics.append(BaselineMetric(m["name"], display or m["name"], _goal(m), _num_or_none(m.get("best"))))
        best = r.get("best") if isinstance(r.get("best"), dict) else None
        if best and isinstance(best.get("tag"), str) and not any(m.name == best["tag"] for m in metrics):
            # a trimmed report: only runs[].best kept; it still holds the monitored metric
            display = best.get("metric") if isinstance(best.get("metric"), str) else None
            value = _num_or_none(best.get("value"))
            metrics.append(BaselineMetric(best["tag"], display or best["tag"], _goal(best), value))
        out.append(
            BaselineRun(
                name=_text(r.get("name")) or f"run{i}",
                source=_text(r.get("source")) or str(path),
                monitor=_text(best.get("metric")) if best else None,
                metrics=tuple(metrics),
            )
        )
    if not out:
        raise InputError("baseline report holds no runs", path)
    return out


#: A saved report of a thousand runs is a few megabytes; a baseline far larger is not one.
MAX_REPORT_BYTES = 100 * 1024 * 1024


def _load_report(path: Path) -> Any:
    """The parsed JSON, or an InputError: unreadable, too large, invalid, or nested too deeply."""
    try:
        size = path.stat().st_size
        if size > MAX_REPORT_BYTES:
            raise InputError(
                f"baseline report is too large ({size / 1e6:.0f} MB; a losslog report is at most "
                f"{MAX_REPORT_BYTES // (1024 * 1024)} MB here)",
                path,
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read baseline: {exc}", path) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"baseline is not valid JSON (line {exc.lineno}: {exc.msg})", path) from None
    except RecursionError:
        raise InputError("baseline is not a losslog report (JSON nested too deeply)", path) from None
    except (ValueError, MemoryError) as exc:  # e.g. an integer of more digits than Python converts
        raise InputError(f"baseline is not valid JSON ({_short(exc)})", path) from None


def _short(value: object, limit: int = 60) -> str:
    text = repr(value) if not isinstance(value, BaseException) else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _text(value: Any) -> str | None:
    """A name from the report: strings kept, numbers written out, anything else dropped."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _goal(d: dict[str, Any]) -> str | None:
    g = d.get("goal")
    return g if g in ("min", "max") else None


def _num_or_none(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    try:
        value = float(x)
    except OverflowError:  # an integer beyond any float
        return None
    return value if math.isfinite(value) else None


def pair_baseline(candidate: str, baselines: Sequence[BaselineRun]) -> BaselineRun | None:
    """One baseline run serves every candidate; several are matched to candidates by run name."""
    if len(baselines) == 1:
        return baselines[0]
    return next((b for b in baselines if b.name == candidate), None)


def load_baseline(
    path: Path,
    log_format: str | None,
    keep_all: bool,
    options: AnalysisOptions,
    raise_unexpected: bool = False,
) -> list[BaselineRun]:
    """A saved JSON report (told by content) or any log/folder losslog reads, analyzed like the candidate.

    ``raise_unexpected``: let a reader's unexpected exception through (``--traceback``).
    """
    if is_report_json(path):
        return baseline_from_report_json(path)
    found = discover([path], fmt=log_format, keep_all=keep_all, raise_unexpected=raise_unexpected)
    if found.errors:
        first = found.errors[0]
        raise InputError(f"cannot read baseline: {first.message}", first.source or path)
    if not found.runs:
        raise InputError("no training logs found for the baseline", path)
    analyses: list[RunAnalysis] = [analyze(run, options) for run in found.runs]
    return [baseline_from_analysis(a) for a in analyses]
