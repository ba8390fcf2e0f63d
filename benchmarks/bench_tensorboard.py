"""One million TensorBoard scalars: losslog against tbparse and TensorBoard's EventAccumulator.

Writes 4 tags x 250,000 steps with tensorboardX (once; cached in a temp folder), then, in the same
run, reads them with each tool in its own subprocess so that peak memory (ru_maxrss of that child)
and time are its own. Prints seconds, the ratio to losslog and peak memory.

    python benchmarks/bench_tensorboard.py            # uses/creates $TMPDIR/losslog-bench-tb1m
    python benchmarks/bench_tensorboard.py --tags 1000  # 1,000 tags x 1,000 steps (per-layer norms)
    python benchmarks/bench_tensorboard.py --runs 200   # a sweep: 200 run folders x 4 tags x 1,250 steps
    python benchmarks/bench_tensorboard.py --data DIR --repeat 3 --skip-slow

"read" is the time inside the child around the read call only; "process" is the child's whole
wall time, imports and start-up included (what a user waits for).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TAGS = ("train/loss", "train/accuracy", "val/loss", "lr")
STEPS = 250_000
SCALARS = len(TAGS) * STEPS


def layout(n_tags: int) -> tuple[tuple[str, ...], int]:
    """The issue's 4 tags x 250,000 steps, or ``n_tags`` tags of one byte length (many share a
    record layout: per-layer gradient norms) with the same million scalars in all."""
    if n_tags == len(TAGS):
        return TAGS, STEPS
    width = len(str(n_tags - 1))
    return tuple(f"layer{i:0{width}d}/grad_norm" for i in range(n_tags)), SCALARS // n_tags

#: each snippet reads {path} and prints a JSON line {"seconds": ..., "points": ...}
SNIPPETS: dict[str, str] = {
    "bytes read (floor)": """
import time, pathlib
t = time.perf_counter()
n = sum(len(p.read_bytes()) for p in pathlib.Path({path!r}).rglob("events.out.tfevents.*"))
points = 0
""",
    "losslog (library: discover)": """
import time
from pathlib import Path
from losslog.readers.discover import discover
t = time.perf_counter()
d = discover([Path({path!r})])
assert not d.errors, d.errors
points = sum(len(r) for r in d.runs)
""",
    "losslog (decoder only)": """
import time, pathlib
from losslog.readers.tfevents import read_file
t = time.perf_counter()
points = sum(len(read_file(p)) for p in sorted(pathlib.Path({path!r}).rglob("events.out.tfevents.*")))
""",
    "tbparse SummaryReader.scalars": """
import time
from tbparse import SummaryReader
t = time.perf_counter()
points = len(SummaryReader({path!r}).scalars)
""",
    "EventAccumulator, all points": """
import time
from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer
t = time.perf_counter()
mux = EventMultiplexer(size_guidance={{"scalars": 0}}).AddRunsFromDirectory({path!r})
mux.Reload()
points = sum(len(mux.Scalars(run, tag)) for run, tags in mux.Runs().items() for tag in tags["scalars"])
""",
}
_TAIL = """
import json
print(json.dumps({{"seconds": time.perf_counter() - t, "points": points}}))
"""


def write_data(folder: Path, tags: tuple[str, ...], steps: int, runs: int = 1) -> None:
    """``tags`` x ``steps`` scalars per run, tensorboardX add_scalar (simple_value), one event file
    per run; with several runs, each in its own folder ``runNNN/`` (a sweep)."""
    import numpy as np
    from tensorboardX import SummaryWriter

    rng = np.random.default_rng(0)
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    for r in range(runs):
        values = rng.standard_normal((steps, len(tags))).astype(np.float32).tolist()
        writer = SummaryWriter(str(tmp / f"run{r:03d}" if runs > 1 else tmp), max_queue=100_000, flush_secs=3600)
        for step in range(steps):
            row = values[step]
            for i, tag in enumerate(tags):
                writer.add_scalar(tag, row[i], step)
        writer.close()
    tmp.rename(folder)


def run_child(code: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; its own wall time and peak RSS (MB) via wait4."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(err.decode(errors="replace")[-2000:])
    line = out.decode().strip().splitlines()[-1] if code.rstrip().endswith("))") else "{}"
    result = json.loads(line) if line.startswith("{") else {}
    result["process"] = wall
    result["rss_mb"] = usage.ru_maxrss / 1024  # Linux: kilobytes
    return result


def run_cli(path: Path, fmt: str = "csv") -> dict[str, float] | None:
    """``losslog export PATH --format FMT --output FILE`` as a user runs it, when the CLI exists."""
    exe = shutil.which("losslog")
    cmd = [exe] if exe else [sys.executable, "-m", "losslog"]
    probe = subprocess.run([*cmd, "export", "--help"], capture_output=True)
    if probe.returncode != 0:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"out.{fmt}"
        t0 = time.perf_counter()
        proc = subprocess.Popen([*cmd, "export", str(path), "--format", fmt, "--output", str(out)])
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            print(f"  losslog export failed with exit code {os.waitstatus_to_exitcode(status)}", file=sys.stderr)
            return None
        if fmt == "parquet":
            import pyarrow.parquet as pq

            rows = pq.ParquetFile(out).metadata.num_rows
        else:
            with out.open("rb") as fh:
                rows = sum(1 for _ in fh) - 1
    return {"seconds": wall, "process": wall, "rss_mb": usage.ru_maxrss / 1024, "points": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="the data folder (default: one per layout in the temp folder)")
    parser.add_argument("--tags", type=int, default=len(TAGS), help="tags to spread the million scalars over")
    parser.add_argument("--runs", type=int, default=1, help="run folders to spread the million scalars over")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool; the best is reported")
    parser.add_argument("--skip-slow", action="store_true", help="skip tbparse and EventAccumulator")
    args = parser.parse_args()

    # pip compiles a package to bytecode when it installs it; an editable install on a machine with
    # PYTHONDONTWRITEBYTECODE set never does, and every losslog process would time the compiler.
    repo = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(repo / "losslog")], check=True, capture_output=True)
    tags, steps = layout(args.tags)
    steps //= args.runs
    if args.data is None:
        suffix = "" if args.tags == len(TAGS) else f"-{args.tags}tags"
        suffix += "" if args.runs == 1 else f"-{args.runs}runs"
        args.data = Path(tempfile.gettempdir()) / f"losslog-bench-tb1m{suffix}"
    if not args.data.exists():
        print(f"writing {len(tags)} x {steps:,} scalars with tensorboardX into {args.data} ...", file=sys.stderr)
        t0 = time.perf_counter()
        # in a child: writing grows this process, and every child forked after it would start
        # with (and report in ru_maxrss) that memory
        code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_tensorboard as b; "
        code += f"b.write_data(b.Path({str(args.data)!r}), {tags!r}, {steps}, {args.runs})"
        subprocess.run([sys.executable, "-c", code], check=True)
        print(f"  written in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    size = sum(p.stat().st_size for p in args.data.rglob("*") if p.is_file())
    runs = f"{args.runs} runs x " if args.runs > 1 else ""
    print(f"data: {args.data} ({size / 1e6:.1f} MB, {runs}{len(tags)} tags x {steps:,} steps)")

    results: dict[str, dict[str, float]] = {}
    for name, snippet in SNIPPETS.items():
        if args.skip_slow and ("tbparse" in name or "EventAccumulator" in name):
            continue
        code = snippet.format(path=str(args.data)) + _TAIL.format()
        best: dict[str, float] | None = None
        for _ in range(args.repeat):
            r = run_child(code)
            if best is None or r["seconds"] < best["seconds"]:
                best = r
        assert best is not None
        results[name] = best
        print(
            f"  {name:32s} read {best['seconds']:7.2f} s  process {best['process']:7.2f} s  "
            f"peak {best['rss_mb']:7.0f} MB  points {int(best.get('points', 0)):,}",
            flush=True,
        )
    clis: dict[str, dict[str, float]] = {}
    for fmt in ("csv", "parquet"):
        cli: dict[str, float] | None = None
        for _ in range(args.repeat):
            attempt = run_cli(args.data, fmt)
            if attempt is not None and (cli is None or attempt["seconds"] < cli["seconds"]):
                cli = attempt
        label = f"losslog export --format {fmt} (CLI)"
        if cli is None:
            print(f"  {label}: not available; skipped")
            continue
        clis[fmt] = results[label] = cli
        print(
            f"  {label:32s} read {cli['seconds']:7.2f} s  process "
            f"{cli['process']:7.2f} s  peak {cli['rss_mb']:7.0f} MB  rows {int(cli['points']):,}"
        )

    base = results["losslog (library: discover)"]
    print("\nratios (other / losslog library; read time, process time, peak memory):")
    for name, r in results.items():
        if name == "losslog (library: discover)" or name.startswith("bytes"):
            continue
        print(
            f"  {name:32s} {r['seconds'] / base['seconds']:6.1f}x  {r['process'] / base['process']:6.1f}x  "
            f"{r['rss_mb'] / base['rss_mb']:5.2f}x memory"
        )
    if "tbparse SummaryReader.scalars" in results:
        tb = results["tbparse SummaryReader.scalars"]
        print("\nlosslog export, whole CLI process (start-up, read, write) vs tbparse (read into a DataFrame only):")
        for fmt, cli in clis.items():
            print(
                f"  --format {fmt:8s} {tb['seconds'] / cli['process']:5.1f}x faster, "
                f"{cli['rss_mb'] / tb['rss_mb']:.2f}x its peak memory (goal: >= 15x, <= 0.5x)"
            )

if __name__ == "__main__":
    main()
