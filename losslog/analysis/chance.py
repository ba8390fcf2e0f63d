"""Chance level: how many classes a run has, and what its cross-entropy loss means in probabilities.

A cross-entropy loss L is the mean of -ln p over examples, p being the probability the model gave
the right class, so exp(-L) is the *geometric mean* of those probabilities: a log loss of 1 means
37% on average, 0.1 means 90%. A model that learned nothing predicts the class frequencies, which
for K balanced classes is a loss of ln K and an accuracy of 1/K: that is chance level.

K comes from ``--classes``, else from the run's hyperparameters (``num_classes``, ``num_labels``,
Hugging Face's ``id2label``), else from the run itself when it visibly *started* at chance: first
accuracy about 1/K and first training loss about ln K, both pointing at the same K. Anything
weaker is not trusted: a wrong K would make a wrong sentence.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from losslog.analysis.context import Context, fact
from losslog.analysis.summary import Series, best_index
from losslog.analysis.windows import rolling_median

#: metric names that are a cross-entropy (log) loss when the run is a classification
CE_NAMES = frozenset({"loss", "nll", "nll_loss", "cross_entropy", "crossentropy", "xent", "ce", "logloss", "log_loss"})
_ACC_NAMES = frozenset(
    {
        "accuracy",
        "acc",
        "top1",
        "top_1",
        "acc1",
        "categorical_accuracy",
        "sparse_categorical_accuracy",
        "binary_accuracy",
    }
)
_HPARAM_KEYS = ("num_classes", "n_classes", "num_labels", "nb_classes", "n_labels", "classes", "num_class")


@dataclass(frozen=True)
class Classes:
    """The number of classes and where it came from."""

    k: int
    #: "--classes", "hyperparameters", or "inferred: the run started at chance"
    source: str


@dataclass(frozen=True)
class LossReading:
    """A cross-entropy loss read as a probability, next to chance level, for a person."""

    metric: str  # display name, e.g. val_loss
    value: float
    #: where the value was read: "best checkpoint" or "end"
    at: str
    step: float
    epoch: float | None
    #: exp(-loss): the geometric mean of the probability given to the right class
    mean_probability: float
    classes: int | None = None
    classes_source: str | None = None
    chance_loss: float | None = None  # ln K
    chance_probability: float | None = None  # 1 / K

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@fact
def accuracy_series(ctx: Context, split: str) -> Series | None:
    """The run's plain accuracy in ``split`` (per-epoch values preferred), values in [0, 1] only."""
    cands = [
        s
        for s in ctx.series.values()
        if s.name.split == split and s.name.kind == "accuracy" and s.name.metric.lower() in _ACC_NAMES
    ]
    cands.sort(key=lambda s: {"epoch": 0, "": 1}.get(s.name.granularity, 2))
    for s in cands:
        fv = s.values[np.isfinite(s.values)]
        if len(fv) and float(fv.min()) >= 0.0 and float(fv.max()) <= 1.0:
            return s
    return None


@fact
def is_classification(ctx: Context) -> bool:
    """The run logs an accuracy (so its loss named ``loss`` is a cross-entropy), or K was given."""
    return (
        ctx.options.classes is not None
        or accuracy_series(ctx, "val") is not None
        or accuracy_series(ctx, "train") is not None
    )


def is_cross_entropy(ctx: Context, s: Series) -> bool:
    fv = s.values[np.isfinite(s.values)]
    return s.name.metric.lower() in CE_NAMES and is_classification(ctx) and len(fv) > 0 and float(fv.min()) >= 0.0


def _from_meta(meta: dict[str, Any]) -> int | None:
    for holder in (meta.get("hparams"), meta.get("config"), meta.get("params"), meta):
        if not isinstance(holder, dict):
            continue
        for key in _HPARAM_KEYS:
            v = holder.get(key)
            if isinstance(v, int) and not isinstance(v, bool) and v >= 2:
                return v
        id2label = holder.get("id2label")
        if isinstance(id2label, dict) and len(id2label) >= 2:
            return len(id2label)
    return None


def _first_training_loss(ctx: Context) -> float | None:
    """The earliest training cross-entropy value logged (step-level series log earlier than epoch ones)."""
    best: tuple[float, float] | None = None
    for s in ctx.series.values():
        if s.name.split != "train" or s.name.metric.lower() not in CE_NAMES:
            continue
        ok = np.flatnonzero(np.isfinite(s.values))
        if len(ok) and (best is None or s.steps[ok[0]] < best[0]):
            best = (float(s.steps[ok[0]]), float(s.values[ok[0]]))
    return None if best is None else best[1]


@fact
def infer_classes(ctx: Context) -> Classes | None:
    """K from ``--classes``, the hyperparameters, or a run that started at chance (see module doc)."""
    if ctx.options.classes is not None:
        return Classes(int(ctx.options.classes), "--classes")
    flat = _flat_at_log_k(ctx) if is_classification(ctx) else None
    if flat is not None:
        return flat  # the loss says K more exactly than a num_classes that may count unused outputs
    k = _from_meta(ctx.meta)
    if k is not None:
        return Classes(k, "hyperparameters")
    acc = accuracy_series(ctx, "train") or accuracy_series(ctx, "val")
    loss0 = _first_training_loss(ctx)
    if acc is None or loss0 is None or not is_classification(ctx):
        return None
    fv = acc.values[np.isfinite(acc.values)]
    if not len(fv) or fv[0] <= 0 or fv[0] > 0.55:
        return None
    k = round(1.0 / float(fv[0]))
    if not 2 <= k <= 100_000:
        return None
    # An untrained classifier's loss is about ln K; the same K from both numbers is the evidence.
    if abs(loss0 - math.log(k)) <= 0.15 * math.log(k) and abs(float(fv[0]) - 1.0 / k) <= 0.25 / k:
        return Classes(k, "inferred: the run started at chance (accuracy ~1/K, loss ~ln K)")
    return None


_FLAT_SOURCE = "inferred: the validation loss sits at ln"


def _flat_at_log_k(ctx: Context) -> Classes | None:
    """A validation cross-entropy that sits at ln K for a whole run (within 0.5%, moving less than 1%):
    the loss of a uniform guess over K classes. Accuracy can then read above 1/K (the majority
    class's share), which is why the first-accuracy rule above cannot see it."""
    vl = ctx.val_loss
    if vl is None or vl.name.metric.lower() not in CE_NAMES:
        return None
    fv = vl.values[np.isfinite(vl.values)]
    if len(fv) < 3 or float(fv.min()) <= 0:
        return None
    mid = float(np.median(fv))
    k = round(math.exp(mid))
    if not 2 <= k <= 1000 or (float(fv.max()) - float(fv.min())) > 0.01 * mid:
        return None
    if abs(mid - math.log(k)) <= 0.005 * math.log(k):
        return Classes(k, f"{_FLAT_SOURCE} {k} (a uniform guess over {k} classes)")
    return None


@dataclass(frozen=True)
class ChanceEvidence:
    """The validation curve never beat chance level: what ``stalled`` reports, and why a run at chance
    is neither overfitting nor overconfident (it has no best point to get worse from)."""

    classes: int
    classes_source: str
    metric: str  # display name of the series at chance
    tag: str
    best_level: float  # its best rolling-median level
    chance: float  # 1/K or ln K
    what: str  # "accuracy" | "loss"


@fact
def chance_evidence(ctx: Context) -> ChanceEvidence | None:
    """The validation curve never beat chance level, when K is known."""
    classes = infer_classes(ctx)
    if classes is None:
        return None
    k = classes.k
    opts = ctx.options
    acc = accuracy_series(ctx, "val")
    if acc is not None:
        v = acc.values[np.isfinite(acc.values)]
        # K read from a loss flat at ln K: an accuracy above 1/K that never moves is the majority
        # class's share (predicting the prior), not learning; the loss then decides
        prior_only = classes.source.startswith(_FLAT_SOURCE) and len(v) >= 3 and np.ptp(v) <= opts.chance_margin
        if len(v) >= 3 and not prior_only:
            top = float(np.max(rolling_median(v, 3)))
            if top <= 1.0 / k + opts.chance_margin:
                return ChanceEvidence(k, classes.source, acc.display, acc.tag, top, 1.0 / k, "accuracy")
            return None  # accuracy says it learned: trust it over the loss
    loss = ctx.val_loss
    if loss is not None and is_cross_entropy(ctx, loss):
        v = loss.values[np.isfinite(loss.values)]
        if len(v) >= 3:
            low = float(np.min(rolling_median(v, 3)))
            if low >= math.log(k) * (1.0 - opts.chance_tolerance):
                return ChanceEvidence(k, classes.source, loss.display, loss.tag, low, math.log(k), "loss")
    return None


def loss_reading(ctx: Context, classes: Classes | None) -> LossReading | None:
    """exp(-loss) of the validation loss at its best (else the training loss at its end), for CE losses."""
    s = ctx.val_loss if ctx.val_loss is not None else ctx.train_loss
    if s is None:
        s = next(
            (x for x in ctx.series.values() if x.name.split == "train" and x.name.metric.lower() in CE_NAMES), None
        )
    if s is None or not is_cross_entropy(ctx, s):
        return None
    if s.name.split == "val":
        i = best_index(s.values, "min")
        at = "best checkpoint"
    else:
        ok = np.flatnonzero(np.isfinite(s.values))
        i = int(ok[-1]) if len(ok) else None
        at = "end"
    if i is None:
        return None
    value = float(s.values[i])
    k = classes.k if classes else None
    return LossReading(
        metric=s.display,
        value=value,
        at=at,
        step=float(s.steps[i]),
        epoch=s.epoch_at(i),
        mean_probability=math.exp(-value),
        classes=k,
        classes_source=classes.source if classes else None,
        chance_loss=math.log(k) if k else None,
        chance_probability=1.0 / k if k else None,
    )
