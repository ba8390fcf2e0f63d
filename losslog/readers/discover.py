"""From the paths a user typed to a list of named runs.

A folder is walked; every file or sub-folder some reader claims becomes one or more runs, named by
its path relative to the folder given (TensorBoard's convention). One bad file never hides the
others: its error is collected and the walk goes on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from losslog.errors import InputError, LossLogError, ParseError
from losslog.model import Run
from losslog.readers import registry
from losslog.readers.base import Reader, make_probe
from losslog.readers.settings import trainer_monitor

#: File names that say nothing about the run: such a run is named after its folder instead.
GENERIC_NAMES = frozenset(
    {
        "metrics.csv",
        "results.csv",
        "history.csv",
        "trainer_state.json",
        "training.log",
        "train.log",
        "log.txt",
        "metrics.json",
        "scalars.json",
        "log.csv",
        "progress.csv",
        "losses.csv",
    }
)
_SKIP_DIRS = re.compile(r"^(\..*|__pycache__|node_modules|site-packages)$")
_HF_CHECKPOINT = re.compile(r"^checkpoint-\d+$")


@dataclass
class Discovery:
    runs: list[Run] = field(default_factory=list)
    errors: list[LossLogError] = field(default_factory=list)
    #: files seen while walking a folder that no reader claimed (shown with --verbose)
    ignored: list[Path] = field(default_factory=list)


def _run_base_name(path: Path, rel: str | None) -> str:
    """The name of the run(s) read from ``path``; ``rel`` is its path relative to the root folder."""
    if rel is None:  # given by name on the command line
        if path.is_dir():
            return path.resolve().name or str(path)
        if path.name in GENERIC_NAMES:
            return path.resolve().parent.name or path.stem
        return path.stem
    rel_path = Path(rel)
    if path.is_file() and path.name in GENERIC_NAMES:
        rel_path = rel_path.parent
    elif path.is_file():
        rel_path = rel_path.with_suffix("") if rel_path.suffix else rel_path
    text = rel_path.as_posix()
    return "" if text in ("", ".") else text


def _read_one(
    path: Path,
    reader: Reader,
    base: str,
    keep_all: bool,
    out: Discovery,
    raise_unexpected: bool,
) -> None:
    try:
        runs = reader.read(path)
    except LossLogError as exc:
        if exc.source is None:
            exc.source = str(path)
        out.errors.append(exc)
        return
    except OSError as exc:
        out.errors.append(InputError(f"cannot read: {exc.strerror or exc}", path))
        return
    except Exception as exc:  # a reader tripped on input it did not foresee: report, go on
        if raise_unexpected:
            raise
        out.errors.append(ParseError(f"could not parse ({type(exc).__name__}: {exc})", path))
        return
    for run in runs:
        if len(run) == 0:
            out.errors.append(InputError("no data points in this log", run.source or path))
            continue
        name = "/".join(p for p in (base, run.name) if p) or base or path.name
        run.name = name
        if not keep_all:
            run.drop_replaced()
        if "trainer_monitor" not in run.meta and (found := trainer_monitor(Path(run.source), run.format, run.meta)):
            run.meta["trainer_monitor"] = found
        out.runs.append(run)


def _check_file(path: Path) -> None:
    if path.stat().st_size == 0:
        raise InputError("empty file", path)


#: what the walk does with a path a reader claimed: (path, reader, run base name)
Visit = Callable[[Path, Reader, str], None]


def _walk(
    folder: Path,
    root: Path,
    forced: Reader | None,
    visit: Visit,
    out: Discovery,
    on_path: Callable[[Path], None] | None,
) -> None:
    rel = os.path.relpath(folder, root)
    probe = make_probe(folder)
    dir_reader = forced if forced is not None and forced.reads_dirs else registry.best_reader(probe)
    if (
        dir_reader is not None
        and (forced is None or dir_reader is forced)
        and dir_reader.reads_dirs
        and (forced is not None or dir_reader.sniff(probe) > 0)
    ):
        if on_path:
            on_path(folder)
        base = _run_base_name(folder, rel) if folder != root else _run_base_name(folder, None)
        visit(folder, dir_reader, base)
        return
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        out.errors.append(InputError(f"cannot list folder: {exc.strerror}", folder))
        return
    has_trainer_state = any(e.name == "trainer_state.json" for e in entries)
    # Hugging Face copies the whole history into every checkpoint-N/: without a top-level
    # trainer_state.json, the newest checkpoint holds the longest history and stands for the run.
    checkpoints = [e for e in entries if _HF_CHECKPOINT.match(e.name) and e.is_dir()]
    newest_checkpoint = max(checkpoints, key=lambda e: int(e.name.split("-")[1])).name if checkpoints else None
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=True):
            if _SKIP_DIRS.match(entry.name):
                continue
            if _HF_CHECKPOINT.match(entry.name) and (has_trainer_state or entry.name != newest_checkpoint):
                # Hugging Face copies the same history into every checkpoint-N/: count it once.
                out.ignored.append(path)
                continue
            _walk(path, root, forced, visit, out, on_path)
            continue
        if not entry.is_file(follow_symlinks=True) or entry.name.startswith("."):
            continue
        try:
            if entry.stat().st_size == 0:
                out.ignored.append(path)
                continue
            reader = forced if forced is not None and not forced.reads_dirs else registry.best_reader(make_probe(path))
        except OSError:
            out.ignored.append(path)
            continue
        if reader is None:
            out.ignored.append(path)
            continue
        if on_path:
            on_path(path)
        root_rel = os.path.relpath(path, root)
        base = _run_base_name(path, root_rel)
        if base == "":
            base = root.resolve().name
        visit(path, reader, base)


def discover(
    paths: Iterable[Path],
    fmt: str | None = None,
    keep_all: bool = False,
    on_path: Callable[[Path], None] | None = None,
    raise_unexpected: bool = False,
) -> Discovery:
    """Read every path into runs; collect, never raise, the errors of individual inputs.

    ``raise_unexpected``: a reader's unexpected exception (a bug, not bad input) propagates instead
    of becoming a ParseError (the CLI's ``--traceback``, passed down from its context object).
    """
    forced = registry.get(fmt) if fmt else None
    raise_ = raise_unexpected
    out = Discovery()

    def visit(p: Path, reader: Reader, base: str) -> None:
        _read_one(p, reader, base, keep_all, out, raise_)

    for path in paths:
        try:
            if not path.exists():
                raise InputError("no such file or directory", path)
            if path.is_dir():
                before_runs, before_errors = len(out.runs), len(out.errors)
                _walk(path, path, forced, visit, out, on_path)
                if len(out.runs) == before_runs and len(out.errors) == before_errors:
                    raise InputError(
                        "no training logs found in this folder "
                        f"(supported: {registry.supported_summary()}; see `losslog formats`)",
                        path,
                    )
                continue
            _check_file(path)
            reader = forced or registry.reader_for_file(path)
            if on_path:
                on_path(path)
            if reader.reads_dirs:
                raise InputError(f"format {reader.name} reads folders, not files", path)
            _read_one(path, reader, _run_base_name(path, None), keep_all, out, raise_)
        except LossLogError as exc:
            out.errors.append(exc)
        except OSError as exc:
            out.errors.append(InputError(f"cannot read: {exc.strerror or exc}", path))
    _dedupe_names(out.runs)
    return out


def claims(folder: Path, fmt: str | None = None) -> tuple[list[tuple[Path, Reader]], list[Path]]:
    """The walk of ``folder`` without reading: (every path a reader claims with its reader, the
    paths no reader claimed).

    The seam for ``losslog.remote``: it walks a mirror holding only each object's first bytes,
    fetches in full only what this names, then runs ``discover`` on the mirror, so a remote folder
    is judged by exactly the local rules.
    """
    forced = registry.get(fmt) if fmt else None
    out = Discovery()
    found: list[tuple[Path, Reader]] = []
    _walk(folder, folder, forced, lambda p, reader, _base: found.append((p, reader)), out, None)
    return found, out.ignored


def _anchor(run: Run) -> Path:
    """The folder whose name the run's name starts with, or the file it is named after."""
    src = Path(run.source).resolve()
    first = run.name.split("/")[0]
    for candidate in (src, *src.parents):
        if candidate.name == first or candidate.stem == first:
            return candidate
    return src


def _dedupe_names(runs: list[Run]) -> None:
    """Runs from different places that got the same name (two ``version_0`` folders given by name)
    take as many parent folders as it needs to tell them apart: ``a/version_0``, ``b/version_0``."""
    groups: dict[str, list[Run]] = {}
    for run in runs:
        groups.setdefault(run.name, []).append(run)
    for name, group in groups.items():
        if len(group) < 2:
            continue
        anchors = [_anchor(r) for r in group]
        for depth in range(1, 8):
            names = ["/".join([*a.parent.parts[-depth:], name]) for a in anchors]
            if len(set(names)) == len(names):
                for run, new in zip(group, names):
                    run.name = new
                break
        else:
            for i, run in enumerate(group[1:], start=2):
                run.name = f"{name}#{i}"
