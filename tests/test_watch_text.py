"""``losslog watch`` on console text logs: new lines only, the parser's state kept between polls."""

from __future__ import annotations

from pathlib import Path

from losslog.analysis import AnalysisOptions
from losslog.analysis.run_analysis import analyze
from losslog.readers.discover import discover
from losslog.watch import WatchConfig, Watcher
from losslog.watch.tail import FINGERPRINT_BYTES
from tests.conftest import curve_rows


def _nanogpt_lines(n: int) -> list[bytes]:
    """nanoGPT's prints: an eval line every 5 iterations, a train line every iteration."""
    rows = curve_rows(n, overfit_from=n // 2)
    out = []
    for i, row in enumerate(rows):
        step = i * 5
        out.append(f"step {step}: train loss {row['loss']:.4f}, val loss {row['val_loss']:.4f}\n".encode())
        for k in range(5):
            out.append(f"iter {step + k}: loss {row['loss']:.4f}, time 12.30ms, mfu 12.34%\n".encode())
    return out


def _keras_console(n: int) -> list[bytes]:
    """Keras fit's console: the epoch line, then progress updates whose last one is the epoch's value."""
    out = []
    for i, row in enumerate(curve_rows(n, overfit_from=n // 2)):
        out.append(f"Epoch {i + 1}/{n}\n".encode())
        out.append(f"1/2 [====>.....] - ETA: 0s - loss: {row['loss'] * 1.5:.4f}\r".encode())
        out.append(
            f"2/2 [==========] - 0s 3ms/step - loss: {row['loss']:.4f} - accuracy: {row['accuracy']:.4f}"
            f" - val_loss: {row['val_loss']:.4f} - val_accuracy: {row['val_accuracy']:.4f}\n".encode()
        )
    return out


def _grow(path: Path, lines: list[bytes]) -> Watcher:
    path.write_bytes(b"")
    w = Watcher([path], WatchConfig(interval=3600))
    w.poll(force=True)
    for line in lines:
        half = len(line) // 2
        before = w.bytes_read
        with open(path, "ab") as fh:
            fh.write(line[:half])
        w.poll(force=True)  # a cut line waits
        with open(path, "ab") as fh:
            fh.write(line[half:])
        w.poll(force=True)
        assert w.bytes_read - before <= len(line) + 2 * FINGERPRINT_BYTES  # new bytes only
    return w


def _same_as_batch(w: Watcher, path: Path) -> None:
    found = discover([path])
    assert not found.errors
    final = analyze(found.runs[0], AnalysisOptions())
    (state,) = w.states.values()
    assert state.analysis is not None
    assert state.analysis.points == final.points
    assert [f.code for f in state.analysis.findings] == [f.code for f in final.findings]
    assert state.analysis.best == final.best


def test_nanogpt_text_log_read_line_by_line_gives_the_batch_report(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    w = _grow(path, _nanogpt_lines(20))
    _same_as_batch(w, path)
    w.close()


def test_keras_console_keeps_its_epoch_between_polls(tmp_path: Path) -> None:
    path = tmp_path / "fit.log"
    lines = _keras_console(12)
    w = _grow(path, lines)
    # the last epoch's values become a point when the next epoch starts (or the batch read ends)
    with open(path, "ab") as fh:
        fh.write(b"Epoch 13/12\n")
    w.poll(force=True)
    path.write_bytes(b"".join(lines))  # the batch read of the same 12 epochs
    w2 = _grow(tmp_path / "again.log", [*lines, b"Epoch 13/12\n"])
    found = discover([path])
    (state,) = w2.states.values()
    assert state.analysis is not None
    assert state.analysis.best == analyze(found.runs[0], AnalysisOptions()).best
    w.close()
    w2.close()


def test_a_truncated_text_log_starts_over(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    lines = _nanogpt_lines(10)
    w = _grow(path, lines)
    path.write_bytes(b"".join(lines[:12]))  # the script restarted and rewrote its log
    events = w.poll(force=True)
    assert any(e.kind == "reset" for e in events), [e.kind for e in events]
    _same_as_batch(w, path)
    w.close()
