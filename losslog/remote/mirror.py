"""A remote folder mirrored on local disk, fetching only what the readers need.

One listing gives every object's size and ETag/version. Each new or changed object gets a local
file of its true size holding only its first bytes (a ranged read; the rest is a hole), which is
all that format detection looks at. The local walk (``readers.discover.claims``) then says which
files and folders are runs; only those, and the small settings files next to them, are fetched
whole (the missing tail, again by a ranged read). Unchanged objects are never fetched again: the
manifest keeps each object's fingerprint and whether the local copy is whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from losslog.errors import LossLogError
from losslog.readers.base import HEAD_BYTES
from losslog.remote.storage import StorageOptions, describe, filesystem

#: settings files next to a run (``readers/settings.py`` reads at most this much of one)
SETTINGS_MAX_BYTES = 2_000_000
#: bytes held in memory per batch of ranged reads
BATCH_BYTES = 64 * 1024 * 1024
#: model weights, archives, pictures: no reader looks at their bytes, so not even their head is read
#: (the local file is all hole, of the true size; names are all that run-folder readers use)
NEVER_LOGS = frozenset(
    {
        ".ckpt",
        ".pt",
        ".pth",
        ".bin",
        ".safetensors",
        ".h5",
        ".hdf5",
        ".keras",
        ".onnx",
        ".npz",
        ".npy",
        ".pkl",
        ".pickle",
        ".tflite",
        ".gguf",
        ".msgpack",
        ".zip",
        ".tar",
        ".png",
        ".jpg",
        ".jpeg",
        ".mp4",
    }
)
_HIDDEN = re.compile(r"^(\..*|__pycache__|node_modules|site-packages)$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._=+@,-]")


def cache_root() -> Path:
    """``$LOSSLOG_CACHE_DIR``, else ``$XDG_CACHE_HOME/losslog``, else ``~/.cache/losslog``."""
    env = os.environ.get("LOSSLOG_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "losslog"


def fingerprint(info: dict[str, Any]) -> str:
    """What identifies one version of an object: its version id, else its ETag, else size+mtime."""
    for key in ("VersionId", "generation", "version_id", "ETag", "etag", "md5Hash", "content_md5"):
        value = info.get(key)
        if value not in (None, "", "null"):
            return f"{key}:{str(value).strip(chr(34))}"
    mtime = info.get("LastModified") or info.get("mtime") or info.get("updated") or info.get("last_modified")
    return f"size:{info.get('size')}:mtime:{mtime}"


@dataclass
class Stats:
    """What a sync cost: objects listed, and objects and bytes read from the store."""

    listed: int = 0
    head_objects: int = 0
    whole_objects: int = 0
    bytes_fetched: int = 0

    @property
    def objects_fetched(self) -> int:
        return self.head_objects + self.whole_objects

    def add(self, other: Stats) -> None:
        self.listed += other.listed
        self.head_objects += other.head_objects
        self.whole_objects += other.whole_objects
        self.bytes_fetched += other.bytes_fetched


@dataclass
class Mirrored:
    """One URL on local disk: where, what it cost, and the objects that could not be read."""

    url: str
    local: Path
    stats: Stats = field(default_factory=Stats)
    errors: list[LossLogError] = field(default_factory=list)
    #: local mirror path -> fingerprint of the object it holds (for the run cache)
    fingerprints: dict[str, str] = field(default_factory=dict)


def mirror_dir(url: str) -> Path:
    """Where ``url`` is mirrored: ``<cache>/remote/<scheme>/<host or bucket>/<path>``.

    The layout repeats the URL's own folders, so runs named after parent folders (two runs both
    called ``version_0``) get the same names as on the store.
    """
    proto, _, rest = url.partition("://")
    parts = [p for p in rest.split("?")[0].split("/") if p not in ("", ".", "..")]
    safe = [_UNSAFE.sub("_", p) for p in parts] or ["_"]
    return cache_root() / "remote" / _UNSAFE.sub("_", proto.lower()) / Path(*safe)


def _manifest_path(url: str) -> Path:
    digest = hashlib.sha256(url.rstrip("/").encode()).hexdigest()[:24]
    return cache_root() / "remote" / "manifests" / f"{digest}.json"


def _load_manifest(url: str) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(_manifest_path(url).read_text())
        files = data.get("files") if data.get("url") == url.rstrip("/") else None
        return files if isinstance(files, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_manifest(url: str, files: dict[str, dict[str, Any]]) -> None:
    path = _manifest_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"url": url.rstrip("/"), "files": files}, sort_keys=True))
    os.replace(tmp, path)


def _skipped(rel: str) -> bool:
    """Names the local walk never looks into (hidden folders and files, caches)."""
    return any(_HIDDEN.match(part) for part in rel.split("/"))


def _ranged(fs: Any, jobs: Sequence[tuple[str, int, int]]) -> Iterable[tuple[int, bytes | BaseException]]:
    """``fs.cat_ranges`` in batches of bounded size: (index into jobs, bytes or the error)."""
    batch: list[int] = []
    size = 0

    def run(idx: list[int]) -> list[tuple[int, bytes | BaseException]]:
        if not idx:
            return []
        paths = [jobs[i][0] for i in idx]
        starts = [jobs[i][1] for i in idx]
        ends = [jobs[i][2] for i in idx]
        try:
            got = fs.cat_ranges(paths, starts, ends, on_error="return")
        except Exception as exc:  # the whole batch failed (credentials, network)
            got = [exc] * len(idx)
        return list(zip(idx, got))

    for i, (_, start, end) in enumerate(jobs):
        batch.append(i)
        size += end - start
        if size >= BATCH_BYTES or len(batch) >= 256:
            yield from run(batch)
            batch, size = [], 0
    yield from run(batch)


def _write_head(local: Path, head: bytes, size: int) -> None:
    """A local file of the object's true size whose first bytes are real (the rest a hole)."""
    local.parent.mkdir(parents=True, exist_ok=True)
    with local.open("wb") as fh:
        fh.write(head)
        if size > len(head):
            fh.truncate(size)


def _read_local_head(local: Path, n: int = 8192) -> bytes:
    try:
        with local.open("rb") as fh:
            return fh.read(n)
    except OSError:
        return b""


def sync(url: str, options: StorageOptions, log_format: str | None = None) -> Mirrored:
    """Mirror ``url`` (a folder or one object) so the local readers can read it; raise an
    ``InputError`` naming the URL when the store cannot be listed at all."""
    fs, root = filesystem(url, options)
    base = url.rstrip("/")
    local_root = mirror_dir(base)
    out = Mirrored(base, local_root)
    try:
        if hasattr(fs, "invalidate_cache"):
            fs.invalidate_cache()
        info = fs.info(root)
        # an HTTP "folder" is a page of links: a URL ending in / is listed, not read as one file
        if info.get("type") == "directory" or url.endswith("/"):
            listing = fs.find(root, detail=True, withdirs=True)
            single = False
        else:
            listing = {root: info}
            single = True
    except LossLogError:
        raise
    except Exception as exc:
        raise describe(exc, base) from None

    objects: dict[str, dict[str, Any]] = {}  # rel -> info
    folders: set[str] = set()
    prefix = root.rstrip("/") + "/"
    for name, entry in listing.items():
        rel = "" if single else (name[len(prefix) :] if name.startswith(prefix) else None)
        if rel is None or (rel and _skipped(rel)):
            continue
        if entry.get("type") == "directory":
            folders.add(rel)
        elif not rel.endswith("/"):
            objects[rel] = entry
    out.stats.listed = len(objects)

    def local_of(rel: str) -> Path:
        return local_root / rel if rel else local_root

    def remote_of(rel: str) -> str:
        return f"{prefix}{rel}" if rel else root

    def url_of(rel: str) -> str:
        return f"{base}/{rel}" if rel else base

    old = _load_manifest(base)
    files: dict[str, dict[str, Any]] = {}
    if not single:
        local_root.mkdir(parents=True, exist_ok=True)
        for rel in folders:
            if rel:
                local_of(rel).mkdir(parents=True, exist_ok=True)
    for rel in set(old) - set(objects):  # gone from the store: gone from the mirror
        with contextlib.suppress(OSError):
            local_of(rel).unlink()

    heads: list[tuple[str, int, int]] = []
    head_rels: list[str] = []
    for rel, entry in sorted(objects.items()):
        size = int(entry.get("size") or 0)
        tag = fingerprint(entry)
        prev = old.get(rel)
        local = local_of(rel)
        if prev and prev.get("tag") == tag and _has_size(local, size):
            files[rel] = prev
            continue
        files[rel] = {"tag": tag, "size": size, "have": 0}
        name = os.path.basename(rel)
        if size == 0 or os.path.splitext(name)[1].lower() in NEVER_LOGS:
            _write_head(local, b"", size)
            continue
        heads.append((remote_of(rel), 0, min(size, HEAD_BYTES)))
        head_rels.append(rel)
    for i, got in _ranged(fs, heads):
        rel = head_rels[i]
        if isinstance(got, BaseException):
            files.pop(rel, None)
            out.errors.append(describe(got, url_of(rel)))
            continue
        _write_head(local_of(rel), got, files[rel]["size"])
        files[rel]["have"] = len(got)
        out.stats.head_objects += 1
        out.stats.bytes_fetched += len(got)

    needed = _needed(local_root, single, files, log_format, local_of)
    rest = [rel for rel in needed if files[rel]["have"] < files[rel]["size"]]
    jobs = [(remote_of(rel), files[rel]["have"], files[rel]["size"]) for rel in rest]
    for i, got in _ranged(fs, jobs):
        rel = rest[i]
        if isinstance(got, BaseException):
            files.pop(rel, None)
            with contextlib.suppress(OSError):
                local_of(rel).unlink()
            out.errors.append(describe(got, url_of(rel)))
            continue
        with local_of(rel).open("r+b") as fh:
            fh.seek(files[rel]["have"])
            fh.write(got)
            fh.truncate(files[rel]["have"] + len(got))
        files[rel]["have"] += len(got)
        out.stats.whole_objects += 1
        out.stats.bytes_fetched += len(got)
    _save_manifest(base, files)
    out.fingerprints = {str(local_of(rel)): meta["tag"] for rel, meta in files.items()}
    return out


def _has_size(local: Path, size: int) -> bool:
    try:
        return local.stat().st_size == size
    except OSError:
        return False


def _needed(
    local_root: Path, single: bool, files: dict[str, dict[str, Any]], log_format: str | None, local_of: Any
) -> list[str]:
    """The objects to fetch whole: what a reader claims (a file, or a run folder's logs), and the
    small text files beside each claim that ``readers/settings.py`` may read.

    The claims come from the local walk itself (``list_sources``) on the mirror of heads, and a
    file the walk leaves to be sniffed is sniffed here on its head, as ``read_source`` will."""
    if single:
        return [""] if "" in files else []
    from losslog.readers import registry
    from losslog.readers.base import make_probe
    from losslog.readers.discover import list_sources
    from losslog.readers.tensorboard import is_event_file_name
    from losslog.readers.text import looks_binary

    rel_of = {str(local_of(rel)): rel for rel in files}
    needed: set[str] = set()
    near: set[str] = set()  # folders (relative, "" for the root) whose settings files count
    for source in list_sources([local_root], log_format).sources:
        key = str(source.path)
        if key in rel_of:  # a file
            if not source.reader:
                try:
                    if registry.best_reader(make_probe(source.path)) is None:
                        continue  # no reader takes it: read_source will skip it the same way
                except OSError:
                    continue
            needed.add(rel_of[key])
            folder = os.path.dirname(rel_of[key])
        else:  # a run folder: its logs, not its checkpoints
            folder = os.path.relpath(source.path, local_root)
            folder = "" if folder == "." else folder
            pre = f"{folder}/" if folder else ""
            for rel in files:
                if rel.startswith(pre) and (
                    is_event_file_name(os.path.basename(rel)) or not looks_binary(_read_local_head(local_of(rel)))
                ):
                    needed.add(rel)
        near.add(folder)
        near.add(os.path.dirname(folder))
    for rel, meta in files.items():
        if (
            rel not in needed
            and os.path.dirname(rel) in near
            and meta["size"] <= SETTINGS_MAX_BYTES
            and not looks_binary(_read_local_head(local_of(rel)))
        ):
            needed.add(rel)
    return sorted(needed)
