"""Sweeps of many runs (issue 14): ``losslog compare`` cold and warm, 10,000 runs, TensorBoard vs tbparse.

Generates, in a temporary folder and in a child process (so that the generator's memory never
counts), sweeps of Keras ``CSVLogger`` runs (epoch,accuracy,loss,val_accuracy,val_loss; 100 epochs
each) and of TensorBoard runs (tensorboardX, 4 tags x 2,000 steps = 8,000 scalars each), then runs
``losslog compare`` on them as a user does (a new process each time) and prints wall time, peak
memory of the whole process tree (the pool's workers included, sampled every 20 ms with psutil)
and the ratios the issue asks for:

    python benchmarks/bench_sweep.py                 # everything (about a minute on 2 cores)
    python benchmarks/bench_sweep.py --skip-10k      # without the 10,000-run sweep
    python benchmarks/bench_sweep.py --keep DIR      # generate into DIR (kept; reused next time)

"cold" is a first compare with an empty run cache; "warm" the same compare again, every run
unchanged (answered by the cache). Every compare writes CSV to a file (``-f csv -o``), so that
the time is losslog's, not the terminal's.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = "epoch,accuracy,loss,val_accuracy,val_loss"
TB_TAGS = ("train/loss", "train/accuracy", "val/loss", "val/accuracy")
TB_STEPS = 2_000


def write_csv_sweep(root: Path, runs: int, epochs: int = 100) -> None:
    """``runs`` Keras CSVLogger logs, one folder each, named the way sweeps name them."""
    for i in range(runs):
        folder = root / f"lr={0.001 * (1 + i % 7):g},seed={i}"
        folder.mkdir(parents=True, exist_ok=True)
        rnd = random.Random(i)
        lines = [HEADER]
        for e in range(epochs):
            loss = 2.0 * math.exp(-e / (10 + i % 13)) + 0.05 + rnd.random() * 0.02
            val = loss + 0.001 * max(0, e - 30 - i % 20) + rnd.random() * 0.03
            lines.append(f"{e},{1 - loss / 2.2:.6f},{loss:.6f},{1 - val / 2.2:.6f},{val:.6f}")
        (folder / "training.log").write_text("\n".join(lines) + "\n")


def write_tb_sweep(root: Path, runs: int) -> None:
    """``runs`` TensorBoard runs of 4 tags x 2,000 steps, written by tensorboardX."""
    from tensorboardX import SummaryWriter

    rnd = random.Random(0)
    for r in range(runs):
        writer = SummaryWriter(str(root / f"run{r:03d}"), max_queue=100_000, flush_secs=3600)
        for step in range(TB_STEPS):
            base = 2.0 * math.exp(-step / 500) + 0.05
            for tag in TB_TAGS:
                writer.add_scalar(tag, base + rnd.random() * 0.05, step)
        writer.close()


def generate(kind: str, root: Path, runs: int) -> None:
    """Write a sweep once (in a child process); a finished sweep is marked and reused."""
    done = root / ".complete"
    if done.exists():
        return
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_sweep as b; "
        f"b.write_{kind}_sweep(__import__('pathlib').Path({str(root)!r}), {runs})"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    done.write_text("")


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB of the process and all its children, summed at each sample)."""
    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    ps = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 2):  # 2: an input could not be read (still a comparison)
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err[-1000:]}")
    return wall, peak / 1024 / 1024


def losslog_cmd() -> list[str]:
    exe = shutil.which("losslog")
    return [exe] if exe else [sys.executable, "-m", "losslog"]


def compare(path: Path, out: Path, env: dict[str, str], *extra: str) -> tuple[float, float]:
    return measure([*losslog_cmd(), "compare", str(path), "-f", "csv", "-o", str(out), *extra], env)


def tbparse_time(path: Path) -> tuple[float, float]:
    code = (
        "from tbparse import SummaryReader\n"
        f"df = SummaryReader({str(path)!r}, extra_columns={{'dir_name'}}).scalars\n"
        "assert len(df) > 0\n"
    )
    return measure([sys.executable, "-c", code], dict(os.environ))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--skip-10k", action="store_true", help="skip the 10,000-run sweep")
    parser.add_argument("--skip-tb", action="store_true", help="skip TensorBoard vs tbparse")
    parser.add_argument("--runs", type=int, default=1000, help="runs in the CSV sweep (default 1000)")
    args = parser.parse_args()

    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="losslog-bench-sweep-")
    base = args.keep or Path(tmp.name)  # type: ignore[union-attr]
    cache = base / "cache"
    env = {**os.environ, "LOSSLOG_CACHE_DIR": str(cache)}
    env.pop("CI", None)
    out = base / "out.csv"
    print(f"{os.cpu_count()} cores; data in {base}")

    csv_sweep = base / f"csv{args.runs}"
    generate("csv", csv_sweep, args.runs)
    shutil.rmtree(cache, ignore_errors=True)
    cold = compare(csv_sweep, out, env)
    warm = compare(csv_sweep, out, env)
    serial = compare(csv_sweep, out, env, "--no-cache", "--jobs", "1")
    print(f"\n{args.runs:,} Keras CSV runs x 100 epochs, losslog compare (whole process):")
    print(f"  cold (empty cache, process pool) {cold[0]:7.2f} s  peak {cold[1]:6.0f} MB   goal <= 3 s")
    print(f"  warm (every run cached)          {warm[0]:7.2f} s  peak {warm[1]:6.0f} MB   goal <= 0.5 s")
    print(f"  --no-cache --jobs 1 (serial)     {serial[0]:7.2f} s  peak {serial[1]:6.0f} MB")
    print(f"  ratios: serial/cold {serial[0] / cold[0]:.1f}x, cold/warm {cold[0] / warm[0]:.1f}x")

    if not args.skip_10k:
        big = base / "csv10000"
        generate("csv", big, 10_000)
        shutil.rmtree(cache, ignore_errors=True)
        t10, m10 = compare(big, out, env)
        w10, wm10 = compare(big, out, env)
        print("\n10,000 Keras CSV runs x 100 epochs:")
        print(f"  cold {t10:7.2f} s  peak {m10:6.0f} MB (process tree)   goal <= 1024 MB")
        print(f"  warm {w10:7.2f} s  peak {wm10:6.0f} MB")
        print(f"  per run vs {args.runs:,}: cold {t10 / 10_000 * 1000:.2f} ms vs {cold[0] / args.runs * 1000:.2f} ms")

    if not args.skip_tb:
        tb = base / "tb50"
        generate("tb", tb, 50)
        shutil.rmtree(cache, ignore_errors=True)
        tb_cold = compare(tb, out, env)
        tb_warm = compare(tb, out, env)
        tbp = tbparse_time(tb)
        print("\n50 TensorBoard runs x 8,000 scalars (whole processes):")
        print(f"  losslog compare, cold   {tb_cold[0]:7.2f} s  peak {tb_cold[1]:6.0f} MB")
        print(f"  losslog compare, warm   {tb_warm[0]:7.2f} s  peak {tb_warm[1]:6.0f} MB")
        print(f"  tbparse .scalars        {tbp[0]:7.2f} s  peak {tbp[1]:6.0f} MB")
        print(
            f"  ratios: tbparse / losslog cold {tbp[0] / tb_cold[0]:.1f}x, "
            f"tbparse / losslog warm {tbp[0] / tb_warm[0]:.1f}x   goal >= 20x"
        )
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
