"""Goals of the task metrics fields watch, in the spellings their tools write."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from losslog import naming

MINIMIZED = [
    "wer",
    "cer",
    "per",
    "perplexity",
    "ppl",
    "error",
    "err",
    "eer",
    "fid",
    "mae",
    "mse",
    "rmse",
    "nll",
    "lpips",
]
MAXIMIZED = [
    "mAP",
    "map",
    "mAP50",
    "mAP50-95",
    "mAP_0.5:0.95",
    "bbox_mAP",
    "AP",
    "AP50",
    "ap",
    "ar",
    "AR@100",
    "recall",
    "precision",
    "f1",
    "bleu",
    "rouge1",
    "rouge2",
    "rougeL",
    "rougeLsum",
    "meteor",
    "pck",
    "PCKh",
    "iou",
    "mIoU",
    "dice",
    "auc",
    "roc_auc",
    "top1",
    "top5",
    "top-1",
    "acc@1",
    "acc@5",
    "accuracy",
    "exact_match",
    "psnr",
    "ssim",
]


@pytest.mark.parametrize(
    ("tag", "split", "goal"),
    [
        ("eval_wer", "val", "min"),
        ("eval_cer", "val", "min"),
        ("val_per", "val", "min"),
        ("test_perplexity", "test", "min"),
        ("val/error", "val", "min"),
        ("error_rate", "train", "min"),
        ("metrics/mAP50-95(B)", "val", "max"),
        ("metrics/mAP50(B)", "val", "max"),
        ("metrics/mAP_0.5:0.95", "val", "max"),
        ("coco/AP", "val", "max"),
        ("coco/bbox_mAP", "val", "max"),
        ("coco/bbox_AR@100", "val", "max"),
        ("bbox/AP50", "val", "max"),
        ("eval_rougeLsum", "val", "max"),
        ("val/acc@1", "val", "max"),
        ("eval_exact_match", "val", "max"),
        ("test/mAP", "test", "max"),
    ],
)
def test_tool_spellings(tag: str, split: str, goal: str) -> None:
    name = naming.parse(tag)
    assert (name.split, name.goal) == (split, goal)
    assert naming.goal_of(tag) == goal


@pytest.mark.parametrize("tag", ["score", "my_custom_thing", "quality", "val_score"])
def test_unknown_goal_is_unknown_not_guessed(tag: str) -> None:
    name = naming.parse(tag)
    assert name.goal is None and name.kind == "metric"
    assert not name.goal_known and not name.judged


@pytest.mark.parametrize("tag", ["steps_per_epoch", "eval_samples_per_second", "lr", "grad_norm"])
def test_short_task_names_are_not_found_inside_other_words(tag: str) -> None:
    """ "per" in steps_per_epoch is no phone error rate; timings and lr stay unjudged but known."""
    name = naming.parse(tag)
    assert name.goal is None and name.goal_known


_PREFIXES = ["", "eval_", "val_", "test_", "valid_", "validation_", "val/", "eval/", "test/", "metrics/"]
_SUFFIXES = ["", "_epoch"]


@given(
    metric=st.sampled_from(MINIMIZED + MAXIMIZED),
    prefix=st.sampled_from(_PREFIXES),
    suffix=st.sampled_from(_SUFFIXES),
    upper=st.booleans(),
)
def test_goal_survives_prefixes_and_suffixes(metric: str, prefix: str, suffix: str, upper: bool) -> None:
    spelled = metric.upper() if upper else metric
    tag = f"{prefix}{spelled}{suffix}"
    expected = "min" if metric in MINIMIZED else "max"
    name = naming.parse(tag)
    assert name.goal == expected, (tag, name)
    if prefix:
        assert name.split in ("val", "test"), (tag, name)


@given(metric=st.sampled_from(MINIMIZED + MAXIMIZED), split=st.sampled_from(["val", "test", "train"]))
def test_goal_survives_split_suffixes(metric: str, split: str) -> None:
    """``wer/val``, ``mAP50-val``: the split written after the name."""
    name = naming.parse(f"{metric}/{split}")
    assert name.goal == ("min" if metric in MINIMIZED else "max")
    assert name.split == split
