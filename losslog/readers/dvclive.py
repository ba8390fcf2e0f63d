"""DVCLive's output folder (``dvclive/`` by default).

``Live.log_metric`` appends to ``plots/metrics/<name>.tsv`` (``timestamp\tstep\t<name>``, the
timestamp in milliseconds); a name with ``/`` becomes sub-folders, and ``train/`` / ``eval/``
folders say the split. ``metrics.json`` holds only the latest values (a summary, kept in meta),
``params.yaml`` the logged parameters.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from losslog.errors import InputError, ParseError
from losslog.model import Run
from losslog.readers._points import read_yaml_file
from losslog.readers.base import Probe, concat_frames, finish_run, tidy_series
from losslog.readers.text import read_table


def _metrics_dir(path: Path) -> Path:
    return path / "plots" / "metrics"


def read_tsv(file: Path, tag: str) -> tuple[Any, list[str]]:
    """One DVCLive metric file as a tidy frame (every value column; usually exactly one)."""

    table = read_table(file, sep="\t")
    low = [h.lower() for h in table.header]
    if "step" not in low:
        raise ParseError("a DVCLive metric file needs a step column", file, line=1)
    index = {h: i for i, h in enumerate(low)}
    steps, step_ok = table.numbers(index["step"])
    walls = np.full(len(table.rows), np.nan)
    if "timestamp" in index:
        ms, _ = table.numbers(index["timestamp"])
        walls = ms / 1000.0
    frames = []
    value_cols = [h for h in table.header if h.lower() not in ("step", "timestamp")]
    for col in value_cols:
        values, present = table.numbers(col)  # cells that are no number are counted in the warnings
        mask = present & step_ok
        # the file is named after the metric: its column repeats the name, so the path is the tag
        series_tag = tag if len(value_cols) == 1 else f"{tag.rpartition('/')[0]}/{col}".lstrip("/")
        frames.append(tidy_series(series_tag, steps[mask], values[mask], None, walls[mask]))
    return concat_frames(frames), table.warnings


class DvcliveReader:
    """A DVCLive folder: every ``plots/metrics/**.tsv`` is a series of one run."""

    name = "dvclive"
    description = "DVCLive folder: plots/metrics/**/<metric>.tsv (timestamp, step, value) + metrics.json"
    patterns = ("dvclive/", "<dir>/plots/metrics/**.tsv")
    example = "dvclive/plots/metrics/train/loss.tsv: timestamp\\tstep\\tloss"
    reads_dirs = True

    def sniff(self, probe: Probe) -> int:
        if probe.is_dir and _metrics_dir(probe.path).is_dir():
            return 85
        return 0

    def read(self, path: Path) -> list[Run]:
        if not _metrics_dir(path).is_dir() and _metrics_dir(path / "dvclive").is_dir():
            path = path / "dvclive"  # the project folder holding DVCLive's default output folder
        metrics_dir = _metrics_dir(path)
        if not metrics_dir.is_dir():
            raise InputError("no plots/metrics/ folder: not a DVCLive output folder", path)
        frames = []
        warnings: list[str] = []
        for root, dirs, files in os.walk(metrics_dir):
            dirs.sort()
            for fname in sorted(files):
                if fname.startswith(".") or not fname.endswith((".tsv", ".csv")):
                    continue
                file = Path(root) / fname
                tag = file.relative_to(metrics_dir).with_suffix("").as_posix()
                try:
                    frame, file_warnings = read_tsv(file, tag)
                except InputError as exc:  # one empty/broken metric file must not hide the others
                    warnings.append(str(exc))
                    continue
                frames.append(frame)
                warnings.extend(file_warnings)
        meta: dict[str, Any] = {}
        summary_path = path / "metrics.json"
        if summary_path.is_file():
            import json

            try:
                meta["summary"] = json.loads(summary_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                warnings.append(f"{summary_path}: not readable JSON; summary not shown")
        params_path = path / "params.yaml"
        if params_path.is_file():
            params, warning = read_yaml_file(params_path)
            if warning:
                warnings.append(warning)
            if params is not None:
                meta["params"] = meta["hparams"] = params
        return [finish_run(concat_frames(frames), self.name, path, meta=meta, warnings=warnings)]
