"""Names the real tools write, and what naming makes of them (split, metric, kind, goal)."""

from __future__ import annotations

import pytest

from losslog.naming import normalize_split, parse


@pytest.mark.parametrize(
    ("tag", "split", "metric", "goal"),
    [
        # Ultralytics: task suffix (B)ox dropped, (M)ask kept as a word; metrics/ means validation
        ("metrics/mAP50(B)", "val", "mAP50", "max"),
        ("metrics/mAP50-95(B)", "val", "mAP50-95", "max"),
        ("metrics/precision(B)", "val", "precision", "max"),
        ("metrics/recall(M)", "val", "recall_mask", "max"),
        ("train/box_loss", "train", "box_loss", "min"),
        ("val/dfl_loss", "val", "dfl_loss", "min"),
        # detectron2: evaluator groups are validation; fast_rcnn/* are training-batch statistics
        ("bbox/AP", "val", "bbox/AP", "max"),
        ("segm/AP50", "val", "segm/AP50", "max"),
        ("fast_rcnn/cls_accuracy", "train", "fast_rcnn/cls_accuracy", "max"),
        ("fast_rcnn/false_negative", "train", "fast_rcnn/false_negative", "min"),
        ("total_loss", "train", "total_loss", "min"),
        # mmengine / mmseg
        ("coco/bbox_mAP", "val", "coco/bbox_mAP", "max"),
        ("aAcc", "train", "aAcc", "max"),
        ("mAcc", "train", "mAcc", "max"),
        # Hugging Face
        ("eval_loss", "val", "loss", "min"),
        ("eval_accuracy", "val", "accuracy", "max"),
    ],
)
def test_tool_names(tag: str, split: str, metric: str, goal: str) -> None:
    name = parse(tag)
    assert (name.split, name.metric, name.goal) == (split, metric, goal)


@pytest.mark.parametrize("tag", ["train/global_step", "global_step", "trainer/global_step"])
def test_global_step_is_an_axis_not_a_step_granularity(tag: str) -> None:
    name = parse(tag)
    assert name.kind == "other" and name.goal is None
    assert name.granularity == ""
    assert name.metric.endswith("global_step")


def test_lightning_granularity_still_read() -> None:
    assert parse("train_loss_step").granularity == "step"
    assert parse("train_loss_epoch").granularity == "epoch"
    assert parse("train_loss_epoch").metric == "loss"


def test_split_forced_by_the_reader_beats_the_evaluator_rule() -> None:
    assert parse("bbox/AP", split="test").split == "test"


def test_timings_and_lr_are_not_judged() -> None:
    for tag in ("eval_runtime", "eval_samples_per_second", "lr/pg0", "lr-SGD", "data_time", "grad_norm"):
        assert parse(tag).goal is None, tag


@pytest.mark.parametrize(
    ("word", "split"),
    [("train", "train"), ("Validation", "val"), ("eval", "val"), ("valid", "val"), ("test", "test"), ("x", None)],
)
def test_normalize_split(word: str, split: str | None) -> None:
    assert normalize_split(word) == split


@pytest.mark.parametrize(("tag", "split"), [("trl", "train"), ("tel", "val")])
def test_llmc_short_tags(tag: str, split: str) -> None:
    name = parse(tag)
    assert (name.split, name.metric, name.goal) == (split, "loss", "min")


def test_llmc_tags_only_match_whole() -> None:
    assert parse("hotel").metric == "hotel"
    assert parse("trl_count").metric == "trl_count"
