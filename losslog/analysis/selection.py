"""Which series the verdicts rest on: the monitored validation metric and its training twin."""

from __future__ import annotations

from losslog.analysis.options import AnalysisOptions
from losslog.errors import UsageError
from losslog.naming import MetricName, apply_goal_overrides, display_name, parse


def metric_names(tags: list[str], splits: dict[str, str], options: AnalysisOptions) -> dict[str, MetricName]:
    """Parse every tag once, honouring the split the reader found and ``--goal`` overrides."""
    names: dict[str, MetricName] = {}
    for tag in tags:
        split = splits.get(tag)
        name = parse(tag)
        if split is not None and split != name.split:
            # The reader knew better (a Keras validation/ folder, a long CSV's split column).
            name = MetricName(tag, split, name.metric, name.kind, name.goal, name.granularity)
        names[tag] = apply_goal_overrides(name, options.goals)
    return names


def _granularity_rank(name: MetricName) -> int:
    # Prefer per-epoch values (what EarlyStopping and checkpoints see) over per-step ones.
    return {"epoch": 0, "": 1, "step": 2}.get(name.granularity, 3)


def find_metric(names: dict[str, MetricName], wanted: str) -> str | None:
    """A tag by raw name, display name (``val_loss``) or ``split/metric``."""
    if wanted in names:
        return wanted
    candidates = [
        n for n in names.values() if wanted in (display_name(n.split, n.metric), f"{n.split}/{n.metric}", n.metric)
    ]
    if not candidates:
        return None
    return sorted(candidates, key=_granularity_rank)[0].tag


def pick_monitor(names: dict[str, MetricName], options: AnalysisOptions) -> str | None:
    """The metric the recommended checkpoint is chosen by.

    ``--monitor`` when given; else the validation loss; else another validation loss-like
    metric; else a validation metric to maximize; else the training loss.
    """
    if options.monitor:
        tag = find_metric(names, options.monitor)
        if tag is None:
            known = ", ".join(sorted({display_name(n.split, n.metric) for n in names.values()}))
            raise UsageError(f"--monitor {options.monitor}: no such metric (metrics: {known})")
        return tag
    judged = [n for n in names.values() if n.goal is not None]

    def first(cands: list[MetricName]) -> str | None:
        return sorted(cands, key=_granularity_rank)[0].tag if cands else None

    for pool in (
        [n for n in judged if n.split == "val" and n.metric == "loss"],
        [n for n in judged if n.split == "val" and n.kind == "loss"],
        [n for n in judged if n.split == "val" and n.goal == "max"],
        [n for n in judged if n.split == "test" and n.kind == "loss"],
        [n for n in judged if n.split == "train" and n.metric == "loss"],
        [n for n in judged if n.split == "train" and n.kind == "loss"],
    ):
        tag = first(pool)
        if tag:
            return tag
    return None


def twin(names: dict[str, MetricName], tag: str, split: str = "train") -> str | None:
    """The same metric in another split (``val_loss`` -> ``loss``), per-epoch values preferred."""
    ref = names[tag]
    cands = [n for n in names.values() if n.split == split and n.metric == ref.metric and n.tag != tag]
    if not cands:
        return None
    return sorted(cands, key=_granularity_rank)[0].tag
