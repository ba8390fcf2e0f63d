"""Runs grouped: by the hyperparameters named (``--group-by``), or, without that, runs that differ
only in a seed-like parameter (``SEED_NAMES``), so a sweep of 3 learning rates x 4 seeds reads as
3 rows of mean ± std, n=4.

``fold`` is not a seed: a cross-validation fold changes the data a run is trained and scored on,
so its spread is not seed noise (``--group-by`` the other parameters to average folds). Standard
deviations are the sample's (``ddof=1``, pandas' and papers' convention; None for n=1).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from losslog.errors import UsageError
from losslog.sweep_spec import SweepSpec

HP = "hp."

#: hyperparameter names (or the last part of a dotted one) that only re-draw the randomness:
#: runs differing only in these are repetitions of one experiment. Not ``fold`` (module docs).
SEED_NAMES: frozenset[str] = frozenset(
    {
        "seed",
        "seeds",
        "random_seed",
        "random_state",
        "data_seed",
        "rng_seed",
        "run",
        "trial",
        "rep",
        "repeat",
        "repetition",
        "replicate",
    }
)
#: top-level names the tools use for where a run is written and what it is called, not how it
#: is trained (Ultralytics ``name``/``save_dir``, Hugging Face ``output_dir``/``run_name`` ...):
#: they differ in every run, so they are not ``varying`` hyperparameters (they would split every
#: seed group into runs of one); ``--all-hparams`` shows them, ``--group-by`` may still name them.
BOOKKEEPING_NAMES: frozenset[str] = frozenset(
    {
        "name",
        "save_dir",
        "output_dir",
        "logging_dir",
        "log_dir",
        "logdir",
        "run_name",
        "run_id",
        "project",
        "work_dir",
        "exp_name",
        "experiment_name",
        "hub_model_id",
        "resume_from_checkpoint",
        "ckpt_path",
        "dirpath",
    }
)


def is_bookkeeping(column: str) -> bool:
    name = column[len(HP) :] if column.startswith(HP) else column
    return name in BOOKKEEPING_NAMES


def is_seed_name(column: str) -> bool:
    name = column[len(HP) :] if column.startswith(HP) else column
    return name.lower().rsplit(".", 1)[-1] in SEED_NAMES


def grouping(
    spec: SweepSpec, varying: list[str], hp_columns: list[str], rows: list[dict[str, Any]]
) -> tuple[list[str] | None, list[str]]:
    """(the ``hp.`` columns to group by or None, the seed-like columns averaged over)."""
    if spec.group_by is not None:
        if not spec.group_by:
            return None, []
        cols = []
        for name in spec.group_by:
            col = name if name in hp_columns else HP + name
            if col not in hp_columns:
                known = ", ".join(h[len(HP) :] for h in hp_columns[:20]) or "none found"
                raise UsageError(f"--group-by {name!r}: no such hyperparameter (found: {known})")
            cols.append(col)
        return cols, []
    seeds = [c for c in varying if is_seed_name(c)]
    if not seeds or len(rows) < 2:
        return None, []
    others = [c for c in varying if c not in seeds]
    keys = Counter(tuple(_key(r.get(c)) for c in others) for r in rows)
    if max(keys.values()) < 2:
        return None, []  # every run its own group: nothing was repeated
    return others, seeds


def _key(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, bool):
        return ("bool", value)
    return value


def group_rows(rows: list[dict[str, Any]], cols: list[str], goal: str | None) -> list[dict[str, Any]]:
    import numpy as np

    buckets: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in rows:
        buckets.setdefault(tuple(_key(r.get(c)) for c in cols), []).append(r)
    out = []
    for members in buckets.values():
        g: dict[str, Any] = {c: members[0].get(c) for c in cols}
        g["n"] = len(members)
        for stat in ("best", "last"):
            values = np.array([m[stat] for m in members if m.get(stat) is not None], dtype=float)
            values = values[np.isfinite(values)]
            g[f"{stat}_mean"] = float(values.mean()) if values.size else None
            g[f"{stat}_std"] = float(values.std(ddof=1)) if values.size > 1 else None
        g["verdicts"] = dict(Counter(m["verdict"] for m in members).most_common())
        g["runs"] = [m["run"] for m in members]
        out.append(g)

    def order(g: dict[str, Any]) -> tuple[int, float]:
        v = g["best_mean"]
        if v is None:
            return (1, 0.0)
        return (0, -v if goal == "max" else v)

    return sorted(out, key=order)
