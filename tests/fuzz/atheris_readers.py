"""Coverage-guided fuzzing of every reader but event files with atheris (optional, for releases).

Not collected by pytest. atheris installs from pip (wheels for CPython 3.11 on x86-64 Linux):

    pip install atheris
    python tests/fuzz/atheris_readers.py -runs=100000 -max_len=4096

Each input's first byte picks a file name a reader claims (``metrics.csv``, ``trainer_state.json``
...), the rest is the file's content. The file is read through discovery with unexpected reader
exceptions let through (``RAISE_UNEXPECTED``), so a reader that trips on input it did not foresee
crashes the fuzzer with its stack instead of becoming an input error.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

NAMES = (
    "metrics.csv",
    "training.log",
    "train.log",
    "results.csv",
    "history.csv",
    "trainer_state.json",
    "metrics.json",
    "scalars.json",
    "log.json",
    "run.csv",
    "long.csv",
    "wandb_export_1.csv",
    "run-a-tag-loss.csv",
    "run-a-tag-loss.json",
)


def one_input(data: bytes) -> None:
    from losslog.analysis import AnalysisOptions
    from losslog.errors import LossLogError
    from losslog.readers import discover as discover_mod
    from losslog.report import build_report

    if not data:
        return
    name = NAMES[data[0] % len(NAMES)]
    with tempfile.TemporaryDirectory(prefix="losslog-atheris-") as tmp:
        folder = Path(tmp) / "run"
        folder.mkdir()
        (folder / name).write_bytes(data[1:])
        discover_mod.RAISE_UNEXPECTED = True
        try:
            found = discover_mod.discover([Path(tmp)])
        except LossLogError:
            return
        build_report(found.runs, found.errors, AnalysisOptions())


def main() -> None:
    import atheris

    with atheris.instrument_imports():
        import losslog.readers.registry as registry

        registry.all_readers()
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
