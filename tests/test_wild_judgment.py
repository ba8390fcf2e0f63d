"""The judgment of every real log in tests/data/wild/: what an experienced user of its tool would say.

For each log of ``expectations.json``: the monitored metric and where that choice came from (the
trainer's own setting, the field's convention, the default), its direction, the best checkpoint
(none for a run without validation: no checkpoint is picked from training curves), and the
verdict. ``verdict`` in the file lists the codes an expert expects; losslog's verdict must be one
of them and every one of them that is a losslog code must be reported. docs/diagnostics.md shows
the same table (``judgment_table``; a test checks the two agree).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from losslog.analysis import CODES, RunAnalysis, analyze
from tests.test_wild_logs import EXPECTATIONS, Expectation, _read

DOC = Path(__file__).resolve().parent.parent / "docs" / "diagnostics.md"

#: Logs whose expert verdict losslog does not give yet, with what it says instead. Each is checked
#: to still differ (strict), so fixing one forces this list and the docs table to be updated.
KNOWN_GAPS: dict[str, str] = {}


def _analysis(exp: Expectation) -> RunAnalysis:
    return analyze(_read(exp))


def _monitor_tag(exp: Expectation) -> str | None:
    if exp.monitor is not None and exp.monitor.startswith("fitness"):
        return "fitness"
    return exp.monitor


@pytest.mark.parametrize("exp", EXPECTATIONS, ids=[e.name for e in EXPECTATIONS])
def test_monitor_and_its_source(exp: Expectation) -> None:
    run = _analysis(exp)
    assert run.monitor is not None
    assert run.monitor.tag == _monitor_tag(exp), run.monitor.reason
    assert run.monitor.source == exp.monitor_source, run.monitor.reason
    assert run.monitor.goal == exp.goal
    assert run.monitor.reason


@pytest.mark.parametrize("exp", EXPECTATIONS, ids=[e.name for e in EXPECTATIONS])
def test_best_checkpoint(exp: Expectation) -> None:
    run = _analysis(exp)
    best = exp.best
    if best is None or "rule" in best:
        # no validation metric: no checkpoint is picked from a training curve, and the report says so
        assert run.best is None
        assert run.monitor is not None and not run.monitor.ranks_checkpoints
        return
    assert run.best is not None
    if "step" in best and run.format != "lightning":
        assert run.best.step == best["step"]
    if "epoch" in best:
        assert run.best.epoch is not None
        assert math.isclose(run.best.epoch, best["epoch"], abs_tol=0.05)
    assert math.isclose(run.best.value, best["value"], rel_tol=1e-6)
    assert 0.0 <= run.best.fraction_after <= 1.0


def _verdict_ok(exp: Expectation, run: RunAnalysis) -> bool:
    reported = {f.code for f in run.findings}
    wanted = [c for c in exp.verdict if c in CODES]
    return run.verdict in exp.verdict and all(c in reported for c in wanted)


@pytest.mark.parametrize(
    "exp",
    [
        pytest.param(e, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[e.name])) if e.name in KNOWN_GAPS else e
        for e in EXPECTATIONS
    ],
    ids=[e.name for e in EXPECTATIONS],
)
def test_verdict(exp: Expectation) -> None:
    run = _analysis(exp)
    assert _verdict_ok(exp, run), (run.verdict, [f.code for f in run.findings])


def test_expected_verdicts_are_losslog_codes() -> None:
    for exp in EXPECTATIONS:
        unknown = [c for c in exp.verdict if c not in CODES and c != "healthy"]
        assert not unknown, (exp.name, unknown)


def judgment_table() -> str:
    """The table docs/diagnostics.md shows (regenerate with ``python -m tests.test_wild_judgment``)."""
    lines = [
        "| log | monitored (source) | best checkpoint | verdict | expert |",
        "|---|---|---|---|---|",
    ]
    for exp in EXPECTATIONS:
        run = _analysis(exp)
        m = run.monitor
        mon = f"`{m.tag}` ({m.source})" if m is not None and m.tag else f"none ({m.source if m else '–'})"
        if run.best is None:
            best = "none (no validation)" if m is None or not m.ranks_checkpoints else "–"
        else:
            where = f"epoch {run.best.epoch:g}" if run.best.epoch is not None else f"step {run.best.step:g}"
            best = f"{where}: {run.best.value:.4g}"
        codes = ", ".join(f"`{f.code}`" for f in run.findings) or "–"
        expert = ", ".join(exp.verdict) + (" (gap)" if exp.name in KNOWN_GAPS else "")
        lines.append(f"| `{exp.name}` | {mon} | {best} | **{run.verdict}** ({codes}) | {expert} |")
    return "\n".join(lines)


def test_docs_show_the_judgment_table() -> None:
    assert judgment_table() in DOC.read_text(encoding="utf-8")


if __name__ == "__main__":
    print(judgment_table())
