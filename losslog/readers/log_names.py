"""Which files in a walked folder must be read, and which may be passed over in silence.

A gate that skips a file it could not read turns green on a broken log: a ``metrics.csv``
overwritten with random bytes, or a ``training.log`` the CI user may not open, would simply vanish.
So a file that carries a log's name is an input error (exit 2) when no reader understands it, and
any file that cannot be opened is one too, unless its name says plainly that it is no log (a
README, a picture, source code, a checkpoint). The names are data, here, in one place.
"""

from __future__ import annotations

import fnmatch

#: Names the tools losslog reads give their logs: such a file must be read, or be an error.
LOG_FILE_NAMES = frozenset(
    {
        "training.log",
        "train.log",
        "log.txt",
        "metrics.csv",
        "results.csv",
        "history.csv",
        "log.csv",
        "progress.csv",
        "losses.csv",
        "trainer_state.json",
        "metrics.json",
        "scalars.json",
        "metrics.jsonl",
        "scalars.jsonl",
        "log.json",
    }
)
#: Patterns of log names (TensorBoard event files, W&B chart exports).
LOG_NAME_PATTERNS: tuple[str, ...] = ("events.out.tfevents.*", "*.tfevents.*", "wandb_export_*.csv")

#: Suffixes of text logs: such a file holding binary data is a corrupted log (an input error); as
#: text that no reader claims it may be anything (a label list), and is skipped.
LOG_SUFFIXES = (".csv", ".tsv", ".jsonl", ".log")

#: Side files read with a log (hyperparameters, run metadata): not logs themselves, so no reader
#: claims them and that is no error, but one that cannot be opened is.
SIDE_FILE_NAMES = frozenset({"hparams.yaml", "params.yaml", "meta.yaml", "config.json"})

#: Suffixes of files that are plainly not logs: skipped quietly, even when they cannot be opened.
NOT_LOG_SUFFIXES = frozenset(
    {
        ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".ico", ".pdf",
        ".py", ".pyc", ".pyi", ".ipynb", ".sh", ".js", ".css", ".html", ".htm",
        ".md", ".rst", ".cfg", ".ini", ".toml", ".lock",
        ".pt", ".pth", ".ckpt", ".bin", ".safetensors", ".h5", ".hdf5", ".keras", ".onnx",
        ".pkl", ".pickle", ".npy", ".npz", ".joblib", ".so", ".whl",
        ".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".zst", ".7z",
        ".mp4", ".wav", ".mp3",
    }
)  # fmt: skip
#: Names (lower case, without suffix) of files that are plainly not logs.
NOT_LOG_STEMS = frozenset({"readme", "license", "licence", "copying", "changelog", "notice", "authors", "makefile"})


def carries_log_name(name: str) -> bool:
    """True for a file named like a log: it must be read, or it is an input error."""
    return name in LOG_FILE_NAMES or any(fnmatch.fnmatchcase(name, p) for p in LOG_NAME_PATTERNS)


def corrupt_log(name: str, binary: bool) -> bool:
    """True for a file no reader claimed that must be reported: named like a log, or with a text
    log's suffix but binary content (random bytes written over ``run.csv``)."""
    return carries_log_name(name) or (binary and name.lower().endswith(LOG_SUFFIXES))


def plainly_not_a_log(name: str) -> bool:
    """True for a file whose name says it is no log (README, a picture, code, a checkpoint)."""
    if carries_log_name(name) or name in SIDE_FILE_NAMES:
        return False
    lower = name.lower()
    stem, dot, suffix = lower.rpartition(".")
    if not dot:
        stem, suffix = lower, ""
    return f".{suffix}" in NOT_LOG_SUFFIXES or stem in NOT_LOG_STEMS or lower in NOT_LOG_STEMS
