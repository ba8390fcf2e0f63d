"""Making run names unique: runs from different places that got the same name take parent folders.

Split from discovery so that the engine, which gathers names from many processes, applies the very
same rule to (name, source) pairs as ``discover`` applies to runs.
"""

from __future__ import annotations

from pathlib import Path


def _anchor(name: str, source: str) -> Path:
    """The folder whose name the run's name starts with, or the file it is named after."""
    src = Path(source).resolve()
    first = name.split("/")[0]
    for candidate in (src, *src.parents):
        if candidate.name == first or candidate.stem == first:
            return candidate
    return src


def dedupe_names(named: list[tuple[str, str]]) -> list[str]:
    """The names of (name, source) pairs made unique as ``_dedupe_names`` does for runs."""
    names = [n for n, _ in named]
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        groups.setdefault(name, []).append(i)
    for name, group in groups.items():
        if len(group) < 2:
            continue
        anchors = [_anchor(name, named[i][1]) for i in group]
        for depth in range(1, 8):
            new_names = ["/".join([*a.parent.parts[-depth:], name]) for a in anchors]
            if len(set(new_names)) == len(new_names):
                for i, new in zip(group, new_names):
                    names[i] = new
                break
        else:
            for k, i in enumerate(group[1:], start=2):
                names[i] = f"{name}#{k}"
    return names
