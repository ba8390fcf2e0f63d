"""Keras ``CSVLogger`` files (``training.log`` is the usual name, any name works).

Keras writes ``epoch`` first and then the logs' keys sorted alphabetically, ``NA`` where a value is
missing (validation every N epochs), any ``separator``, and with ``append=True`` a second session
appends rows (its header repeated only when the file was empty) with epochs restarting.
Epochs count from 0 and are the x axis.
"""

from __future__ import annotations

from pathlib import Path

from losslog.model import Run
from losslog.readers.base import Probe, finish_run
from losslog.readers.text import read_table
from losslog.readers.wide_csv import frame_from_table, header_of, is_delimited_text

_KERAS_HINTS = ("loss", "acc", "accuracy", "val_loss", "lr", "learning_rate", "mse", "mae", "auc")


class KerasCsvReader:
    name = "keras"
    description = "Keras CSVLogger (epoch first, then metrics sorted by name; NA for missing)"
    patterns = ("training.log", "*.log", "*.csv")
    example = "epoch,accuracy,loss,val_accuracy,val_loss"
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        if not is_delimited_text(probe):
            return 0
        header = header_of(probe)
        if header[0] != "epoch" or len(header) < 2:
            return 0
        rest = header[1:]
        if rest != sorted(rest):
            return 0
        if not any(h in _KERAS_HINTS or h.startswith("val_") for h in rest):
            return 0
        return 60 if "training" in probe.name else 50

    def read(self, path: Path) -> list[Run]:
        table = read_table(path)
        epoch_col = table.header[0]
        frame = frame_from_table(table, path, step_col=None, epoch_col=epoch_col, epoch_from_step=True)
        meta: dict[str, object] = {"columns": table.header, "epoch_base": 0}
        if table.repeated_headers:
            meta["repeated_headers"] = table.repeated_headers
        return [finish_run(frame, self.name, path, meta=meta, warnings=table.warnings)]
