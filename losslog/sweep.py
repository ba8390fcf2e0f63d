"""A sweep at a glance: one row per run with its hyperparameters, filtered, sorted and grouped.

``build_sweep`` turns the leaderboard (``analysis.compare``) and each run's hyperparameters
(``losslog.hparams``) into a ``SweepTable``: a pandas DataFrame with the columns ``run``,
``source``, ``format``, ``verdict``, ``monitor``, ``goal``, ``best``, ``best_step``,
``best_epoch``, ``last`` (then ``rank``, ``gap_at_best``, ``gap_last``, ``note``), then one
``hp.<name>`` column per hyperparameter; ``varying`` names the ``hp.`` columns whose values differ
across the runs, ``group_by`` the ``hp.`` columns the runs were grouped by, and ``groups`` holds one
row per group: its ``hp.`` values, ``n``, ``best_mean``, ``best_std``, ``last_mean``,
``last_std``, ``verdicts`` (code -> count) and ``runs`` (names, in table order). The chart and HTML
renderers read exactly these names.

The user's words (``--where``, ``--sort``, ``--group-by``, ``--columns``) are parsed by
``losslog.sweep_spec`` before any log is read; ``losslog.sweep_groups`` forms the groups
(automatic seed grouping included). Their names are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from losslog.analysis.compare import Leaderboard, Standing, summary_for
from losslog.analysis.run_analysis import RunAnalysis
from losslog.errors import UsageError
from losslog.hparams import Scalar, varying_keys
from losslog.sweep_groups import BOOKKEEPING_NAMES, HP, SEED_NAMES, group_rows, grouping, is_bookkeeping, is_seed_name
from losslog.sweep_spec import (
    OPS,
    SORT_FORM,
    WHERE_FORM,
    Condition,
    SortKey,
    SweepSpec,
    matches,
    parse_sort,
    parse_sweep_spec,
    parse_where,
    split_names,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BASE_COLUMNS",
    "BOOKKEEPING_NAMES",
    "GROUP_COLUMNS",
    "HP",
    "OPS",
    "SEED_NAMES",
    "SORT_FORM",
    "WHERE_FORM",
    "Condition",
    "SortKey",
    "SweepSpec",
    "SweepTable",
    "build_sweep",
    "is_bookkeeping",
    "is_seed_name",
    "matches",
    "parse_sort",
    "parse_sweep_spec",
    "parse_where",
    "split_names",
]

#: the run columns, in order (the contract the chart/HTML renderers read); hp.<name> follow
BASE_COLUMNS: tuple[str, ...] = (
    "run",
    "source",
    "format",
    "verdict",
    "monitor",
    "goal",
    "best",
    "best_step",
    "best_epoch",
    "last",
    "rank",
    "gap_at_best",
    "gap_last",
    "note",
)
GROUP_COLUMNS: tuple[str, ...] = ("n", "best_mean", "best_std", "last_mean", "last_std", "verdicts", "runs")
#: the columns a person sees by default (then the varying hyperparameters)
DEFAULT_SHOWN: tuple[str, ...] = ("rank", "run", "best", "best_epoch", "last", "gap_at_best", "verdict")
# --------------------------------------------------------------------------------------------
# The table


@dataclass
class SweepTable:
    """One row per run (filtered, sorted, cut to ``--top``), with hyperparameters as ``hp.`` columns."""

    frame: pd.DataFrame
    #: ``hp.`` columns whose values differ across the rows (bookkeeping names excepted)
    varying: list[str]
    #: ``hp.`` columns the runs were grouped by (automatic seed grouping included); empty: no groups
    group_by: list[str]
    #: one row per group (``hp.`` values, ``GROUP_COLUMNS``), best group first; empty without groups
    groups: pd.DataFrame
    monitor: str | None = None
    goal: str | None = None
    #: the columns to show a person, in order (``--columns``, else the defaults and the varying ``hp.``)
    shown: list[str] = field(default_factory=list)
    #: seed-like ``hp.`` columns the automatic grouping averaged over (empty when --group-by was given)
    seed_columns: list[str] = field(default_factory=list)
    #: ``hp.`` columns that differ across the rows but name a run's place, not its training
    #: (``BOOKKEEPING_NAMES``): not in ``varying``
    bookkeeping: list[str] = field(default_factory=list)
    #: runs compared, runs the --where filters left out, rows cut by --top
    total: int = 0
    filtered_out: int = 0
    cut_by_top: int = 0
    sort: str = ""
    where: tuple[str, ...] = ()
    #: --top as given (None: not given), and whether --columns chose the columns
    top: int | None = None
    columns_given: bool = False
    warnings: list[str] = field(default_factory=list)
    #: the rows as plain Python values (what ``frame`` was built from), and the groups'
    records: list[dict[str, Any]] = field(default_factory=list, repr=False)
    group_records: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def hparam_columns(self) -> list[str]:
        return [c for c in self.frame.columns if str(c).startswith(HP)]

    def rows(self) -> list[dict[str, Any]]:
        """The rows as plain dicts (None for a missing value), in table order."""
        return [dict(r) for r in self.records]

    def group_rows(self) -> list[dict[str, Any]]:
        return [dict(g) for g in self.group_records]

    def to_dict(self) -> dict[str, Any]:
        return {
            "monitor": self.monitor,
            "goal": self.goal,
            "sort": self.sort,
            "where": list(self.where),
            "total": self.total,
            "filtered_out": self.filtered_out,
            "cut_by_top": self.cut_by_top,
            "varying": list(self.varying),
            "group_by": list(self.group_by),
            "seed_columns": list(self.seed_columns),
            "bookkeeping": list(self.bookkeeping),
            "rows": [_json_row(r) for r in self.records],
            "groups": [_json_row(g) for g in self.group_records],
        }


def _json_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row for JSON: non-finite numbers (not JSON) as None."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()}


def build_sweep(
    board: Leaderboard,
    analyses: Sequence[RunAnalysis],
    hparams: Mapping[str, Mapping[str, Scalar]],
    spec: SweepSpec | None = None,
) -> SweepTable:
    """The sweep table of ``analyses`` (ranked in ``board``), ``hparams`` keyed by run name."""
    import pandas as pd

    spec = spec or SweepSpec()
    by_name = {a.name: a for a in analyses}
    hp_keys: dict[str, None] = {}
    for name in (s.name for s in board.standings):
        hp_keys.update(dict.fromkeys(hparams.get(name, {})))
    hp_columns = [HP + k for k in hp_keys]
    rows: list[dict[str, Any]] = []
    for s in board.standings:
        row = _base_row(s, by_name.get(s.name), board)
        hp = hparams.get(s.name, {})
        row.update(zip(hp_columns, map(hp.get, hp_keys)))
        rows.append(row)
    total = len(rows)

    # Every field the user named, resolved before anything is filtered (a typo fails the same
    # way whatever the data); METRIC:stat fields become columns of their own.
    extra: dict[str, None] = {}
    where_cols = [_resolve(c.field, hp_columns, board, analyses, extra, f"--where {c.text!r}") for c in spec.where]
    sort_col = (
        _resolve(spec.sort.text, hp_columns, board, analyses, extra, f"--sort {spec.sort.text!r}")
        if spec.sort is not None
        else None
    )
    shown_cols = (
        [_resolve(n, hp_columns, board, analyses, extra, f"--columns {n!r}") for n in spec.columns]
        if spec.columns is not None
        else None
    )
    for col in extra:
        _fill_metric_column(col, rows, by_name)

    for cond, col in zip(spec.where, where_cols):
        rows = [r for r in rows if matches(r.get(col), cond)]
    filtered_out = total - len(rows)

    sort_text = f"{board.metric}:best" if board.metric else "input order"
    if spec.sort is not None and sort_col is not None:
        rows = _sorted(rows, sort_col, _direction(sort_col, board, analyses))
        sort_text = spec.sort.text

    differing = varying_keys(rows, hp_columns)
    varying = [c for c in differing if not is_bookkeeping(c)]
    bookkeeping = [c for c in differing if is_bookkeeping(c)]
    group_by, seeds = grouping(spec, varying, hp_columns, rows)
    groups = group_rows(rows, group_by, board.goal) if group_by is not None else []

    cut = 0
    if spec.top is not None and len(rows) > spec.top:
        cut = len(rows) - spec.top
        rows = rows[: spec.top]

    base = list(BASE_COLUMNS) + list(extra)
    frame = pd.DataFrame([[r[c] for c in base] for r in rows], columns=base)
    if hp_columns:  # built at once (not column by column); cells keep their Python types
        cells = [[r[c] for c in hp_columns] for r in rows]
        hp_frame = pd.DataFrame(cells, columns=hp_columns, index=frame.index, dtype=object)
        frame = pd.concat([frame, hp_frame], axis=1)
    group_cols = list(group_by or []) + list(GROUP_COLUMNS)
    groups_frame = pd.DataFrame(groups, columns=group_cols)
    if shown_cols is not None:
        shown = list(dict.fromkeys(shown_cols))
    else:
        hps = hp_columns if spec.all_hparams else varying
        hps = [c for c in hps if not is_seed_name(c)] + [c for c in hps if is_seed_name(c)]  # seeds last
        shown = list(DEFAULT_SHOWN) + list(extra) + hps
    return SweepTable(
        frame=frame,
        varying=varying,
        group_by=list(group_by or []),
        groups=groups_frame,
        monitor=board.metric,
        goal=board.goal,
        shown=shown,
        seed_columns=seeds,
        bookkeeping=bookkeeping,
        total=total,
        filtered_out=filtered_out,
        cut_by_top=cut,
        sort=sort_text,
        where=tuple(c.text for c in spec.where),
        top=spec.top,
        columns_given=spec.columns is not None,
        records=rows,
        group_records=groups,
    )


def _base_row(s: Standing, analysis: RunAnalysis | None, board: Leaderboard) -> dict[str, Any]:
    return {
        "run": s.name,
        "source": s.source,
        "format": analysis.format if analysis is not None else None,
        "verdict": s.verdict,
        "monitor": s.metric,
        "goal": s.goal,
        "best": _finite(s.best),
        "best_step": _finite(s.best_step),
        "best_epoch": _finite(s.best_epoch),
        "last": s.final,
        "rank": s.rank,
        "gap_at_best": _finite(s.gap_at_best),
        "gap_last": _finite(s.gap_last),
        "note": s.note,
    }


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


_ALIASES = {"final": "last", "name": "run", "best_metric": "best"}


def _resolve(
    name: str,
    hp_columns: Sequence[str],
    board: Leaderboard,
    analyses: Sequence[RunAnalysis],
    extra: dict[str, None],
    what: str,
) -> str:
    """A field a user named -> the frame column holding it: a run column, ``hp.<name>`` (with or
    without the prefix), or ``METRIC:stat`` (the monitored metric is ``best``/``last``)."""
    name = _ALIASES.get(name, name)
    if name in BASE_COLUMNS or name in hp_columns or name in extra:
        return name
    if HP + name in hp_columns:
        return HP + name
    metric, _, stat = name.rpartition(":") if ":" in name else (name, "", "best")
    if board.metric is not None and metric == board.metric:
        return stat
    if any(summary_for(a, metric) is not None for a in analyses):
        col = f"{metric}:{stat}"
        extra[col] = None
        return col
    known = ", ".join(h[len(HP) :] for h in hp_columns[:20]) or "none found"
    raise UsageError(
        f"{what}: no hyperparameter, column or metric named {name!r} (hyperparameters: {known}; "
        "columns: best, last, best_step, best_epoch, verdict, run, format, rank, gap_at_best, gap_last)"
    )


def _fill_metric_column(col: str, rows: list[dict[str, Any]], by_name: Mapping[str, RunAnalysis]) -> None:
    metric, _, stat = col.rpartition(":")
    for r in rows:
        a = by_name.get(r["run"])
        m = summary_for(a, metric) if a is not None else None
        r[col] = None if m is None else _finite(m.best if stat == "best" else m.last)


def _direction(col: str, board: Leaderboard, analyses: Sequence[RunAnalysis]) -> str:
    """How a sort column orders: a metric in its goal's direction (best first); anything else ascending."""
    if col in ("best", "last"):
        return board.goal or "min"
    if ":" in col and not col.startswith(HP):
        metric = col.rpartition(":")[0]
        for a in analyses:
            m = summary_for(a, metric)
            if m is not None and m.goal is not None:
                return m.goal
    return "min"


def _sorted(rows: list[dict[str, Any]], col: str, goal: str) -> list[dict[str, Any]]:
    """Stable sort; missing values last; numbers before text."""

    def key(row: dict[str, Any]) -> tuple[int, float, str]:
        v = row.get(col)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return (2, 0.0, "")
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return (0, -float(v) if goal == "max" else float(v), "")
        return (1, 0.0, str(v))

    return sorted(rows, key=key)
