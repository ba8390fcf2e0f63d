"""From the paths a user typed to a list of named runs.

A folder is walked; every file or sub-folder some reader claims becomes one or more runs, named by
its path relative to the folder given (TensorBoard's convention). One bad file never hides the
others: its error is collected and the walk goes on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from losslog.errors import InputError, LossLogError, ParseError
from losslog.model import Run
from losslog.readers import log_names, registry
from losslog.readers.base import Reader, make_probe
from losslog.readers.run_names import dedupe_names
from losslog.readers.settings import trainer_monitor
from losslog.readers.text import looks_binary

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
#: How deep a walk goes below the folder given: deeper is an error, never an endless walk.
MAX_WALK_DEPTH = 64

_SKIP_DIRS = re.compile(r"^(\..*|__pycache__|node_modules|site-packages)$")
_HF_CHECKPOINT = re.compile(r"^checkpoint-\d+$")
R = TypeVar("R")
__all__ = [
    "GENERIC_NAMES",
    "Discovery",
    "Listing",
    "Source",
    "dedupe_names",
    "discover",
    "list_sources",
    "read_source",
    "walk_results",
]


@dataclass
class Discovery:
    runs: list[Run] = field(default_factory=list)
    errors: list[LossLogError] = field(default_factory=list)
    #: files seen while walking a folder that no reader claimed (shown with --verbose)
    ignored: list[Path] = field(default_factory=list)
    #: real paths already walked or read: a symlink loop or a second link to a log counts once
    seen: set[str] = field(default_factory=set, repr=False)


@dataclass(frozen=True)
class Source:
    """One input a reader will turn into runs: a file or a folder, the reader that claimed it, and
    the name its runs start with. Plain data, so it can be sent to another process."""

    path: Path
    #: the reader's name; "" when the reader is to be chosen by sniffing the file when it is read
    #: (sniffing a text file means parsing its head: done by the engine's workers, in parallel)
    reader: str
    base: str


@dataclass(frozen=True)
class _Ignored:
    path: Path


@dataclass(frozen=True)
class _FolderStart:
    path: Path


@dataclass(frozen=True)
class _FolderEnd:
    path: Path


#: what listing yields, in the walk's order: a source to read, an input's error, or folder bounds
ListItem = Source | LossLogError | _Ignored | _FolderStart | _FolderEnd


@dataclass
class Listing:
    """The walk without the reading: the sources in order, interleaved with the errors the walk
    itself found, so that reading them (serially or not) and ``assemble`` give what ``discover``
    always gave, in the same order."""

    items: list[ListItem] = field(default_factory=list)
    #: real paths already walked or listed: a symlink loop or a second link to a log counts once
    seen: set[str] = field(default_factory=set, repr=False)

    @property
    def ignored(self) -> list[Path]:
        """The files the walk skipped without sniffing them (empty ones, older checkpoints)."""
        return [i.path for i in self.items if isinstance(i, _Ignored)]

    @property
    def sources(self) -> list[Source]:
        return [i for i in self.items if isinstance(i, Source)]


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


def read_source(source: Source, keep_all: bool, raise_unexpected: bool) -> Discovery:
    """Read one listed source into its named runs, or the error that stopped it."""
    out = Discovery()
    if source.reader:
        reader = registry.get(source.reader)
    else:
        try:
            probe = make_probe(source.path)
            sniffed = registry.best_reader(probe)
        except OSError as exc:
            _unread_file(source.path, f"cannot read: {exc.strerror or exc}", out)
            return out
        if sniffed is None:
            _unread_file(source.path, None, out, binary=looks_binary(probe.head))
            return out
        reader = sniffed
    _read_one(source.path, reader, source.base, keep_all, out, raise_unexpected)
    return out


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


def _first_visit(path: Path, out: Discovery | Listing) -> bool:
    """True the first time a real path is met in this discovery (symlinks resolved)."""
    real = os.path.realpath(path)
    if real in out.seen:
        return False
    out.seen.add(real)
    return True


def _unread_file(path: Path, problem: str | None, out: Discovery | Listing, binary: bool = False) -> None:
    """A walked file no reader took: an input error when it carries a log's name (or a text log's
    suffix over binary data) or could not be opened (``problem`` says why), quietly skipped only
    when it plainly is no log."""
    name = path.name
    error: InputError | None = None
    if problem is not None and not log_names.plainly_not_a_log(name):
        error = InputError(problem, path)
    elif problem is None and log_names.corrupt_log(name, binary):
        error = InputError("named like a training log, but not one losslog can read (corrupt or binary data?)", path)
    if isinstance(out, Listing):
        out.items.append(error if error is not None else _Ignored(path))
    elif error is not None:
        out.errors.append(error)
    else:
        out.ignored.append(path)


def _walk(
    folder: Path,
    root: Path,
    forced: Reader | None,
    out: Listing,
    depth: int = 0,
) -> None:
    if not _first_visit(folder, out):
        return  # a symlink loop, or a second link to a folder already walked
    if depth > MAX_WALK_DEPTH:
        out.items.append(InputError(f"folders nested deeper than {MAX_WALK_DEPTH} levels; not walked", folder))
        return
    rel = os.path.relpath(folder, root)
    probe = make_probe(folder)
    dir_reader = forced if forced is not None and forced.reads_dirs else registry.best_reader(probe)
    if (
        dir_reader is not None
        and (forced is None or dir_reader is forced)
        and dir_reader.reads_dirs
        and (forced is not None or dir_reader.sniff(probe) > 0)
    ):
        base = _run_base_name(folder, rel) if folder != root else _run_base_name(folder, None)
        out.items.append(Source(folder, dir_reader.name, base))
        return
    try:
        # links after real entries: a log reached both ways is read once, under its real name
        entries = sorted(os.scandir(folder), key=lambda e: (e.is_symlink(), e.name))
    except OSError as exc:
        out.items.append(InputError(f"cannot list folder: {exc.strerror}", folder))
        return
    has_trainer_state = any(e.name == "trainer_state.json" for e in entries)
    # Hugging Face copies the whole history into every checkpoint-N/: without a top-level
    # trainer_state.json, the newest checkpoint holds the longest history and stands for the run.
    checkpoints = [e for e in entries if _HF_CHECKPOINT.match(e.name) and _is_dir(e)]
    newest_checkpoint = max(checkpoints, key=lambda e: int(e.name.split("-")[1])).name if checkpoints else None
    for entry in entries:
        path = Path(entry.path)
        if _is_dir(entry):
            if _SKIP_DIRS.match(entry.name):
                continue
            if _HF_CHECKPOINT.match(entry.name) and (has_trainer_state or entry.name != newest_checkpoint):
                # Hugging Face copies the same history into every checkpoint-N/: count it once.
                out.items.append(_Ignored(path))
                continue
            _walk(path, root, forced, out, depth + 1)
            continue
        if entry.name.startswith("."):
            continue
        if log_names.plainly_not_a_log(entry.name):
            out.items.append(_Ignored(path))  # a README, a picture, code: never sniffed
            continue
        try:
            if not entry.is_file(follow_symlinks=True):
                if entry.is_symlink() and log_names.carries_log_name(entry.name):
                    _unread_file(path, "a link to nothing (dangling symlink, or a link loop)", out)
                continue
            if not _first_visit(path, out):
                continue  # the same file through another link: read once
            if entry.stat().st_size == 0:
                _unread_file(path, "empty file" if log_names.carries_log_name(entry.name) else None, out)
                continue
        except OSError as exc:
            _unread_file(path, f"cannot read: {exc.strerror or exc}", out)
            continue
        # Which reader claims the file is decided when it is read (``read_source``): sniffing
        # parses the head of every text file, the costliest part of a walk.
        reader_name = forced.name if forced is not None and not forced.reads_dirs else ""
        root_rel = os.path.relpath(path, root)
        base = _run_base_name(path, root_rel)
        if base == "":
            base = root.resolve().name
        out.items.append(Source(path, reader_name, base))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=True)
    except OSError:
        return False


def list_sources(paths: Iterable[Path], fmt: str | None = None) -> Listing:
    """Walk the paths and name every source a reader claims, reading none of them (sniffing only).

    The walk's rules, names and errors are ``discover``'s: ``discover`` is this, then
    ``read_source`` on each source, then ``assemble``.
    """
    forced = registry.get(fmt) if fmt else None
    out = Listing()
    for path in paths:
        try:
            if not path.exists():
                raise InputError("no such file or directory", path)
            if path.is_dir():
                out.seen.clear()  # each folder given is walked whole, even if it was walked before
                out.items.append(_FolderStart(path))
                _walk(path, path, forced, out)
                out.items.append(_FolderEnd(path))
                continue
            _check_file(path)
            reader = forced or registry.reader_for_file(path)
            if reader.reads_dirs:
                raise InputError(f"format {reader.name} reads folders, not files", path)
            out.items.append(Source(path, reader.name, _run_base_name(path, None)))
        except LossLogError as exc:
            out.items.append(exc)
        except OSError as exc:
            out.items.append(InputError(f"cannot read: {exc.strerror or exc}", path))
    return out


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
    listing = list_sources(paths, fmt)

    def read_all() -> Iterator[Discovery]:
        for source in listing.sources:
            if on_path:
                on_path(source.path)
            yield read_source(source, keep_all, raise_unexpected)

    out = Discovery()
    for kind, payload in walk_results(listing, read_all(), lambda d: (len(d.runs), len(d.errors))):
        if kind == "result":
            out.runs.extend(payload.runs)
            out.errors.extend(payload.errors)
            out.ignored.extend(payload.ignored)
        elif kind == "ignored":
            out.ignored.append(payload)
        else:
            out.errors.append(payload)
    _dedupe_names(out.runs)
    return out


def walk_results(
    listing: Listing, results: Iterable[R], counts: Callable[[R], tuple[int, int]]
) -> Iterator[tuple[str, Any]]:
    """Each source's result (``("result", r)``), each walk error (``("error", e)``) and each file the
    walk skipped (``("ignored", path)``), in walk order.

    ``results`` yields one result per source of ``listing``, in order (an engine's ``map`` does);
    ``counts(r)`` says how many runs and errors a result holds, so that a folder whose sources gave
    neither gets its "no training logs found" error, as ``discover`` always did.
    """
    it = iter(results)
    open_folders: list[int] = []  # things (runs + errors) seen since each open folder started
    seen = 0
    for item in listing.items:
        if isinstance(item, _FolderStart):
            open_folders.append(seen)
            continue
        if isinstance(item, _Ignored):
            yield ("ignored", item.path)
            continue
        if isinstance(item, _FolderEnd):
            start = open_folders.pop()
            if seen == start:
                seen += 1
                yield (
                    "error",
                    InputError(
                        "no training logs found in this folder "
                        f"(supported: {registry.supported_summary()}; see `losslog formats`)",
                        item.path,
                    ),
                )
            continue
        if isinstance(item, Source):
            result = next(it)
            runs, errors = counts(result)
            seen += runs + errors
            yield ("result", result)
        else:
            seen += 1
            yield ("error", item)


def _dedupe_names(runs: list[Run]) -> None:
    """Runs from different places that got the same name (two ``version_0`` folders given by name)
    take as many parent folders as it needs to tell them apart: ``a/version_0``, ``b/version_0``."""
    for run, name in zip(runs, dedupe_names([(r.name, r.source) for r in runs])):
        run.name = name
