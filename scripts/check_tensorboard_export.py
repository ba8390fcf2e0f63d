#!/usr/bin/env python3
"""``losslog export`` of every event file under a folder, against TensorBoard's own reader.

The check issue 4 describes, runnable on any logs (by default the reference logs next to the
repository): each event file is exported as CSV by the CLI, read back, and compared with what
TensorBoard's ``EventAccumulator`` returns for the same file (every point kept).

- With ``--keep-all`` the export must equal TensorBoard's reader point for point.
- Without it, points that a later write of the same tag replaced (a step at or before an earlier
  one: a restart, or Lightning logging ``epoch`` twice at one step) are dropped, as TensorBoard's
  data server does; every point that remains must still be one TensorBoard's reader returns.

Tags of a Keras ``train/`` or ``validation/`` file carry the folder (``validation/epoch_loss``):
the folder is taken off before comparing. Exit code 1 when any file differs.

    python scripts/check_tensorboard_export.py [FOLDER]
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.tb_helpers import Point, reference, same_points  # noqa: E402

DEFAULT_ROOT = REPO.parent / "shared" / "reference_logs"


def exported(path: Path, keep_all: bool) -> dict[str, list[Point]]:
    """The CLI's CSV export of one event file as {tag: [(step, wall_time, value)]}."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "export.csv"
        cmd = [sys.executable, "-m", "losslog", "export", str(path), "--output", str(out)]
        done = subprocess.run([*cmd, "--keep-all"] if keep_all else cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip())
        with out.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    prefix = path.parent.name + "/"
    got: dict[str, list[Point]] = {}
    for r in rows:
        tag = r["tag"][len(prefix) :] if r["tag"].startswith(prefix) else r["tag"]
        got.setdefault(tag, []).append((int(r["step"]), float(r["wall_time"]), float(r["value"])))
    return got


def _key(p: Point) -> tuple[int, float, float | str]:
    """A point as a set member: NaN equal to NaN."""
    return (p[0], p[1], "nan" if p[2] != p[2] else p[2])


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else DEFAULT_ROOT
    files = sorted(p for p in root.rglob("*") if p.is_file() and "tfevents" in p.name)
    if not files:
        print(f"no event files under {root}", file=sys.stderr)
        return 2
    failures = 0
    for path in files:
        ref = reference(path)
        points = sum(len(v) for v in ref.values())
        every = exported(path, keep_all=True)
        kept = exported(path, keep_all=False)
        equal = same_points(every, ref)
        known = {tag: {_key(p) for p in pts} for tag, pts in ref.items()}
        subset = all({_key(p) for p in pts} <= known.get(tag, set()) for tag, pts in kept.items())
        dropped = points - sum(len(v) for v in kept.values())
        ok = equal and subset
        failures += not ok
        status = "ok" if ok else "DIFFERS"
        print(f"[{status}] {path.relative_to(root)}: {len(ref)} tags, {points} points; ", end="")
        print(f"--keep-all {'equal' if equal else 'NOT equal'}; default drops {dropped} replaced points")
    print(f"\n{len(files)} event files, {failures} differ")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
