"""TensorBoard's "Download CSV / JSON" of one scalar chart, alone or a folder of them.

The UI saves ``run-<run>-tag-<tag>.csv`` (``Wall time,Step,Value``) or ``.json``
(``[[wall_time, step, value], ...]``), with every ``/`` of the run and tag replaced by ``_``.
The file holds no names: run and tag come from the file name. A folder of such downloads is read
as one folder, so that the files of a run combine into that run; when the same chart was saved
both as CSV and as JSON, it is read once.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from losslog.errors import InputError, ParseError
from losslog.model import Run
from losslog.readers._points import load_json
from losslog.readers.base import Probe, concat_frames, finish_run, tidy_series
from losslog.readers.text import looks_binary, read_table

if TYPE_CHECKING:
    import pandas as pd

_DOWNLOAD_NAME = re.compile(r"^run[-_](?P<run>.*?)[-_]tag[-_](?P<tag>.+)\.(?P<ext>csv|json)$", re.IGNORECASE)
_CSV_HEADER = re.compile(r"^\s*\"?wall time\"?\s*,\s*\"?step\"?\s*,\s*\"?value\"?\s*$", re.IGNORECASE)


def run_and_tag(path: Path) -> tuple[str, str]:
    """(run, tag) from a download's file name; ("", stem) for a file renamed by the user."""
    m = _DOWNLOAD_NAME.match(path.name)
    if m:
        return m.group("run"), m.group("tag")
    return "", path.stem


def _csv_frame(path: Path, tag: str, warnings: list[str] | None = None) -> pd.DataFrame:
    table = read_table(path)
    low = [h.lower() for h in table.header]
    if low[:3] != ["wall time", "step", "value"]:
        raise ParseError("expected the header Wall time,Step,Value", path, line=1)
    walls, _ = table.numbers(0)
    steps, step_ok = table.numbers(1)
    values, present = table.numbers(2)  # cells that are no number are counted in the warnings
    if warnings is not None:
        warnings.extend(table.warnings)
    mask = present & step_ok
    return tidy_series(tag, steps[mask], values[mask], None, walls[mask])


def _json_frame(path: Path, tag: str) -> pd.DataFrame:
    data: Any = load_json(path)
    if not isinstance(data, list) or not all(isinstance(r, list) and len(r) >= 3 for r in data):
        raise ParseError("expected a list of [wall_time, step, value] triples", path)

    def num(x: Any) -> float:
        if x is None:
            return float("nan")
        try:
            return float(x)
        except (TypeError, ValueError):
            raise ParseError(f"not a number: {x!r}", path) from None

    arr = np.array([[num(r[0]), num(r[1]), num(r[2])] for r in data], dtype="float64").reshape(-1, 3)
    ok = np.isfinite(arr[:, 1])
    return tidy_series(tag, arr[ok, 1], arr[ok, 2], None, arr[ok, 0])


def _frame(path: Path, tag: str) -> pd.DataFrame:
    if path.suffix.lower() == ".json":
        return _json_frame(path, tag)
    return _csv_frame(path, tag)


class TensorBoardCsvReader:
    """One chart saved as CSV from the TensorBoard UI."""

    name = "tensorboard-csv"
    description = "TensorBoard UI 'Download CSV' of a scalar chart (run and tag from the file name)"
    patterns = ("run-<run>-tag-<tag>.csv",)
    example = "Wall time,Step,Value"
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        if probe.is_dir or looks_binary(probe.head):
            return 0
        if _CSV_HEADER.match(probe.first_line):
            return 90
        return 0

    def read(self, path: Path) -> list[Run]:
        run, tag = run_and_tag(path)
        warnings: list[str] = []
        frame = _csv_frame(path, tag, warnings)
        meta: dict[str, object] = {"tb_run": run, "tag_from": "file name"}
        return [finish_run(frame, self.name, path, meta=meta, warnings=warnings)]


class TensorBoardJsonReader:
    """One chart saved as JSON from the TensorBoard UI."""

    name = "tensorboard-json"
    description = "TensorBoard UI 'Download JSON' of a scalar chart: [[wall_time, step, value], ...]"
    patterns = ("run-<run>-tag-<tag>.json",)
    example = "[[1795671308.70, 11, 0.7146], [1795671308.76, 23, 0.7060]]"
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        if probe.is_dir or looks_binary(probe.head):
            return 0
        head = probe.text_head.lstrip()
        if re.match(r"^\[\s*\[\s*-?[\d.eE+\-]+\s*,\s*-?\d", head) or head.replace(" ", "") == "[]":
            return 85 if _DOWNLOAD_NAME.match(probe.name) else 70
        return 0

    def read(self, path: Path) -> list[Run]:
        run, tag = run_and_tag(path)
        frame = _json_frame(path, tag)
        return [finish_run(frame, self.name, path, meta={"tb_run": run, "tag_from": "file name"})]


def download_files(folder: Path) -> tuple[list[Path], int]:
    """The chart downloads in a folder (by name) and how many other visible entries it holds.

    Sub-folders count as others, so that they make the folder one to walk, not to claim.
    """
    downloads: list[Path] = []
    others = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return [], 0
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_file() and _DOWNLOAD_NAME.match(entry.name):
            downloads.append(Path(entry.path))
        elif entry.is_dir():
            others += len(entries)  # a sub-folder may hold other logs: never hide it
        else:
            others += 1
    return sorted(downloads), others


class TensorBoardDownloadFolderReader:
    """A folder of chart downloads: the files of each run combine into that run."""

    name = "tensorboard-download"
    description = "a folder of TensorBoard chart downloads (run-<run>-tag-<tag>.csv/.json), one run per <run>"
    patterns = ("<folder>/run-*-tag-*.csv", "<folder>/run-*-tag-*.json")
    example = "run-my_model_version_0-tag-val_loss.csv + run-my_model_version_0-tag-train_loss.csv"
    reads_dirs = True

    def sniff(self, probe: Probe) -> int:
        if not probe.is_dir:
            return 0
        downloads, others = download_files(probe.path)
        if downloads and len(downloads) >= others:
            return 80
        return 0

    def read(self, path: Path) -> list[Run]:
        downloads, _ = download_files(path)
        if not downloads:
            raise InputError("no run-<run>-tag-<tag>.csv/.json downloads in this folder", path)
        chosen: dict[tuple[str, str], Path] = {}
        skipped = 0
        for file in downloads:  # sorted: .csv before .json, so the CSV copy is the one read
            key = run_and_tag(file)
            if key in chosen:
                skipped += 1
                continue
            chosen[key] = file
        by_run: dict[str, list[pd.DataFrame]] = {}
        errors: list[str] = []
        for (run, tag), file in chosen.items():
            try:
                by_run.setdefault(run, []).append(_frame(file, tag))
            except (InputError, OSError, ValueError) as exc:
                errors.append(str(exc))
        if not by_run:
            raise ParseError("; ".join(errors) or "no readable downloads", path)
        runs = []
        for run, frames in by_run.items():
            meta: dict[str, Any] = {"tag_from": "file name", "files": sum(1 for k in chosen if k[0] == run)}
            if skipped:
                meta["duplicate_downloads_skipped"] = skipped
            runs.append(finish_run(concat_frames(frames), self.name, path, name=run, meta=meta, warnings=errors))
        return runs
