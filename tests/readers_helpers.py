"""Helpers shared by the reader tests: where the fixtures are, and reading one path."""

from __future__ import annotations

import shutil
from pathlib import Path

from losslog.model import Run
from losslog.readers.discover import Discovery, discover

DATA = Path(__file__).resolve().parent / "data" / "readers"


def fixture(rel: str) -> Path:
    path = DATA / rel
    assert path.exists(), path
    return path


def copy_fixture(rel: str, dest: Path) -> Path:
    """A fixture copied under ``dest`` (for tests that change or add files)."""
    src = fixture(rel)
    target = dest / src.name
    if src.is_dir():
        shutil.copytree(src, target)
    else:
        shutil.copy(src, target)
    return target


def read_all(path: Path, fmt: str | None = None, keep_all: bool = False) -> Discovery:
    found = discover([path], fmt=fmt, keep_all=keep_all)
    assert not found.errors, [str(e) for e in found.errors]
    return found


def read_one(path: Path, fmt: str | None = None, keep_all: bool = False) -> Run:
    found = read_all(path, fmt=fmt, keep_all=keep_all)
    assert len(found.runs) == 1, [r.name for r in found.runs]
    return found.runs[0]


def points(run: Run, tag: str, column: str = "value") -> list[float]:
    return [float(x) for x in run.series(tag)[column].tolist()]


def naming_of(run: Run, tag: str) -> tuple[str, str]:
    """(split, metric) of a tag as the reader named it."""
    sub = run.frame[run.frame["tag"] == tag]
    assert len(sub), f"no tag {tag!r} in {run.tags}"
    return str(sub["split"].iloc[0]), str(sub["metric"].iloc[0])


def best_epoch(run: Run, tag: str, goal: str = "min") -> float:
    """The epoch (as the log counts it) of the best value of ``tag``; first one on ties."""
    s = run.series(tag)
    values = s["value"].to_numpy()
    i = int(values.argmin() if goal == "min" else values.argmax())
    return float(s["epoch"].to_numpy()[i])
