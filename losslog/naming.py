"""Turning a raw tag or column name into (split, metric, kind, goal).

Every log format names metrics its own way (``val_loss``, ``eval_loss``, ``valid_loss``,
``val/box_loss``, ``train_loss_epoch``, ``metrics/mAP50(B)``, ``epoch_accuracy``). Analysis must not
care, so this module is the single place that knows the conventions.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Literal

Goal = Literal["min", "max"]
Kind = Literal["loss", "accuracy", "metric", "lr", "other"]

SPLITS = ("train", "val", "test")

_SPLIT_WORDS: dict[str, str] = {
    "train": "train",
    "training": "train",
    "trn": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "eval": "val",
    "evaluation": "val",
    "dev": "val",
    "test": "test",
    "testing": "test",
}
_SPLIT_ALT = "|".join(sorted(_SPLIT_WORDS, key=len, reverse=True))
_PREFIX_RE = re.compile(rf"^(?P<split>{_SPLIT_ALT})(?P<sep>[_/\-. ])(?P<rest>.+)$", re.IGNORECASE)
_SUFFIX_RE = re.compile(rf"^(?P<rest>.+?)(?P<sep>[_/\-. ])(?P<split>{_SPLIT_ALT})$", re.IGNORECASE)
# Lightning's self.log(on_step=True, on_epoch=True) writes both name_step and name_epoch.
_GRANULARITY_RE = re.compile(r"^(?P<rest>.+?)_(?P<gran>step|epoch)$")
# Keras's TensorBoard callback writes epoch_loss / epoch_accuracy and batch_loss.
_KERAS_TB_RE = re.compile(r"^(?P<gran>epoch|batch)_(?P<rest>.+)$")

_LR_RE = re.compile(r"^(lr|learning[_\- ]?rate)([\-_/].*)?$|^lr[\-/]", re.IGNORECASE)

_LOSS_TOKENS = re.compile(
    r"^(loss|losses|mse|mae|rmse|msle|mape|smape|nll|nlll|cross_?entropy|crossentropy|xent|ce|bce|"
    r"hinge|error|err|errors|perplexity|ppl|wer|cer|kl|kld|kl_div|bpb|bpc|bpd|huber|l1|l2|"
    r"distance|fid|cost|objective|logloss|false_negative|false_positive|fnr|fpr)$",
    re.IGNORECASE,
)
_ACCURACY_TOKENS = re.compile(
    r"^(acc|accuracy|top\d+|top_\d+|acc\d+|accuracy\d*|balanced_accuracy|f1|f1_score|fbeta|f\d|"
    r"auc|auroc|roc_auc|auprc|precision|recall|prec|rec|sensitivity|specificity|iou|miou|"
    r"map|map\d+|map\d+_\d+|ap|ap\d+|apl|aps|apm|dice|bleu|bleu\d|rouge|rouge\d|rougel|rougelsum|"
    r"meteor|chrf|r2|ndcg|mrr|mcc|kappa|psnr|ssim|spearman|spearmanr|pearson|pearsonr|matthews_correlation|"
    r"exact_match|em|jaccard|reward|return|correct|hit|hits|fitness|aacc|macc|acc_seg|mdice|mfscore)$",
    re.IGNORECASE,
)
# Task metrics that are only ever whole names ("per", "ar" and "eer" are too short to be trusted as
# a word inside a longer name: "steps_per_epoch" is no phone error rate). Matched on the last path
# segment with an evaluator prefix (bbox_, segm_, coco/) dropped: "coco/bbox_AR@100", "eval_per".
_WHOLE_MIN = re.compile(r"^(per|eer|lpips|fid\d*|kid|minade|minfde|ade|fde|mape|smape|wer_\w+|cer_\w+)$")
_WHOLE_MAX = re.compile(
    r"^(ar|ar\d+|ar[sml]|ar_(small|medium|large)|ar@\d+|ar_\d+|pck|pckh|pck@\d+(\.\d+)?|cider|spice|"
    r"map@\d+|ap@\d+|acc@\d+|recall@\d+|r@\d+|hit@\d+|hits@\d+|ndcg@\d+|top_?\d+_acc(uracy)?)$"
)
_EVALUATOR_PREFIX = re.compile(r"^(bbox|segm|keypoints|mask|box|pose|obb)[_/]")
_OTHER_TOKENS = re.compile(
    r"^(time|runtime|samples_per_second|steps_per_second|grad_norm|gradnorm|epoch|step|iter|iteration|"
    r"memory|mem|data_time|eta|total_flos|flos|momentum|weight_decay|throughput|tokens_per_sec|mfu|"
    r"dt|lr_scale|batch_size|global_step|num_tokens|seconds|duration|norm|scale|gpu|cpu)$",
    re.IGNORECASE,
)
_MULTIWORD_OTHER_RE = re.compile(
    r"(samples_per_second|steps_per_second|tokens_per_second|per_sec|_runtime$|^runtime|total_flos)"
)
_ALIASES = {"acc": "accuracy", "learning_rate": "lr", "learning-rate": "lr", "losses": "loss"}

# Evaluator result groups: detectron2 writes COCO results as "bbox/AP", "segm/AP50"; mmengine as
# "coco/bbox_mAP", "pascal_voc/mAP". These numbers only ever come from an evaluation pass.
_EVAL_GROUP_RE = re.compile(
    r"^(bbox|segm|keypoints|sem_seg|panoptic_seg|coco|pascal_voc|voc|cityscapes|lvis)/(?P<rest>.+)$",
    re.IGNORECASE,
)
# Ultralytics suffixes its validation metrics with the task: (B)ox, (M)ask, (P)ose, (O)BB.
_ULTRALYTICS_TASK_RE = re.compile(r"^(?P<rest>.+)\((?P<task>[A-Z])\)$")
_ULTRALYTICS_TASKS = {"B": "", "M": "mask", "P": "pose", "O": "obb"}
# Whole tags that one tool abbreviates: llm.c's main.log writes "trl" (train loss) and "tel"
# (validation loss). Only exact, whole-tag matches, so no other name can be caught by them.
_TOOL_TAGS: dict[str, tuple[str, str]] = {"trl": ("train", "loss"), "tel": ("val", "loss")}
# Words that only look like a split/granularity suffix: "global_step" is an x axis, not a metric.
_NOT_GRANULARITY = frozenset({"global", "num", "total", "per"})


@dataclass(frozen=True)
class MetricName:
    """What a raw tag means."""

    tag: str
    split: str  # "train" | "val" | "test" | ""
    metric: str  # normalized metric name without split, e.g. "loss", "accuracy", "box_loss"
    kind: Kind
    goal: Goal | None  # None: not judged (learning rate, timings)
    granularity: str = ""  # "step" | "epoch" | "" (Lightning's _step/_epoch suffixes)

    @property
    def judged(self) -> bool:
        return self.goal is not None

    @property
    def goal_known(self) -> bool:
        """False for a judged-looking metric whose direction nobody knows (kind "metric")."""
        return self.goal is not None or self.kind in ("lr", "other")


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[^0-9A-Za-z]+", name) if t]


def classify(metric: str) -> tuple[Kind, Goal | None]:
    """Kind and goal of a metric name (without its split).

    Goals come from what the metric is, never from a guess: losses and error rates (loss, mse,
    wer, cer, perplexity, fid ...) are minimized, scores (accuracy, mAP, AP, AR, F1, BLEU,
    ROUGE, IoU, Dice, AUC, PSNR ...) maximized. A name matching neither is kind "metric" with goal
    None: unknown, said as such by the callers, until ``--goal NAME=min|max`` says otherwise.
    """
    if _LR_RE.match(metric):
        return "lr", None
    low = metric.lower()
    joined = low.replace("-", "_").replace(" ", "_")
    if _LOSS_TOKENS.match(joined):
        return "loss", "min"
    if _ACCURACY_TOKENS.match(joined):
        return "accuracy", "max"
    whole = _EVALUATOR_PREFIX.sub("", joined.rsplit("/", 1)[-1])
    if _WHOLE_MIN.match(whole):
        return "loss", "min"
    if _WHOLE_MAX.match(whole):
        return "accuracy", "max"
    if _MULTIWORD_OTHER_RE.search(joined):
        return "other", None
    tokens = [t.lower() for t in _tokens(metric)]
    # Also consider underscore-joined tokens: "cross_entropy", "exact_match".
    pairs = [f"{a}_{b}" for a, b in itertools.pairwise(tokens)]
    if any(_OTHER_TOKENS.match(t) for t in pairs + tokens[-1:]) and not any(
        _LOSS_TOKENS.match(t) or _ACCURACY_TOKENS.match(t) for t in tokens
    ):
        return "other", None
    # Last loss/accuracy word wins: "loss_acc" is unusual, "box_loss" is a loss, "cls_accuracy" acc.
    for tok in reversed(pairs + tokens):
        if _LOSS_TOKENS.match(tok):
            return "loss", "min"
        if _ACCURACY_TOKENS.match(tok):
            return "accuracy", "max"
    if any(_OTHER_TOKENS.match(t) for t in tokens):
        return "other", None
    # An unknown metric: most unnamed scores in training logs are losses, but guessing a goal
    # would judge it blindly; treat it as a plain metric to minimize only when told so.
    return "metric", None


def goal_of(name: str) -> Goal | None:
    """The direction of a metric named as a log writes it (``eval_wer``, ``metrics/mAP50-95(B)``,
    ``val/acc@1``, ``coco/bbox_mAP``), or None when it is unknown or not judged (timings, lr)."""
    return parse(name).goal


def normalize_split(word: str) -> str | None:
    """A split named by a log's own column or folder (``validation``, ``eval``) as train/val/test.

    None when the word is no split name (the caller then keeps it out of the split column).
    """
    return _SPLIT_WORDS.get(word.strip().lower())


def split_of(tag: str) -> tuple[str, str]:
    """(split, rest) read from prefixes and suffixes; split "" when the name does not say."""
    name = tag.strip()
    m = _PREFIX_RE.match(name)
    if m:
        return _SPLIT_WORDS[m.group("split").lower()], m.group("rest")
    m = _SUFFIX_RE.match(name)
    if m:
        return _SPLIT_WORDS[m.group("split").lower()], m.group("rest")
    return "", name


def parse(tag: str, split: str | None = None, default_split: str = "train") -> MetricName:
    """Read a raw tag.

    ``split`` forces the split (a reader that knows it, e.g. from a Keras ``validation/`` folder).
    ``default_split`` is used for judged metrics whose name carries no split: in training logs an
    unprefixed ``loss`` is the training loss (Keras, Hugging Face, nanoGPT all mean that).
    """
    raw = tag.strip()
    if raw in _TOOL_TAGS:
        tool_split, tool_metric = _TOOL_TAGS[raw]
        kind, goal = classify(tool_metric)
        return MetricName(raw, split if split is not None else tool_split, tool_metric, kind, goal)
    name = raw
    # Ultralytics groups validation metrics under "metrics/" and learning rates under "lr/".
    forced_split = split
    if name.lower().startswith("metrics/"):
        name = name[len("metrics/") :]
        forced_split = forced_split or "val"
        mt = _ULTRALYTICS_TASK_RE.match(name)
        if mt and mt.group("task") in _ULTRALYTICS_TASKS:
            task = _ULTRALYTICS_TASKS[mt.group("task")]
            name = f"{mt.group('rest')}_{task}" if task else mt.group("rest")
    elif _EVAL_GROUP_RE.match(name):
        forced_split = forced_split or "val"
    found_split, rest = split_of(name)
    granularity = ""
    m = _GRANULARITY_RE.match(rest)
    if (
        m
        and not _LR_RE.match(rest)
        # "global_step", "steps_per_epoch" are no metric with a suffix; "per_epoch" (phone error rate) is
        and ((_tokens(m.group("rest")) or [""])[-1].lower() not in _NOT_GRANULARITY or m.group("rest").lower() == "per")
    ):
        granularity, rest = m.group("gran"), m.group("rest")
        # Lightning names like "train_loss_epoch": the split may sit before the granularity suffix.
        if not found_split:
            found_split, rest = split_of(rest)
    m2 = _KERAS_TB_RE.match(rest)
    if m2 and classify(m2.group("rest"))[0] in ("loss", "accuracy", "metric", "lr"):
        granularity = "epoch" if m2.group("gran") == "epoch" else "step"
        rest = m2.group("rest")
    metric = _ALIASES.get(rest.lower(), rest)
    if metric[:1].isupper() and (metric.isupper() or metric[1:].islower()):
        metric = metric.lower()  # "Loss/val", "ACC": the same metric as "loss", "acc"; "mAP50" stays
    kind, goal = classify(metric)
    if kind == "lr":
        metric = "lr" if rest.lower() in ("lr", "learning_rate", "learning-rate") else rest
    final_split = forced_split if forced_split is not None else found_split
    if not final_split and goal is not None:
        final_split = default_split
    return MetricName(raw, final_split, metric, kind, goal, granularity)


def apply_goal_overrides(name: MetricName, overrides: dict[str, Goal]) -> MetricName:
    """``--goal NAME=min|max``: NAME matches the raw tag or the normalized metric."""
    for key in (name.tag, name.metric, f"{name.split}_{name.metric}"):
        if key in overrides:
            goal = overrides[key]
            kind: Kind = name.kind if name.kind in ("loss", "accuracy") else "metric"
            return MetricName(name.tag, name.split or "train", name.metric, kind, goal, name.granularity)
    return name


def display_name(split: str, metric: str) -> str:
    """The Keras-style name people recognize: ``val_loss``, ``train_accuracy``."""
    return f"{split}_{metric}" if split else metric
