"""What the trainer itself monitored, as recorded in the log or in its run folder.

The tools people train with each keep a "best" checkpoint by a metric of their own choosing, and
write that choice down somewhere: Hugging Face in ``training_args.json``/``args.json`` (and, in
some versions, ``trainer_state.json``), Lightning in ``hparams.yaml`` or in the checkpoint file
names (``epoch=3-step=120-val_acc=0.91.ckpt``), mmengine in the config dump at the top of its
``.log`` or in the ``.py`` config beside ``vis_data``, Keras in whatever config the script saved
(``EarlyStopping(monitor=...)``, ``ModelCheckpoint(monitor=...)``). This module only *finds* what
was recorded and puts it into ``run.meta["trainer_monitor"]`` (``{"tool", "metric", "mode",
"setting", "file"}``); ``analysis.monitor`` decides what to do with it. Discovery calls it once
per run, so readers need not each know every side file. Every read is bounded and lenient: a side
file that cannot be read is simply not evidence.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_MAX_BYTES = 2_000_000
_HEAD_BYTES = 400_000

#: ``save_best='coco/bbox_mAP'`` and ``rule='greater'`` in an mmengine config (dump or .py file)
_SAVE_BEST_RE = re.compile(r"""save_best\s*[=:]\s*\[?\s*['"](?P<m>[^'"]+)['"]""")
_RULE_RE = re.compile(r"""\brule\s*[=:]\s*\[?\s*['"](?P<r>greater|less)['"]""")
#: ``EarlyStopping(monitor='val_loss', mode='min')`` / ``"monitor": "val_acc"`` in a config or script
_MONITOR_RE = re.compile(r"""['"]?\bmonitor['"]?\s*[=:]\s*['"](?P<m>[^'"]+)['"]""")
_MODE_RE = re.compile(r"""['"]?\bmode['"]?\s*[=:]\s*['"](?P<m>min|max)['"]""")
#: a Lightning checkpoint name: ``epoch=3-step=120-val_loss=0.25.ckpt``
_CKPT_PART_RE = re.compile(r"(?P<k>[A-Za-z_][\w/.]*)=(?P<v>-?[\d.]+(?:e-?\d+)?)")


def _read_text(path: Path, limit: int = _MAX_BYTES) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > limit:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _read_head(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            return fh.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _hf_args(folder: Path) -> dict[str, Any] | None:
    for name in ("training_args.json", "args.json", "train_args.json"):
        text = _read_text(folder / name)
        if text is None:
            continue
        try:
            data = json.loads(text)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("metric_for_best_model"):
            gib = data.get("greater_is_better")
            return {
                "tool": "huggingface",
                "metric": str(data["metric_for_best_model"]),
                "mode": None if gib is None else ("max" if gib else "min"),
                "setting": f"metric_for_best_model={data['metric_for_best_model']}"
                + ("" if gib is None else f", greater_is_better={bool(gib)}"),
                "file": name,
            }
    return None


def _mmengine(text: str, file: str) -> dict[str, Any] | None:
    m = _SAVE_BEST_RE.search(text)
    if m is None:
        return None
    r = _RULE_RE.search(text)
    mode = None if r is None else ("max" if r.group("r") == "greater" else "min")
    return {
        "tool": "mmengine",
        "metric": m.group("m"),
        "mode": mode,
        "setting": f"save_best='{m.group('m')}'" + (f", rule='{r.group('r')}'" if r else ""),
        "file": file,
    }


def _keras(text: str, file: str) -> dict[str, Any] | None:
    m = _MONITOR_RE.search(text)
    if m is None:
        return None
    mode = _MODE_RE.search(text[m.start() : m.start() + 400])
    return {
        "tool": "keras",
        "metric": m.group("m"),
        "mode": mode.group("m") if mode else None,
        "setting": f"monitor='{m.group('m')}'" + (f", mode='{mode.group('m')}'" if mode else ""),
        "file": file,
    }


#: a script's own log of what it kept: "Best validation loss: 0.38", "Early stopping at epoch 90"
_BEST_LINE_RE = re.compile(
    r"best (?P<split>validation|val|valid|eval)[ _](?P<metric>loss|acc|accuracy|f1|auc|score)\b", re.IGNORECASE
)
_EARLY_STOP_RE = re.compile(r"early[ _-]?stopp(ing|ed)\b[^\n]{0,40}\b(epoch|step|iter)", re.IGNORECASE)


def _text_log(text: str, file: str) -> dict[str, Any] | None:
    """nanoGPT's checkpointing rule, or a script's own 'best validation loss' and early-stopping lines."""
    if "saving checkpoint to" in text and re.search(r"always_save_checkpoint\s*=\s*False", text):
        return {
            "tool": "nanogpt",
            "metric": "val loss",
            "mode": "min",
            "setting": "always_save_checkpoint = False: nanoGPT saves ckpt.pt only when val loss improves",
            "file": file,
        }
    found = list(_BEST_LINE_RE.finditer(text))
    if not found:
        return None
    m = found[-1]  # an appended log: the last session's own words
    metric = f"val_{m.group('metric').lower()}"
    stopped = _EARLY_STOP_RE.search(text) is not None
    return {
        "tool": "script",
        "metric": metric,
        "mode": "min" if m.group("metric").lower() == "loss" else None,
        "setting": f"the log's own '{m.group(0)}' line" + (" and its early stop" if stopped else ""),
        "file": file,
        "early_stopped": stopped,
    }


def _lightning_hparams(hparams: Any) -> dict[str, Any] | None:
    """``monitor``/``mode`` anywhere in hparams (a callback's settings saved with the model's)."""
    stack = [hparams]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            mon = node.get("monitor")
            if isinstance(mon, str) and mon:
                mode = node.get("mode")
                mode = mode if mode in ("min", "max") else None
                return {
                    "tool": "lightning",
                    "metric": mon,
                    "mode": mode,
                    "setting": f"monitor={mon}" + (f", mode={mode}" if mode else ""),
                    "file": "hparams.yaml",
                }
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


def _lightning_checkpoints(folder: Path) -> dict[str, Any] | None:
    """The metric in ``ModelCheckpoint``'s file names (``{epoch}-{step}-{val_loss:.2f}``)."""
    for ckpt_dir in (folder / "checkpoints", folder):
        try:
            names = sorted(p.name for p in ckpt_dir.iterdir() if p.suffix == ".ckpt")
        except OSError:
            continue
        for name in names:
            keys = [m.group("k") for m in _CKPT_PART_RE.finditer(name[: -len(".ckpt")])]
            metrics = [k for k in keys if k.lower() not in ("epoch", "step", "global_step")]
            if metrics:
                return {
                    "tool": "lightning",
                    "metric": metrics[0],
                    "mode": None,
                    "setting": f"ModelCheckpoint file {name}",
                    "file": f"{ckpt_dir.name}/{name}",
                }
    return None


def trainer_monitor(source: Path, fmt: str, meta: dict[str, Any]) -> dict[str, Any] | None:
    """The monitor the trainer recorded for the run read from ``source``, or None."""
    folder = source if source.is_dir() else source.parent
    if fmt == "huggingface":
        state_metric = meta.get("metric_for_best_model")
        if state_metric:
            gib = meta.get("greater_is_better")
            return {
                "tool": "huggingface",
                "metric": str(state_metric),
                "mode": None if gib is None else ("max" if gib else "min"),
                "setting": f"metric_for_best_model={state_metric}",
                "file": source.name,
            }
        return _hf_args(folder)
    if fmt == "lightning" or folder.name.startswith("version_"):
        found = _lightning_hparams(meta.get("hparams"))
        if found is None:
            found = _lightning_checkpoints(folder)
        if found is not None:
            return found
    if fmt.startswith("mmengine") or fmt in ("text", "mmcv"):
        head = _read_head(source) if source.is_file() else ""
        found = _mmengine(head, source.name) if head else None
        if found is not None:
            return found
        mm = fmt != "text" or "Epoch(train)" in head or "mmengine" in head
        configs = [*folder.glob("vis_data/*.py"), *folder.glob("*.py"), *folder.parent.glob("*.py")] if mm else []
        for cand in sorted(configs):
            text = _read_text(cand)
            found = _mmengine(text, cand.name) if text else None
            if found is not None:
                return found
    if fmt == "text" and source.is_file():
        found = _text_log(_read_head(source), source.name)
        if found is not None:
            return found
    if fmt in ("keras", "csv", "history-json", "text", "tensorboard"):
        for name in ("config.json", "config.yaml", "config.yml", "callbacks.json", "train_config.json"):
            text = _read_text(folder / name)
            found = _keras(text, name) if text else None
            if found is not None:
                return found
    return None
