"""Remote storage and Dask (issue 15): local process pool vs a Dask LocalCluster on this machine,
for sweeps of 1,000 and 10,000 runs, and what a sweep in S3 costs in bytes fetched per run.

    python benchmarks/bench_remote.py                  # 1,000 and 10,000 runs
    python benchmarks/bench_remote.py --runs 1000      # one size
    python benchmarks/bench_remote.py --s3-runs 500    # the S3 part (moto on 127.0.0.1) with 500 runs

Each compare is a new ``losslog compare --no-cache -f csv -o FILE`` process, as a user runs it:
``--jobs 2`` (the process pool; this machine has 2 cores) against ``--scheduler local`` (a Dask
LocalCluster of 2 worker processes, its start included). Outputs are checked identical. The S3
part uploads a sweep of Keras CSV runs, each beside a 256 KB checkpoint no reader wants, to a moto
server on 127.0.0.1 and mirrors it twice: the first time fetches heads and the claimed logs, the
second nothing; a third after one object changed fetches that object only.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_sweep(root: Path, runs: int, epochs: int = 100, checkpoint: int = 0) -> None:
    for i in range(runs):
        folder = root / f"lr={0.001 * (1 + i % 7):g},seed={i}"
        folder.mkdir(parents=True, exist_ok=True)
        lines = ["epoch,accuracy,loss,val_accuracy,val_loss"]
        for e in range(epochs):
            train = 2.0 * math.exp(-e / (6 + i % 5)) + 0.05
            val = 0.5 + 1.6 * math.exp(-e / 5) + 0.002 * max(0, e - 30 - i % 20)
            lines.append(f"{e},{1 - train / 2.5:.6f},{train:.6f},{1 - val / 2.5:.6f},{val:.6f}")
        (folder / "training.log").write_text("\n".join(lines) + "\n")
        if checkpoint:
            (folder / "model.ckpt").write_bytes(os.urandom(checkpoint))


def compare(args: list[str], out: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LOSSLOG_CACHE_DIR=str(out.parent / "cache"))
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "losslog", "compare", *args, "--no-cache", "-f", "csv", "-o", str(out)],
        check=True,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def bench_engines(runs: int, work: Path) -> None:
    sweep = work / f"sweep{runs}"
    if not sweep.exists():
        write_sweep(sweep, runs)
    pool = compare([str(sweep), "--jobs", "2"], work / "pool.csv")
    dask = compare([str(sweep), "--scheduler", "local"], work / "dask.csv")
    same = (work / "pool.csv").read_bytes() == (work / "dask.csv").read_bytes()
    print(f"{runs:>6} runs  pool --jobs 2 {pool:6.1f} s  dask LocalCluster(2) {dask:6.1f} s  identical={same}")


def bench_s3(runs: int, work: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_CONFIG_FILE=os.devnull,
        AWS_DEFAULT_REGION="us-east-1",
        LOSSLOG_CACHE_DIR=str(work / "s3cache"),
    )
    import logging
    import socket

    import s3fs
    from moto.server import ThreadedMotoServer

    from losslog.remote import StorageOptions, mirror_inputs

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        sweep = work / f"s3sweep{runs}"
        write_sweep(sweep, runs, checkpoint=256_000)
        fs = s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True)
        fs.mkdir("bench")
        fs.put(str(sweep) + "/", "bench/sweep", recursive=True)
        total = sum(p.stat().st_size for p in sweep.rglob("*") if p.is_file())
        logs = sum(p.stat().st_size for p in sweep.rglob("training.log"))
        opts = StorageOptions(endpoint_url=endpoint)
        for label in ("first", "second"):
            start = time.perf_counter()
            m = mirror_inputs(["s3://bench/sweep"], storage=opts)
            took = time.perf_counter() - start
            print(
                f"s3 {runs} runs, {label} look: {m.fetched_objects} objects, {m.fetched_bytes / runs:,.0f} bytes/run "
                f"fetched of {total / runs:,.0f} stored ({logs / runs:,.0f} of logs), {took:.1f} s"
            )
        one = next(sweep.rglob("training.log"))
        fs.pipe(f"bench/sweep/{one.relative_to(sweep).as_posix()}", one.read_bytes().replace(b"0.", b"0.", 1) + b"\n")
        m = mirror_inputs(["s3://bench/sweep"], storage=opts)
        print(f"s3 {runs} runs, after one log changed: {m.fetched_objects} objects, {m.fetched_bytes:,} bytes")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, action="append", help="sweep sizes (default 1000 and 10000)")
    parser.add_argument("--s3-runs", type=int, default=1000, help="runs uploaded to moto (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for runs in args.runs or [1000, 10000]:
            bench_engines(runs, work)
        if args.s3_runs:
            bench_s3(args.s3_runs, work)


if __name__ == "__main__":
    main()
