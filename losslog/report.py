"""The Report: every run's analysis plus every input that failed, and its versioned JSON form.

The JSON form is an interface that CI scripts parse: ``schema_version`` changes only when a field
is removed or changes meaning (added fields do not bump it). Documented in the README.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from losslog.analysis import AnalysisOptions, RunAnalysis, analyze
from losslog.errors import LossLogError
from losslog.model import Run, dropped_count

#: 2: ``monitor`` became an object (metric, tag, goal, source, reason, notes), was the tag
SCHEMA_VERSION = 2


@dataclass(frozen=True)
class InputProblem:
    source: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "message": self.message}


@dataclass(frozen=True)
class Report:
    runs: tuple[RunAnalysis, ...]
    errors: tuple[InputProblem, ...] = ()
    options: AnalysisOptions = field(default_factory=AnalysisOptions)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON form (what ``losslog report --format json`` prints)."""
        return report_to_dict(self)


def build_report(
    runs: list[Run],
    errors: list[LossLogError],
    options: AnalysisOptions,
    on_run: Callable[[Run], None] | None = None,
) -> Report:
    """Analyze every run; a run the analysis cannot handle becomes an error, not a crash."""
    analyses: list[RunAnalysis] = []
    problems = [InputProblem(e.source or "", e.message) for e in errors]
    for run in runs:
        if on_run:
            on_run(run)
        try:
            analyses.append(analyze(run, options))
        except LossLogError as exc:
            problems.append(InputProblem(run.source, exc.message))
    return Report(tuple(analyses), tuple(problems), options)


_POSITION_KEYS = ("step", "epoch", "steps_after", "epochs_after")


def _is_position(key: str) -> bool:
    return key.endswith(_POSITION_KEYS)


def clean(value: Any, key: str = "") -> Any:
    """JSON-safe: non-finite floats become null (JSON has no NaN), tuples become lists.

    Steps and epochs that are whole numbers are written as integers (``"best_epoch": 6``), as
    the log wrote them; Hugging Face's fractional epochs stay floats.
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if _is_position(key) and value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, dict):
        return {str(k): clean(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v, key) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return clean(value.item(), key)
    return value


def run_to_dict(run: RunAnalysis) -> dict[str, Any]:
    best = None
    if run.best is not None:
        best = {
            "metric": run.best.metric,
            "tag": run.best.tag,
            "goal": run.best.goal,
            "value": run.best.value,
            "step": run.best.step,
            "epoch": run.best.epoch,
            "steps_after": run.best.steps_after,
            "epochs_after": run.best.epochs_after,
            "fraction_after": run.best.fraction_after,
        }
    return clean(
        {
            "name": run.name,
            "source": run.source,
            "format": run.format,
            "points": run.points,
            "replaced_points": run.replaced_points,
            "dropped_values": dropped_count(run.warnings),
            "verdict": run.verdict,
            "monitor": run.monitor.to_dict() if run.monitor is not None else None,
            "metrics": [m.to_dict() for m in run.metrics],
            "best": best,
            "findings": [f.to_dict() for f in run.findings],
            "gap": run.gap.to_dict() if run.gap else None,
            "loss_reading": run.loss_reading.to_dict() if run.loss_reading else None,
            "warnings": list(run.warnings),
            "hparams": run.meta.get("hparams", {}),
        }
    )


def report_to_dict(report: Report) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "runs": [run_to_dict(r) for r in report.runs],
        "errors": [e.to_dict() for e in report.errors],
    }
