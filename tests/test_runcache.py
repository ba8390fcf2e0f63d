"""The run cache: a second compare re-reads only what changed; a planted cache runs no code."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from losslog.analysis import AnalysisOptions
from losslog.cli import app
from losslog.cli.loading import progress_wanted
from losslog.engine import SerialEngine
from losslog.engine.batch import analyze_paths
from losslog.readers.discover import list_sources
from losslog.readers.keras_csv import KerasCsvReader
from losslog.runcache import RunCache, decode, decode_result, encode, encode_result
from tests.conftest import curve_rows, keras_csv_text

runner = CliRunner()
DATA = Path(__file__).parent / "data"


def _sweep(root: Path, n: int) -> Path:
    for i in range(n):
        path = root / f"run{i}" / "training.log"
        path.parent.mkdir(parents=True)
        path.write_text(keras_csv_text(curve_rows(15, val_floor=0.2 + 0.05 * i)))
    return root


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every path the Keras reader reads, in this process."""
    seen: list[Path] = []
    original = KerasCsvReader.read

    def counting(self: KerasCsvReader, path: Path) -> list[object]:
        seen.append(path)
        return original(self, path)  # type: ignore[return-value]

    monkeypatch.setattr(KerasCsvReader, "read", counting)
    return seen


def _compare(root: Path, cache: RunCache) -> dict[str, object]:
    batch = analyze_paths([root], AnalysisOptions(), mode="compare", engine=SerialEngine(), cache=cache)
    cache.flush()
    return batch.report.to_dict()


def test_second_compare_reads_only_the_changed_run(tmp_path: Path, reads: list[Path]) -> None:
    root = _sweep(tmp_path / "sweep", 4)
    cold = _compare(root, RunCache(tmp_path / "cache"))
    assert len(reads) == 4
    reads.clear()
    warm = _compare(root, RunCache(tmp_path / "cache"))
    assert reads == []
    assert warm == cold
    changed = root / "run2" / "training.log"
    changed.write_text(keras_csv_text(curve_rows(20, val_floor=0.1)))
    os.utime(changed, ns=(changed.stat().st_mtime_ns + 10**9,) * 2)  # even on a coarse clock
    after = _compare(root, RunCache(tmp_path / "cache"))
    assert reads == [changed]
    assert after != cold
    reads.clear()
    uncached = analyze_paths([root], AnalysisOptions(), mode="compare", engine=SerialEngine()).report.to_dict()
    assert after == uncached


def test_other_options_miss(tmp_path: Path, reads: list[Path]) -> None:
    root = _sweep(tmp_path / "sweep", 2)
    _compare(root, RunCache(tmp_path / "cache"))
    reads.clear()
    cache = RunCache(tmp_path / "cache")
    analyze_paths([root], AnalysisOptions(smooth=0.9), engine=SerialEngine(), cache=cache)
    assert len(reads) == 2


def test_a_side_file_change_misses(tmp_path: Path, reads: list[Path]) -> None:
    """A file beside the log (hparams, trainer settings) is part of the key."""
    root = _sweep(tmp_path / "sweep", 1)
    _compare(root, RunCache(tmp_path / "cache"))
    reads.clear()
    (root / "run0" / "config.json").write_text('{"monitor": "val_loss"}')
    _compare(root, RunCache(tmp_path / "cache"))
    assert len(reads) == 1


def test_every_fixture_round_trips(tmp_path: Path) -> None:
    """What the cache gives back is what was stored, type for type (compared by repr: NaN != NaN)."""
    from losslog.engine.tasks import RunTask, analyze_source

    for source in list_sources([DATA]).sources:
        result = analyze_source(RunTask(source, AnalysisOptions(), extremes=True))
        back = decode_result(decode(json.dumps(encode_result(result))))
        assert repr(back.runs) == repr(result.runs)
        assert [vars(e) for e in back.errors] == [vars(e) for e in result.errors]
        assert back.ignored == result.ignored and back.cached


@pytest.mark.parametrize(
    "planted",
    [
        '{"runs": [{"$c": "Popen", "args": "touch pwned"}], "errors": [], "hparams": [], "ignored": false}',
        '{"runs": [{"$c": "RunEntry", "name": "x", "__class__": "os"}], "errors": [], "hparams": [], "ignored": false}',
        '{"runs": [], "errors": [{"type": "SystemExit", "message": "x", "source": null, "line": null}], '
        '"hparams": [], "ignored": false}',
        "\x80\x04\x95pickle-bytes",
        "not json",
    ],
)
def test_a_planted_entry_is_a_miss(tmp_path: Path, planted: str, reads: list[Path]) -> None:
    root = _sweep(tmp_path / "sweep", 1)
    folder = tmp_path / "cache"
    _compare(root, RunCache(folder))
    db = sqlite3.connect(folder / "runs.sqlite")
    with db:
        db.execute("UPDATE runs SET value = ?", (planted,))
    db.close()
    reads.clear()
    assert _compare(root, RunCache(folder))["runs"]
    assert len(reads) == 1
    assert not (tmp_path / "pwned").exists()


def test_decode_builds_only_allowed_types() -> None:
    with pytest.raises(ValueError):
        decode('{"$c": "RunCache", "folder": "/"}')
    assert decode(json.dumps(encode({"$c": (1, 2.5, float("nan"))}))).keys() == {"$c"}


def test_a_broken_cache_file_is_no_cache(tmp_path: Path) -> None:
    root = _sweep(tmp_path / "sweep", 2)
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "runs.sqlite").write_bytes(b"this is not a database" * 100)
    report = _compare(root, RunCache(folder))
    assert len(report["runs"]) == 2  # type: ignore[arg-type]


def test_size_bound_evicts_the_least_recently_used(tmp_path: Path) -> None:
    root = _sweep(tmp_path / "sweep", 6)
    cache = RunCache(tmp_path / "cache", max_bytes=3 * 6000)
    _compare(root, cache)
    info = cache.info()
    assert 0 < info.entries < 6
    assert info.bytes <= info.max_bytes


def test_cache_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOSSLOG_CACHE_DIR", str(tmp_path / "cache"))
    root = _sweep(tmp_path / "sweep", 3)
    assert runner.invoke(app, ["compare", str(root)]).exit_code == 0
    info = runner.invoke(app, ["cache", "info"])
    assert info.exit_code == 0 and "entries: 3" in info.stdout and str(tmp_path / "cache") in info.stdout
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed 3 cached runs" in cleared.stdout
    assert "entries: 0" in runner.invoke(app, ["cache", "info"]).stdout
    assert runner.invoke(app, ["compare", "--no-cache", str(root)]).exit_code == 0
    assert "entries: 0" in runner.invoke(app, ["cache", "info"]).stdout


def test_cache_folder_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from losslog.runcache import cache_folder

    monkeypatch.delenv("LOSSLOG_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder() == tmp_path / "losslog"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_folder() == Path.home() / ".cache" / "losslog"


class _Console:
    def __init__(self, terminal: bool) -> None:
        self.is_terminal = terminal


def test_progress_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert progress_wanted(_Console(True))  # type: ignore[arg-type]
    assert not progress_wanted(_Console(False))  # type: ignore[arg-type]
    monkeypatch.setenv("CI", "true")
    assert not progress_wanted(_Console(True))  # type: ignore[arg-type]


def test_no_progress_text_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    root = _sweep(tmp_path / "sweep", 25)
    result = runner.invoke(app, ["compare", "--jobs", "1", str(root)])
    assert result.exit_code == 0
    assert "reading runs" not in result.stderr
