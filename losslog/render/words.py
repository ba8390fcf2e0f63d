"""Sentences and number formats shared by every human-facing renderer (terminal, Markdown, HTML).

Keeping the phrasing in one place means the terminal, the PR comment and the HTML report say the
same thing in the same words.
"""

from __future__ import annotations

import math

from losslog.analysis import Checkpoint, RunAnalysis
from losslog.analysis.summary import MetricSummary

SEVERITY_LABEL = {"error": "ERROR", "warning": "WARNING", "info": "NOTE"}
SEVERITY_MARK = {"error": "✗", "warning": "!", "info": "i"}


def num(x: float | None, digits: int = 4) -> str:
    if x is None:
        return "–"
    if not math.isfinite(x):
        return str(x)
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e5):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


def x_label(step: float | None, epoch: float | None) -> str:
    if epoch is not None and math.isfinite(epoch):
        return f"epoch {epoch:g}"
    if step is None:
        return "–"
    return f"step {step:g}"


def pct(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x * 100:+.0f}%"


def checkpoint_sentence(cp: Checkpoint) -> str:
    where = x_label(cp.step, cp.epoch)
    after = ""
    if cp.epochs_after is not None and cp.epochs_after > 0:
        plural = "s" if cp.epochs_after != 1 else ""
        after = f"; {cp.epochs_after:g} epoch{plural} ({cp.fraction_after:.0%} of the run) came after it"
    elif cp.steps_after > 0:
        after = f"; {cp.steps_after:g} steps ({cp.fraction_after:.0%} of the run) came after it"
    else:
        after = "; it is the last point: the metric was still improving"
    return f"best checkpoint: {where}, {cp.metric} {num(cp.value)}{after}"


def headline(run: RunAnalysis) -> str:
    """The verdict first: the worst finding's code, or healthy."""
    verdict = run.verdict
    if verdict == "healthy":
        return "HEALTHY: no problem found"
    worst = next(f for f in run.findings if f.code == verdict)
    return f"{verdict.upper()}: {worst.message}"


def gap_sentence(run: RunAnalysis) -> str | None:
    g = run.gap
    if g is None:
        return None
    head = f"generalization gap ({g.val_metric} − {g.train_metric}, smoothed): "
    if g.at_best is None or g.at_best == g.last:  # the best checkpoint is the last point
        return head + f"{num(g.last, 3)} at the end ({g.trend} over the run)"
    return head + f"{num(g.at_best, 3)} at the best checkpoint, {num(g.last, 3)} at the end ({g.trend})"


def loss_reading_sentence(run: RunAnalysis) -> str | None:
    """What a cross-entropy number means to a person: exp(-loss) as a probability, next to chance."""
    r = run.loss_reading
    if r is None:
        return None
    p = r.mean_probability
    where = "at the best checkpoint" if r.at == "best checkpoint" else "at the end"
    text = (
        f"reading the loss: {r.metric} {num(r.value, 3)} {where} means the model gives the right class "
        f"{'only ' if r.value > 1 else ''}{p:.0%} probability on average (exp(−loss), a geometric mean"
        + ("; a log loss above 1 means less than 37%)" if r.value > 1 else ")")
    )
    if r.classes and r.chance_probability is not None and r.chance_loss is not None:
        k = r.classes
        if r.value >= r.chance_loss:
            text += (
                f"; that is no better than chance for {k} classes "
                f"({r.chance_probability:.0%}, loss {r.chance_loss:.3g})"
            )
        else:
            text += (
                f"; chance for {k} classes is {r.chance_probability:.0%} (loss ln {k} = {r.chance_loss:.3g}), "
                f"so {p / r.chance_probability:.3g}x better than guessing"
            )
    return text


def metric_label(m: MetricSummary) -> str:
    gran = f" ({m.granularity})" if m.granularity else ""
    return f"{m.name}{gran}"


def trend_text(m: MetricSummary) -> str:
    if m.tail_change is None:
        return m.trend
    return f"{m.trend} ({m.tail_change * 100:+.1f}%)"


def replaced_sentence(run: RunAnalysis) -> str | None:
    if not run.replaced_points:
        return None
    return (
        f"{run.replaced_points} point{'s' if run.replaced_points != 1 else ''} replaced by later writes of the "
        "same steps (resumed or appended log; --keep-all keeps them)"
    )


def monitor_sentence(run: RunAnalysis) -> str | None:
    """Which metric picked the checkpoint and why (the trainer's setting, the convention, the default)."""
    m = run.monitor
    if m is None:
        return None
    return "; ".join((m.reason, *(f"note: {n}" for n in m.notes)))
