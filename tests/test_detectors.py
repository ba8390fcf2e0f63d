"""The detectors' architecture: independent detectors, facts computed once, one suppression table,
and a finding vocabulary that the code, the fixtures and docs/diagnostics.md agree on."""

from __future__ import annotations

import ast
import functools
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from losslog.analysis import CODES, Finding, analyze, detectors, suppression
from losslog.analysis import context as context_mod
from losslog.analysis.context import Context, build_context, fact
from losslog.analysis.options import AnalysisOptions
from losslog.model import Run
from losslog.readers.discover import discover
from tests.analysis_helpers import climb_and_recover, codes_of, falling, make_run

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"
ANALYSIS = ROOT / "losslog" / "analysis"
DOC = ROOT / "docs" / "diagnostics.md"


def _fixture_runs() -> list[Run]:
    runs: list[Run] = []
    for root in (DATA / "eval_runs", DATA / "readers", DATA / "judgment", ROOT / "sample_logs"):
        found = discover([root])
        assert found.runs, root
        runs += found.runs
    return runs


def _diverged_flat() -> Run:
    """A training loss that never moves, then turns NaN: a stall (by itself) and a divergence."""
    flat = [2.303 + 0.002 * math.sin(e) for e in range(20)]
    return make_run({"loss": [*flat[:16], math.nan, math.nan, math.nan, math.nan], "val_loss": flat})


def _diverged_after_a_climb() -> Run:
    """A training loss that climbs over a stretch (unstable by itself), recovers, then turns NaN."""
    train = climb_and_recover()
    train[39] = math.inf
    return make_run({"loss": train})


# ------------------------------------------------------------------------------ the vocabulary


def _doc_table_codes(heading: str) -> list[str]:
    """The backticked codes in the first column of the table under ``heading`` in docs/diagnostics.md."""
    text = DOC.read_text()
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE)


def test_every_emitted_code_is_in_the_vocabulary() -> None:
    emitted: Counter[str] = Counter()
    for run in _fixture_runs():
        for options in (AnalysisOptions(), AnalysisOptions(smooth=0.0, patience=1, classes=10)):
            for f in analyze(run, options).findings:
                emitted[f.code] += 1
    golden = json.loads((DATA / "golden" / "mlp_overfit.report.json").read_text())
    for run in golden["runs"]:
        for f in run["findings"]:
            emitted[f["code"]] += 1
    documented = set(_doc_table_codes("## Finding codes"))
    assert emitted, "the fixtures produced no finding at all"
    assert set(emitted) <= set(CODES), sorted(set(emitted) - set(CODES))
    assert set(emitted) <= documented, sorted(set(emitted) - documented)
    # the fixtures exercise every finding a detector can emit (the gap is a field, not a finding)
    assert set(emitted) | {"generalization_gap"} == set(CODES)


def test_the_vocabulary_in_findings_py_and_the_doc_agree() -> None:
    documented = _doc_table_codes("## Finding codes")
    assert len(documented) == len(set(documented))
    assert set(documented) == set(CODES)


def test_every_code_in_the_suppression_table_is_in_the_vocabulary() -> None:
    for rule in suppression.RULES:
        assert rule.hidden in CODES and rule.by in CODES and rule.hidden != rule.by
        assert rule.reason and "|" not in rule.reason
    pairs = [(r.hidden, r.by) for r in suppression.RULES]
    assert len(pairs) == len(set(pairs))


# ------------------------------------------------------------------------ independent detectors


def _count_detector_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Wrap every registered detector, in the registry and under its module name, with a counter.

    A detector calling another goes through that module name, so such a call is counted too.
    """
    calls: Counter[str] = Counter()

    def counting(fn: detectors.Detector) -> detectors.Detector:
        @functools.wraps(fn)
        def wrapper(ctx: Context) -> list[Finding]:
            calls[fn.__name__] += 1
            return fn(ctx)

        return wrapper

    originals = list(detectors.DETECTORS)
    for fn in originals:
        monkeypatch.setattr(sys.modules[fn.__module__], fn.__name__, counting(fn))
        monkeypatch.setattr(detectors, fn.__name__, counting(fn))
    monkeypatch.setattr(detectors, "DETECTORS", tuple(counting(fn) for fn in originals))
    return calls


def test_each_detector_runs_exactly_once_per_analyze(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_detector_calls(monkeypatch)
    names = [fn.__name__ for fn in detectors.DETECTORS]
    runs = [*discover([DATA / "eval_runs"]).runs, *discover([ROOT / "sample_logs"]).runs]
    runs += [_diverged_flat(), _diverged_after_a_climb()]
    for run in runs:
        calls.clear()
        analyze(run)
        assert dict(calls) == dict.fromkeys(names, 1), run.name


def test_the_registry_lists_each_detector_once() -> None:
    names = [fn.__name__ for fn in detectors.DETECTORS]
    assert len(names) == len(set(names)) >= 6


def _imports(path: Path) -> set[str]:
    """Every losslog.analysis module ``path`` imports, at the top or inside a function."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("losslog.analysis")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("losslog.analysis"):
            if node.module == "losslog.analysis":
                for a in node.names:
                    sub = ANALYSIS / f"{a.name}.py"
                    out.add(f"losslog.analysis.{a.name}" if sub.exists() else "losslog.analysis")
            else:
                out.add(node.module)
    return out


def _analysis_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(ANALYSIS.glob("*.py")):
        mod = "losslog.analysis" if path.stem == "__init__" else f"losslog.analysis.{path.stem}"
        graph[mod] = _imports(path) - {mod}
    return graph


def test_no_detector_module_imports_another() -> None:
    graph = _analysis_graph()
    modules = {fn.__module__ for fn in detectors.DETECTORS}
    assert len(modules) >= 3
    for mod in modules:
        assert not graph[mod] & (modules - {mod}), f"{mod} imports {sorted(graph[mod] & modules)}"


def test_no_import_cycle_inside_analysis() -> None:
    graph = _analysis_graph()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(mod: str, path: list[str]) -> None:
        state[mod] = 1
        for dep in sorted(graph.get(mod, ())):
            assert state.get(dep) != 1, "import cycle: " + " -> ".join([*path, mod, dep])
            if dep not in state:
                visit(dep, [*path, mod])
        state[mod] = 2

    for mod in graph:
        if mod not in state:
            visit(mod, [])


#: gate.py leaves analysis/ for its own layer (issue 11, another branch)
_SIZE_EXEMPT = {"gate.py"}


def test_analysis_modules_stay_small() -> None:
    for path in ANALYSIS.glob("*.py"):
        if path.name not in _SIZE_EXEMPT:
            assert len(path.read_text().splitlines()) <= 400, path.name


# ----------------------------------------------------------------------------- facts, computed once


def test_a_fact_is_computed_once_per_context_and_argument() -> None:
    seen: list[tuple[int, str]] = []

    @fact
    def probe(ctx: Context, split: str) -> str:
        seen.append((id(ctx), split))
        return split.upper()

    a = build_context(make_run({"loss": falling(10)}), AnalysisOptions())
    b = build_context(make_run({"loss": falling(10)}), AnalysisOptions())
    assert [probe(a, "val"), probe(a, "val"), probe(a, "train"), probe(b, "val")] == ["VAL", "VAL", "TRAIN", "VAL"]
    assert seen == [(id(a), "val"), (id(a), "train"), (id(b), "val")]


def test_each_series_is_smoothed_at_most_once_per_analyze(monkeypatch: pytest.MonkeyPatch) -> None:
    smoothed: Counter[int] = Counter()
    real: Callable[..., object] = context_mod.tb_smooth

    def counting(values: object, weight: float = 0.6) -> object:
        smoothed[len(values)] += 1  # type: ignore[arg-type]
        return real(values, weight)

    monkeypatch.setattr(context_mod, "tb_smooth", counting)
    # train and validation losses of different lengths, so each count is one series
    run = make_run({"loss": falling(40), "val_loss": falling(25, start=2.2, end=0.3)})
    analyze(run)
    assert smoothed and max(smoothed.values()) == 1, dict(smoothed)


# ------------------------------------------------------------------------------- suppression table


def _without(hidden: str, by: str) -> tuple[suppression.Rule, ...]:
    rules = tuple(r for r in suppression.RULES if (r.hidden, r.by) != (hidden, by))
    assert len(rules) == len(suppression.RULES) - 1, f"no rule {hidden} <- {by}"
    return rules


@pytest.mark.parametrize(("hidden", "make"), [("stalled", _diverged_flat), ("unstable", _diverged_after_a_climb)])
def test_divergence_hides_stalled_and_unstable_because_of_the_table(
    monkeypatch: pytest.MonkeyPatch, hidden: str, make: Callable[[], Run]
) -> None:
    result = analyze(make())
    assert "divergence" in codes_of(result) and hidden not in codes_of(result)
    monkeypatch.setattr(suppression, "RULES", _without(hidden, "divergence"))
    assert {"divergence", hidden} <= codes_of(analyze(make()))


def _finding(code: str) -> Finding:
    return Finding(code=code, severity="info", metric="loss", message=code)


@pytest.mark.parametrize("rule", suppression.RULES, ids=lambda r: f"{r.hidden}-by-{r.by}")
def test_each_rule_hides_its_code_and_only_with_the_rule(rule: suppression.Rule) -> None:
    findings = [_finding(rule.by), _finding(rule.hidden)]
    assert [f.code for f in suppression.hide(findings)] == [rule.by]
    rest = tuple(r for r in suppression.RULES if r != rule)
    assert [f.code for f in suppression.hide(findings, rules=rest)] == [rule.by, rule.hidden]


def test_a_hidden_finding_hides_nothing() -> None:
    """A stall hidden by a divergence does not in turn hide underfitting (what the detectors did before)."""
    findings = [_finding("divergence"), _finding("stalled"), _finding("underfitting")]
    assert [f.code for f in suppression.hide(findings)] == ["divergence", "underfitting"]
    assert [f.code for f in suppression.hide(findings[1:])] == ["stalled"]
    assert [f.code for f in suppression.hide(findings, rules=())] == ["divergence", "stalled", "underfitting"]


def test_the_suppression_table_is_acyclic() -> None:
    hiders: dict[str, set[str]] = {}
    for r in suppression.RULES:
        hiders.setdefault(r.hidden, set()).add(r.by)

    def reaches(code: str, target: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(b == target or (b not in seen and reaches(b, target, seen | {b})) for b in hiders.get(code, ()))

    assert not any(reaches(code, code) for code in hiders)


def test_the_doc_lists_the_suppression_table() -> None:
    assert suppression.markdown_table() in DOC.read_text()
