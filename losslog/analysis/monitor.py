"""Which metric picks the best checkpoint, and why: the choice a user of the run's own tool made.

People keep the checkpoint their trainer kept. So the order is: ``--monitor`` (source "user");
else what the trainer recorded (source "trainer": Hugging Face ``metric_for_best_model`` or the
eval metric whose value at ``best_model_checkpoint`` equals ``best_metric``; Ultralytics'
fitness, 0.1·mAP50 + 0.9·mAP50-95 per task, which is what ``best.pt`` is kept by; Lightning's
``ModelCheckpoint``/``EarlyStopping`` monitor; mmengine's ``save_best``; Keras callbacks'
``monitor``); else the field's convention (source "convention": the validation task metric —
mAP, WER/CER, BLEU, F1, Dice, perplexity, top-1 — over the loss); else the validation loss
(source "default"). Without any validation metric the training loss is judged, but no checkpoint
is picked from training curves (source "default", ``ranks_checkpoints`` False).

The *direction* is the metric's nature, never a default: Hugging Face sets ``greater_is_better``
to True for any metric that is not a loss, so a WER-monitored run can keep its worst checkpoint;
that is said in ``notes`` and the run is judged by the right direction. Readers only put what
they found into ``run.meta`` (``readers.settings``); this module decides. Pure: no I/O.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from losslog.analysis.options import AnalysisOptions
from losslog.analysis.selection import _granularity_rank, find_metric, pick_monitor
from losslog.analysis.summary import Series, best_index
from losslog.naming import MetricName, classify, display_name

#: the validation task metrics of the common fields, in the order one is preferred over another
TASK_METRIC_RE = re.compile(
    r"^(map|map\d+|ap|ap\d+|wer|cer|bleu\d*|sacrebleu|rouge\w*|f1|fbeta|f\d|dice|iou|miou|perplexity|ppl|"
    r"top1|top_1|top5|exact_match|em|meteor|chrf|psnr|ssim|fid|mdice|mfscore|auc|auroc|roc_auc|pck)$",
    re.IGNORECASE,
)
_FAMILY_ORDER = ("map", "wer", "cer", "bleu", "rouge", "f1", "dice", "iou", "miou", "top1", "ppl", "perplexity")
#: training-only diagnostics: never a checkpoint's judge (detectron2, mmdet)
_DIAGNOSTIC_RE = re.compile(r"(false_negative|false_positive|fg_cls_accuracy|cls_accuracy|num_fg|num_pos)", re.I)
#: Ultralytics: (mAP50 tag, mAP50-95 tag) per task suffix, v8+ and v5 spellings
_YOLO_PAIRS = (
    ("metrics/mAP50(B)", "metrics/mAP50-95(B)"),
    ("metrics/mAP50(M)", "metrics/mAP50-95(M)"),
    ("metrics/mAP50(P)", "metrics/mAP50-95(P)"),
    ("metrics/mAP50(O)", "metrics/mAP50-95(O)"),
    ("metrics/mAP_0.5", "metrics/mAP_0.5:0.95"),
)
_YOLO_CLS = ("metrics/accuracy_top1", "metrics/accuracy_top5")
FITNESS_TAG = "fitness"
#: the two sides of an adversarial game (GANs): losses that are not minimized together
_GENERATOR_RE = re.compile(r"(^|[_/\-])(gen|generator|g)([_/\-]|$)", re.IGNORECASE)
_CRITIC_RE = re.compile(r"(^|[_/\-])(disc|discriminator|critic|d)([_/\-]|$)", re.IGNORECASE)


def adversarial_pair(names: dict[str, MetricName]) -> tuple[str, str] | None:
    """(generator loss tag, discriminator/critic loss tag) of a GAN's training losses, or None."""
    losses = [n for n in names.values() if n.split in ("train", "") and n.kind == "loss"]
    gen = sorted((n for n in losses if _GENERATOR_RE.search(n.metric)), key=_granularity_rank)
    disc = sorted((n for n in losses if _CRITIC_RE.search(n.metric)), key=_granularity_rank)
    if gen and disc:
        return gen[0].tag, disc[0].tag
    return None


@dataclass(frozen=True)
class Monitor:
    """The metric the best checkpoint is chosen by, where that choice came from, and why."""

    metric: str | None  # display name (val_loss, eval_wer, fitness)
    tag: str | None
    goal: str | None
    source: str  # user | trainer | convention | default
    reason: str
    #: False when no checkpoint may be picked from it (a training curve, an unknown direction)
    ranks_checkpoints: bool = True
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["notes"] = list(self.notes)
        return d


def task_family(metric: str) -> str | None:
    """The task-metric family of a metric name (``bbox_mAP`` -> map, ``wer`` -> wer), or None."""
    for tok in [t for t in re.split(r"[^0-9A-Za-z]+", metric) if t]:
        if TASK_METRIC_RE.match(tok):
            low = tok.lower()
            for fam in _FAMILY_ORDER:
                if low.startswith(fam):
                    return fam
            return low
    return None


def ultralytics_fitness(names: dict[str, MetricName], series: dict[str, Series]) -> Series | None:
    """Ultralytics' fitness (``best.pt``): the sum over tasks of 0.1·mAP50 + 0.9·mAP50-95."""
    parts = [(series[a], series[b]) for a, b in _YOLO_PAIRS if a in series and b in series]
    weights = (0.1, 0.9)
    if not parts and _YOLO_CLS[0] in series and _YOLO_CLS[1] in series:
        # classification: fitness is the mean of top-1 and top-5 accuracy
        parts, weights = [(series[_YOLO_CLS[0]], series[_YOLO_CLS[1]])], (0.5, 0.5)
    if not parts:
        return None
    steps = parts[0][1].steps
    for a, b in parts:
        steps = np.intersect1d(steps, np.intersect1d(a.steps, b.steps))
    if len(steps) == 0:
        return None
    total = np.zeros(len(steps))
    for a, b in parts:
        total += weights[0] * _at(a, steps) + weights[1] * _at(b, steps)
    ref = parts[0][1]
    ix = np.searchsorted(ref.steps, steps)
    name = MetricName(FITNESS_TAG, "val", "fitness", "accuracy", "max", ref.name.granularity)
    return Series(name, steps, ref.epochs[ix], total, ref.wall_times[ix])


def _at(s: Series, steps: np.ndarray) -> np.ndarray:
    ix = np.searchsorted(s.steps, steps, side="right") - 1
    return s.values[ix]


def _nature(name: MetricName) -> str | None:
    return classify(name.metric)[1] or name.goal


def _hf_tag(names: dict[str, MetricName], metric: str) -> str | None:
    for cand in (metric, f"eval_{metric}", f"val_{metric}", f"eval/{metric}"):
        tag = find_metric(names, cand)
        if tag is not None:
            return tag
    return None


def _hf_best_step(meta: dict[str, Any]) -> float | None:
    step = meta.get("best_global_step")
    if isinstance(step, (int, float)) and not isinstance(step, bool):
        return float(step)
    ckpt = meta.get("best_model_checkpoint")
    if isinstance(ckpt, str):
        m = re.search(r"checkpoint-(\d+)", ckpt)
        if m:
            return float(m.group(1))
    return None


def _hf_inferred(names: dict[str, MetricName], series: dict[str, Series], meta: dict[str, Any]) -> str | None:
    """The eval metric whose value at the best checkpoint's step equals ``best_metric``."""
    best = meta.get("best_metric")
    step = _hf_best_step(meta)
    if not isinstance(best, (int, float)) or step is None or not math.isfinite(float(best)):
        return None
    hits = []
    for tag, s in series.items():
        if names[tag].split not in ("val", "test"):
            continue
        at = s.values[s.steps == step]
        if len(at) and np.isclose(at, float(best), rtol=1e-9, atol=1e-12).any():
            hits.append(names[tag])
    hits.sort(key=lambda n: (n.kind == "loss" and task_family(n.metric) is None, len(n.metric)))
    return hits[0].tag if hits else None


def _direction_notes(
    name: MetricName, s: Series | None, recorded: str | None, meta: dict[str, Any], tool: str
) -> tuple[str, ...]:
    """Say so when the trainer's direction contradicts the metric's nature."""
    nature = classify(name.metric)[1]
    if nature is None:
        return ()
    trainer_dir = recorded
    how = "recorded"
    if trainer_dir is None and tool == "huggingface":
        trainer_dir = "min" if name.metric.lower().endswith("loss") else "max"
        how = "defaulted"
        best = meta.get("best_metric")
        if s is not None and isinstance(best, (int, float)) and np.isfinite(s.values).any():
            fin = s.values[np.isfinite(s.values)]
            # what the trainer actually kept tells its direction, whatever the default
            if np.isclose(float(best), float(np.min(fin))) and not np.isclose(float(best), float(np.max(fin))):
                trainer_dir = "min"
            elif np.isclose(float(best), float(np.max(fin))):
                trainer_dir = "max"
    if trainer_dir is None or trainer_dir == nature:
        return ()
    word = {"min": "lower", "max": "higher"}
    return (
        f"the trainer {how} {'greater_is_better=True' if trainer_dir == 'max' else 'a lower-is-better rule'} "
        f"for {name.metric}, but {word[nature]} {name.metric} is better: its saved 'best' checkpoint may be its "
        f"worst; judged here by {word[nature]} is better",
    )


def _trainer(names: dict[str, MetricName], series: dict[str, Series], meta: dict[str, Any], fmt: str) -> Monitor | None:
    fit = series.get(FITNESS_TAG)
    if fit is not None and names.get(FITNESS_TAG) is not None:
        return Monitor(
            fit.display,
            FITNESS_TAG,
            "max",
            "trainer",
            (
                "monitoring fitness (0.1·mAP50 + 0.9·mAP50-95), as Ultralytics does for best.pt"
                if _YOLO_CLS[0] not in series
                else "monitoring fitness (the mean of top-1 and top-5 accuracy), as Ultralytics does for best.pt"
            ),
        )
    rec = meta.get("trainer_monitor")
    if isinstance(rec, dict) and rec.get("metric"):
        metric = str(rec["metric"])
        tool = str(rec.get("tool", ""))
        tag = _hf_tag(names, metric) if tool == "huggingface" else find_metric(names, metric)
        if tag is None and metric.lower() == "auto":
            tag = _convention_tag(names)
        if tag is not None:
            n = names[tag]
            notes = _direction_notes(n, series.get(tag), rec.get("mode"), meta, tool)
            goal = _nature(n) or rec.get("mode")
            return Monitor(
                display_name(n.split, n.metric),
                tag,
                goal,
                "trainer",
                f"monitoring {tag}, as the trainer did ({rec.get('setting', metric)})",
                notes=notes,
            )
    if fmt == "huggingface":
        tag = _hf_inferred(names, series, meta)
        if tag is not None:
            n = names[tag]
            notes = _direction_notes(n, series.get(tag), None, meta, "huggingface")
            return Monitor(
                display_name(n.split, n.metric),
                tag,
                _nature(n),
                "trainer",
                f"monitoring {tag}, as the trainer did (its best_metric {meta.get('best_metric'):.6g} is {tag} "
                f"at {str(meta.get('best_model_checkpoint') or 'its best step').rstrip('/').split('/')[-1]})",
                notes=notes,
            )
    return None


def _convention_tag(names: dict[str, MetricName]) -> str | None:
    cands = [
        n
        for n in names.values()
        if n.split == "val" and n.goal is not None and task_family(n.metric) is not None and n.kind != "lr"
    ]
    if not cands:
        return None

    def key(n: MetricName) -> tuple[int, int, int, int]:
        fam = task_family(n.metric) or ""
        order = _FAMILY_ORDER.index(fam) if fam in _FAMILY_ORDER else len(_FAMILY_ORDER)
        # a macro average is the headline number of imbalanced tasks (micro/weighted follow the majority)
        averaging = 1 if re.search(r"micro|weighted|samples", n.metric, re.IGNORECASE) else 0
        return (_granularity_rank(n), order, averaging, len(n.metric))

    return sorted(cands, key=key)[0].tag


def _where(s: Series, i: int) -> str:
    e = s.epoch_at(i)
    if e is not None:
        return f"epoch {e:g}"
    return f"step {float(s.steps[i]):g}"


def _story(series: dict[str, Series], task: Series, loss_tag: str | None) -> str:
    """The loss's own best next to the task metric's: both are reported."""
    if loss_tag is None or loss_tag not in series:
        return "the run logs no validation loss"
    loss = series[loss_tag]
    bt, bl = best_index(task.values, task.name.goal), best_index(loss.values, "min")
    if bt is None or bl is None:
        return f"{loss.display} has no finite value"
    if float(task.steps[bt]) == float(loss.steps[bl]):
        return f"{loss.display} agrees (best at {_where(loss, bl)} too)"
    return (
        f"{loss.display} tells another story (its best is at {_where(loss, bl)}, "
        f"{task.display}'s at {_where(task, bt)})"
    )


def _training_fallback(names: dict[str, MetricName]) -> str | None:
    """The training loss to judge a run without validation by: never a diagnostic."""
    train = [n for n in names.values() if n.split in ("train", "") and n.goal is not None and n.kind == "loss"]
    train = [n for n in train if not _DIAGNOSTIC_RE.search(n.metric)]
    for pool in (
        [n for n in train if n.metric.lower() == "loss"],
        [n for n in train if n.metric.lower() in ("total_loss", "loss_total", "total", "losses")],
        [n for n in train if n.metric.lower().endswith(("loss", "losses"))],
        train,
    ):
        if pool:
            return sorted(pool, key=_granularity_rank)[0].tag
    return None


def choose_monitor(
    names: dict[str, MetricName], series: dict[str, Series], meta: dict[str, Any], fmt: str, options: AnalysisOptions
) -> Monitor:
    """The monitor of one run (``names``/``series`` already hold the derived fitness, if any)."""
    if options.monitor:
        tag = pick_monitor(names, options)  # raises UsageError for an unknown name
        assert tag is not None
        n = names[tag]
        goal = options.mode or n.goal
        return Monitor(
            display_name(n.split, n.metric),
            tag,
            goal,
            "user",
            f"monitoring {tag}, as asked (--monitor {options.monitor})"
            + ("" if goal else "; its direction is unknown: pass --mode min|max"),
            ranks_checkpoints=goal is not None,
        )
    found = _trainer(names, series, meta, fmt)
    if found is not None:
        if found.goal is None:
            return Monitor(
                found.metric,
                found.tag,
                None,
                found.source,
                found.reason + "; whether lower or higher is better is unknown (pass --mode min|max)",
                ranks_checkpoints=False,
                notes=found.notes,
            )
        return found
    loss_tag = pick_monitor(names, options)
    if loss_tag is not None and names[loss_tag].split not in ("val", "test"):
        loss_tag = None
    task_tag = _convention_tag(names)
    if task_tag is not None:
        task = series[task_tag]
        val_loss = loss_tag if loss_tag is not None and names[loss_tag].metric.lower() == "loss" else None
        return Monitor(
            task.display,
            task_tag,
            task.name.goal,
            "convention",
            f"monitoring {task_tag}, the field's usual validation metric; {_story(series, task, val_loss)}",
        )
    if loss_tag is not None:
        n = names[loss_tag]
        d = display_name(n.split, n.metric)
        return Monitor(
            d, loss_tag, n.goal, "default", f"monitoring {loss_tag}, the default (no trainer setting recorded)"
        )
    pair = adversarial_pair(names)
    if pair is not None:
        return Monitor(
            None,
            None,
            None,
            "default",
            f"no validation metric, and the training losses are an adversarial pair ({pair[0]} against {pair[1]}): "
            "neither is minimized on its own, so lower is not better and no checkpoint is picked from them",
            ranks_checkpoints=False,
        )
    tag = _training_fallback(names)
    if tag is None:
        return Monitor(
            None,
            None,
            None,
            "default",
            "no validation metric and no training loss with a known direction: nothing to pick a checkpoint by",
            ranks_checkpoints=False,
        )
    n = names[tag]
    d = display_name(n.split, n.metric)
    unjudged = sorted(t for t, x in names.items() if x.split in ("val", "test") and x.goal is None and x.kind != "lr")
    hint = f" (the direction of {', '.join(unjudged[:3])} is unknown: --goal NAME=min|max)" if unjudged else ""
    return Monitor(
        d,
        tag,
        n.goal,
        "default",
        f"no validation metric{hint}: judging the training loss {tag}; no checkpoint is picked from training "
        "curves (keep the last one, or add an evaluation)",
        ranks_checkpoints=False,
    )
