"""Plain-text training logs: what training scripts print, saved to a file.

Each dialect is recognized line by line, from the exact format strings of the tools:

- nanoGPT: ``step 100: train loss 2.1000, val loss 2.3100`` (periodic evaluation) and
  ``iter 10: loss 2.2000, time 12.30ms, mfu 12.34%`` (every training iteration).
- llm.c ``main.log``: ``s:0 tel:5.0`` (val loss), ``s:1 trl:5.07`` (train loss), ``s:N eval:0.3``
  (HellaSwag accuracy), optionally followed by more ``key:value`` pairs (``lr:``, ``norm:``).
- modded-nanogpt: ``step:125/250 val_loss:4.0000 train_time:7662ms step_avg:61.30ms``.
- Keras ``fit`` console: ``Epoch 3/10`` then ``... - loss: 0.83 - val_loss: 0.91``; progress-bar
  updates inside an epoch are running means, so the last line of each epoch is the epoch's value.
  Epochs are counted as the console does, from 1.
- Hugging Face ``Trainer`` console dicts: ``{'loss': '0.6932', 'epoch': '0.5'}`` (values are
  strings since transformers 5, numbers before). They carry no step: the epoch is the x axis. The
  end-of-training summary (``train_runtime``, mean ``train_loss``) is metadata, not a point.
- the PyTorch tutorials: ``Epoch [1/5], Step [100/600], Loss: 0.2212`` (global step rebuilt).
- mmengine / mmcv runner logs: ``Epoch(train) [1][ 5/12]  lr: 5.0e-02  loss: 0.70``,
  ``Epoch(val) [1][2/2]  accuracy: 68.75``, ``Iter(train) [ 10/100] ...``; the global step is
  rebuilt from the epoch and the iteration within it. Their config dump can push the first
  metric line far past the head, so sniffing scans a bounded stretch further for that pattern.
- what custom scripts print, often through Python ``logging``: ``2024-01-01 12:00:00 INFO Epoch
  1/35, Train Loss: 1.6279, Test Acc: 59.86%``, ``epoch 3 | train_loss=0.51 | val_loss 0.62``,
  ``Epoch: 2  Loss: 0.3  Accuracy: 91.2 %``. A line counts only when it names its place (``Epoch
  N[/M]``, ``epoch N``, ``step N``, ``iter N``); the rest is read as ``key: value`` /
  ``key=value`` / ``key value`` pairs, and percentages become fractions (said in the warnings).

Lines that match nothing (banners, warnings, tracebacks) are skipped.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from losslog.errors import ParseError
from losslog.model import Run
from losslog.readers.base import HEAD_BYTES, Probe, finish_run
from losslog.readers.text import looks_binary, read_text
from losslog.readers.text_dialects import ANSI, NOT_LOGS, LineState, parse_line, parse_text


def _decoded_head(probe: Probe) -> str:
    """The head as text; UTF-16 logs (PowerShell's ``>`` redirection) carry a BOM."""
    if probe.head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return probe.head[: len(probe.head) // 2 * 2].decode("utf-16", errors="replace")
    return probe.text_head


def _head_matches(text: str) -> int:
    st = LineState()
    lines = ANSI.sub("", text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 1:
        lines = lines[:-1]  # the head may end in the middle of a line
    matched = sum(1 for line in lines[:2000] if line.strip() and parse_line(line, st))
    if set(st.dialects) == {"key-value"} and matched < 2:
        return 0  # one "step 3: x=1" line in some text is no log
    return matched if len(st.points) or st.hf_summary or st.keras_epoch is not None else 0


#: mmengine/mmcv runner logs start with the environment and the whole config, which can run to
#: thousands of lines; these words in the head say the metric lines may come much later.
_MM_HEAD_HINTS = ("mmengine", "mmcv", "System environment", "Environment info", "Config:", "Runtime environment")
_MM_LINE_BYTES = re.compile(rb"(?:Epoch|Iter)\((?:train|val|test)\)\s*\[[^\n]*\]\s+[A-Za-z_][\w/.\-]*: [-+0-9.]")
#: How far sniffing may read for an mmengine metric line (a bytes regex: milliseconds per MB).
MM_SCAN_BYTES = 16 * 1024 * 1024


def _mm_line_further(path: Path) -> bool:
    """True when an mmengine metric line appears within ``MM_SCAN_BYTES`` of the file's start."""
    tail = b""
    read = 0
    with path.open("rb") as fh:
        while read < MM_SCAN_BYTES:
            chunk = fh.read(1024 * 1024)
            if not chunk:
                return False
            read += len(chunk)
            buf = tail + chunk
            if _MM_LINE_BYTES.search(buf):
                return True
            tail = buf[-4096:]
    return False


class TextLogReader:
    """Console output of training scripts (nanoGPT, llm.c, Keras, HF Trainer, mmengine)."""

    name = "text"
    description = (
        "plain-text training output: nanoGPT/llm.c/modded-nanogpt lines, Keras fit console, "
        "Hugging Face console dicts, mmengine runner logs"
    )
    patterns = ("*.log", "*.txt", "*.out")
    example = "step 100: train loss 2.10, val loss 2.31  /  6/6 - 1s - loss: 0.83 - val_loss: 0.91"
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        if probe.is_dir or probe.path.suffix.lower() in NOT_LOGS or looks_binary(probe.head):
            return 0
        head = _decoded_head(probe)
        if head.lstrip().startswith(("[", '{"')):
            return 0  # JSON: other readers' business
        if _head_matches(head):
            return 70
        if len(probe.head) >= HEAD_BYTES and any(h in head for h in _MM_HEAD_HINTS) and _mm_line_further(probe.path):
            return 70
        return 0

    def read(self, path: Path) -> list[Run]:
        tf = read_text(path)
        return [run_from_state(parse_text(tf.text), path, list(tf.warnings))]


def run_from_state(st: LineState, path: Path, warnings: list[str]) -> Run:
    """The run a parse adds up to (the batch read's, and ``losslog watch``'s after each poll)."""
    if not len(st.points):
        raise ParseError("no training-log lines recognized (nanoGPT, llm.c, Keras, Hugging Face, mmengine)", path)
    meta: dict[str, Any] = {"dialects": dict(st.dialects)}
    if "keras" in st.dialects:
        meta["epoch_base"] = 1
    if st.hf_summary:
        meta["summary"] = st.hf_summary
    if st.hf_after:
        meta["after_training"] = st.hf_after
    if st.percent_tags:
        tags = sorted(st.percent_tags)
        meta["percent_tags"] = tags
        warnings.append(f"{path}: values written as percentages ({', '.join(tags)}) read as fractions")
    if "key-value" in st.dialects and st.epochs_seen:
        meta["epoch_base"] = 0 if min(st.epochs_seen) == 0 else 1
    return finish_run(st.points.frame(), TextLogReader.name, path, meta=meta, warnings=warnings)
