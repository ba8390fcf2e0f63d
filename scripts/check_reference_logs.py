#!/usr/bin/env python3
"""Read every reference log from the real tools and say what losslog made of it.

The reference logs (``../shared/reference_logs`` next to the repository, or the folder given as
the first argument) are real files written by the training tools. The test suite must not depend
on them, so this script is the check that the readers understand them: for every run it prints
the format detected, the training and validation metrics recognized, and any error; files that
no reader claimed are listed at the end. The exit code is 1 when a log could not be read or a
run has no recognized training metric (unless the log holds none, which is said explicitly).

    python scripts/check_reference_logs.py [/path/to/reference_logs]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from losslog import naming
from losslog.readers.discover import discover

DEFAULT_ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "reference_logs"
#: Logs that hold no training metric at all (modded-nanogpt prints only val_loss; the W&B export is
#: a chart of val/loss): reported, not failed.
NO_TRAIN_EXPECTED = ("modded_nanogpt", "wandb_export")


def judged_metrics(frame: object, split: str) -> list[str]:
    """Distinct ``metric (tag)`` of a split whose metric is judged (loss, accuracy, ...)."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    out = []
    sub = frame[frame["split"] == split]
    for tag, metric in dict.fromkeys(zip(sub["tag"], sub["metric"], strict=True)):
        if naming.classify(metric)[1] is not None:
            out.append(f"{metric}" if tag == metric else f"{metric} ({tag})")
    return out


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else DEFAULT_ROOT
    if not root.is_dir():
        print(f"no reference logs at {root}", file=sys.stderr)
        return 2
    result = discover([root])
    failures = 0
    used_sources: set[Path] = set()
    print(f"reference logs: {root}\n")
    for run in sorted(result.runs, key=lambda r: r.name):
        source = Path(run.source)
        used_sources.add(source)
        train = judged_metrics(run.frame, "train")
        val = judged_metrics(run.frame, "val")
        expected_none = any(token in run.name for token in NO_TRAIN_EXPECTED)
        status = "ok" if train else ("ok (log has no train metric)" if expected_none else "FAIL: no train metric")
        if not train and not expected_none:
            failures += 1
        rel = source.relative_to(root) if source.is_relative_to(root) else source
        print(f"[{status}] {run.name}")
        print(f"    format: {run.format}   source: {rel}   points: {len(run.frame)}", end="")
        print(f"   replaced: {run.replaced_points}" if run.replaced_points else "")
        print(f"    train: {', '.join(train) or '-'}")
        print(f"    val:   {', '.join(val) or '-'}")
        for warning in run.warnings:
            print(f"    warning: {warning}")
    for error in result.errors:
        failures += 1
        print(f"[FAIL] error: {error}")
    print("\nnot read (no reader claimed them, or skipped as copies):")
    for path in sorted(result.ignored):
        print(f"    {path.relative_to(root) if path.is_relative_to(root) else path}")
    runs_with_train = sum(1 for r in result.runs if judged_metrics(r.frame, "train"))
    formats = sorted({r.format for r in result.runs})
    print(
        f"\nsummary: {len(result.runs)} runs, {runs_with_train} with train metrics, "
        f"{len(result.errors)} errors, {len(result.ignored)} paths not read; formats: {', '.join(formats)}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
