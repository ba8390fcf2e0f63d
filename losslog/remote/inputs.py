"""Discovery over a mix of local paths and URLs: URLs are mirrored, then every path is walked by
the one local ``discover``, and what it found is renamed back to the URLs."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from losslog.errors import LossLogError
from losslog.readers.discover import Discovery, discover
from losslog.remote.storage import StorageOptions
from losslog.remote.url import is_url, local_path_text


@dataclass
class RemoteDiscovery(Discovery):
    """A ``Discovery`` whose runs and errors name URLs; ``show`` names a mirrored path by its URL."""

    #: mirror root -> URL, for every URL given
    roots: dict[str, str] = field(default_factory=dict)
    #: local mirror path -> the object's fingerprint (ETag / version), for the run cache
    fingerprints: dict[str, str] = field(default_factory=dict)
    #: what the store was asked for, summed over the URLs
    fetched_objects: int = 0
    fetched_bytes: int = 0

    def show(self, path: str | Path) -> str:
        """``path`` as the user knows it: the URL for a mirrored file, the path otherwise."""
        return to_url(str(path), self.roots)


def to_url(text: str, roots: dict[str, str]) -> str:
    for local, url in roots.items():
        if text == local:
            return url
        if text.startswith(local + os.sep):
            return url + "/" + text[len(local) + 1 :].replace(os.sep, "/")
    return text


def _rename_in(text: str, roots: dict[str, str]) -> str:
    """Every mirror path inside a message replaced by its URL."""
    for local, url in roots.items():
        if local in text:
            text = text.replace(local + os.sep, url + "/").replace(local, url)
    return text


def as_input(item: str | os.PathLike[str]) -> str | Path:
    """A command-line input: a URL stays text (``Path`` would fold its ``//``), anything else a Path."""
    text = os.fspath(item)
    return text if is_url(text) else Path(local_path_text(text))


def discover_inputs(
    inputs: Sequence[str | os.PathLike[str]],
    fmt: str | None = None,
    keep_all: bool = False,
    on_path: Callable[[Path], None] | None = None,
    raise_unexpected: bool = False,
    storage: StorageOptions | None = None,
) -> Discovery:
    """``discover`` that also takes URLs. With no URL among the inputs it *is* ``discover``: local
    behaviour does not change and fsspec is never imported."""
    items = [as_input(i) for i in inputs]
    if not any(isinstance(i, str) for i in items):
        return discover(
            [Path(i) for i in items], fmt=fmt, keep_all=keep_all, on_path=on_path, raise_unexpected=raise_unexpected
        )
    from losslog.remote.mirror import sync

    storage = storage or StorageOptions()
    out = RemoteDiscovery()
    paths: list[Path] = []
    for item in items:
        if isinstance(item, Path):
            paths.append(item)
            continue
        try:
            mirrored = sync(item, storage, fmt)
        except LossLogError as exc:
            out.errors.append(exc)
            continue
        out.errors.extend(mirrored.errors)
        out.roots[str(mirrored.local)] = mirrored.url
        out.fingerprints.update(mirrored.fingerprints)
        out.fetched_objects += mirrored.stats.objects_fetched
        out.fetched_bytes += mirrored.stats.bytes_fetched
        paths.append(mirrored.local)
    shown: Callable[[Path], None] | None = None
    if on_path is not None:
        progress = on_path

        def shown(p: Path) -> None:  # progress only prints the path: the URL, never the cache folder
            progress(cast(Path, out.show(p)))

    found = discover(paths, fmt=fmt, keep_all=keep_all, on_path=shown, raise_unexpected=raise_unexpected)
    roots = out.roots
    for run in found.runs:
        run.source = to_url(run.source, roots)
        run.warnings = [_rename_in(w, roots) for w in run.warnings]
    for err in found.errors:
        if err.source is not None:
            err.source = to_url(err.source, roots)
        err.message = _rename_in(err.message, roots)
    out.runs = found.runs
    out.errors.extend(found.errors)
    out.ignored = found.ignored
    return out
