"""One function per place a tool writes hyperparameters, and ``hparams_for`` merging them.

Each source is ``(run, here, warnings) -> flat dict``; ``SOURCES`` lists them in order, a later
one overriding an earlier one for the same key (a Hydra override over the config it overrides, a
search's trial parameters over the saved defaults).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from losslog.hparams.files import as_mapping, load_json, load_yaml, parse_python_config, small_file
from losslog.hparams.values import MAX_KEYS, Scalar, bounded, flatten, parse_text_value

#: how many folders above a run's own one are searched for a Hydra ``.hydra/`` folder
HYDRA_LEVELS_UP = 4
#: how many of the run folder's path components are searched for ``key=value`` pieces
NAME_LEVELS = 6
#: tensorboardX hparams session folders read per run (each add_hparams call makes one)
MAX_SESSIONS = 10


class RunLike(Protocol):
    """What the extraction needs of a run: a ``Run`` or a ``RunAnalysis`` both fit."""

    @property
    def name(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def meta(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=RunLike)


@dataclass
class HParams:
    """One run's flat hyperparameters, and what was cut or could not be read."""

    values: dict[str, Scalar] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class Here:
    """A run's folder and the names in it, listed once: each source asks "is there a
    ``hparams.yaml``?" of the listing instead of the file system (a 1,000-run sweep would
    otherwise cost some 15,000 ``stat`` calls). ``cache`` (shared across the runs of a sweep)
    keeps the listings of folders above the runs (Hydra's ``.hydra/`` search)."""

    def __init__(self, path: Path, cache: dict[str, frozenset[str]] | None = None) -> None:
        self.path = path
        self.cache = cache if cache is not None else {}
        self.names = self.listing(path)

    def listing(self, path: Path) -> frozenset[str]:
        key = str(path)
        found = self.cache.get(key)
        if found is None:
            try:
                found = frozenset(os.listdir(path))
            except OSError:
                found = frozenset()
            if len(self.cache) < 10_000:
                self.cache[key] = found
        return found

    def file(self, name: str) -> Path | None:
        """``path/name`` when the folder lists it (a file or a folder)."""
        return self.path / name if name in self.names else None


def from_meta(run: RunLike, here: Here, warnings: list[str]) -> dict[str, Scalar]:
    """What the readers already put in ``meta["hparams"]``: TensorBoard's HParams plugin data and
    Lightning's ``hparams.yaml`` (tensorboard, lightning), ``params.yaml`` (dvclive), MLflow params."""
    hp = run.meta.get("hparams")
    if not isinstance(hp, Mapping):
        return {}
    if run.format.startswith("tensorboard"):  # a protobuf map: its order means nothing
        hp = dict(sorted(hp.items(), key=lambda kv: str(kv[0])))
    flat = flatten(hp)
    if run.format == "mlflow":  # MLflow stores every param as text
        flat = {k: parse_text_value(v) if isinstance(v, str) else v for k, v in flat.items()}
    return flat


def from_lightning(run: RunLike, here: Here, warnings: list[str]) -> dict[str, Scalar]:
    """``hparams.yaml`` beside ``metrics.csv`` or the event file, when no reader read it."""
    path = here.file("hparams.yaml")
    if "hparams" in run.meta or path is None:
        return {}
    return flatten(as_mapping(load_yaml(path, warnings)))


def from_huggingface(run: RunLike, here: Here, warnings: list[str]) -> dict[str, Scalar]:
    """The model's ``config.json`` < ``training_args.json`` < a search's ``trial_params``.

    (``training_args.bin`` is a pickle: never loaded.)"""
    out: dict[str, Scalar] = {}
    config = run.meta.get("config")
    if config is None and run.format == "huggingface":
        path = here.file("config.json") or _last_checkpoint_file(here, "config.json")
        config = load_json(path, warnings) if path is not None else None
    out.update(flatten(as_mapping(config)))
    args = here.file("training_args.json")
    if args is not None:
        out.update(flatten(as_mapping(load_json(args, warnings))))
    trial = run.meta.get("trial_params")
    if "trial_params" not in run.meta and Path(run.source).name == "trainer_state.json":
        trial = as_mapping(load_json(Path(run.source), warnings)).get("trial_params")
    out.update(flatten(as_mapping(trial)))
    return out


def _last_checkpoint_file(here: Here, name: str) -> Path | None:
    """``checkpoint-<N>/<name>`` of the highest N: the Trainer saves the model config there
    during training, and beside ``trainer_state.json`` only when the model is saved at the end."""
    steps = [int(n[11:]) for n in here.names if n.startswith("checkpoint-") and n[11:].isdigit()]
    for step in sorted(steps, reverse=True)[:3]:
        folder = here.path / f"checkpoint-{step}"
        if name in here.listing(folder):
            return folder / name
    return None


def from_mlflow(run: RunLike, here: Here, warnings: list[str]) -> dict[str, Scalar]:
    """``params/<name>`` files (one value each, as text) when the reader did not keep them."""
    params = here.path / "params"
    if run.format != "mlflow" or "hparams" in run.meta or "params" not in here.names or not params.is_dir():
        return {}
    out: dict[str, Scalar] = {}
    for file in sorted(params.rglob("*"))[: MAX_KEYS + 1]:
        if file.is_file() and small_file(file, warnings):
            try:
                text = file.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            out[file.relative_to(params).as_posix()] = parse_text_value(text)
    return out


def from_params_yaml(run: RunLike, here: Here, warnings: list[str]) -> dict[str, Scalar]:
    """DVC's ``params.yaml``: beside the log, or (a DVCLive folder) in the project above it."""
    if run.format == "dvclive" and "hparams" in run.meta:
        return {}
    path = here.file("params.yaml")
    if path is None and run.format == "dvclive" and "params.yaml" in here.listing(here.path.parent):
        path = here.path.parent / "params.yaml"
    return flatten(as_mapping(load_yaml(path, warnings))) if path is not None else {}


def from_ultralytics(run: RunLike, here: Here, warnings: list[str]) -> dict[str, Scalar]:
    """``args.yaml`` beside ``results.csv``: every training argument (``lr0``, ``batch``, ``model``)."""
    path = here.file("args.yaml")
    return flatten(as_mapping(load_yaml(path, warnings))) if path is not None else {}


def unwrap_wandb(data: Mapping[str, Any]) -> dict[str, Any]:
    """W&B's ``config.yaml`` wraps every value as ``{value: ..., desc: ...}`` and adds its own
    ``_wandb`` and ``wandb_version`` keys; a plain config file is returned as it is."""
    wrapped = [v for k, v in data.items() if not str(k).startswith("_wandb") and k != "wandb_version"]
    if not wrapped or not all(isinstance(v, Mapping) and "value" in v for v in wrapped):
        return dict(data)
    return {
        str(k): v["value"]
        for k, v in data.items()
        if not str(k).startswith("_wandb") and k != "wandb_version" and isinstance(v, Mapping)
    }


def from_wandb(run: RunLike, here: Here, warnings: list[str]) -> dict[str, Scalar]:
    """``config.yaml`` beside the log (``wandb/run-*/files/``) or in its ``files/`` folder."""
    path = here.file("config.yaml")
    if path is None and "files" in here.names and "config.yaml" in here.listing(here.path / "files"):
        path = here.path / "files" / "config.yaml"
    return flatten(unwrap_wandb(as_mapping(load_yaml(path, warnings)))) if path is not None else {}


def hydra_folder(here: Here) -> Path | None:
    """The ``.hydra/`` folder of the Hydra job the log belongs to: in the run's folder or up to
    ``HYDRA_LEVELS_UP`` above it (a job writes its logs in subfolders of its own)."""
    current = here.path
    for _ in range(HYDRA_LEVELS_UP + 1):
        if ".hydra" in here.listing(current):
            return current / ".hydra"
        if current.parent == current:
            break
        current = current.parent
    return None


def parse_override(text: str) -> tuple[str, Scalar] | None:
    """A Hydra override ``key=value`` (``+key=``, ``++key=`` add; ``~key`` deletes: skipped)."""
    key, sep, value = str(text).partition("=")
    key = key.strip().lstrip("+")
    if not sep or not key or key.startswith("~"):
        return None
    if "@" in key:  # group@package=option: the group is the name people sweep over
        key = key.split("@", 1)[0]
    return key, parse_text_value(value)


def from_hydra(run: RunLike, here: Here, warnings: list[str]) -> dict[str, Scalar]:
    """The job's composed ``.hydra/config.yaml``, then its ``overrides.yaml`` (what the sweep set)."""
    hydra = hydra_folder(here)
    if hydra is None:
        return {}
    out = flatten(as_mapping(load_yaml(hydra / "config.yaml", warnings)))
    overrides = load_yaml(hydra / "overrides.yaml", warnings)
    if isinstance(overrides, list):
        for item in overrides[: MAX_KEYS + 1]:
            parsed = parse_override(item)
            if parsed is not None:
                out[parsed[0]] = parsed[1]
    return out


def mmengine_config_file(run: RunLike, here: Here) -> Path | None:
    """mmengine dumps the config as ``vis_data/config.py`` and as ``<work_dir>/<name>.py``."""
    given = run.meta.get("config_file")
    if isinstance(given, str) and Path(given).is_file():
        return Path(given)
    if not run.format.startswith("mmengine"):
        return None
    folder = here.path
    for candidate in (folder / "vis_data" / "config.py", folder / "config.py"):
        if candidate.is_file():
            return candidate
    timestamp_dir = folder if (folder / "vis_data").is_dir() else folder.parent
    if timestamp_dir.name == "vis_data":
        timestamp_dir = timestamp_dir.parent
    dumps = sorted(timestamp_dir.parent.glob("*.py"))
    named = [p for p in dumps if p.stem == timestamp_dir.name]
    if named or len(dumps) == 1:
        return (named or dumps)[0]
    return None


def from_mmengine(run: RunLike, here: Here, warnings: list[str]) -> dict[str, Scalar]:
    path = mmengine_config_file(run, here)
    if path is None or not small_file(path, warnings):
        return {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    return flatten(parse_python_config(text))


_TIMESTAMP_DIR = re.compile(r"^\d{9,11}\.\d+$")
_PIECE_SPLIT = re.compile(r"[,;&]")
_KEY_RE = re.compile(r"^[A-Za-z_][\w.\-/]*$")


def parse_folder_name(name: str) -> dict[str, Scalar]:
    """``lr=0.01,seed=3`` -> {lr: 0.01, seed: 3}. Only ``=`` makes a pair: ``lr_0.01-bs_32`` has
    none (where the key ends and the value starts is anyone's guess there)."""
    out: dict[str, Scalar] = {}
    for piece in _PIECE_SPLIT.split(name):
        key, sep, value = piece.partition("=")
        key = key.strip().lstrip("+")
        if sep and _KEY_RE.match(key) and "=" not in value:
            out[key] = parse_text_value(value)
    return out


def from_folder_names(run: RunLike, here: Here, warnings: list[str]) -> dict[str, Scalar]:
    """``key=value`` pieces of the run's folder names (Hydra's ``override_dirname``, hand-made
    sweeps), nearest folder winning. Only the last ``NAME_LEVELS`` components are read."""
    out: dict[str, Scalar] = {}
    parts = list(here.path.parts[-NAME_LEVELS:])
    source = Path(run.source)
    if source != here.path:  # a log file: its own name too (lr=0.1.csv)
        parts.append(source.stem)
    for part in parts:
        out.update(parse_folder_name(part))
    return out


def from_tensorboard_sessions(run: RunLike, here: Here, warnings: list[str]) -> dict[str, Scalar]:
    """The HParams data of tensorboardX ``add_hparams`` session folders under a TensorBoard run
    folder (``<run>/<time.time()>/events.out.tfevents.*``), the latest session winning."""
    stamps = sorted(n for n in here.names if _TIMESTAMP_DIR.match(n))
    if not run.format.startswith("tensorboard") or not stamps or Path(run.source) != here.path:
        return {}
    from losslog.readers.tensorboard import event_files
    from losslog.readers.tfevents import read_file

    out: dict[str, Scalar] = {}
    for child in (here.path / n for n in stamps[-MAX_SESSIONS:]):
        for file in event_files(child):
            if not small_file(file, warnings):
                continue
            try:
                found = read_file(file).hparams  # a protobuf map: sorted, its order means nothing
                out.update(flatten(dict(sorted(found.items()))))
            except Exception as exc:  # a damaged session file costs its hyperparameters only
                warnings.append(f"{file}: HParams data not read ({exc})")
    return out


#: in order: a later source overrides an earlier one for the same key
SOURCES: tuple[Callable[[RunLike, Here, list[str]], dict[str, Scalar]], ...] = (
    from_folder_names,
    from_mmengine,
    from_huggingface,
    from_wandb,
    from_params_yaml,
    from_ultralytics,
    from_lightning,
    from_mlflow,
    from_tensorboard_sessions,
    from_meta,
    from_hydra,
)


def run_folder(run: RunLike) -> Path:
    source = Path(run.source)
    try:
        return source if source.is_dir() else source.parent
    except OSError:
        return source.parent


def hparams_for(run: RunLike, cache: dict[str, frozenset[str]] | None = None) -> HParams:
    """The run's hyperparameters from every source above, flat, bounded; never raises for a bad
    side file (a warning says which). ``cache``: one dict shared by the runs of a sweep (folder
    listings), or None."""
    folder = run_folder(run)
    here = Here(folder, cache)
    merged: dict[str, Scalar] = {}
    warnings: list[str] = []
    for source in SOURCES:
        try:
            merged.update(source(run, here, warnings))
        except (OSError, ValueError, RecursionError) as exc:
            warnings.append(f"{folder}: hyperparameters from {source.__name__[5:]} not read ({exc})")
    values = bounded(merged, run.source, warnings)
    return HParams(values, warnings)


def is_hparams_session(run: RunLike) -> bool:
    """tensorboardX's ``add_hparams`` writes the hyperparameters (and its ``metric_dict``) in a
    new writer under the run's folder, named by the time (``runs/lr=0.1/1700000000.123/``)."""
    source = Path(run.source)
    return run.format.startswith("tensorboard") and bool(_TIMESTAMP_DIR.match(source.name)) and "hparams" in run.meta


def fold_hparams_sessions(runs: Sequence[R]) -> list[R]:
    """The runs without tensorboardX ``add_hparams`` session folders whose run is also there: the
    session's only points are the ``metric_dict`` summary, and its hyperparameters are the run's
    (``from_tensorboard_sessions`` reads them for the run). A session without its run is kept."""
    sources = {str(Path(r.source)) for r in runs}
    return [r for r in runs if not (is_hparams_session(r) and str(Path(r.source).parent) in sources)]
