"""The line grammars of plain-text training logs: one function feeds one line to whichever
dialect recognizes it, and ``LineState`` remembers what the next line needs (the Keras epoch, the
mm* loop lengths, a custom script's epoch offsets). The dialects are listed in ``plaintext``'s
docstring; the reader (sniffing, warnings, the run) lives there, the grammar here.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field
from typing import Any

from losslog import naming
from losslog.readers._points import NAN, PointCollector, as_number

_NUM = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf|infinity)"

NANOGPT_EVAL = re.compile(
    rf"^\s*step (?P<step>\d+): train loss (?P<train>{_NUM}), val loss (?P<val>{_NUM})", re.IGNORECASE
)
NANOGPT_ITER = re.compile(
    rf"^\s*iter (?P<step>\d+): loss (?P<loss>{_NUM})(?:, time (?P<time>{_NUM})ms)?(?:, mfu (?P<mfu>{_NUM})%)?",
    re.IGNORECASE,
)
LLMC = re.compile(r"^s:(?P<step>\d+)(?P<rest>(?: +[A-Za-z_]\w*:\S+)+)\s*$")
MODDED = re.compile(r"^step:(?P<step>\d+)/(?P<total>\d+)(?P<rest>(?: +[A-Za-z_]\w*:\S+)*)\s*$")
KERAS_EPOCH = re.compile(r"^\s*Epoch (?P<epoch>\d+)/(?P<total>\d+)\s*$")
KERAS_PAIR = re.compile(rf"(?:^|\s)-\s+(?P<key>[A-Za-z_][\w/.]*): (?P<value>{_NUM})(?=\s|$)", re.IGNORECASE)
HF_DICT = re.compile(r"\{'[^{}]*\}")
# The PyTorch tutorials' print: "Epoch [1/5], Step [100/600], Loss: 0.2212"
TUTORIAL = re.compile(
    r"^\s*Epoch \[(?P<epoch>\d+)/(?P<epochs>\d+)\],? Step \[(?P<i>\d+)/(?P<n>\d+)\],? (?P<rest>.*)$", re.IGNORECASE
)
TUTORIAL_PAIR = re.compile(rf"(?P<key>[A-Za-z_][\w ]*?): (?P<value>{_NUM})(?![\w.])", re.IGNORECASE)
MM_EPOCH = re.compile(r"Epoch(?:\((?P<mode>\w+)\))?\s*\[(?P<epoch>\d+)\]\s*\[\s*(?P<i>\d+)\s*(?:/\s*(?P<n>\d+)\s*)?\]")
MM_ITER = re.compile(r"Iter(?:\((?P<mode>\w+)\))?\s*\[\s*(?P<i>\d+)\s*(?:/\s*(?P<n>\d+)\s*)?\]")
MM_PAIR = re.compile(rf"(?P<key>[A-Za-z_][\w/.\-]*): (?P<value>{_NUM})(?![\w:.])", re.IGNORECASE)
# Colour and cursor codes of progress bars (Keras 3, tqdm, rich) captured along with the text.
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
_UNIT = re.compile(rf"^(?P<value>{_NUM})(?P<unit>ms|s|%)?$", re.IGNORECASE)
# Custom scripts: where the line says it is ("Epoch 1/35", "epoch: 3", "[Epoch 2]", "step 100").
KV_AXIS = re.compile(
    r"(?<![A-Za-z_])(?P<word>epoch|ep|step|global[_ ]step|iter|iteration|it|batch)(?![A-Za-z_])\s*[:=#]?\s*"
    r"\[?\s*(?P<n>\d+)(?:\s*/\s*(?P<total>\d+))?\s*\]?(?![\d.])",
    re.IGNORECASE,
)
# Pairs are separated by "|", ",", ";", tabs, " - " or two spaces.
KV_SPLIT = re.compile(r"\s*(?:\||,|;|\t| - | – |\s{2,})\s*")
KV_PAIR = re.compile(
    rf"^(?P<key>[A-Za-z][A-Za-z0-9_\-/.@ ]*?)\s*(?:[:=]\s*|\s+)(?P<value>{_NUM})\s*(?P<unit>%|ms|s)?"
    r"(?:\s*\(.*\))?$",
    re.IGNORECASE,
)
# Inside a segment that is no single pair: "loss=0.41 lr=1e-4" (explicit ":" or "=" only).
KV_INLINE = re.compile(
    rf"(?<![\w/.])(?P<key>[A-Za-z][\w\-/.@]*)\s*[:=]\s*(?P<value>{_NUM})\s*(?P<unit>%|ms|s)?(?![\w.])",
    re.IGNORECASE,
)
_KV_AXIS_WORDS = frozenset({"epoch", "ep", "step", "global_step", "global step", "iter", "iteration", "it", "batch"})

#: llm.c's short keys and what they mean (tag stays as written).
LLMC_NAMES = {
    "trl": naming.parse("train_loss"),
    "tel": naming.parse("val_loss"),
    "eval": naming.parse("hellaswag_accuracy", split="val"),
}
_HF_AXIS = frozenset({"epoch", "step"})
#: Files that may quote log lines but are never logs themselves (source code, docs, data).
NOT_LOGS = frozenset(
    {
        ".py",
        ".pyi",
        ".md",
        ".rst",
        ".json",
        ".jsonl",
        ".yaml",
        ".yml",
        ".toml",
        ".cfg",
        ".ini",
        ".ipynb",
        ".sh",
        ".html",
        ".js",
        ".ts",
        ".c",
        ".h",
        ".cu",
        ".cpp",
        ".csv",
        ".tsv",
    }
)


@dataclass
class LineState:
    """What a line-by-line parse must remember: the Keras epoch, the mm* loop lengths."""

    points: PointCollector = field(default_factory=PointCollector)
    keras_epoch: float | None = None
    keras_values: dict[str, float] = field(default_factory=dict)
    mm_epoch_len: float = NAN
    mm_last_train: float = NAN
    hf_summary: dict[str, Any] = field(default_factory=dict)
    hf_after: list[dict[str, Any]] = field(default_factory=list)
    dialects: dict[str, int] = field(default_factory=dict)
    #: tags whose values were written as percentages (read as fractions)
    percent_tags: set[str] = field(default_factory=set)
    epochs_seen: set[float] = field(default_factory=set)
    # A counter within the epoch ("ep: 0, batch: 20", "Epoch 2, Step [100/600]") becomes a
    # global step: the iterations of the epochs before it, plus the counter.
    kv_epoch: float = NAN
    kv_offset: float = 0.0
    kv_epoch_len: float = 0.0

    def seen(self, dialect: str) -> None:
        self.dialects[dialect] = self.dialects.get(dialect, 0) + 1

    def flush_keras(self) -> None:
        if self.keras_epoch is not None:
            for key, value in self.keras_values.items():
                self.points.add(key, self.keras_epoch, value, self.keras_epoch)
        self.keras_values = {}


def _pairs(rest: str) -> list[tuple[str, float, str]]:
    """``key:value[unit]`` pairs (llm.c, modded-nanogpt); non-numbers are skipped."""
    out = []
    for token in rest.split():
        key, _, raw = token.partition(":")
        m = _UNIT.match(raw)
        if m:
            out.append((key, float(m.group("value")), (m.group("unit") or "").lower()))
    return out


def _hf_dict(text: str) -> dict[str, Any] | None:
    try:
        obj = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def parse_line(line: str, st: LineState) -> bool:
    """Feed one line; True when it was a log line of some dialect."""
    m: re.Match[str] | None
    if m := NANOGPT_EVAL.match(line):
        step = float(m.group("step"))
        st.points.add("train loss", step, float(m.group("train")))
        st.points.add("val loss", step, float(m.group("val")))
        st.seen("nanogpt")
        return True
    if m := NANOGPT_ITER.match(line):
        step = float(m.group("step"))
        st.points.add("loss", step, float(m.group("loss")))
        if m.group("time") is not None:
            st.points.add("time_ms", step, float(m.group("time")))
        if m.group("mfu") is not None:
            st.points.add("mfu", step, float(m.group("mfu")))
        st.seen("nanogpt")
        return True
    if m := LLMC.match(line):
        step = float(m.group("step"))
        for key, value, _ in _pairs(m.group("rest")):
            st.points.add(key, step, value, name=LLMC_NAMES.get(key))
        st.seen("llm.c")
        return True
    if m := MODDED.match(line):
        step = float(m.group("step"))
        for key, value, unit in _pairs(m.group("rest")):
            st.points.add(f"{key}_{unit}" if unit == "ms" else key, step, value)
        st.seen("modded-nanogpt")
        return True
    if m := TUTORIAL.match(line):
        epoch, i, n = float(m.group("epoch")), float(m.group("i")), float(m.group("n"))
        for key, raw in TUTORIAL_PAIR.findall(m.group("rest")):
            st.points.add(key.strip(), (epoch - 1) * n + i, float(raw), epoch)
        st.seen("pytorch-tutorial")
        return True
    if m := KERAS_EPOCH.match(line):
        st.flush_keras()
        st.keras_epoch = float(m.group("epoch"))
        st.seen("keras")
        return True
    if st.keras_epoch is not None and " - " in line:
        pairs = KERAS_PAIR.findall(line)
        if pairs:
            # a later progress line of the same epoch supersedes the earlier ones
            st.keras_values.update({k: float(v) for k, v in pairs})
            return True
    if "{'" in line:
        found = False
        for text in HF_DICT.findall(line):
            d = _hf_dict(text)
            if d is None:
                continue
            found = True
            _hf_point(d, st)
        if found:
            st.seen("huggingface-console")
            return True
    if ("Epoch" in line or "Iter" in line) and _mm_line(line, st):
        st.seen("mmengine")
        return True
    if _kv_line(line, st):
        st.seen("key-value")
        return True
    return False


def _kv_line(line: str, st: LineState) -> bool:
    """A custom script's line: its place (epoch/step) and its ``key: value`` pairs."""
    m = KV_AXIS.search(line)
    if m is None:
        return False
    epoch = step = NAN
    within = False  # the step counts within the epoch, not across the run
    rest = line
    for _ in range(2):  # "Epoch 2, Step 300, loss: ..." names its place twice
        m = KV_AXIS.search(rest)
        if m is None or (rest is not line and m.start() > 3):
            break
        word = m.group("word").lower()
        if word in ("epoch", "ep") and math.isnan(epoch):
            epoch = float(m.group("n"))
        elif word not in ("epoch", "ep") and math.isnan(step):
            step = float(m.group("n"))
            within = word == "batch" or m.group("total") is not None
        rest = rest[m.end() :]
    if within and not math.isnan(epoch):
        if epoch != st.kv_epoch:
            if not math.isnan(st.kv_epoch):
                st.kv_offset += st.kv_epoch_len
            st.kv_epoch, st.kv_epoch_len = epoch, 0.0
        st.kv_epoch_len = max(st.kv_epoch_len, step)
        step = st.kv_offset + step
    pairs: list[tuple[str, float, str]] = []
    for segment in KV_SPLIT.split(rest.strip(" :-|,[]")):
        pm = KV_PAIR.match(segment.strip())
        found = [pm] if pm is not None else list(KV_INLINE.finditer(segment))
        for fm in found:
            key = fm.group("key").strip()
            if key.lower() not in _KV_AXIS_WORDS:
                pairs.append((key, float(fm.group("value")), (fm.group("unit") or "").lower()))
    if not pairs:
        return False
    x = step if not math.isnan(step) else epoch
    if not math.isnan(epoch):
        st.epochs_seen.add(epoch)
    for key, value, unit in pairs:
        if unit == "%":
            value /= 100.0
            st.percent_tags.add(key)
        elif unit in ("ms", "s") and naming.classify(key)[1] is None:
            key = f"{key}_{unit}"
        st.points.add(key, x, value, epoch)
    return True


def _hf_point(d: dict[str, Any], st: LineState) -> None:
    if "loss" not in d and ("train_runtime" in d or "train_loss" in d):
        st.hf_summary.update(d)
        return
    if st.hf_summary and "loss" not in d:
        st.hf_after.append(d)  # trainer.evaluate() after training: the reloaded best model, not a point
        return
    epoch = as_number(d.get("epoch"))
    step = as_number(d.get("step"))
    x = step if step is not None else epoch
    if x is None:
        return
    for key, raw in d.items():
        if key in _HF_AXIS:
            continue
        value = as_number(raw)
        if value is not None:
            st.points.add(key, x, value, NAN if epoch is None else epoch)


def _mm_line(line: str, st: LineState) -> bool:
    m = MM_EPOCH.search(line)
    it = None if m else MM_ITER.search(line)
    if m is None and it is None:
        return False
    match = m or it
    assert match is not None
    mode = (match.group("mode") or "train").lower()
    pairs = MM_PAIR.findall(line[match.end() :])
    if not pairs:
        return False
    i = float(match.group("i"))
    epoch = NAN
    if m is not None:
        epoch = float(m.group("epoch"))
        if mode == "train":
            if m.group("n"):
                st.mm_epoch_len = float(m.group("n"))
            per_epoch = st.mm_epoch_len if not math.isnan(st.mm_epoch_len) else NAN
            step = (epoch - 1) * per_epoch + i if not math.isnan(per_epoch) else i
            st.mm_last_train = step
        else:
            # validation runs at the end of the epoch: place it at the epoch's last iteration
            step = epoch * st.mm_epoch_len if not math.isnan(st.mm_epoch_len) else epoch
    else:
        if mode == "train":
            step = i
            st.mm_last_train = step
        else:
            step = st.mm_last_train if not math.isnan(st.mm_last_train) else i
    split = None if mode == "train" else naming.normalize_split(mode)
    for key, raw in pairs:
        if key.lower() == "eta":
            continue
        tag = key if mode == "train" else f"{mode}/{key}"
        st.points.add(tag, step, float(raw), epoch, split=split)
    return True


def parse_text(text: str) -> LineState:
    """Every log line of a text (any dialects mixed); the state holds the points and summary."""
    st = LineState()
    text = ANSI.sub("", text)
    for line in text.replace("\r\n", "\n").replace("\r", "\n").replace("\x08", "\n").split("\n"):
        if line.strip():
            parse_line(line, st)
    st.flush_keras()
    return st
