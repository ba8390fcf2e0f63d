"""The gate's pure logic: parsing rules, judging runs, comparing with a baseline."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from losslog.analysis import AnalysisOptions, RunAnalysis, analyze
from losslog.errors import InputError, UsageError
from losslog.gate.baseline import MAX_REPORT_BYTES, baseline_from_analysis, baseline_from_report_json, is_report_json
from losslog.gate.evaluate import OPERATORS, evaluate, evaluate_assertion, lookup_metric, metric_extremes
from losslog.gate.spec import STATS, Assertion, FailOn, GateSpec, parse_assertion, parse_fail_on, parse_max_regression
from losslog.readers.discover import discover
from losslog.report import build_report, report_to_dict


def keras_rows(n: int, overfit_from: int | None = None, diverge_at: int | None = None, floor: float = 0.3) -> str:
    """A Keras CSVLogger file: train loss falls; validation falls, then rises after ``overfit_from``."""
    lines = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    for e in range(n):
        loss = 2.0 * math.exp(-e / 6) + 0.05
        val = floor + 1.6 * math.exp(-e / 5)
        if overfit_from is not None and e > overfit_from:
            val = floor + 1.6 * math.exp(-overfit_from / 5) + 0.04 * (e - overfit_from)
        acc, val_acc = 1 - loss / 2.5, 1 - val / 2.5
        cells = [str(e), repr(acc), repr(loss), repr(val_acc), repr(val)]
        if diverge_at is not None and e >= diverge_at:
            cells = [str(e), "nan", "nan", "nan", "nan"]
        lines.append(",".join(cells))
    return "\r\n".join(lines) + "\r\n"


def write_run(folder: Path, name: str, **shape: object) -> Path:
    """``folder/name/training.log`` (the run is named after its folder)."""
    path = folder / name / "training.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(keras_rows(**shape), encoding="utf-8")  # type: ignore[arg-type]
    return path


def analyzed(path: Path, options: AnalysisOptions | None = None) -> RunAnalysis:
    found = discover([path])
    assert not found.errors, found.errors
    return analyze(found.runs[0], options or AnalysisOptions())


@pytest.fixture
def overfit(tmp_path: Path) -> RunAnalysis:
    return analyzed(write_run(tmp_path, "overfit", n=40, overfit_from=10))


@pytest.fixture
def healthy(tmp_path: Path) -> RunAnalysis:
    return analyzed(write_run(tmp_path, "healthy", n=40))


@pytest.fixture
def diverged(tmp_path: Path) -> RunAnalysis:
    return analyzed(write_run(tmp_path, "diverged", n=20, diverge_at=12))


# --------------------------------------------------------------------------------------------
# Parsing assertions


@pytest.mark.parametrize(
    ("text", "metric", "stat", "op", "value"),
    [
        ("val_loss<0.1", "val_loss", "best", "<", 0.1),
        ("val_loss:last<1.0", "val_loss", "last", "<", 1.0),
        ("val_accuracy:best>=0.9", "val_accuracy", "best", ">=", 0.9),
        (" val_loss : first <= 2 ", "val_loss", "first", "<=", 2.0),
        ("loss:min>1e-3", "loss", "min", ">", 1e-3),
        ("loss:MAX==2.5E+1", "loss", "max", "==", 25.0),
        ("metrics/mAP50(B)>0.5", "metrics/mAP50(B)", "best", ">", 0.5),
        ("metrics/mAP50-95(B):last>=.25", "metrics/mAP50-95(B)", "last", ">=", 0.25),
        ("train/loss_epoch<-1.5", "train/loss_epoch", "best", "<", -1.5),
        ("eval.bleu>=30", "eval.bleu", "best", ">=", 30.0),
    ],
)
def test_parse_assertion(text: str, metric: str, stat: str, op: str, value: float) -> None:
    a = parse_assertion(text)
    assert (a.metric, a.stat, a.op, a.value) == (metric, stat, op, value)


@pytest.mark.parametrize(
    "text",
    [
        "val_loss",  # no operator
        "val_loss=0.1",  # = is not ==
        "val_loss!=0.1",
        "val_loss=<0.1",
        "val_loss<<0.1",
        "val_loss<abc",
        "val_loss<0.1; import os",
        "val_loss<__import__('os')",
        "val_loss:median<0.1",  # unknown statistic
        "<0.1",  # no metric
        "0.1>val_loss",  # the number goes on the right
        "a>=b<0.1",  # split at the last operator: 'a>=b' is not a name
        "val_loss<0.1<0.2",
        "val_loss<1e",
        "val_loss<nan",
        "",
    ],
)
def test_parse_assertion_rejects_with_the_expected_form(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_assertion(text)
    assert "METRIC[:STAT] OP NUMBER" in str(info.value)


@given(st.text(max_size=40))
def test_parse_assertion_only_ever_raises_usage_errors(text: str) -> None:
    try:
        a = parse_assertion(text)
    except UsageError:
        return
    assert a.op in OPERATORS and a.stat in STATS and math.isfinite(a.value)


_names = st.from_regex(r"[A-Za-z][A-Za-z0-9_/.()\-]{0,20}", fullmatch=True)


@given(_names, st.sampled_from([*STATS, None]), st.sampled_from(list(OPERATORS)), st.floats(-1e6, 1e6))
def test_parse_assertion_round_trips(name: str, stat: str | None, op: str, value: float) -> None:
    text = f"{name}{':' + stat if stat else ''}{op}{value!r}"
    a = parse_assertion(text)
    assert a == Assertion(text, name, stat or "best", op, value)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Parsing the other options


def test_parse_fail_on() -> None:
    assert parse_fail_on(None) == FailOn(severity="error")
    assert parse_fail_on(["overfitting,divergence"]) == FailOn(("overfitting", "divergence"))
    assert parse_fail_on(["overfitting", "Divergence", "overfitting"]) == FailOn(("overfitting", "divergence"))
    assert parse_fail_on(["warning"]) == FailOn(severity="warning")
    assert parse_fail_on(["error,warning"]) == FailOn(severity="warning")
    assert parse_fail_on(["overfitting,error"]) == FailOn(("overfitting",), "error")
    assert parse_fail_on(["none"]) == FailOn()


def test_parse_fail_on_unknown_lists_the_codes() -> None:
    with pytest.raises(UsageError) as info:
        parse_fail_on(["overfiting"])
    assert "overfitting" in str(info.value) and "warning" in str(info.value)


@pytest.mark.parametrize(("value", "pct"), [(None, 0.0), ("5", 5.0), ("2.5%", 2.5), (0, 0.0), (1.5, 1.5)])
def test_parse_max_regression(value: str | float | None, pct: float) -> None:
    assert parse_max_regression(value) == pct


@pytest.mark.parametrize("value", ["-1", "five", "nan", "inf"])
def test_parse_max_regression_rejects(value: str) -> None:
    with pytest.raises(UsageError):
        parse_max_regression(value)


# --------------------------------------------------------------------------------------------
# Findings rules


def test_fail_on_overfitting(overfit: RunAnalysis, healthy: RunAnalysis) -> None:
    assert overfit.verdict == "overfitting" and healthy.verdict == "healthy"
    spec = GateSpec(fail_on=parse_fail_on(["overfitting"]))
    gate = evaluate([overfit, healthy], spec)
    assert not gate.passed
    assert not gate.run_passed("overfit") and gate.run_passed("healthy")
    (failed,) = gate.failed_rules()
    assert failed.rule == "fail-on overfitting" and failed.kind == "findings"
    finding = next(f for f in overfit.findings if f.code == "overfitting")
    assert failed.message == finding.message  # the rule's name says the code; the message says why
    assert failed.evidence["findings"][0]["code"] == "overfitting"


def test_default_fails_on_divergence_only(overfit: RunAnalysis, diverged: RunAnalysis) -> None:
    gate = evaluate([overfit, diverged], GateSpec())
    assert gate.run_passed("overfit")
    assert not gate.run_passed("diverged")
    assert gate.failed_rules("diverged")[0].severity == "error"


def test_fail_on_divergence(diverged: RunAnalysis, healthy: RunAnalysis) -> None:
    gate = evaluate([diverged, healthy], GateSpec(fail_on=parse_fail_on(["divergence"])))
    assert [r.run for r in gate.failed_rules()] == ["diverged"]
    assert "diverged" in gate.failed_rules()[0].message


def test_fail_on_warning_catches_overfitting(overfit: RunAnalysis, healthy: RunAnalysis) -> None:
    gate = evaluate([overfit, healthy], GateSpec(fail_on=parse_fail_on(["warning"])))
    assert [r.run for r in gate.failed_rules()] == ["overfit"]


def test_fail_on_none_passes_everything(overfit: RunAnalysis, diverged: RunAnalysis) -> None:
    gate = evaluate([overfit, diverged], GateSpec(fail_on=parse_fail_on(["none"])))
    assert gate.passed and gate.rules == ()


def test_no_runs_never_passes() -> None:
    assert not evaluate([], GateSpec()).passed


# --------------------------------------------------------------------------------------------
# Assertions


def test_assertions_pass_and_fail_as_their_values_say(healthy: RunAnalysis) -> None:
    vl = healthy.metric("val_loss")
    assert vl is not None and vl.best is not None and vl.last is not None and vl.first is not None
    cases = {
        f"val_loss<{vl.best * 1.01}": True,
        f"val_loss<{vl.best * 0.99}": False,
        f"val_loss<={vl.best}": True,
        f"val_loss:last<{vl.last * 1.01}": True,
        f"val_loss:first>{vl.first * 1.01}": False,
        f"val_loss:min=={vl.best}": True,
        "val_accuracy:best>=0.5": True,
        "val_accuracy>0.99": False,
    }
    for text, expected in cases.items():
        r = evaluate_assertion(healthy, parse_assertion(text))
        assert r.passed is expected, (text, r.message)
        assert r.kind == "assert" and r.rule == text


def test_assertion_on_a_missing_metric_says_which_exist(healthy: RunAnalysis) -> None:
    r = evaluate_assertion(healthy, parse_assertion("val_f1>0.5"))
    assert not r.passed
    assert "val_f1" in r.message and "val_loss" in r.message and "val_accuracy" in r.message


def test_assertion_on_a_diverged_last_value_fails(diverged: RunAnalysis) -> None:
    r = evaluate_assertion(diverged, parse_assertion("val_loss:last<100"))
    assert not r.passed and "not finite" in r.message
    assert evaluate_assertion(diverged, parse_assertion("val_loss<100")).passed  # best is before the NaN


def test_metric_lookup_by_raw_tag_display_and_split(healthy: RunAnalysis) -> None:
    loss = lookup_metric(healthy, "loss")
    assert loss is not None and loss.name == "loss"
    by_display = lookup_metric(healthy, "train_loss")
    assert by_display is not None and by_display.name == "loss"
    by_split = lookup_metric(healthy, "val/loss")
    assert by_split is not None and by_split.name == "val_loss"
    assert lookup_metric(healthy, "nope") is None


def test_min_and_max_read_the_points(tmp_path: Path) -> None:
    path = write_run(tmp_path, "r", n=20, overfit_from=5)
    found = discover([path])
    run = found.runs[0]
    analysis = analyze(run)
    ext = {run.name: metric_extremes(run)}
    frame = run.frame[run.frame["tag"] == "val_loss"]["value"]
    gate = evaluate(
        [analysis],
        GateSpec(
            fail_on=FailOn(),
            assertions=(
                parse_assertion(f"val_loss:max>={frame.max()}"),
                parse_assertion(f"val_loss:min<={frame.min()}"),
            ),
        ),
        ext,
    )
    assert gate.passed, gate.failed_rules()
    # without the points, :max of a minimized metric is not known, and says so
    r = evaluate_assertion(analysis, parse_assertion("val_loss:max>0"))
    assert not r.passed and "not available" in r.message


# --------------------------------------------------------------------------------------------
# Baseline


def test_worse_than_baseline_fails_better_passes(tmp_path: Path) -> None:
    good = analyzed(write_run(tmp_path, "good", n=25, floor=0.2))
    bad = analyzed(write_run(tmp_path, "bad", n=25, floor=0.4))
    base = (baseline_from_analysis(analyzed(write_run(tmp_path, "base", n=25, floor=0.3))),)
    gate = evaluate([good, bad], GateSpec(fail_on=FailOn(), baselines=base))
    assert gate.run_passed("good")
    assert not gate.run_passed("bad")
    (failed,) = gate.failed_rules()
    assert failed.kind == "baseline" and "worse" in failed.message
    gated = [row for row in gate.baseline if row.gated]
    assert [(row.run, row.verdict, row.passed) for row in gated] == [("good", "better", True), ("bad", "worse", False)]
    assert all(row.metric == "val_loss" for row in gated)
    # the table holds every metric both sides have, like DVC's metrics diff
    assert {row.metric for row in gate.baseline if row.run == "good"} >= {"val_loss", "val_accuracy", "train_loss"}


def test_max_regression_is_relative(tmp_path: Path) -> None:
    cand = analyzed(write_run(tmp_path, "cand", n=25, floor=0.31))
    base_run = analyzed(write_run(tmp_path, "base", n=25, floor=0.3))
    base = (baseline_from_analysis(base_run),)
    assert cand.best is not None and base_run.best is not None
    worse_pct = (cand.best.value - base_run.best.value) / base_run.best.value * 100
    assert 0 < worse_pct < 10
    assert not evaluate([cand], GateSpec(fail_on=FailOn(), baselines=base, max_regression=worse_pct * 0.9)).passed
    assert evaluate([cand], GateSpec(fail_on=FailOn(), baselines=base, max_regression=worse_pct * 1.1)).passed


def test_same_as_baseline_passes_at_zero_tolerance(healthy: RunAnalysis) -> None:
    gate = evaluate([healthy], GateSpec(fail_on=FailOn(), baselines=(baseline_from_analysis(healthy),)))
    assert gate.passed
    assert [row.verdict for row in gate.baseline if row.gated] == ["same"]


def test_baseline_for_an_accuracy_monitor(tmp_path: Path) -> None:
    opts = AnalysisOptions(monitor="val_accuracy")
    good = analyzed(write_run(tmp_path, "good", n=25, floor=0.2), opts)
    base = (baseline_from_analysis(analyzed(write_run(tmp_path, "base", n=25, floor=0.3), opts)),)
    gate = evaluate([good], GateSpec(fail_on=FailOn(), baselines=base))
    assert gate.passed
    (row,) = [r for r in gate.baseline if r.gated]
    assert row.metric == "val_accuracy" and row.goal == "max" and row.verdict == "better"


def test_baseline_from_a_saved_json_report(tmp_path: Path) -> None:
    base_path = write_run(tmp_path, "base", n=25, floor=0.3)
    found = discover([base_path])
    saved = tmp_path / "baseline.json"
    saved.write_text(json.dumps(report_to_dict(build_report(found.runs, [], AnalysisOptions()))), encoding="utf-8")
    assert is_report_json(saved) and not is_report_json(base_path)
    (base,) = baseline_from_report_json(saved)
    assert base.monitor == "val_loss"
    bad = analyzed(write_run(tmp_path, "bad", n=25, floor=0.4))
    good = analyzed(write_run(tmp_path, "good", n=25, floor=0.2))
    gate = evaluate([bad, good], GateSpec(fail_on=FailOn(), baselines=(base,)))
    assert [r.run for r in gate.failed_rules()] == ["bad"]


def test_baseline_report_trimmed_to_best_still_works(tmp_path: Path, healthy: RunAnalysis) -> None:
    assert healthy.best is not None
    saved = tmp_path / "b.json"
    best = {"metric": "val_loss", "tag": "val_loss", "goal": "min", "value": healthy.best.value * 2}
    saved.write_text(json.dumps({"schema_version": 1, "runs": [{"name": "x", "best": best}]}), encoding="utf-8")
    bases = tuple(baseline_from_report_json(saved))
    gate = evaluate([healthy], GateSpec(fail_on=FailOn(), baselines=bases))
    assert gate.passed


@pytest.mark.parametrize(
    "content",
    ['{"schema_version": 1}', '{"schema_version": 99, "runs": []}', '{"schema_version": 1, "runs": []}', "{nope"],
)
def test_bad_baseline_reports_are_input_errors(tmp_path: Path, content: str) -> None:
    saved = tmp_path / "b.json"
    saved.write_text(content, encoding="utf-8")
    with pytest.raises(InputError):
        baseline_from_report_json(saved)


_DEEP = 200_000  # far past Python's recursion limit


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ('{"schema_version": 1, "runs": [' + "[" * _DEEP + "]" * _DEEP + "]}", "nested too deeply"),
        ('{"schema_version": 1, "runs": [{"name": "x", "best": {"value": 1' + "0" * 5000 + "}}]}", "not valid JSON"),
        ('{"schema_version": 1' + "0" * 5000 + ', "runs": []}', "not valid JSON"),
        ('{"schema_version": {"a": [1, 2]}, "runs": []}', r"schema_version \(an object or list\)"),
        ('{"schema_version": 1, "runs": [{"name": "x", "metrics": 5}]}', "metrics is not a list"),
    ],
    ids=["deep", "long-int", "long-version", "object-version", "metrics-not-list"],
)
def test_hostile_baseline_reports_are_one_line_input_errors(tmp_path: Path, content: str, says: str) -> None:
    """A baseline comes from a CI artifact anyone may have written: never a RecursionError (exit 3)."""
    saved = tmp_path / "b.json"
    saved.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=says) as caught:
        baseline_from_report_json(saved)
    assert caught.value.source == str(saved) and "\n" not in str(caught.value) and len(str(caught.value)) < 300


def test_a_huge_baseline_report_is_refused_before_reading(tmp_path: Path) -> None:
    saved = tmp_path / "huge.json"
    with saved.open("wb") as fh:  # sparse: the size is there, the disk space is not
        fh.write(b'{"schema_version": 1, "runs": [')
        fh.truncate(MAX_REPORT_BYTES + 1)
    assert is_report_json(saved)
    with pytest.raises(InputError, match="too large"):
        baseline_from_report_json(saved)


def test_a_finite_best_beyond_any_float_is_no_value(tmp_path: Path) -> None:
    saved = tmp_path / "b.json"
    best = '{"metric": "val_loss", "tag": "val_loss", "goal": "min", "value": 1' + "0" * 400 + "}"
    saved.write_text('{"schema_version": 1, "runs": [{"name": "x", "best": ' + best + "}]}", encoding="utf-8")
    (base,) = baseline_from_report_json(saved)
    assert base.metrics[0].best is None


@pytest.mark.parametrize("as_report", [True, False], ids=["report", "log"])
def test_check_with_a_deeply_nested_baseline_exits_2_on_one_line(tmp_path: Path, as_report: bool) -> None:
    from typer.testing import CliRunner

    from losslog.cli import app

    cand = write_run(tmp_path / "cand", "a", n=25, floor=0.2)
    saved = tmp_path / "base.json"
    head = '{"schema_version": 1, "runs": ' if as_report else '{"log_history": '
    saved.write_text(head + "[" * _DEEP + "]" * _DEEP + "}", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "--no-config", str(cand), "--baseline", str(saved)])
    assert result.exit_code == 2, result.output
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("losslog: error: ") and str(saved) in errors[0]
    assert "Traceback" not in result.output and "RecursionError" not in result.output


def test_several_baselines_pair_by_run_name(tmp_path: Path) -> None:
    bases = tuple(
        baseline_from_analysis(analyzed(write_run(tmp_path / "base", name, n=25, floor=f)))
        for name, f in (("a", 0.3), ("b", 0.3))
    )
    a = analyzed(write_run(tmp_path / "cand", "a", n=25, floor=0.2))
    c = analyzed(write_run(tmp_path / "cand", "c", n=25, floor=0.2))
    gate = evaluate([a, c], GateSpec(fail_on=FailOn(), baselines=bases))
    assert gate.run_passed("a")
    (failed,) = gate.failed_rules("c")
    assert "no baseline run named 'c'" in failed.message and "a, b" in failed.message


def test_gate_result_is_json_serializable(overfit: RunAnalysis, diverged: RunAnalysis) -> None:
    gate = evaluate(
        [overfit, diverged],
        GateSpec(
            fail_on=parse_fail_on(["warning"]),
            assertions=(parse_assertion("val_loss:last<1"),),
            baselines=(baseline_from_analysis(overfit),),
        ),
    )
    data = json.loads(json.dumps(gate.to_dict(), allow_nan=False))
    assert data["passed"] is False
    assert {r["name"]: r["passed"] for r in data["runs"]} == {"overfit": False, "diverged": False}
    assert {"run", "rule", "kind", "passed", "message", "severity", "evidence"} <= set(data["rules"][0])
    assert data["settings"]["fail_on"] == ["warning"]
