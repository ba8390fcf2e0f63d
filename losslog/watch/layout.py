"""Which runs the watched paths hold now, and which files make up each.

Scanned again once per interval (a folder listing and a ``stat`` per entry; files are probed once),
so a run that starts while the watch is on, or a new event file after a restart, is picked up.
The rules are discovery's: a folder holding event files is one TensorBoard run (with Keras's
``train/`` and ``validation/`` children), named by its path below the folder given; any other
file a reader claims is a run named after the file (or its folder, for generic names such as
``metrics.csv``); a folder a store reader claims (MLflow, W&B ...) is read whole.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from losslog.readers import registry
from losslog.readers.base import Reader, make_probe
from losslog.readers.discover import GENERIC_NAMES
from losslog.readers.tensorboard import event_files, is_event_file_name, split_children

_SKIP_DIRS = re.compile(r"^(\..*|__pycache__|node_modules|site-packages|checkpoint-\d+)$")


@dataclass
class RunSpec:
    """A run found by a scan: its name, kind and files."""

    key: str  # stable identity: the file or folder it is read from
    name: str
    kind: str  # "events" | "file" | "folder"
    path: Path
    reader: Reader | None = None
    #: event files: (file, forced split, tag prefix)
    parts: list[tuple[Path, str | None, str]] = field(default_factory=list)


class Layout:
    """Scans the watched paths; remembers which reader claimed each file."""

    def __init__(self, paths: list[Path], forced: Reader | None = None) -> None:
        self.paths = paths
        self.forced = forced
        self._readers: dict[Path, Reader | None] = {}

    def scan(self) -> list[RunSpec]:
        specs: list[RunSpec] = []
        for root in self.paths:
            if root.is_dir():
                self._walk(root, root, specs)
            elif root.is_file():
                spec = self._file_spec(root, root, None)
                if spec is not None:
                    specs.append(spec)
        return specs

    def reader_for(self, path: Path) -> Reader | None:
        """The reader claiming ``path``; asked again until the file holds a complete first line."""
        if path in self._readers:
            return self._readers[path]
        try:
            probe = make_probe(path)
        except OSError:
            return None
        if not probe.head:
            return None
        reader = self.forced if self.forced is not None and not self.forced.reads_dirs else registry.best_reader(probe)
        if b"\n" in probe.head or len(probe.head) >= 4096 or (reader is not None and reader.name.startswith("tensorb")):
            self._readers[path] = reader
        return reader

    def _dir_reader(self, folder: Path) -> Reader | None:
        """A reader of whole folders (a store) claiming ``folder``, else None."""
        if self.forced is not None:
            return self.forced if self.forced.reads_dirs else None
        best = registry.best_reader(make_probe(folder))
        return best if best is not None and best.reads_dirs else None

    def _file_spec(self, path: Path, root: Path, rel: str | None) -> RunSpec | None:
        if is_event_file_name(path.name) and self.forced is None:
            parent = path.parent
            split = None
            prefix = ""
            if rel is None and split_children(parent.parent) and parent.name in ("train", "validation", "eval", "val"):
                from losslog.readers.tensorboard import SPLIT_DIRS

                split = SPLIT_DIRS.get(parent.name)
                prefix = f"{parent.name}/"
            name = path.stem if rel is None else rel
            return RunSpec(str(path), name, "events", path, None, [(path, split, prefix)])
        reader = self.reader_for(path)
        if reader is None:
            return None
        return RunSpec(str(path), _file_run_name(path, root, rel), "file", path, reader)

    def _walk(self, folder: Path, root: Path, specs: list[RunSpec]) -> None:
        rel = "" if folder == root else folder.relative_to(root).as_posix()
        parts: list[tuple[Path, str | None, str]] = [(p, None, "") for p in event_files(folder)]
        consumed: set[str] = set()
        for child, split in split_children(folder):
            parts.extend((p, split, f"{child.name}/") for p in event_files(child))
            consumed.add(child.name)
        if parts and self.forced is None:
            name = rel or (root.resolve().name or str(root))
            specs.append(RunSpec(str(folder), name, "events", folder, None, parts))
        else:
            reader = self._dir_reader(folder)
            if reader is not None:
                name = rel or (root.resolve().name or str(root))
                specs.append(RunSpec(str(folder), name, "folder", folder, reader))
                return
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if entry.name in consumed or entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=True):
                    if not _SKIP_DIRS.match(entry.name):
                        self._walk(path, root, specs)
                    continue
                if not entry.is_file(follow_symlinks=True) or is_event_file_name(entry.name):
                    continue
                if entry.stat().st_size == 0:
                    continue
            except OSError:
                continue
            spec = self._file_spec(path, root, os.path.relpath(path, root))
            if spec is not None:
                specs.append(spec)


def _file_run_name(path: Path, root: Path, rel: str | None) -> str:
    """Discovery's naming: a file given by name is its stem (its folder for generic names); a file
    found in a folder is its path below that folder, without the suffix."""
    if rel is None:
        if path.name in GENERIC_NAMES:
            return path.resolve().parent.name or path.stem
        return path.stem
    rel_path = Path(rel)
    rel_path = rel_path.parent if path.name in GENERIC_NAMES else rel_path.with_suffix("")
    text = rel_path.as_posix()
    return root.resolve().name if text in ("", ".") else text
