"""Ultralytics YOLO ``results.csv`` (``runs/<task>/train*/results.csv``).

Current versions (8.1+) write ``epoch,time,train/box_loss,...,metrics/mAP50(B),...,val/box_loss,
...,lr/pg0,lr/pg1,lr/pg2`` with ``%.6g`` values and epochs counted from 1. Early v8.0 releases
padded every header and value to 23 characters (``'%23s,'``) and counted epochs from 0.
A row can be *short* when validation was skipped for that epoch: the validation cells are then
missing from the middle of the row, so the remaining cells are realigned to the train and ``lr``
columns instead of being shifted into the validation ones.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from losslog.model import Run
from losslog.readers.base import Probe, finish_run
from losslog.readers.text import Table, read_table, read_text
from losslog.readers.wide_csv import find_column, frame_from_table, header_of, is_delimited_text


def _is_val_column(name: str) -> bool:
    low = name.lower()
    return low.startswith(("metrics/", "val/"))


def realign_short_rows(table: Table, raw_lengths: dict[int, int]) -> int:
    """Put the cells of rows that skipped validation back under the right columns.

    ``raw_lengths`` maps a row's line number to its cell count before padding. Returns how many
    rows were realigned.
    """
    header = table.header
    val_idx = [i for i, h in enumerate(header) if _is_val_column(h)]
    if not val_idx:
        return 0
    other_idx = [i for i in range(len(header)) if i not in set(val_idx)]
    fixed = 0
    for r, line in enumerate(table.line_numbers):
        n = raw_lengths.get(line, len(header))
        if n != len(other_idx):
            continue
        cells = table.rows[r][:n]
        row = [""] * len(header)
        for i, cell in zip(other_idx, cells, strict=False):
            row[i] = cell
        table.rows[r] = row
        fixed += 1
    return fixed


class UltralyticsReader:
    """YOLO ``results.csv``, current and padded legacy headers."""

    name = "ultralytics"
    description = "Ultralytics YOLO results.csv (train/box_loss, metrics/mAP50(B), val/box_loss, lr/pg0)"
    patterns = ("results.csv",)
    example = "epoch,time,train/box_loss,train/cls_loss,metrics/mAP50(B),val/box_loss,lr/pg0"
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        if not is_delimited_text(probe):
            return 0
        header = [h.lower() for h in header_of(probe)]
        if not header or header[0] != "epoch":
            return 0
        yolo = sum(
            1
            for h in header
            if h.startswith(("train/", "val/", "lr/pg")) or (h.startswith("metrics/") and h.endswith(")"))
        )
        if yolo >= 2 and any(h.startswith("lr/pg") or h.startswith("metrics/map") for h in header):
            return 85
        if yolo >= 2 and probe.name == "results.csv":
            return 75
        return 0

    def read(self, path: Path) -> list[Run]:
        tf = read_text(path)
        table = read_table(path, text=tf)
        lines = tf.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        raw_lengths = {
            i + 1: len(row)
            for i, row in enumerate(csv.reader(io.StringIO("\n".join(lines)), delimiter=table.separator))
        }
        realigned = realign_short_rows(table, raw_lengths)
        epoch_col = find_column(table.header, ("epoch",))
        frame = frame_from_table(table, path, step_col=None, epoch_col=epoch_col, epoch_from_step=True)
        first_epoch = frame["epoch"].min() if len(frame) else float("nan")
        meta: dict[str, object] = {
            "columns": table.header,
            # v8.0 wrote epoch (0-based); later versions write epoch + 1
            "epoch_base": 0 if first_epoch == 0 else 1,
        }
        if realigned:
            meta["rows_without_validation"] = realigned
        if table.repeated_headers:
            meta["repeated_headers"] = table.repeated_headers
        return [finish_run(frame, self.name, path, meta=meta, warnings=table.warnings)]
