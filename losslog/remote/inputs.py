"""Inputs that mix local paths and URLs: URLs are mirrored first, then every path goes through the
one local walk (``discover`` or the engine's ``analyze_paths``), and what was found is named by
its URL again."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from losslog.errors import InputError, LossLogError
from losslog.readers.discover import Discovery, discover
from losslog.remote.storage import StorageOptions
from losslog.remote.url import is_url, local_path_text


@dataclass
class Mirrors:
    """The inputs with each URL replaced by its local mirror, and how to name things back."""

    paths: list[Path] = field(default_factory=list)
    #: mirror root -> URL, for every URL given
    roots: dict[str, str] = field(default_factory=dict)
    #: errors of whole URLs (no bucket, no credentials) and of single objects (a denied read)
    errors: list[LossLogError] = field(default_factory=list)
    storage: StorageOptions = field(default_factory=StorageOptions)
    #: what the store was asked for, summed over the URLs
    fetched_objects: int = 0
    fetched_bytes: int = 0

    def show(self, path: str | Path) -> str:
        """``path`` as the user knows it: the URL for a mirrored file, the path otherwise."""
        return to_url(str(path), self.roots)

    def rename(self, text: str) -> str:
        """Every mirror path inside a message replaced by its URL."""
        for local, url in self.roots.items():
            if local in text:
                text = text.replace(local + os.sep, url + "/").replace(local, url)
        return text

    def rename_error(self, err: LossLogError) -> LossLogError:
        if err.source is not None:
            err.source = self.show(err.source)
        err.message = self.rename(err.message)
        return err


@dataclass
class RemoteDiscovery(Discovery):
    """A ``Discovery`` whose runs and errors name URLs; ``show`` names a mirrored path by its URL."""

    mirrors: Mirrors = field(default_factory=Mirrors)

    def show(self, path: str | Path) -> str:
        return self.mirrors.show(path)


def to_url(text: str, roots: dict[str, str]) -> str:
    for local, url in roots.items():
        if text == local:
            return url
        if text.startswith(local + os.sep):
            return url + "/" + text[len(local) + 1 :].replace(os.sep, "/")
    return text


def as_input(item: str | os.PathLike[str]) -> str | Path:
    """A command-line input: a URL stays text (``Path`` would fold its ``//``), anything else a Path."""
    text = os.fspath(item)
    return text if is_url(text) else Path(local_path_text(text))


def has_url(inputs: Sequence[str | os.PathLike[str]]) -> bool:
    return any(isinstance(as_input(i), str) for i in inputs)


def mirror_inputs(
    inputs: Sequence[str | os.PathLike[str]], fmt: str | None = None, storage: StorageOptions | None = None
) -> Mirrors:
    """Mirror every URL among ``inputs`` (listing, heads, then the claimed files); local paths pass
    through. A URL that cannot be listed is an error and is left out; the others go on."""
    from losslog.remote.mirror import sync

    out = Mirrors(storage=storage or StorageOptions())
    for item in (as_input(i) for i in inputs):
        if isinstance(item, Path):
            out.paths.append(item)
            continue
        try:
            mirrored = sync(item, out.storage, fmt)
        except LossLogError as exc:
            out.errors.append(exc)
            continue
        except OSError as exc:  # the mirror folder (a file where a folder should be, a full disk ...)
            out.errors.append(InputError(f"cannot mirror into the cache folder: {exc.strerror or exc}", item))
            continue
        out.errors.extend(mirrored.errors)
        out.roots[str(mirrored.local)] = mirrored.url
        out.fetched_objects += mirrored.stats.objects_fetched
        out.fetched_bytes += mirrored.stats.bytes_fetched
        out.paths.append(mirrored.local)
    return out


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
    if not has_url(inputs):
        paths = [cast(Path, as_input(i)) for i in inputs]
        return discover(paths, fmt=fmt, keep_all=keep_all, on_path=on_path, raise_unexpected=raise_unexpected)
    mirrors = mirror_inputs(inputs, fmt, storage)
    shown: Callable[[Path], None] | None = None
    if on_path is not None:
        progress = on_path

        def shown(p: Path) -> None:  # progress only prints the path: the URL, never the cache folder
            progress(cast(Path, mirrors.show(p)))

    found = discover(mirrors.paths, fmt=fmt, keep_all=keep_all, on_path=shown, raise_unexpected=raise_unexpected)
    for run in found.runs:
        run.source = mirrors.show(run.source)
        run.warnings = [mirrors.rename(w) for w in run.warnings]
    out = RemoteDiscovery(mirrors=mirrors)
    out.runs = found.runs
    out.errors = [*mirrors.errors, *(mirrors.rename_error(e) for e in found.errors)]
    out.ignored = found.ignored
    return out
