"""MLflow's file store: ``mlruns/<experiment_id>/<run_id>/metrics/<key>``.

Each metric is a file of ``<timestamp ms> <value> <step>`` lines (old versions omit the step),
appended as the run logs; keys with ``/`` become sub-folders (``metrics/val/acc``). The run's name
is the ``mlflow.runName`` tag (else ``run_name`` in ``meta.yaml``, else the run id), the
experiment's name is in its ``meta.yaml``. Params and tags go into the run's metadata. Runs
marked deleted (``lifecycle_stage: deleted``) are skipped, and said so: a warning on the first run
read beside them, or an error when every run was deleted (a gate must not pass on nothing).

The reader claims a folder at any of the three levels (store, experiment, run), so that the
path a user types and the folder that discovery meets are both understood.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from losslog.errors import InputError, ParseError
from losslog.model import Run
from losslog.readers._points import NAN, PointCollector, read_yaml_file
from losslog.readers.base import Probe, finish_run

_MAX_SCAN = 200  # children looked at when sniffing a store or an experiment


def _is_run_dir(path: Path) -> bool:
    return (path / "meta.yaml").is_file() and (path / "metrics").is_dir()


def _children(path: Path) -> list[Path]:
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError:
        return []
    return [Path(e.path) for e in entries[:_MAX_SCAN] if e.is_dir() and not e.name.startswith(".")]


def _is_experiment_dir(path: Path) -> bool:
    return (path / "meta.yaml").is_file() and any(_is_run_dir(c) for c in _children(path))


def _is_store(path: Path) -> bool:
    if (path / "meta.yaml").is_file():
        return False
    experiments = [c for c in _children(path) if (c / "meta.yaml").is_file()]
    if not experiments:
        return False
    return path.name == "mlruns" or any(_is_experiment_dir(c) for c in experiments)


def _read_small(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _meta(path: Path) -> dict[str, Any]:
    data, _ = read_yaml_file(path / "meta.yaml")
    return data if isinstance(data, dict) else {}


def read_metric_file(file: Path, tag: str, points: PointCollector, warnings: list[str]) -> None:
    """One metric file's lines into ``points``; a cut-off last line is a warning, others errors."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        warnings.append(f"{file}: cannot read ({exc.strerror or exc})")
        return
    text = raw.decode("utf-8", errors="replace")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        parts = line.split()
        if not parts:
            continue
        try:
            if len(parts) not in (2, 3):
                raise ValueError
            wall = float(parts[0]) / 1000.0
            value = float(parts[1])
            step = float(parts[2]) if len(parts) == 3 else float(i)
            if not math.isfinite(step):
                raise ValueError
        except ValueError:
            if i == len(lines) - 1 and not text.endswith("\n"):
                warnings.append(f"{file}: line {i + 1}: incomplete last line ignored (run still logging?)")
                continue
            raise ParseError("expected '<timestamp> <value> <step>'", file, line=i + 1) from None
        points.add(tag, step, value, NAN, wall)


def read_run_dir(path: Path, fmt: str, name: str) -> Run | None:
    """One MLflow run folder into a Run; None when the run was deleted."""
    meta_yaml = _meta(path)
    if str(meta_yaml.get("lifecycle_stage", "")).lower() == "deleted":
        return None
    points = PointCollector()
    warnings: list[str] = []
    metrics_dir = path / "metrics"
    for root, dirs, files in os.walk(metrics_dir):
        dirs.sort()
        for fname in sorted(files):
            if fname.startswith("."):
                continue
            file = Path(root) / fname
            tag = file.relative_to(metrics_dir).as_posix()
            read_metric_file(file, tag, points, warnings)
    params = {}
    params_dir = path / "params"
    if params_dir.is_dir():
        for file in sorted(params_dir.rglob("*")):
            if file.is_file():
                params[file.relative_to(params_dir).as_posix()] = _read_small(file)
    tags = {}
    tags_dir = path / "tags"
    if tags_dir.is_dir():
        for file in sorted(tags_dir.rglob("*")):
            if file.is_file() and file.stat().st_size < 10_000:
                tags[file.relative_to(tags_dir).as_posix()] = _read_small(file)
    meta: dict[str, Any] = {
        "run_id": meta_yaml.get("run_id", path.name),
        "experiment_id": meta_yaml.get("experiment_id"),
        "status": meta_yaml.get("status"),
        "params": params,
        "tags": tags,
        "hparams": params,
    }
    return finish_run(points.frame(), fmt, path, name=name, meta=meta, warnings=warnings)


def run_name(path: Path) -> str:
    tag = _read_small(path / "tags" / "mlflow.runName")
    if tag:
        return tag
    return str(_meta(path).get("run_name") or path.name)


class MlflowReader:
    """An MLflow file store (``mlruns/``), one experiment folder, or one run folder."""

    name = "mlflow"
    description = "MLflow file store mlruns/<experiment>/<run>/metrics/<key> ('timestamp value step' lines)"
    patterns = ("mlruns/", "mlruns/<experiment_id>/", "mlruns/<experiment_id>/<run_id>/")
    example = "mlruns/1/ab12.../metrics/val_loss: 1795671529458 0.72 0"
    reads_dirs = True

    def sniff(self, probe: Probe) -> int:
        if not probe.is_dir:
            return 0
        path = probe.path
        if _is_run_dir(path) or _is_experiment_dir(path) or _is_store(path):
            return 85
        return 0

    def read(self, path: Path) -> list[Run]:
        deleted: list[str] = []
        runs = self._read(path, deleted)
        if deleted:
            shown = ", ".join(deleted[:5]) + (" ..." if len(deleted) > 5 else "")
            note = f"{path}: {len(deleted)} MLflow run(s) marked deleted, skipped: {shown}"
            if not runs:
                raise InputError(f"every run here is marked deleted ({len(deleted)}: {shown})", path)
            runs[0].warnings.append(note)
        return runs

    def _read(self, path: Path, deleted: list[str]) -> list[Run]:
        if _is_run_dir(path):
            run = read_run_dir(path, self.name, "")
            if run is None:
                deleted.append(path.name)
            return [run] if run is not None else []
        if _is_experiment_dir(path):
            return self._experiment(path, "", deleted)
        if _is_store(path):
            runs: list[Run] = []
            for experiment in _children(path):
                if (experiment / "meta.yaml").is_file():
                    exp_name = str(_meta(experiment).get("name") or experiment.name)
                    runs.extend(self._experiment(experiment, exp_name, deleted))
            return runs
        if (path / "mlruns").is_dir() and _is_store(path / "mlruns"):
            return self._read(path / "mlruns", deleted)  # the project folder holding the default store
        raise InputError("not an MLflow store, experiment or run folder (no meta.yaml with metrics/)", path)

    def _experiment(self, path: Path, prefix: str, deleted: list[str]) -> list[Run]:
        if str(_meta(path).get("lifecycle_stage", "")).lower() == "deleted":
            deleted.append(f"experiment {prefix or path.name}")
            return []
        runs = []
        for child in _children(path):
            if not _is_run_dir(child):
                continue
            name = run_name(child)
            run = read_run_dir(child, self.name, f"{prefix}/{name}" if prefix else name)
            if run is not None:
                runs.append(run)
            else:
                deleted.append(f"{prefix}/{name}" if prefix else name)
        return runs
