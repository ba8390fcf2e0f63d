"""PyTorch Lightning ``CSVLogger``: ``<save_dir>/<name>/version_N/metrics.csv`` + ``hparams.yaml``.

Lightning writes one row per ``log_metrics`` call, so a step's train-step values, its epoch-end
aggregates and its validation values sit on *separate sparse rows* sharing ``step``. Columns are
sorted by name; ``self.log(on_step=True, on_epoch=True)`` gives two columns ``x_step`` and
``x_epoch`` (kept as two tags; naming reads the granularity). ``LearningRateMonitor`` rows carry
no ``epoch`` (``lr-SGD`` at step 0): they are still points, with epoch NaN. ``epoch`` counts
from 0. The file is written with CRLF line ends (Python's csv module default).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from losslog.model import Run
from losslog.readers._points import read_yaml_file
from losslog.readers.base import Probe, finish_run
from losslog.readers.text import read_table
from losslog.readers.wide_csv import WALL_NAMES, find_column, frame_from_table, header_of, is_delimited_text

_GRANULARITY = re.compile(r"_(step|epoch)$")


class LightningCsvReader:
    """Lightning's CSVLogger ``metrics.csv`` (sparse rows sharing ``step``)."""

    name = "lightning"
    description = "PyTorch Lightning CSVLogger metrics.csv (sparse rows, _step/_epoch columns, hparams.yaml)"
    patterns = ("metrics.csv", "version_*/metrics.csv")
    example = "epoch,lr-SGD,step,train_loss_epoch,train_loss_step,val_loss  (one sparse row per log call)"
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        if not is_delimited_text(probe):
            return 0
        header = [h.lower() for h in header_of(probe)]
        if "step" not in header or ("value" in header and {"metric", "tag", "name", "key"} & set(header)):
            return 0  # no step, or a long (tidy) table that merely has a step column
        has_epoch = "epoch" in header
        granular = any(_GRANULARITY.search(h) for h in header if h not in ("step", "epoch"))
        if probe.name == "metrics.csv" and (has_epoch or granular):
            return 85
        if has_epoch and granular:
            return 75
        if has_epoch and probe.path.parent.name.startswith("version_"):
            return 75
        return 0

    def read(self, path: Path) -> list[Run]:
        table = read_table(path)
        step_col = find_column(table.header, ("step",))
        epoch_col = find_column(table.header, ("epoch",))
        wall_col = find_column(table.header, WALL_NAMES)
        frame = frame_from_table(table, path, step_col, epoch_col, wall_col)
        meta: dict[str, Any] = {"columns": table.header, "epoch_base": 0}
        warnings = list(table.warnings)
        hparams_path = path.with_name("hparams.yaml")
        if hparams_path.is_file():
            hparams, warning = read_yaml_file(hparams_path)
            if warning:
                warnings.append(warning)
            if hparams is not None:
                meta["hparams"] = hparams
        return [finish_run(frame, self.name, path, meta=meta, warnings=warnings)]
