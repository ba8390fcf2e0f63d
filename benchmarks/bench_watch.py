"""``losslog watch``: what a new point costs as the log grows, and what an idle watch costs.

Two measurements, numbers in docs/watch.md:

1. Read cost per new point. An event file (4 tags) and a Keras CSV log are grown to N points;
   the watcher reads them once, then 20 polls each find 40 new points (10 steps x 4 tags). Per
   poll: bytes read and CPU time (process time, so that other load on a shared machine does not
   count) of ``Watcher.poll()`` with judging switched off (a huge interval), i.e. the reading and
   decoding that the file size could make expensive. The cost of
   one judgment (``analyze`` on the whole run, once per --interval at most) is printed beside it.
2. Idle CPU. ``losslog watch`` runs as a child process for 30 s on a finished log; the CPU time it
   used after start-up (utime + stime from /proc) is printed, with file-system events and with
   ``--poll``.

    python benchmarks/bench_watch.py                   # sizes 10k, 100k, 1M points; idle 30 s
    python benchmarks/bench_watch.py --sizes 10000 --idle-seconds 10
"""

from __future__ import annotations

import argparse
import os
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from losslog.analysis.run_analysis import analyze
from losslog.readers.tfevents import masked_crc32c
from losslog.watch import WatchConfig, Watcher

TAGS = ("train/loss", "train/accuracy", "val/loss", "val/accuracy")
STEPS_PER_POLL = 10
POLLS = 20


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(num: int, wire: int, payload: bytes) -> bytes:
    return _varint(num << 3 | wire) + payload


def _record(data: bytes) -> bytes:
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", masked_crc32c(header)) + data + struct.pack("<I", masked_crc32c(data))


def event_records(first: int, last: int) -> bytes:
    """Records for steps [first, last): one scalar event per tag and step, as tensorboardX writes."""
    out = []
    for step in range(first, last):
        for i, tag in enumerate(TAGS):
            t = tag.encode()
            value = _field(1, 2, _varint(len(t)) + t) + _field(2, 5, struct.pack("<f", 1.0 / (step + i + 1)))
            summary = _field(1, 2, _varint(len(value)) + value)
            event = (
                _field(1, 1, struct.pack("<d", 1_700_000_000.0 + step))
                + _field(2, 0, _varint(step))
                + _field(5, 2, _varint(len(summary)) + summary)
            )
            out.append(_record(event))
    return b"".join(out)


def csv_rows(first: int, last: int) -> bytes:
    rows = [
        f"{e},{1 - 1 / (e + 2):.6f},{1 / (e + 1):.6f},{1 - 1 / (e + 3):.6f},{1.1 / (e + 1):.6f}\n"
        for e in range(first, last)
    ]
    return "".join(rows).encode()


def grow(kind: str, points: int, folder: Path) -> tuple[float, float, float, float]:
    """(bytes read per poll, ms per poll, ms per new point, ms for one judgment) at ``points``."""
    steps = points // len(TAGS)
    if kind == "events":
        path = folder / "events.out.tfevents.1700000000.bench"
        path.write_bytes(_record(_field(1, 1, struct.pack("<d", 1.7e9)) + _field(3, 2, b"\x0cbrain.Event:2")))
        with open(path, "ab") as fh:
            for first in range(0, steps, 50_000):
                fh.write(event_records(first, min(steps, first + 50_000)))
        more = event_records
    else:
        path = folder / "training.log"
        path.write_bytes(b"epoch,accuracy,loss,val_accuracy,val_loss\n" + csv_rows(0, steps))
        more = csv_rows
    w = Watcher([path], WatchConfig(interval=1e9))
    w.poll()  # the first look reads everything (and judges once)
    state = next(iter(w.states.values()))
    read = []
    took = []
    for k in range(POLLS):
        start = steps + k * STEPS_PER_POLL
        with open(path, "ab") as fh:
            fh.write(more(start, start + STEPS_PER_POLL))
        before = w.bytes_read
        t0 = time.process_time()
        w.poll()
        took.append(time.process_time() - t0)
        read.append(w.bytes_read - before)
    # reading is done; parse what waits (line logs parse at judging time) and time one judgment
    t0 = time.process_time()
    run = state.feed.build()[0]
    run.drop_replaced()
    analyze(run)
    judge = time.process_time() - t0
    w.close()
    new_points = STEPS_PER_POLL * len(TAGS)
    per_poll = sorted(took)[len(took) // 2]
    return sum(read) / len(read), per_poll * 1000, per_poll * 1000 / new_points, judge * 1000


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_cpu(folder: Path, seconds: float, extra: list[str]) -> float:
    path = folder / "training.log"
    path.write_bytes(b"epoch,accuracy,loss,val_accuracy,val_loss\n" + csv_rows(0, 2000))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    p = subprocess.Popen(
        [sys.executable, "-m", "losslog", "watch", str(folder), "--interval", "2s", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        time.sleep(8)  # start-up, first read and first judgment
        c0 = cpu_seconds(p.pid)
        time.sleep(seconds)
        c1 = cpu_seconds(p.pid)
    finally:
        p.terminate()
        p.wait()
    return c1 - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000", help="points in the log before the polls")
    ap.add_argument("--idle-seconds", type=float, default=30.0)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"read cost: {POLLS} polls, each finding {STEPS_PER_POLL * len(TAGS)} new points (median CPU time per poll)")
    print(f"{'format':8} {'points':>9} {'bytes/poll':>11} {'ms/poll':>8} {'us/point':>9} {'judge ms':>9}")
    sys.stdout.flush()
    for kind in ("events", "csv"):
        for n in sizes:
            with tempfile.TemporaryDirectory() as d:
                b, ms, per_point, judge = grow(kind, n, Path(d))
            print(f"{kind:8} {n:>9} {b:>11.0f} {ms:>8.2f} {per_point * 1000:>9.1f} {judge:>9.0f}", flush=True)
    if args.idle_seconds > 0:
        for label, extra in (("file-system events", []), ("--poll", ["--poll"])):
            with tempfile.TemporaryDirectory() as d:
                cpu = idle_cpu(Path(d), args.idle_seconds, extra)
            share = 100 * cpu / args.idle_seconds
            print(f"idle CPU over {args.idle_seconds:g} s ({label}): {cpu:.2f} s = {share:.2f}%")


if __name__ == "__main__":
    main()
