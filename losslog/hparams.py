"""A run's hyperparameters, from what the training tools write beside the metrics.

Every tool keeps them somewhere else: Lightning's ``hparams.yaml``, TensorBoard's HParams plugin
data (in the event file), Hugging Face's ``trainer_state.json`` ``trial_params``, ``config.json``
and ``training_args.json``, MLflow's ``params/``, DVC/DVCLive's ``params.yaml``, Ultralytics'
``args.yaml``, W&B's ``config.yaml`` (every value wrapped as ``{value: ...}``), Hydra's
``.hydra/overrides.yaml`` and ``.hydra/config.yaml``, mmengine's Python config dump, and the
``key=value`` pieces of a run's folder names (``lr=0.01,seed=3``). One function per source, each
returning a flat dict; ``hparams_for`` merges them, the most specific source winning (a Hydra
override over the config it overrides, a search's trial parameters over the saved defaults).

Hyperparameters are shown and compared, never computed with, and they come from strangers' files:
nested dicts become dotted keys, lists become their short JSON text, and a run keeps at most
``MAX_KEYS`` keys and ``MAX_VALUE_CHARS`` characters a value (a warning says what was cut).
Nothing is ever executed: YAML goes through the readers' safe loader, an mmengine config through
``ast`` (literals and ``dict(...)`` only).
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

Scalar = int | float | str | bool | None

#: per run: more keys than this are cut (a model config can hold thousands), with a warning
MAX_KEYS = 500
#: a longer string value is cut to this many characters and ends with "…"
MAX_VALUE_CHARS = 200
MAX_KEY_CHARS = 200
#: side files larger than this are not read (hyperparameters are small)
MAX_FILE_BYTES = 1024 * 1024
#: how many folders above a run's own one are searched for a Hydra ``.hydra/`` folder
HYDRA_LEVELS_UP = 4
#: how many of the run folder's path components are searched for ``key=value`` pieces
NAME_LEVELS = 6
_NESTING = 20
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


# --------------------------------------------------------------------------------------------
# Values


def flatten(data: Any, prefix: str = "", out: dict[str, Scalar] | None = None, depth: int = 0) -> dict[str, Scalar]:
    """Nested mappings as dotted keys (``optimizer.lr``); every leaf a scalar."""
    out = {} if out is None else out
    if isinstance(data, Mapping) and depth < _NESTING:
        if not data and prefix:
            out[prefix] = "{}"
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flatten(value, name, out, depth + 1)
        return out
    if prefix:
        out[prefix] = scalar(data)
    return out


def scalar(value: Any) -> Scalar:
    """A value as a table cell: numbers, text, booleans and None as they are; anything else
    (lists, tuples, objects) as short text. Non-finite floats stay floats (NaN is a value)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**63 else float(value)
    if isinstance(value, float):
        return value
    if isinstance(value, (list, tuple)):
        try:
            return json.dumps(list(value), default=str, allow_nan=True)
        except (TypeError, ValueError, RecursionError):
            return str(value)
    return str(value)


_INT_RE = re.compile(r"^[+-]?\d{1,18}$")
_FLOAT_RE = re.compile(r"^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|nan)$", re.IGNORECASE)


def parse_text_value(text: str) -> Scalar:
    """A value written as text (an MLflow param file, a folder name, a Hydra override): a number,
    a boolean or null when it reads as one, else the text itself."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1]
    low = t.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("null", "none", "~"):
        return None
    if _INT_RE.match(t):
        return int(t)
    if _FLOAT_RE.match(t):
        return float(t)
    return t


def _bounded(values: dict[str, Scalar], where: str, warnings: list[str]) -> dict[str, Scalar]:
    """At most ``MAX_KEYS`` keys, keys and text values cut to their limits (said once each)."""
    out: dict[str, Scalar] = {}
    cut_values = 0
    for key, value in values.items():
        if len(out) >= MAX_KEYS:
            warnings.append(f"{where}: {len(values):,} hyperparameters; kept the first {MAX_KEYS}")
            break
        if len(key) > MAX_KEY_CHARS:
            key = key[: MAX_KEY_CHARS - 1] + "…"
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            value = value[: MAX_VALUE_CHARS - 1] + "…"
            cut_values += 1
        out[key] = value
    if cut_values:
        warnings.append(f"{where}: {cut_values} hyperparameter value(s) longer than {MAX_VALUE_CHARS} characters cut")
    return out


# --------------------------------------------------------------------------------------------
# Files (the only reading; each bounded, none raising)


def load_yaml(path: Path, warnings: list[str]) -> Any:
    """A YAML side file; None when absent or unreadable.

    The one place hyperparameter YAML is loaded. Files of plain ``key: value`` lines (what
    Lightning, DVC, Ultralytics, Hydra write) are read by ``simple_yaml`` in microseconds; anything
    else goes through the readers' safe, bounded loader (``read_yaml_file``: PyYAML's safe loader,
    no tags run), which costs about a millisecond a file in pure Python: 1 s for a 1,000-run sweep."""
    from losslog.readers._points import read_yaml_file

    if not _small_file(path, warnings):
        return None
    try:
        fast = simple_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        fast = NOT_SIMPLE
    if fast is not NOT_SIMPLE:
        return fast
    data, warning = read_yaml_file(path)
    if warning:
        warnings.append(warning)
    return data


#: what ``simple_yaml`` returns for a document outside its subset
NOT_SIMPLE: Any = object()
_YAML_LINE = re.compile(r"^(?P<indent> *)(?:(?P<key>[A-Za-z_][\w.\-/]*):(?: +(?P<value>\S.*?))?|- +(?P<item>\S.*?)) *$")
_YAML_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_YAML_FLOAT = re.compile(r"^[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?$")
_YAML_TEXT = re.compile(r"^[A-Za-z_~+][\w.\-/=+~@]*$")
_YAML_BOOL = {w: v for v, words in ((True, ("yes", "true", "on")), (False, ("no", "false", "off"))) for w in words}
_YAML_NULL = frozenset({"~", "null", "Null", "NULL"})


def _yaml_word(word: str) -> Any:
    """PyYAML's (YAML 1.1) reading of a plain scalar, for the words whose reading is certain."""
    if word in _YAML_NULL:
        return None
    if word.lower() in _YAML_BOOL and word in (word.lower(), word.upper(), word.capitalize()):
        return _YAML_BOOL[word.lower()]
    if _YAML_INT.match(word):
        return int(word)
    if _YAML_FLOAT.match(word):
        return float(word)
    if _YAML_TEXT.match(word) and word.lower() not in _YAML_BOOL and word.lower() != "null":
        return word
    return NOT_SIMPLE


def simple_yaml(text: str) -> Any:
    """Block mappings (nested by indentation) of plain words and numbers, or a list of plain
    words (Hydra's overrides.yaml): read as PyYAML's safe loader reads them. ``NOT_SIMPLE`` for
    anything else (quotes, flow style, anchors, tags, comments after values, dates ...), which
    then goes to the real loader. A test checks the two agree wherever this one answers."""
    root: dict[str, Any] = {}
    items: list[Any] = []
    stack: list[tuple[int, dict[str, Any]]] = [(0, root)]  # (indent, mapping) from the root down
    pending: tuple[int, dict[str, Any], str] | None = None  # a "key:" whose block may follow
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        m = _YAML_LINE.match(raw)
        if m is None or "\t" in raw or " #" in raw:
            return NOT_SIMPLE
        indent = len(m.group("indent"))
        if m.group("item") is not None:  # a top-level list of words, and nothing else
            value = _yaml_word(m.group("item"))
            if indent or root or value is NOT_SIMPLE:
                return NOT_SIMPLE
            items.append(value)
            continue
        key, word = m.group("key"), m.group("value")
        if items or not isinstance(_yaml_word(key), str):
            return NOT_SIMPLE  # a key YAML reads as a bool or null, or a mapping after a list
        if pending is not None:
            p_indent, p_parent, p_key = pending
            pending = None
            if indent > p_indent:
                if len(stack) > _NESTING:
                    return NOT_SIMPLE  # deep nesting: the bounded loader's limits apply
                child: dict[str, Any] = {}
                p_parent[p_key] = child
                stack.append((indent, child))
        while indent < stack[-1][0]:
            stack.pop()
        if indent != stack[-1][0]:
            return NOT_SIMPLE
        parent = stack[-1][1]
        if key in parent:
            return NOT_SIMPLE  # a duplicate key: the real loader's rule
        if word is None:
            parent[key] = None  # null unless a deeper block follows
            pending = (indent, parent, key)
            continue
        value = _yaml_word(word)
        if value is NOT_SIMPLE:
            return NOT_SIMPLE
        parent[key] = value
    if items:
        return items
    return root if root else NOT_SIMPLE


def load_json(path: Path, warnings: list[str]) -> Any:
    if not _small_file(path, warnings):
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, ValueError, RecursionError):
        warnings.append(f"{path}: not readable JSON; its hyperparameters not shown")
        return None


def _small_file(path: Path, warnings: list[str]) -> bool:
    try:
        if not path.is_file():
            return False
        size = path.stat().st_size
    except OSError:
        return False
    if size > MAX_FILE_BYTES:
        warnings.append(f"{path}: {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for hyperparameters; not read")
        return False
    return True


def _mapping(data: Any) -> Mapping[str, Any]:
    return data if isinstance(data, Mapping) else {}


# --------------------------------------------------------------------------------------------
# One function per source: (run, its folder, warnings) -> flat dict


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
    flat = flatten(hp)
    if run.format == "mlflow":  # MLflow stores every param as text
        flat = {k: parse_text_value(v) if isinstance(v, str) else v for k, v in flat.items()}
    return flat


def from_lightning(run: RunLike, here: Here, warnings: list[str]) -> dict[str, Scalar]:
    """``hparams.yaml`` beside ``metrics.csv`` or the event file, when no reader read it."""
    path = here.file("hparams.yaml")
    if "hparams" in run.meta or path is None:
        return {}
    return flatten(_mapping(load_yaml(path, warnings)))


def from_huggingface(run: RunLike, here: Here, warnings: list[str]) -> dict[str, Scalar]:
    """The model's ``config.json`` < ``training_args.json`` < a search's ``trial_params``.

    (``training_args.bin`` is a pickle: never loaded.)"""
    out: dict[str, Scalar] = {}
    config = run.meta.get("config")
    if config is None and run.format == "huggingface":
        path = here.file("config.json") or _last_checkpoint_file(here, "config.json")
        config = load_json(path, warnings) if path is not None else None
    out.update(flatten(_mapping(config)))
    args = here.file("training_args.json")
    if args is not None:
        out.update(flatten(_mapping(load_json(args, warnings))))
    trial = run.meta.get("trial_params")
    if "trial_params" not in run.meta and Path(run.source).name == "trainer_state.json":
        trial = _mapping(load_json(Path(run.source), warnings)).get("trial_params")
    out.update(flatten(_mapping(trial)))
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
        if file.is_file() and _small_file(file, warnings):
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
    return flatten(_mapping(load_yaml(path, warnings))) if path is not None else {}


def from_ultralytics(run: RunLike, here: Here, warnings: list[str]) -> dict[str, Scalar]:
    """``args.yaml`` beside ``results.csv``: every training argument (``lr0``, ``batch``, ``model``)."""
    path = here.file("args.yaml")
    return flatten(_mapping(load_yaml(path, warnings))) if path is not None else {}


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
    return flatten(unwrap_wandb(_mapping(load_yaml(path, warnings)))) if path is not None else {}


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
    out = flatten(_mapping(load_yaml(hydra / "config.yaml", warnings)))
    overrides = load_yaml(hydra / "overrides.yaml", warnings)
    if isinstance(overrides, list):
        for item in overrides[: MAX_KEYS + 1]:
            parsed = parse_override(item)
            if parsed is not None:
                out[parsed[0]] = parsed[1]
    return out


class _NotLiteral(ValueError):
    pass


def _literal(node: ast.AST, depth: int = 0) -> Any:
    """A config value from its syntax tree: literals, containers and ``dict(key=value)`` calls
    (how mmengine dumps a config). Anything else (a name, an expression, another call) is not
    a literal; nothing is evaluated."""
    if depth > _NESTING:
        raise _NotLiteral("nested too deeply")
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e, depth + 1) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {
            _literal(k, depth + 1) if k is not None else "**": _literal(v, depth + 1)
            for k, v in zip(node.keys, node.values)
        }
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        return {kw.arg: _literal(kw.value, depth + 1) for kw in node.keywords if kw.arg is not None}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        value = node.operand.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
    raise _NotLiteral(type(node).__name__)


def parse_python_config(text: str) -> dict[str, Any]:
    """Top-level ``name = <literal>`` assignments of a Python config file, read from its syntax
    tree (``ast``), never run. Assignments that are not literals are left out."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    out: dict[str, Any] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            if name.startswith("_"):
                continue
            try:
                out[name] = _literal(stmt.value)
            except (_NotLiteral, RecursionError):
                continue
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
    if path is None or not _small_file(path, warnings):
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
            if not _small_file(file, warnings):
                continue
            try:
                out.update(flatten(read_file(file).hparams))
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
    values = _bounded(merged, run.source, warnings)
    return HParams(values, warnings)


def varying_keys(rows: Iterable[Mapping[str, Scalar]]) -> list[str]:
    """Keys whose values differ across the rows (a key missing from some rows varies too), in
    first-seen order."""
    rows = list(rows)
    keys: dict[str, None] = {}
    for r in rows:
        keys.update(dict.fromkeys(r))
    out = []
    missing = object()
    for k in keys:
        seen = {_hashable(r.get(k, missing)) for r in rows}
        if len(seen) > 1:
            out.append(k)
    return out


def _hashable(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, bool):
        return ("bool", value)  # True is not 1 here
    return value


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
