"""Hugging Face ``Trainer``'s ``trainer_state.json`` (in ``output_dir`` and every ``checkpoint-N/``).

``log_history`` is a list of dicts, one per ``Trainer.log`` call: train entries (``loss``,
``learning_rate``, ``grad_norm``), eval entries (``eval_loss``, ``eval_<metric>``,
``eval_runtime``), each with ``step`` (the global step) and ``epoch`` (a float that reaches 1.0 at
the end of the first epoch). The last entry of a finished run is a summary (``train_loss`` is the
mean over the run, ``train_runtime`` ...): it is not a point on the curve, so it goes to
``meta["summary"]``. Evaluations logged after that summary (``trainer.evaluate()`` once training is
done, which measures the reloaded best model) go to ``meta["after_training"]``.
``checkpoint-N/`` copies of the same history are skipped by discovery.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from losslog.errors import ParseError
from losslog.model import Run
from losslog.readers._points import NAN, PointCollector, as_number, json_number, load_json
from losslog.readers.base import Probe, finish_run
from losslog.readers.text import looks_binary

_STATE_KEYS = (
    "best_metric",
    "best_model_checkpoint",
    "best_global_step",
    "global_step",
    "max_steps",
    "num_train_epochs",
    "epoch",
    "logging_steps",
    "eval_steps",
    "save_steps",
    "train_batch_size",
    "trial_name",
    "trial_params",
    "metric_for_best_model",
    "greater_is_better",
)
_AXIS_KEYS = frozenset({"step", "epoch"})
_SUMMARY_KEYS = ("train_runtime", "train_samples_per_second", "train_steps_per_second")


def is_summary(entry: dict[str, Any]) -> bool:
    """The end-of-training summary: a mean ``train_loss`` and timings, not a point on the curve."""
    if "loss" in entry:
        return False
    return any(k in entry for k in _SUMMARY_KEYS) or "train_loss" in entry


class HuggingFaceReader:
    """``trainer_state.json``: one run per file."""

    name = "huggingface"
    description = "Hugging Face Trainer trainer_state.json (log_history with train and eval entries)"
    patterns = ("trainer_state.json", "checkpoint-*/trainer_state.json")
    example = (
        '{"log_history": [{"epoch": 1.0, "loss": 0.66, "step": 10}, {"epoch": 1.0, "eval_loss": 0.61, "step": 10}]}'
    )
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        if probe.is_dir or looks_binary(probe.head):
            return 0
        head = probe.text_head.lstrip()
        if not head.startswith("{"):
            return 0
        if '"log_history"' in head:
            return 90
        if probe.name == "trainer_state.json":
            return 80  # log_history may start after a long header: trust the name
        return 0

    def read(self, path: Path) -> list[Run]:
        state = load_json(path)
        if not isinstance(state, dict) or not isinstance(state.get("log_history"), list):
            raise ParseError("no log_history list: not a Hugging Face trainer_state.json", path)
        points = PointCollector()
        summary: dict[str, Any] = {}
        after: list[dict[str, Any]] = []
        warnings: list[str] = []
        for index, entry in enumerate(state["log_history"]):
            if not isinstance(entry, dict):
                warnings.append(f"{path}: log_history[{index}] is not an object; skipped")
                continue
            if is_summary(entry):
                summary.update(entry)
                continue
            if summary and "loss" not in entry:
                # trainer.evaluate() after train(): with load_best_model_at_end it re-measures the
                # *best* model at the last step; as a point it would pose as the last epoch's value.
                after.append(entry)
                continue
            step = as_number(entry.get("step"))
            if step is None:
                warnings.append(f"{path}: log_history[{index}] has no step; skipped")
                continue
            epoch = as_number(entry.get("epoch"))
            for key, raw in entry.items():
                if key in _AXIS_KEYS:
                    continue
                value = json_number(raw)
                if value is None:
                    continue
                points.add(key, step, value, NAN if epoch is None else epoch)
        meta: dict[str, Any] = {k: state[k] for k in _STATE_KEYS if k in state}
        meta["epoch_base"] = 1
        if summary:
            meta["summary"] = summary
        if after:
            meta["after_training"] = after
        config = path.with_name("config.json")
        if config.is_file() and config.stat().st_size < 1_000_000:
            try:
                meta["config"] = json.loads(config.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                warnings.append(f"{config}: not readable JSON; model config not shown")
        return [finish_run(points.frame(), self.name, path, meta=meta, warnings=warnings)]
