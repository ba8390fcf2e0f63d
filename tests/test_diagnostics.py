"""The diagnostics engine: real training runs, each detector on synthetic curves, and properties.

The fixtures in tests/data/eval_runs are real small training runs (scikit-learn, written in Keras,
Lightning and Hugging Face formats by scripts/make_eval_runs.py); expected.json says what each run
must and must not be diagnosed as, and its best epoch read from the values independently.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from losslog.analysis import AnalysisOptions, RunAnalysis, analyze
from losslog.analysis.detectors import early_stopping_stop, generalization_loss
from losslog.cli.app import app
from losslog.columns import COLUMNS
from losslog.model import Run
from losslog.naming import parse
from losslog.readers.discover import discover

EVAL = Path(__file__).parent / "data" / "eval_runs"
EXPECTED: dict[str, dict[str, object]] = json.loads((EVAL / "expected.json").read_text())
PROBLEMS = ("overfitting", "divergence", "unstable", "stalled")


# ------------------------------------------------------------------------------------ real runs


def _analyze_fixture(name: str, options: AnalysisOptions | None = None) -> RunAnalysis:
    found = discover([EVAL / str(EXPECTED[name]["path"])])
    assert not found.errors and len(found.runs) == 1
    return analyze(found.runs[0], options)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_verdicts(name: str) -> None:
    exp = EXPECTED[name]
    result = _analyze_fixture(name)
    codes = {f.code for f in result.findings}
    for code in exp["expect"]:  # type: ignore[attr-defined]
        assert code in codes, f"{name}: expected {code}, got {sorted(codes)}"
    for code in exp["forbid"]:  # type: ignore[attr-defined]
        assert code not in codes, f"{name}: {code} is a false alarm: {[f.message for f in result.findings]}"
    assert result.best is not None
    assert result.best.epoch == exp["best_epoch"]
    for f in result.findings:
        assert f.message and f.suggestion and "\n" not in f.message and "\n" not in f.suggestion
        assert f.severity != "error" or f.code == "divergence"
    over = next((f for f in result.findings if f.code == "overfitting"), None)
    if over is not None:
        assert over.onset_epoch is not None and abs(over.onset_epoch - result.best.epoch) <= 3


def test_healthy_fixtures_get_no_warning() -> None:
    for name, exp in EXPECTED.items():
        if exp["expect"] or "underfit" in name:
            result = _analyze_fixture(name)
            if not exp["expect"]:
                assert all(f.severity == "info" for f in result.findings), name
            continue
        result = _analyze_fixture(name)
        assert all(f.severity == "info" for f in result.findings), name
        assert not {f.code for f in result.findings} & set(PROBLEMS), name


def test_json_report_on_every_fixture() -> None:
    """What the held-out evaluation reads: ``losslog report --format json`` over the folder."""
    out = CliRunner().invoke(app, ["report", str(EVAL), "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    by_source = {Path(r["source"]).parts[-2 if "version_" not in r["source"] else -3]: r for r in doc["runs"]}
    assert set(by_source) == set(EXPECTED)
    for name, exp in EXPECTED.items():
        run = by_source[name]
        codes = {f["code"] for f in run["findings"]}
        assert set(exp["expect"]) <= codes, name  # type: ignore[arg-type]
        assert not codes & set(exp["forbid"]), name  # type: ignore[arg-type]
        assert run["best"]["epoch"] == exp["best_epoch"], name
        for f in run["findings"]:
            assert {
                "code",
                "severity",
                "metric",
                "metrics",
                "message",
                "suggestion",
                "onset_step",
                "onset_epoch",
                "evidence",
            } <= set(f)


def test_text_report_reads_well() -> None:
    out = CliRunner().invoke(app, ["report", str(EVAL / "keras_overfit_classic")])
    assert out.exit_code == 0
    text = out.stdout
    assert "OVERFITTING: val_loss has been getting worse since epoch 10" in text
    assert "keep the checkpoint from epoch 10" in text
    assert "reading the loss: val_loss" in text and "probability on average" in text


def test_stalled_shuffled_labels_is_not_called_overfitting() -> None:
    result = _analyze_fixture("lightning_stalled_shuffled")
    stalled = next(f for f in result.findings if f.code == "stalled")
    assert stalled.evidence["classes"] == 10 and stalled.evidence["judged_on"] == "accuracy"
    assert "memorizing" in stalled.message
    assert result.loss_reading is not None and result.loss_reading.classes == 10


def test_sparse_validation_overconfidence() -> None:
    result = _analyze_fixture("keras_overfit_sparse_val")
    over = next(f for f in result.findings if f.code == "overfitting")
    assert over.evidence["evaluations_after_best"] >= 3


# --------------------------------------------------------------------------- synthetic curves


def make_run(
    series: dict[str, list[float]], steps: dict[str, list[float]] | None = None, meta: dict[str, object] | None = None
) -> Run:
    """A Run straight from tag -> values (one point per epoch unless ``steps`` says otherwise)."""
    rows = []
    for tag, values in series.items():
        name = parse(tag)
        xs = (steps or {}).get(tag) or list(range(len(values)))
        for x, v in zip(xs, values):
            rows.append(
                {
                    "metric": name.metric,
                    "split": name.split,
                    "step": float(x),
                    "epoch": float(x),
                    "value": float(v),
                    "wall_time": math.nan,
                    "tag": tag,
                }
            )
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return Run("synthetic", "synthetic.csv", "keras", frame, dict(meta or {}))


def codes_of(result: RunAnalysis) -> set[str]:
    return {f.code for f in result.findings}


def u_curve(n: int, best: int, rise: float, noise: float, seed: int, floor: float = 0.4) -> list[float]:
    """Validation loss falling to ``floor`` at ``best`` then rising linearly by ``rise`` (relative)."""
    rng = np.random.default_rng(seed)
    out = []
    for e in range(n):
        base = floor + 1.5 * math.exp(-e / 3) if e <= best else floor + 1.5 * math.exp(-best / 3)
        if e > best:
            base *= 1 + rise * (e - best) / max(n - 1 - best, 1)
        out.append(base * (1 + noise * rng.uniform(-1, 1)))
    return out


def falling(n: int, start: float = 2.0, end: float = 0.05, seed: int = 0, noise: float = 0.0) -> list[float]:
    rng = np.random.default_rng(seed)
    return [(end + (start - end) * math.exp(-4 * e / n)) * (1 + noise * rng.uniform(-1, 1)) for e in range(n)]


def test_overfitting_on_a_noisy_u_curve_has_onset_at_best() -> None:
    val = u_curve(50, best=15, rise=0.3, noise=0.03, seed=1)
    result = analyze(make_run({"loss": falling(50), "val_loss": val}))
    over = next(f for f in result.findings if f.code == "overfitting")
    assert result.best is not None and over.onset_epoch == result.best.epoch
    assert over.severity == "warning"
    assert over.evidence["generalization_loss_windows_pct"] > 10


@pytest.mark.parametrize("seed", range(12))
def test_noisy_flat_validation_is_not_overfitting(seed: int) -> None:
    """Validation jittering +-10% around a flat or slowly falling trend: never overfitting."""
    rng = np.random.default_rng(seed)
    n = 40
    trend = [0.5 * (1 - 0.002 * e * (seed % 2)) for e in range(n)]
    val = [t * (1 + 0.1 * rng.uniform(-1, 1)) for t in trend]
    result = analyze(make_run({"loss": falling(n, seed=seed), "val_loss": val}))
    assert "overfitting" not in codes_of(result)
    assert "unstable" not in codes_of(result)


def test_validation_worse_while_training_also_worse_is_not_overfitting() -> None:
    val = u_curve(40, best=10, rise=0.4, noise=0.0, seed=0)
    train = [1.0 - 0.02 * e if e <= 10 else 0.8 + 0.02 * (e - 10) for e in range(40)]
    assert "overfitting" not in codes_of(analyze(make_run({"loss": train, "val_loss": val})))


def test_patience_is_respected() -> None:
    val = [1.0 - 0.02 * e for e in range(30)] + [0.6, 0.8]  # worse only for the last 2 evaluations
    train = falling(32)
    assert "overfitting" not in codes_of(analyze(make_run({"loss": train, "val_loss": val})))
    assert "overfitting" in codes_of(analyze(make_run({"loss": train, "val_loss": val}), AnalysisOptions(patience=2)))


def test_a_run_stopped_by_early_stopping_is_not_overfitting() -> None:
    """EarlyStopping(patience=5) ends the run 5 epochs after the best: a short, mild tail."""
    val = [0.4 + 1.5 * math.exp(-e / 4) for e in range(26)] + [0.412, 0.405, 0.416, 0.418, 0.421]
    train = falling(31)
    assert "overfitting" not in codes_of(analyze(make_run({"loss": train, "val_loss": val})))
    # the same curve trained on for 30 more epochs is overfitting
    longer = val + [0.421 + 0.004 * e for e in range(1, 31)]
    assert "overfitting" in codes_of(analyze(make_run({"loss": falling(61), "val_loss": longer})))


def test_accuracy_only_overfitting_is_judged_on_the_error() -> None:
    n = 40
    acc = [0.5 + 0.4 * (1 - math.exp(-e / 3)) if e <= 10 else 0.9 - 0.004 * (e - 10) for e in range(n)]
    result = analyze(make_run({"loss": falling(n), "accuracy": [0.9] * n, "val_accuracy": acc}))
    over = next(f for f in result.findings if f.code == "overfitting")
    assert over.evidence["judged_as"] == "error"
    assert result.best is not None and result.best.metric == "val_accuracy" and over.onset_epoch == result.best.epoch


def test_overconfidence_when_accuracy_holds() -> None:
    n = 40
    val = u_curve(n, best=12, rise=0.5, noise=0.0, seed=0)
    acc = [min(0.95, 0.6 + 0.03 * e) for e in range(n)]
    result = analyze(make_run({"loss": falling(n), "val_loss": val, "accuracy": acc, "val_accuracy": acc}))
    conf = next(f for f in result.findings if f.code == "overconfidence")
    assert conf.severity == "info" and "overconfident" in conf.message and "not yet losing accuracy" in conf.message
    assert "overfitting" in codes_of(result)


def test_overconfidence_not_when_accuracy_falls() -> None:
    n = 40
    val = u_curve(n, best=12, rise=0.5, noise=0.0, seed=0)
    acc = [0.6 + 0.03 * e if e <= 12 else 0.96 - 0.01 * (e - 12) for e in range(n)]
    result = analyze(make_run({"loss": falling(n), "val_loss": val, "val_accuracy": acc}))
    assert "overconfidence" not in codes_of(result)


def test_early_stopping_simulation_and_generalization_loss() -> None:
    v = np.array([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9])
    assert early_stopping_stop(v, "min", patience=3, min_delta=0.0) == 5
    assert early_stopping_stop(v, "min", patience=5, min_delta=0.0) is None
    gl = generalization_loss(v, "min")
    assert gl[2] == 0 and gl[6] == pytest.approx(100 * (0.9 / 0.7 - 1))


def test_divergence_at_first_nan_and_on_explosion() -> None:
    train = falling(20)
    train[12] = math.nan
    result = analyze(make_run({"loss": train, "val_loss": falling(20, start=2.2, end=0.3)}))
    div = next(f for f in result.findings if f.code == "divergence")
    assert div.severity == "error" and div.onset_epoch == 12
    boom = falling(20)[:10] + [2.0 * 10**k for k in range(1, 11)]
    result = analyze(make_run({"loss": boom}))
    assert "divergence" in codes_of(result) and result.verdict == "divergence"


def test_a_spike_below_the_start_is_not_divergence() -> None:
    train = falling(40, start=2.0, end=0.001)
    train[30] = 1.5  # 30x its local level, but below where training started (2.0)
    result = analyze(make_run({"loss": train}))
    assert "divergence" not in codes_of(result)
    assert "unstable" in codes_of(result)  # an epoch-level spike undoing much of the progress


def test_unstable_climbing_stretch() -> None:
    train = falling(40)
    for e in range(15, 25):
        train[e] = train[14] * (1 + 0.25 * (e - 14))
    for e in range(25, 40):
        train[e] = train[24] * math.exp(-(e - 24) / 4) + 0.05
    f = next(f for f in analyze(make_run({"loss": train})).findings if f.code == "unstable")
    assert f.severity == "warning" and f.evidence["kind"] == "climb" and "climbed" in f.message


def test_a_sustained_climb_late_in_a_long_descent_is_unstable() -> None:
    train = [0.4 + 1.9 * math.exp(-e / 4) for e in range(40)]
    for e in range(20, 30):
        train[e] = 0.42 * (1 + 0.08 * (e - 19))  # +80% over ten epochs: a small share of the progress
    f = next(f for f in analyze(make_run({"loss": train})).findings if f.code == "unstable")
    assert f.evidence["kind"] == "climb" and f.evidence["share_of_progress"] < 0.3


def test_noisy_step_level_loss_is_not_unstable() -> None:
    rng = np.random.default_rng(3)
    n = 600
    steps = [float(10 * i) for i in range(n)]
    loss = [(0.2 + 2.0 * math.exp(-i / 60)) * float(rng.lognormal(0, 0.35)) for i in range(n)]
    loss[400] = 1.8  # one hard batch
    run = make_run({"train_loss_step": loss}, steps={"train_loss_step": steps})
    assert "unstable" not in codes_of(analyze(run))
    assert "divergence" not in codes_of(analyze(run))


def test_noisy_per_iteration_loss_is_not_unstable() -> None:
    """PyTorch-style ``train/loss`` every iteration: single-batch noise, no granularity suffix."""
    rng = np.random.default_rng(5)
    n = 800
    loss = [(0.15 + 2.2 * math.exp(-i / 80)) * float(rng.lognormal(0, 0.45)) for i in range(n)]
    loss[500] = 1.9
    result = analyze(make_run({"train/loss": loss}))
    assert not codes_of(result) & {"unstable", "divergence", "stalled"}


def test_slow_learning_with_rising_accuracy_is_not_stalled() -> None:
    n = 20
    loss = [2.30 - 0.002 * e for e in range(n)]  # falls under 2% in all
    acc = [0.10 + 0.02 * e for e in range(n)]  # but accuracy climbs from 10% to 48%
    result = analyze(make_run({"loss": loss, "val_loss": loss, "val_accuracy": acc}))
    assert "stalled" not in codes_of(result)


def test_stalled_flat_loss_and_at_chance() -> None:
    flat = [2.303 + 0.002 * math.sin(e) for e in range(20)]
    result = analyze(make_run({"loss": flat, "val_loss": flat}))
    st_ = next(f for f in result.findings if f.code == "stalled")
    assert st_.severity == "warning" and st_.onset_epoch == 0
    # training loss falls (memorization) but validation accuracy stays at chance for K=10
    acc = [0.1 + 0.01 * math.sin(e) for e in range(30)]
    run = make_run({"loss": falling(30, start=2.4, end=1.5), "val_loss": [2.35] * 30, "val_accuracy": acc})
    result = analyze(run, AnalysisOptions(classes=10))
    assert "stalled" in codes_of(result) and "overfitting" not in codes_of(result)
    # the same K from the hyperparameters, or from a run that started at chance
    assert "stalled" in codes_of(
        analyze(
            make_run(
                {"loss": falling(30, start=2.4, end=1.5), "val_accuracy": acc}, meta={"hparams": {"num_classes": 10}}
            )
        )
    )
    learner = make_run({"loss": falling(30), "val_loss": falling(30, end=0.2), "val_accuracy": [0.9] * 30})
    assert "stalled" not in codes_of(analyze(learner, AnalysisOptions(classes=10)))


def test_underfitting_still_falling_is_a_note() -> None:
    n = 15
    train = [2.3 * math.exp(-e / 10) for e in range(n)]
    val = [2.2 * math.exp(-e / 11) for e in range(n)]
    f = next(f for f in analyze(make_run({"loss": train, "val_loss": val})).findings if f.code == "underfitting")
    assert f.severity == "info" and "more training would help" in f.message
    converged = make_run(
        {
            "loss": [0.05 + 2.0 * math.exp(-e / 5) for e in range(60)],
            "val_loss": [0.3 + 1.8 * math.exp(-e / 5) for e in range(60)],
        }
    )
    assert "underfitting" not in codes_of(analyze(converged))


def test_underfitting_high_and_flat() -> None:
    n = 40
    train = [1.5 - 0.5 * (1 - math.exp(-e / 3)) for e in range(n)]  # flat at 1.0, two thirds of the start
    val = [t * 1.03 for t in train]
    f = next(f for f in analyze(make_run({"loss": train, "val_loss": val})).findings if f.code == "underfitting")
    assert f.evidence["kind"] == "high_and_flat"


def test_tensorboard_style_tags() -> None:
    """PyTorch SummaryWriter names: ``Loss/train``, ``Loss/val``, ``Accuracy/val``."""
    n = 40
    val = u_curve(n, best=12, rise=0.5, noise=0.02, seed=1)
    acc = [min(0.9, 0.5 + 0.03 * e) for e in range(n)]
    result = analyze(make_run({"Loss/train": falling(n), "Loss/val": val, "Accuracy/val": acc}))
    assert {"overfitting", "overconfidence"} <= codes_of(result)
    assert result.gap is not None and result.gap.trend == "widening"
    assert result.loss_reading is not None


def test_regression_run_works() -> None:
    val = [3000 * v for v in u_curve(40, best=8, rise=0.6, noise=0.02, seed=2)]
    result = analyze(make_run({"loss": [3000 * v for v in falling(40)], "val_loss": val, "mae": falling(40)}))
    assert "overfitting" in codes_of(result)
    assert result.loss_reading is None  # an MSE is not a cross-entropy


def test_loss_reading() -> None:
    n = 20
    run = make_run({"loss": falling(n), "val_loss": falling(n, end=0.5), "val_accuracy": [0.8] * n})
    reading = analyze(run, AnalysisOptions(classes=10)).loss_reading
    assert reading is not None and reading.metric == "val_loss" and reading.at == "best checkpoint"
    assert reading.mean_probability == pytest.approx(math.exp(-reading.value))
    assert reading.classes == 10 and reading.chance_loss == pytest.approx(math.log(10))


# ------------------------------------------------------------------------------------ properties


@st.composite
def loss_runs(draw: st.DrawFn) -> dict[str, list[float]]:
    """Loss-only runs of many shapes: healthy, overfitting, stalled, noisy, short, sparse."""
    n = draw(st.integers(6, 60))
    seed = draw(st.integers(0, 10_000))
    noise = draw(st.sampled_from([0.0, 0.02, 0.1, 0.3]))
    shape = draw(st.sampled_from(["healthy", "overfit", "flat", "climb"]))
    rng = np.random.default_rng(seed)
    jitter = 1 + noise * rng.uniform(-1, 1, size=(2, n))
    if shape == "flat":
        train = np.full(n, 1.7)
        val = np.full(n, 1.8)
    else:
        train = np.array(falling(n, start=2.0, end=draw(st.floats(0.01, 1.0))))
        if shape == "climb":
            train[n // 3 : n // 2] *= 3.0
        val = np.array(u_curve(n, best=draw(st.integers(0, n - 1)), rise=draw(st.floats(0, 1)), noise=0, seed=0))
        if shape == "healthy":
            val = np.array(falling(n, start=2.1, end=0.4))
    return {"loss": list(train * jitter[0]), "val_loss": list(val * jitter[1])}


PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(n=st.integers(4, 60), drops=st.data(), seed=st.integers(0, 1000))
def test_a_validation_loss_that_never_rises_is_never_overfitting(n: int, drops: st.DataObject, seed: int) -> None:
    steps = drops.draw(st.lists(st.floats(0, 0.2), min_size=n - 1, max_size=n - 1))
    val = list(2.0 - np.concatenate([[0.0], np.cumsum(steps)]) * 0.9 / max(sum(steps), 1e-9))
    val = [max(v, 0.05) for v in val]
    assert all(b <= a for a, b in itertools.pairwise(val))
    result = analyze(make_run({"loss": falling(n, seed=seed, noise=0.1), "val_loss": val}))
    assert "overfitting" not in codes_of(result)
    assert "overconfidence" not in codes_of(result)


@PROPS
@given(run=loss_runs(), k=st.integers(-10, 10))
def test_scaling_every_loss_by_a_constant_changes_no_verdict(run: dict[str, list[float]], k: int) -> None:
    c = 2.0**k  # a power of two scales floats exactly, so only the rules can change a verdict
    base = analyze(make_run(run))
    scaled = analyze(make_run({tag: [v * c for v in vals] for tag, vals in run.items()}))
    assert codes_of(base) == codes_of(scaled)
    assert base.verdict == scaled.verdict
    assert (base.best.epoch if base.best else None) == (scaled.best.epoch if scaled.best else None)


@PROPS
@given(
    run=loss_runs(),
    which=st.sampled_from(["loss", "val_loss"]),
    where=st.floats(0, 1),
    bad=st.sampled_from([math.nan, math.inf]),
)
def test_adding_a_nan_always_yields_divergence(
    run: dict[str, list[float]], which: str, where: float, bad: float
) -> None:
    values = list(run[which])
    i = min(len(values) - 1, int(where * len(values)))
    values[i] = bad
    result = analyze(make_run({**run, which: values}))
    div = [f for f in result.findings if f.code == "divergence"]
    assert div and div[0].severity == "error" and result.verdict == "divergence"
    assert div[0].onset_step is not None and div[0].onset_step <= i


@PROPS
@given(run=loss_runs())
def test_only_divergence_is_ever_an_error(run: dict[str, list[float]]) -> None:
    for f in analyze(make_run(run)).findings:
        assert f.severity in ("info", "warning", "error")
        assert f.severity != "error" or f.code == "divergence"
