"""``losslog watch`` against logs written live by writers in other processes, a few points a
second: a Keras-style CSV logger, a tensorboardX SummaryWriter with a restart, a detectron2-style
JSON-lines writer with cut lines and a truncation. The watch runs as its own process with its
output on a pipe, so these also check the plain one-line-per-event output.

Waits are event-driven (a line from the watch, a file appearing) with generous timeouts; nothing
asserts on speed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from losslog.analysis.run_analysis import analyze
from losslog.readers.discover import discover
from tests.conftest import curve_rows, keras_csv_text

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
LINE = re.compile(r"^\d\d:\d\d:\d\d \S")
TIMEOUT = 60.0


class Proc:
    """A child process whose standard output is collected line by line as it comes."""

    def __init__(self, args: list[str], stdin: bool = False) -> None:
        self.p = subprocess.Popen(
            [sys.executable, *args],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
            cwd=ROOT,
        )
        self.lines: list[str] = []
        self.cond = threading.Condition()
        self.closed = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.p.stdout is not None
        for line in self.p.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def wait_for(self, pred: Callable[[str], bool], start: int = 0, timeout: float = TIMEOUT) -> int | None:
        """Index of the first line from ``start`` on that satisfies ``pred``; None if the output ended."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(start, len(self.lines)):
                    if pred(self.lines[i]):
                        return i
                if self.closed:
                    return None
                left = deadline - time.monotonic()
                assert left > 0, f"timed out waiting; output so far: {self.lines[-5:]}"
                self.cond.wait(left)

    def send(self, text: str) -> None:
        assert self.p.stdin is not None
        self.p.stdin.write(text)
        self.p.stdin.flush()

    def finish(self, timeout: float = TIMEOUT) -> tuple[int, str]:
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            raise
        with self.cond:
            while not self.closed:
                self.cond.wait(5)
        assert self.p.stderr is not None
        return rc, self.p.stderr.read()

    def kill(self) -> None:
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def watch(*args: str) -> Proc:
    return Proc(["-m", "losslog", "watch", *args])


def wait_for_file(path: Path, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.stat().st_size > 0):
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def points_total(lines: list[str]) -> int:
    return sum(int(m.group(1)) for line in lines if (m := re.search(r": (\d+) new point\(s\)", line)))


def assert_plain(lines: list[str]) -> None:
    assert lines
    for line in lines:
        assert LINE.match(line), line
        assert "\x1b" not in line


CSV_WRITER = """
import sys, time
from tests.conftest import curve_rows, keras_csv_text
path, n, overfit_from = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lines = keras_csv_text(curve_rows(n, overfit_from=overfit_from)).encode().splitlines(keepends=True)
with open(path, "ab") as fh:
    fh.write(lines[0]); fh.flush()
    for cmd in sys.stdin:  # one row per request from the test: lockstep with the watch
        line = lines[1 + int(cmd)]
        fh.write(line[:5]); fh.flush()  # a row cut in two, as a writer between two writes
        time.sleep(0.02)
        fh.write(line[5:]); fh.flush()
"""


def test_exit_on_overfitting_ends_the_watch_soon_after_the_onset(tmp_path: Path) -> None:
    n, overfit_from, patience = 16, 6, 3
    log = tmp_path / "training.log"
    writer = Proc(["-c", CSV_WRITER, str(log), str(n), str(overfit_from)], stdin=True)
    w = watch(str(tmp_path), "--exit-on", "overfitting", "--interval", "0.1s", "--timeout", "120s")
    fired_at = None
    try:
        wait_for_file(log)
        start = 0
        for epoch in range(n):
            writer.send(f"{epoch}\n")
            i = w.wait_for(lambda s, e=epoch: ("val_loss " in s and f"@{e} " in s) or "FINDING overfitting" in s, start)
            if i is None or "FINDING overfitting" in w.lines[i]:
                fired_at = epoch
                break
            start = i + 1
        rc, err = w.finish()
    finally:
        w.kill()
        writer.kill()
    assert rc == 1, err
    assert "stop rule fired" in err and "overfitting" in err
    assert_plain(w.lines)
    full = tmp_path / "full" / "training.log"
    full.parent.mkdir()
    full.write_text(keras_csv_text(curve_rows(n, overfit_from=overfit_from)))
    batch = analyze(discover([full]).runs[0])
    onset = next(f.onset_step for f in batch.findings if f.code == "overfitting")
    assert onset is not None and fired_at is not None
    assert onset < fired_at <= onset + patience + 3


TB_WRITER = """
import sys, time
from tensorboardX import SummaryWriter
from tests.conftest import curve_rows
logdir = sys.argv[1]
rows = curve_rows(30, overfit_from=10)
for first, last in ((0, 18), (12, 30)):  # a restart from a checkpoint at step 12
    writer = SummaryWriter(logdir)
    for r in rows[first:last]:
        step = int(r["epoch"])
        writer.add_scalar("train/loss", r["loss"], step)
        writer.add_scalar("val/loss", r["val_loss"], step)
        writer.add_scalar("val/accuracy", r["val_accuracy"], step)
        writer.flush()
        time.sleep(0.05)
    writer.close()
    time.sleep(1.1)  # the new file's name carries a later second, as after a real restart
"""


def test_tensorboardx_writer_with_a_restart(tmp_path: Path) -> None:
    run = tmp_path / "exp1"
    run.mkdir()
    writer = Proc(["-c", TB_WRITER, str(run)])
    w: Proc | None = None
    try:
        deadline = time.monotonic() + TIMEOUT
        while not any(run.iterdir()):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        w = watch(str(tmp_path), "--idle", "3s", "--interval", "0.2s", "--timeout", "120s")
        assert writer.finish()[0] == 0
        rc, err = w.finish()
    finally:
        writer.kill()
        if w is not None:
            w.kill()
    assert rc == 0, err
    assert "every run finished" in err
    assert_plain(w.lines)
    assert len(list(run.iterdir())) == 2
    batch = analyze(discover([tmp_path]).runs[0])
    assert batch.replaced_points == 6 * 3
    live_codes = {m.group(1) for line in w.lines if (m := re.search(r"FINDING (\w+)", line))}
    assert "overfitting" in live_codes
    assert {f.code for f in batch.findings} <= live_codes
    # every point counted once: the new points the watch reported add up to the points written
    assert points_total(w.lines) == batch.points + batch.replaced_points
    last_best = [line for line in w.lines if "best checkpoint" in line][-1]
    assert batch.best is not None
    assert f"{batch.best.value:.4g} at step {batch.best.step:g}" in last_best


JSONL_WRITER = """
import json, sys, time
path = sys.argv[1]
def line(i, scale):
    return json.dumps({"iteration": i, "total_loss": scale / (1 + i / 50), "lr": 0.01}).encode() + b"\\n"
with open(path, "ab") as fh:
    fh.write(line(0, 2.0)); fh.flush()
    sys.stdin.readline()  # the test says when the watch has seen the first line
    for i in range(20, 300, 20):
        data = line(i, 2.0)
        fh.write(data[:9]); fh.flush(); time.sleep(0.03)  # a line cut in two
        fh.write(data[9:]); fh.flush(); time.sleep(0.03)
sys.stdin.readline()  # ... and when it has seen the last one
with open(path, "wb") as fh:  # the job started over with a fresh file: truncated, written anew
    for i in range(0, 200, 20):
        fh.write(line(i, 3.0)); fh.flush(); time.sleep(0.06)
"""


def test_json_lines_writer_with_cut_lines_and_a_truncation(tmp_path: Path) -> None:
    log = tmp_path / "metrics.json"
    writer = Proc(["-c", JSONL_WRITER, str(log)], stdin=True)
    w: Proc | None = None
    try:
        wait_for_file(log)
        w = watch(str(log), "--poll", "--interval", "0.2s", "--timeout", "120s")
        assert w.wait_for(lambda s: "new point(s)" in s) is not None
        writer.send("go\n")
        seen = w.wait_for(lambda s: "@280 " in s)
        assert seen is not None
        writer.send("go\n")
        assert writer.finish()[0] == 0
        assert w.wait_for(lambda s: "@180 " in s, seen + 1) is not None  # the last line, read
        w.p.send_signal(signal.SIGINT)  # Ctrl-C ends a watch with 130
        rc, err = w.finish()
    finally:
        writer.kill()
        if w is not None:
            w.kill()
    assert rc == 130, err
    assert_plain(w.lines)
    resets = [i for i, line in enumerate(w.lines) if "read again from its start" in line]
    assert resets, w.lines
    assert not any("warning" in line for line in w.lines), w.lines
    batch = analyze(discover([log]).runs[0])
    assert batch.points == 10 * 2
    assert points_total(w.lines[resets[-1] :]) == batch.points
    final = [line for line in w.lines if "new point(s)" in line][-1]
    total_loss = batch.metric("total_loss")
    assert total_loss is not None and total_loss.last is not None
    assert f"total_loss {total_loss.last:.4g} @180 " in final
    live_codes = {m.group(1) for line in w.lines if (m := re.search(r"FINDING (\w+)", line))}
    assert {f.code for f in batch.findings} <= live_codes
