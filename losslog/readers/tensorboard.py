"""TensorBoard event files: run folders (TensorBoard's rule) and single event files.

A folder that directly holds ``events.out.tfevents.*`` files is one run, as TensorBoard sees it:
its files are read in name order (the name starts with the creation time, so a resumed job's file
comes after the first one) and merged. Keras's TensorBoard callback writes ``logdir/train/`` and
``logdir/validation/`` beside each other: those become *one* run with two splits, because that is
how people think of them (one model, one fit). Lightning's ``version_N/`` and Hugging Face's
``runs/<date>_<host>/`` nest runs deeper; they come out named by their path below the folder given.

The decoding itself lives in ``tfevents`` (numpy, no protobuf); this module only turns its arrays
into tidy runs. Replaced points (a step going backwards after a restart) are kept here, in write
order: discovery applies the replace rule once for every format, and ``--keep-all`` skips it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from losslog import naming
from losslog.errors import ParseError
from losslog.readers._points import MAX_YAML_BYTES, YamlLimitError, safe_yaml_load
from losslog.readers.base import Probe, finish_run

if TYPE_CHECKING:
    import numpy as np

    from losslog.columns import PointColumns
    from losslog.model import Run
    from losslog.readers.tfevents import EventScalars

#: sub-folder names of the Keras layout -> the split they stand for
SPLIT_DIRS: dict[str, str] = {
    "train": "train",
    "validation": "val",
    "eval": "val",
    "val": "val",
    "test": "test",
}
_SPLIT_ORDER = tuple(SPLIT_DIRS)
#: tags that say which epoch a step belongs to (Lightning ``epoch``, Hugging Face ``train/epoch``)
_EPOCH_TAGS = ("epoch", "train/epoch")
_SKIP_DIR = re.compile(r"^(\..*|__pycache__|node_modules|site-packages)$")


def is_event_file_name(name: str) -> bool:
    """TensorBoard's own test: the base name contains ``tfevents``."""
    return "tfevents" in name and not name.startswith(".")


def event_files(folder: Path) -> list[Path]:
    """Event files directly in ``folder``, in name order (which is creation order)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    files = []
    for e in entries:
        try:
            if is_event_file_name(e.name) and e.is_file():
                files.append(Path(e.path))
        except OSError:
            continue
    return sorted(files, key=lambda p: p.name)


def split_children(folder: Path) -> list[tuple[Path, str]]:
    """The Keras layout: ``train/``, ``validation/`` (or eval/, val/, test/) children holding
    event files, with the split each stands for."""
    found = []
    for name in _SPLIT_ORDER:
        child = folder / name
        if child.is_dir() and event_files(child):
            found.append((child, SPLIT_DIRS[name]))
    return found


def _read_hparams_yaml(path: Path) -> dict[str, Any]:
    """Lightning's hparams.yaml. PyYAML's safe loader when it is installed (it usually is, as a
    Lightning dependency); otherwise, or when the file holds Python-object tags safe_load refuses,
    a tiny reader of top-level ``key: value`` lines. Never raises: hyperparameters are a bonus."""
    try:
        if path.stat().st_size > MAX_YAML_BYTES:
            return {}
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    try:
        loaded = safe_yaml_load(text)  # bounded: an alias bomb is refused, not expanded
        if isinstance(loaded, dict):
            return {str(k): v for k, v in loaded.items()}
    except YamlLimitError:
        return {}
    except Exception:  # ImportError, or any YAML error: fall back to the tiny reader
        pass
    out: dict[str, Any] = {}
    for line in text.splitlines():
        if not line or line[0] in " \t#-" or ":" not in line:
            continue
        key, _, value = line.partition(":")
        value = value.strip()
        if not value or value.startswith("!!"):
            continue
        out[key.strip()] = _scalar(value)
    return out


def _scalar(text: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("null", "~", "none"):
        return None
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _read_events(path: Path, warnings: list[str], strict: bool) -> EventScalars | None:
    """One file; damage becomes warnings. A file that is no event file at all is skipped with a
    warning when it sits in a run folder (its name said tfevents, its bytes did not), and is an
    error when it was given by name (``strict``)."""
    from losslog.readers.tfevents import NotAnEventFile, read_file

    try:
        ev = read_file(path)
    except NotAnEventFile as exc:
        if strict:
            raise ParseError("not a TensorBoard event file (no valid TFRecord header)", path) from exc
        warnings.append(f"{path}: not a TensorBoard event file; skipped")
        return None
    warnings.extend(ev.warnings)
    return ev


def _epoch_lookup(loaded: list[tuple[EventScalars, str | None, str]]) -> tuple[np.ndarray, np.ndarray] | None:
    """(sorted steps, epoch) from an ``epoch`` / ``train/epoch`` scalar, the last value written
    for a step winning: Lightning and Hugging Face log it beside every metric, so a point's epoch
    is the one logged at its step."""
    import numpy as np

    steps: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for ev, _, _ in loaded:
        for i, tag in enumerate(ev.tags):
            if tag in _EPOCH_TAGS:
                idx = np.flatnonzero(ev.tag_ids == i)
                steps.append(ev.steps[idx])
                values.append(ev.values[idx])
    if not steps:
        return None
    s = np.concatenate(steps)
    v = np.concatenate(values)
    order = np.argsort(s, kind="stable")
    s, v = s[order], v[order]
    last = np.append(s[1:] != s[:-1], True)  # the last of each equal-step run (write order kept)
    return s[last], v[last]


def _epochs_at(lookup: tuple[np.ndarray, np.ndarray], steps: np.ndarray) -> np.ndarray:
    import numpy as np

    ks, kv = lookup
    pos = np.clip(np.searchsorted(ks, steps), 0, len(ks) - 1)
    return np.where(ks[pos] == steps, kv[pos], np.nan)


def _metric_name(tag: str, split: str | None) -> naming.MetricName:
    """A tag's meaning; a folder's split applies only when the tag does not name its own."""
    if split is not None and not naming.split_of(tag)[0] and not tag.lower().startswith("metrics/"):
        return naming.parse(tag, split=split)
    return naming.parse(tag)


def _file_columns(
    ev: EventScalars,
    split: str | None,
    prefix: str,
    epoch_of: tuple[np.ndarray, np.ndarray] | None,
) -> PointColumns:
    """One file's points as the run table's arrays, rows in write order: the decoder's arrays are
    used as they are (no frame per tag, no concatenation, no pandas)."""
    import numpy as np

    from losslog.columns import PointColumns, SeriesName

    names = [_metric_name(tag, split) for tag in ev.tags]
    ids = ev.tag_ids.astype(np.int32, copy=False)
    steps = ev.steps.astype(np.float64)
    epochs = np.full(len(ids), np.nan)
    # Keras's callback: in epoch_* tags the step *is* the epoch (counted from 0)
    keras = [
        i for i, (t, mn) in enumerate(zip(ev.tags, names, strict=True)) if t.startswith("epoch_") and mn.granularity
    ]
    epoch_tags = [i for i, t in enumerate(ev.tags) if t in _EPOCH_TAGS]
    if epoch_of is not None:
        other = ~np.isin(ids, keras + epoch_tags)
        epochs[other] = _epochs_at(epoch_of, ev.steps[other])
    if keras:
        mask = np.isin(ids, keras)
        epochs[mask] = steps[mask]
    if epoch_tags:
        mask = np.isin(ids, epoch_tags)
        epochs[mask] = ev.values[mask]
    series = [SeriesName(mn.metric, mn.split, prefix + tag) for tag, mn in zip(ev.tags, names, strict=True)]
    return PointColumns(series, ids, steps, epochs, ev.values, ev.wall_times)


def build_run(
    parts: list[tuple[Path, str | None, str]],
    source: Path,
    name: str,
    fmt: str,
    hparams_dirs: list[Path],
    strict: bool = False,
) -> Run:
    """One run from event files: ``parts`` are (file, forced split or None, tag prefix)."""
    skipped: list[str] = []  # each file's warnings, and the files that were no event files
    loaded: list[tuple[EventScalars, str | None, str]] = []
    for path, split, prefix in parts:
        ev = _read_events(path, skipped, strict)
        if ev is not None:
            loaded.append((ev, split, prefix))
    meta: dict[str, Any] = {
        "event_files": [str(p) for p, _, _ in parts],
        "records": sum(ev.records for ev, _, _ in loaded),
    }
    versions = sorted({ev.file_version for ev, _, _ in loaded if ev.file_version})
    if versions:
        meta["file_version"] = versions[0] if len(versions) == 1 else versions
    truncated = [ev.path for ev, _, _ in loaded if ev.truncated]
    if truncated:
        meta["truncated_files"] = truncated  # a writer still running: normal, not a warning
    return run_from_scalars(loaded, source, name, fmt, hparams_dirs, meta, warnings=skipped)


def run_from_scalars(
    loaded: list[tuple[EventScalars, str | None, str]],
    source: Path,
    name: str,
    fmt: str,
    hparams_dirs: list[Path],
    meta: dict[str, Any] | None = None,
    warnings: list[str] | None = None,
) -> Run:
    """One run from decoded event files: ``build_run`` reads them, ``losslog watch`` decodes them a
    few records at a time; the same epochs, hparams and step-as-epoch rule for both. ``warnings``:
    the files' own, in file order (by default, each decoded file's)."""
    from losslog.columns import concat_columns

    if warnings is None:
        warnings = [w for ev, _, _ in loaded for w in ev.warnings]
    epoch_of = _epoch_lookup(loaded)
    hparams: dict[str, Any] = {}
    for ev, _, _ in loaded:
        hparams.update(ev.hparams)
    for d in hparams_dirs:
        yaml_path = d / "hparams.yaml"
        if yaml_path.is_file():
            hparams.update(_read_hparams_yaml(yaml_path))
    out_meta: dict[str, Any] = dict(meta or {})
    if hparams:
        out_meta["hparams"] = hparams
    columns = concat_columns(_file_columns(ev, split, prefix, epoch_of) for ev, split, prefix in loaded)
    if steps_are_epochs(columns):
        columns.epoch = columns.step.copy()
        out_meta["epoch_from_step"] = True
    return finish_run(columns, fmt, source, name=name, meta=out_meta, warnings=warnings)


#: Above this many points per tag, a step axis is taken to count iterations, never epochs.
MAX_EPOCHS_FROM_STEPS = 5000


def steps_are_epochs(columns: PointColumns) -> bool:
    """True when the writer evidently logged once per epoch with step = epoch.

    PyTorch scripts commonly call ``writer.add_scalar("Loss/val", v, epoch)``: nothing in the file
    says the step is an epoch, yet reporting "best at step 11" where the user thinks "epoch 11"
    loses the point. Taken as epochs only when no epoch is known yet, there is a validation series,
    and every judged series (train and validation alike) was logged at the same consecutive whole
    steps from 0 or 1: a per-iteration training loss would sit on other, denser steps.
    """
    import numpy as np

    if not len(columns) or not np.isnan(columns.epoch).all():
        return False
    judged = {i for i, s in enumerate(columns.series) if naming.parse(s.tag).goal is not None}
    if not judged or "val" not in {columns.series[i].split for i in judged}:
        return False
    reference: np.ndarray | None = None
    for codes in columns.codes_by_tag().values():
        if codes[0] not in judged:  # a tag's codes share its name, so they are judged alike
            continue
        mask = columns.code == codes[0] if len(codes) == 1 else np.isin(columns.code, codes)
        steps = np.unique(columns.step[mask])
        if len(steps) > MAX_EPOCHS_FROM_STEPS:
            return False
        if reference is None:
            reference = steps
        elif not np.array_equal(steps, reference):
            return False
    assert reference is not None
    n = len(reference)
    if not 2 <= n <= MAX_EPOCHS_FROM_STEPS or reference[0] not in (0.0, 1.0):
        return False
    return bool(np.array_equal(reference, reference[0] + np.arange(n)))


def _run_parts(folder: Path) -> tuple[list[tuple[Path, str | None, str]], list[Path], set[Path]]:
    """The event files making up the run at ``folder`` (its own, then its Keras split children),
    the folders that may hold an hparams.yaml, and the children consumed as splits."""
    parts: list[tuple[Path, str | None, str]] = [(p, None, "") for p in event_files(folder)]
    consumed: set[Path] = set()
    for child, split in split_children(folder):
        # Keep the folder in the tag ("validation/epoch_loss"): it traces the number back to its
        # file, parses to the same split and metric, and keeps the two splits' series apart.
        parts.extend((p, split, f"{child.name}/") for p in event_files(child))
        consumed.add(child)
    return parts, [folder], consumed


def read_tree(root: Path, fmt: str) -> list[Run]:
    """Every run below ``root`` (``root`` itself named ""), TensorBoard's way: each folder holding
    event files is a run, named by its path relative to ``root``."""
    runs: list[Run] = []
    stack: list[Path] = [root]
    seen: set[Path] = set()
    while stack:
        folder = stack.pop()
        try:
            real = folder.resolve()
        except (OSError, RuntimeError):  # a symlink loop or a vanished folder
            continue
        if real in seen:  # symlinks back up the tree: each folder once
            continue
        seen.add(real)
        parts, hp_dirs, consumed = _run_parts(folder)
        if parts:
            rel = "" if folder == root else folder.relative_to(root).as_posix()
            runs.append(build_run(parts, folder, rel, fmt, hp_dirs))
        try:
            children = sorted(
                (Path(e.path) for e in os.scandir(folder) if e.is_dir() and not _SKIP_DIR.match(e.name)),
                key=lambda p: p.name,
                reverse=True,
            )
        except OSError:
            continue
        stack.extend(c for c in children if c not in consumed)
    runs.sort(key=lambda r: r.name)
    return runs


class TensorBoardDirReader:
    """A TensorBoard run folder (or a Keras logdir with train/ and validation/)."""

    name = "tensorboard"
    description = "TensorBoard event files: a run folder, or Keras's train/ + validation/ logdir"
    patterns = ("RUN/events.out.tfevents.*", "LOGDIR/{train,validation}/events.out.tfevents.*")
    example = "runs/exp1/events.out.tfevents.1700000000.host.123.0"
    reads_dirs = True

    def sniff(self, probe: Probe) -> int:
        if not probe.is_dir:
            return 0
        if event_files(probe.path):
            return 90
        if split_children(probe.path):
            return 85
        return 0

    def read(self, path: Path) -> list[Run]:
        return read_tree(path, self.name)


class TensorBoardFileReader:
    """One event file given by name."""

    name = "tensorboard-file"
    description = "one TensorBoard event file (tfevents), read without TensorFlow"
    patterns = ("events.out.tfevents.*",)
    example = "events.out.tfevents.1700000000.host.123.0"
    reads_dirs = False

    def sniff(self, probe: Probe) -> int:
        if probe.is_dir:
            return 0
        if is_event_file_name(probe.name):
            return 95
        from losslog.readers.tfevents import looks_like_event_file

        return 60 if looks_like_event_file(probe.head) else 0

    def read(self, path: Path) -> list[Run]:
        parent = path.parent
        split = SPLIT_DIRS.get(parent.name) if split_children(parent.parent) else None
        prefix = f"{parent.name}/" if split else ""
        return [build_run([(path, split, prefix)], path, "", self.name, [parent], strict=True)]
