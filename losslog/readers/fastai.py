"""fastai's ``CSVLogger`` callback: ``history.csv`` in the learner's path.

One row per epoch: ``epoch,train_loss,valid_loss,<metrics...>,time`` with ``time`` as ``mm:ss``
(``h:mm:ss`` for long epochs). ``CSVLogger(append=True)`` appends the next ``fit`` to the same
file: the header is written again and epochs restart at 0. When the later session logs other
metrics its header differs, so every header line starts a new section with its own columns.
fastai computes its metrics on the validation set but names them bare (``accuracy``), so they get
split ``val`` here. Later epochs replace earlier ones with the same number (discovery counts them as replaced).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from losslog.errors import InputError
from losslog.model import Run
from losslog.readers.base import Probe, concat_frames, finish_run
from losslog.readers.text import Table, TextFile, read_table, read_text
from losslog.readers.wide_csv import frame_from_table, header_of, is_delimited_text

if TYPE_CHECKING:
    import pandas as pd

_NOT_VALIDATION = frozenset({"train_loss", "valid_loss", "time"})
_CLOCK = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{2})\s*$")


def clock_seconds(text: str) -> float:
    """``mm:ss`` or ``h:mm:ss`` as seconds; NaN for anything else."""
    m = _CLOCK.match(text)
    if not m:
        return float("nan")
    hours = int(m.group(1) or 0)
    return hours * 3600 + int(m.group(2)) * 60 + int(m.group(3))


def _sections(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Split at every line that starts with ``epoch,``: (first line number, lines) per section."""
    out: list[tuple[int, list[str]]] = []
    for i, line in enumerate(lines):
        if line.strip().lower().startswith("epoch,") or not out:
            out.append((i + 1, []))
        out[-1][1].append(line)
    return out


class FastaiReader:
    """fastai ``history.csv``; appended sessions (repeated headers) are read in order."""

    name = "fastai"
    description = "fastai CSVLogger history.csv (epoch,train_loss,valid_loss,<metrics>,time as mm:ss)"
    patterns = ("history.csv",)
    example = "epoch,train_loss,valid_loss,accuracy,error_rate,time"
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        if not is_delimited_text(probe):
            return 0
        header = [h.lower() for h in header_of(probe)]
        if not header or header[0] != "epoch" or "train_loss" not in header:
            return 0
        if "valid_loss" in header or header[-1] == "time":
            return 80
        return 0

    def read(self, path: Path) -> list[Run]:
        tf = read_text(path)
        lines = tf.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        frames = []
        warnings = list(tf.warnings)
        sections = _sections(lines)
        last = len(sections) - 1
        for k, (first_line, chunk) in enumerate(sections):
            text = "\n".join(chunk)
            if k < last:
                text += "\n"  # only the file's last line can be cut off by a running writer
            if not text.strip():
                continue
            table = read_table(path, text=TextFile(text))
            table.line_numbers = [n + first_line - 1 for n in table.line_numbers]
            warnings.extend(table.warnings)
            frames.append(self._section_frame(table, path))
        frame = concat_frames(frames)
        if frame.empty:
            raise InputError("no epochs logged yet (a header without data rows)", path)
        meta: dict[str, object] = {"epoch_base": 0, "sessions": len(sections)}
        return [finish_run(frame, self.name, path, meta=meta, warnings=warnings)]

    @staticmethod
    def _section_frame(table: Table, path: Path) -> pd.DataFrame:
        time_col = next((h for h in table.header if h.lower() == "time"), None)
        if time_col is not None:
            i = table.header.index(time_col)
            for row in table.rows:
                seconds = clock_seconds(row[i])
                row[i] = "" if np.isnan(seconds) else str(seconds)
        # fastai computes every metric on the validation set: only the losses say their split.
        split_for = {h: "val" for h in table.header[1:] if h.lower() not in _NOT_VALIDATION}
        return frame_from_table(
            table,
            path,
            step_col=None,
            epoch_col=table.header[0],
            epoch_from_step=True,
            split_for=split_for,
            require_metric=False,
        )
