"""JSON-lines logs of the detection toolboxes: detectron2, mmengine and mmcv.

All three write one JSON object per line, but count time differently, and that is what each
reader here is about:

- detectron2 ``metrics.json`` (``JSONWriter``): ``iteration`` is the global step. Evaluation
  results (``bbox/AP``) arrive in the same lines or in lines of their own, and one write can emit
  lines out of iteration order; ``NaN`` is written as a bare literal. After a resume the same
  iterations are written again (later values win, counted by discovery).
- mmengine ``vis_data/scalars.json`` (``LocalVisBackend``): training lines carry ``iter`` (global),
  ``step`` (= iter) and, for epoch-based loops, ``epoch``; validation lines carry only ``step``,
  which counts *epochs* in an epoch-based loop. Such a line gets ``epoch = step`` and is placed at
  the last training step seen, so train and validation share one x axis.
- mmcv 1.x ``<timestamp>.log.json`` (``TextLoggerHook``): a first line with the environment and
  config, then lines with ``mode`` (``train``/``val``), ``epoch`` and ``iter`` counted *within*
  the epoch; the global step is rebuilt by accumulating the epochs' lengths.

Validation lines reuse names of training lines (``time``, ``loss``), and replaced points are
found per tag, so keys of non-training lines are tagged ``<mode>/<key>`` (``val/time``).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from losslog import naming
from losslog.errors import InputError, ParseError
from losslog.model import Run
from losslog.readers._points import (
    NAN,
    PointCollector,
    as_number,
    head_json_objects,
    json_lines,
    json_number,
    load_json,
)
from losslog.readers.base import Probe, finish_run
from losslog.readers.text import looks_binary

_MMENGINE_TRAIN_KEYS = frozenset({"iter", "epoch"})
_MODE_SPLITS = {"val": "val", "test": "test"}
_MMENGINE_HINTS = frozenset({"lr", "data_time", "time", "loss", "iter", "epoch", "memory"})


def _head_objects(probe: Probe) -> list[dict[str, Any]]:
    if probe.is_dir or looks_binary(probe.head):
        return []
    return head_json_objects(probe.text_head)


def _tag(key: str, mode: str) -> str:
    return key if mode == "train" else f"{mode}/{key}"


class Detectron2Reader:
    """detectron2 ``metrics.json``: one object per write, ``iteration`` as the step."""

    name = "detectron2"
    description = "detectron2 metrics.json (JSON lines keyed by iteration; NaN literals; resumed runs)"
    patterns = ("metrics.json",)
    example = '{"iteration": 19, "total_loss": 1.56, "loss_cls": 0.73, "lr": 0.00025, "bbox/AP": NaN}'
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        objects = _head_objects(probe)
        if objects and all("iteration" in o for o in objects):
            return 85 if probe.name == "metrics.json" else 75
        return 0

    def read(self, path: Path) -> list[Run]:
        records, warnings = json_lines(path)
        points = PointCollector()
        skipped = 0
        for _line, record in records:
            step = as_number(record.get("iteration"))
            if step is None:
                skipped += 1
                continue
            for key, raw in record.items():
                if key == "iteration":
                    continue
                value = json_number(raw)
                if value is not None:
                    points.add(key, step, value)
        if skipped:
            warnings.append(f"{path}: {skipped} line(s) without an iteration skipped")
        return [finish_run(points.frame(), self.name, path, meta={"step": "iteration"}, warnings=warnings)]


def read_mmengine_scalars(path: Path, fmt: str) -> Run:
    """mmengine's ``scalars.json`` into one run (see the module doc for the step rules)."""
    records, warnings = json_lines(path)
    epoch_based = any("epoch" in r for _, r in records)
    # Without any training line (iter/epoch keys) there is no telling validation lines apart: a
    # plain JSON-lines log keyed by "step" is read as it is, names deciding the splits.
    has_loop = epoch_based or any("iter" in r for _, r in records)
    points = PointCollector()
    last_train_step = NAN
    for _, record in records:
        step = as_number(record.get("step"))
        if step is None:
            step = as_number(record.get("iter"))
        if step is None:
            continue
        is_train = not has_loop or any(k in record for k in _MMENGINE_TRAIN_KEYS)
        if is_train:
            mode = "train"
            epoch = as_number(record.get("epoch"))
            x = step
            last_train_step = step
        else:
            mode = "val"
            epoch = step if epoch_based else None
            x = last_train_step if epoch_based and not math.isnan(last_train_step) else step
        for key, raw in record.items():
            if key in ("step", "iter", "epoch"):
                continue
            value = json_number(raw)
            if value is None:
                continue
            points.add(_tag(key, mode), x, value, NAN if epoch is None else epoch, split=None if is_train else "val")
    meta: dict[str, Any] = {"loop": "epoch" if epoch_based else "iter"}
    if epoch_based:
        meta["epoch_base"] = 1
    return finish_run(points.frame(), fmt, path, meta=meta, warnings=warnings)


class MmengineReader:
    """mmengine ``vis_data/scalars.json`` (and its ``<timestamp>.json`` twin)."""

    name = "mmengine"
    description = (
        "mmengine vis_data/scalars.json (validation lines count epochs in step); also any JSON lines with a step"
    )
    patterns = ("vis_data/scalars.json", "vis_data/<timestamp>.json", "*.jsonl")
    example = '{"lr": 0.05, "loss": 0.70, "epoch": 1, "iter": 5, "step": 5}  /  {"accuracy": 68.75, "step": 1}'
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        objects = _head_objects(probe)
        if not objects or not all("step" in o and "mode" not in o for o in objects):
            return 0
        if probe.name == "scalars.json" or probe.path.parent.name == "vis_data":
            return 80
        if any(_MMENGINE_HINTS & o.keys() for o in objects):
            return 65
        return 40  # JSON lines keyed by "step": the same reading works for any such log

    def read(self, path: Path) -> list[Run]:
        return [read_mmengine_scalars(path, self.name)]


class MmengineWorkDirReader:
    """An mmengine ``work_dir/<timestamp>/`` folder: its text log and two JSON copies are one run."""

    name = "mmengine-dir"
    description = "an mmengine work_dir/<timestamp>/ folder (reads vis_data/scalars.json once, not its copies)"
    patterns = ("<work_dir>/<timestamp>/vis_data/scalars.json",)
    example = "20240101_120000/{20240101_120000.log, vis_data/scalars.json, vis_data/20240101_120000.json}"
    reads_dirs = True

    def sniff(self, probe: Probe) -> int:
        if probe.is_dir and (probe.path / "vis_data" / "scalars.json").is_file():
            return 85
        return 0

    def read(self, path: Path) -> list[Run]:
        scalars = path / "vis_data" / "scalars.json"
        if not scalars.is_file():
            raise InputError("no vis_data/scalars.json in this mmengine folder", path)
        run = read_mmengine_scalars(scalars, "mmengine")
        config = path / "vis_data" / "config.py"
        if config.is_file():
            run.meta["config_file"] = str(config)
        return [run]


class MmcvReader:
    """mmcv 1.x ``*.log.json`` (TextLoggerHook), ``mode`` per line."""

    name = "mmcv"
    description = "mmcv 1.x <timestamp>.log.json (JSON lines with mode train/val; first line = environment)"
    patterns = ("*.log.json",)
    example = '{"mode": "train", "epoch": 1, "iter": 50, "lr": 0.02, "loss": 1.0}'
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        if probe.is_dir or looks_binary(probe.head):
            return 0
        objects = _head_objects(probe)
        if any(o.get("mode") in ("train", "val", "test") for o in objects):
            return 85
        if probe.name.endswith(".log.json") and probe.text_head.lstrip().startswith("{"):
            return 70  # the environment line can be longer than the head
        return 0

    def read(self, path: Path) -> list[Run]:
        records, warnings = json_lines(path)
        points = PointCollector()
        meta: dict[str, Any] = {"epoch_base": 1}
        offset = 0.0  # global iterations before the current epoch
        epoch_len = 0.0  # largest within-epoch iter seen in the current epoch
        current_epoch: float | None = None
        for _, record in records:
            mode = record.get("mode")
            if not isinstance(mode, str):
                for key in ("env_info", "config", "seed", "exp_name"):
                    if key in record:
                        meta[key] = record[key]
                continue
            epoch = as_number(record.get("epoch"))
            inner = as_number(record.get("iter"))
            if epoch is not None and epoch != current_epoch:
                if current_epoch is not None:
                    offset += epoch_len
                current_epoch, epoch_len = epoch, 0.0
            if inner is not None:
                epoch_len = max(epoch_len, inner)
            step = offset + (inner if inner is not None else epoch_len)
            for key, raw in record.items():
                if key in ("mode", "epoch", "iter"):
                    continue
                value = json_number(raw)
                if value is None:
                    continue
                split = None if mode == "train" else _MODE_SPLITS.get(mode)
                points.add(_tag(key, mode), step, value, NAN if epoch is None else epoch, split=split)
        return [finish_run(points.frame(), self.name, path, meta=meta, warnings=warnings)]


#: ``json.dump(history.history)`` / a script's ``{"train_losses": [...], "val_losses": [...]}``:
#: an object whose first value is a list of numbers.
_HISTORY_JSON = re.compile(r'^\s*\{\s*"[^"]{1,200}"\s*:\s*\[\s*(?:[-+0-9.]|NaN|Infinity|null)')
_HISTORY_KEY = re.compile(r'"([^"]{1,200})"\s*:\s*\[')


class HistoryJsonReader:
    """A metrics history saved as one JSON object of lists, a list per metric, one item per epoch.

    Keras users write ``json.dump(history.history, f)`` and custom scripts the same shape with
    their own names (``train_losses``, ``val_losses``). The list position is the epoch, counted
    from 0 as Keras counts it; keys whose value is not a list of numbers (settings, summaries) are
    left out and listed in the run's meta.
    """

    name = "history-json"
    description = 'a JSON object of per-epoch lists: json.dump(history.history) or {"train_losses": [...], ...}'
    patterns = ("history.json", "training_history.json", "*.json")
    example = '{"loss": [0.9, 0.6, 0.5], "val_loss": [0.8, 0.7, 0.72]}'
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        if probe.is_dir or looks_binary(probe.head) or not _HISTORY_JSON.match(probe.text_head):
            return 0
        # {"mean": [0.485, 0.456, 0.406], "std": [...]} is a config, not a history: a history
        # has at least one judged metric among its lists.
        keys = _HISTORY_KEY.findall(probe.text_head)
        if not any(naming.parse(k).goal is not None for k in keys):
            return 0
        return 70 if "history" in probe.name.lower() else 55

    def read(self, path: Path) -> list[Run]:
        obj = load_json(path)
        if not isinstance(obj, dict):
            raise ParseError("not a JSON object of metric lists", path)
        points = PointCollector()
        skipped: list[str] = []
        for key, values in obj.items():
            if not isinstance(values, list) or not values:
                skipped.append(str(key))
                continue
            numbers = [json_number(v) for v in values]
            if all(v is None for v in numbers):
                skipped.append(str(key))
                continue
            for i, value in enumerate(numbers):
                if value is not None:
                    points.add(str(key), float(i), value, float(i))
        if not len(points):
            raise ParseError("no list of numbers in this JSON object", path)
        meta: dict[str, Any] = {"epoch_base": 0, "epoch_from": "list position"}
        if skipped:
            meta["skipped_keys"] = skipped
        return [finish_run(points.frame(), self.name, path, meta=meta)]
