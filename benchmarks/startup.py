"""Start-up time: `losslog report` on a small CSV against a bare `python -c "import pandas"`.

The goal (issue 2): a text or JSON report takes at most twice as long as importing pandas, and
never imports matplotlib. Run: python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_logs" / "mlp_healthy" / "training.log"


def timed(cmd: list[str], runs: int) -> float:
    """Median wall time of ``runs`` runs (after one warm-up run that fills the OS file cache)."""
    subprocess.run(cmd, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def imports_matplotlib(args: list[str]) -> bool:
    code = (
        "import sys; from losslog.cli.app import main; sys.argv = ['losslog', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('MPL' if 'matplotlib' in sys.modules else 'NOMPL', file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    return "NOMPL" not in done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    ns = parser.parse_args()
    py = sys.executable
    # pip compiles a package's modules to bytecode when it installs it; an editable install on a
    # machine with PYTHONDONTWRITEBYTECODE set never does, and would time the compiler instead.
    subprocess.run([py, "-m", "compileall", "-q", str(REPO / "losslog")], check=True, capture_output=True)
    baseline = timed([py, "-c", "import pandas"], ns.runs)
    print(f"python -c 'import pandas'            {baseline:.3f} s")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.txt"
        for fmt in ("text", "json"):
            cmd = [py, "-m", "losslog", "report", str(SAMPLE), "--format", fmt, "--output", str(out)]
            t = timed(cmd, ns.runs)
            mpl = imports_matplotlib(["report", str(SAMPLE), "--format", fmt, "--output", str(out)])
            print(
                f"losslog report --format {fmt:<5}        {t:.3f} s   ratio {t / baseline:.2f}x (goal <= 2.00x)"
                f"   matplotlib imported: {'YES (bad)' if mpl else 'no'}"
            )
        t = timed([py, "-m", "losslog", "--version"], ns.runs)
        print(f"losslog --version                    {t:.3f} s   ratio {t / baseline:.2f}x")


if __name__ == "__main__":
    main()
