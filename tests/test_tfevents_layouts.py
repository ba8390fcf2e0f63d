"""The event-file decoder's one piece of process-wide state: record layouts learned from one file
are reused for the next (a sweep's runs share them), bounded, and never change what is read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from losslog.readers.tfevents import fast, layouts, read_file
from tests.tb_helpers import decoded, reference, same_points, tbx_write

TAGS = ("train/loss", "train/acc", "val/loss", "lr")


def _run(folder: Path, seed: int) -> Path:
    """Same tags, same step range (so the same record lengths), different values."""
    points = [(t, (seed * 7 + i * 13 + s) / 97, s) for s in range(200, 300) for i, t in enumerate(TAGS)]
    return tbx_write(folder, points)


def _count_learning(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = fast.make_template

    def counting(*args: Any, **kwargs: Any) -> layouts.Template | None:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(fast, "make_template", counting)
    return calls


def test_a_second_file_with_the_same_layouts_learns_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = _run(tmp_path / "a", 1), _run(tmp_path / "b", 2)
    layouts.learned_layouts().clear()
    calls = _count_learning(monkeypatch)
    read_file(first)
    assert calls, "the first file teaches the layouts"
    assert layouts.learned_layouts(), "and they are kept for the next file"
    calls.clear()
    ev = read_file(second)
    assert calls == []
    assert len(ev) == 400 and ev.warnings == []
    assert same_points(decoded(second), reference(second))


def test_the_cache_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``_MAX_LEARNED`` layouts the cache is emptied and relearned: reading stays correct."""
    path = _run(tmp_path / "a", 3)
    monkeypatch.setattr(layouts, "_MAX_LEARNED", 0)
    layouts.learned_layouts().clear()
    read_file(path)
    assert layouts.learned_layouts() == {}  # over the bound: emptied on the next session
    calls = _count_learning(monkeypatch)
    assert same_points(decoded(path), reference(path))
    assert calls, "layouts were learned again"
