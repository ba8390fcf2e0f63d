"""The engine's result for mirrored inputs, named by URL (kept apart from ``inputs`` so that the
library's ``read`` never depends on the engine)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from losslog.remote.inputs import Mirrors

if TYPE_CHECKING:
    from losslog.analysis import RunAnalysis
    from losslog.engine.batch import BatchResult


def rename_batch(result: BatchResult, mirrors: Mirrors) -> BatchResult:
    """The engine's result for mirrored inputs with every source, warning and error named by its
    URL, and the errors of the URLs themselves first (as ``discover_inputs`` orders them)."""
    import dataclasses

    from losslog.report import InputProblem

    def analysis(a: RunAnalysis) -> RunAnalysis:
        changes: dict[str, object] = {"source": mirrors.show(a.source)}
        warnings = getattr(a, "warnings", None)
        if isinstance(warnings, (tuple, list)):
            changes["warnings"] = type(warnings)(mirrors.rename(w) for w in warnings)
        return dataclasses.replace(a, **changes)  # type: ignore[arg-type]

    rep = result.report
    problems = [InputProblem(e.source or "", e.message) for e in mirrors.errors]
    problems += [InputProblem(mirrors.show(p.source), mirrors.rename(p.message)) for p in rep.errors]
    result.report = dataclasses.replace(rep, runs=tuple(analysis(a) for a in rep.runs), errors=tuple(problems))
    result.entries = [
        dataclasses.replace(e, source=mirrors.show(e.source), analysis=analysis(e.analysis) if e.analysis else None)
        for e in result.entries
    ]
    return result
