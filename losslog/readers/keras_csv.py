"""Keras ``CSVLogger`` files (``training.log`` is the usual name, any name works).

Keras writes ``epoch`` first and then the logs' keys sorted alphabetically, ``NA`` where a value is
missing (validation every N epochs), any ``separator``, and with ``append=True`` a second session
appends rows (its header repeated only when the file was empty) with epochs restarting.
Epochs count from 0 and are the x axis.

Many people save ``history.history`` themselves with pandas: ``pd.DataFrame(h.history).to_csv(f)``
writes an unnamed index column first (header ``,loss,accuracy,val_loss,...``; read back and saved
again it is ``Unnamed: 0``) and keeps the keys in the order Keras logged them. That index is the
epoch, counted from 0 like CSVLogger's.
"""

from __future__ import annotations

from pathlib import Path

from losslog.model import Run
from losslog.readers.base import Probe, finish_run
from losslog.readers.text import looks_binary, read_table
from losslog.readers.wide_csv import columns_from_table, header_of, is_delimited_text

_KERAS_HINTS = ("loss", "acc", "accuracy", "val_loss", "lr", "learning_rate", "mse", "mae", "auc")
#: What pandas calls the index column it writes without a name.
_INDEX_NAMES = ("", "unnamed: 0", "index")


def _pandas_index_header(line: str) -> list[str] | None:
    """The header of a pandas ``to_csv`` of a Keras history, or None."""
    header = [h.strip().strip('"') for h in line.split(",")]
    if len(header) < 2 or header[0].lower() not in _INDEX_NAMES or not all(header[1:]):
        return None
    rest = header[1:]
    if "loss" in rest or any(h.startswith("val_") for h in rest):
        return header
    return None


class KerasCsvReader:
    name = "keras"
    description = "Keras CSVLogger (epoch first, then metrics sorted by name; NA for missing)"
    patterns = ("training.log", "*.log", "*.csv")
    example = "epoch,accuracy,loss,val_accuracy,val_loss"
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        if not probe.is_dir and not looks_binary(probe.head) and _pandas_index_header(probe.first_line):
            return 55
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
        meta: dict[str, object] = {"columns": list(table.header), "epoch_base": 0}
        if table.header[0].lower() in _INDEX_NAMES:
            # pandas' unnamed index column: the row number of history.history, i.e. the epoch
            table.header[0] = "epoch"
            meta["epoch_from"] = "pandas index column"
        epoch_col = table.header[0]
        frame = columns_from_table(table, path, step_col=None, epoch_col=epoch_col, epoch_from_step=True)
        if table.repeated_headers:
            meta["repeated_headers"] = table.repeated_headers
        return [finish_run(frame, self.name, path, meta=meta, warnings=table.warnings)]
