from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from losslog.naming import apply_goal_overrides, display_name, parse

CASES = [
    # tag, split, metric, goal
    ("loss", "train", "loss", "min"),
    ("val_loss", "val", "loss", "min"),
    ("valid_loss", "val", "loss", "min"),
    ("validation_loss", "val", "loss", "min"),
    ("eval_loss", "val", "loss", "min"),
    ("test_loss", "test", "loss", "min"),
    ("train_loss", "train", "loss", "min"),
    ("loss_val", "val", "loss", "min"),
    ("loss/val", "val", "loss", "min"),
    ("val/loss", "val", "loss", "min"),
    ("train/box_loss", "train", "box_loss", "min"),
    ("val/box_loss", "val", "box_loss", "min"),
    ("acc", "train", "accuracy", "max"),
    ("val_acc", "val", "accuracy", "max"),
    ("val_accuracy", "val", "accuracy", "max"),
    ("val_mse", "val", "mse", "min"),
    ("mae", "train", "mae", "min"),
    ("val_rmse", "val", "rmse", "min"),
    ("nll", "train", "nll", "min"),
    ("cross_entropy", "train", "cross_entropy", "min"),
    ("hinge", "train", "hinge", "min"),
    ("val_error", "val", "error", "min"),
    ("perplexity", "train", "perplexity", "min"),
    ("top1", "train", "top1", "max"),
    ("val_f1", "val", "f1", "max"),
    ("val_auc", "val", "auc", "max"),
    ("precision", "train", "precision", "max"),
    ("val_recall", "val", "recall", "max"),
    ("val_iou", "val", "iou", "max"),
    ("metrics/mAP50(B)", "val", "mAP50", "max"),
    ("val_dice", "val", "dice", "max"),
    ("eval_bleu", "val", "bleu", "max"),
    ("train_loss_epoch", "train", "loss", "min"),
    ("train_loss_step", "train", "loss", "min"),
    ("epoch_loss", "train", "loss", "min"),
]


@pytest.mark.parametrize(("tag", "split", "metric", "goal"), CASES)
def test_known_names(tag: str, split: str, metric: str, goal: str) -> None:
    name = parse(tag)
    assert (name.split, name.metric, name.goal) == (split, metric, goal)


@pytest.mark.parametrize("tag", ["lr", "learning_rate", "lr-SGD", "lr/pg0", "epoch_learning_rate", "lr-Adam/pg1"])
def test_learning_rate_is_never_judged(tag: str) -> None:
    name = parse(tag)
    assert name.kind == "lr"
    assert name.goal is None


@pytest.mark.parametrize("tag", ["grad_norm", "eval_runtime", "train_samples_per_second", "time", "data_time"])
def test_bookkeeping_is_not_judged(tag: str) -> None:
    assert parse(tag).goal is None


def test_forced_split_wins() -> None:
    assert parse("epoch_loss", split="val").split == "val"


def test_goal_override() -> None:
    name = apply_goal_overrides(parse("val_widgets"), {"val_widgets": "max"})
    assert name.goal == "max"
    assert apply_goal_overrides(parse("val_loss"), {"loss": "max"}).goal == "max"


SPLIT_SPELLINGS = {
    "train": ["train_{m}", "training_{m}", "{m}_train", "train/{m}"],
    "val": ["val_{m}", "valid_{m}", "validation_{m}", "eval_{m}", "{m}_val", "{m}/val", "val/{m}"],
    "test": ["test_{m}", "{m}_test", "test/{m}"],
}
METRICS = {"loss": "min", "mse": "min", "accuracy": "max", "f1": "max", "auc": "max", "box_loss": "min"}


@given(
    split=st.sampled_from(sorted(SPLIT_SPELLINGS)),
    metric=st.sampled_from(sorted(METRICS)),
    data=st.data(),
)
def test_split_and_goal_from_any_spelling(split: str, metric: str, data: st.DataObject) -> None:
    pattern = data.draw(st.sampled_from(SPLIT_SPELLINGS[split]))
    name = parse(pattern.format(m=metric))
    assert name.split == split
    assert name.metric == metric
    assert name.goal == METRICS[metric]
    assert display_name(name.split, name.metric) == f"{split}_{metric}"


@given(st.text(min_size=1, max_size=40))
def test_parse_never_fails_and_is_consistent(tag: str) -> None:
    name = parse(tag)
    assert name.split in ("train", "val", "test", "")
    assert name.goal in ("min", "max", None)
    assert (name.goal is None) == (name.kind in ("lr", "other", "metric"))
