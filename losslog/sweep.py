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

The user's words (``--where``, ``--sort``, ``--group-by``, ``--columns``) are parsed into a
``SweepSpec`` before any log is read, so a typo costs no reading; ``--where`` is parsed by a
regular expression into (field, operator, value) and compared, never evaluated as code.

Seeds: without ``--group-by``, runs that differ only in a seed-like parameter (``SEED_NAMES``)
are grouped, so a sweep of 3 learning rates x 4 seeds reads as 3 rows of mean ± std, n=4.
``fold`` is not one of them: a cross-validation fold changes the data a run is trained and scored
on, so its spread is not seed noise (``--group-by`` the other parameters to average folds).
Standard deviations are the sample's (``ddof=1``, pandas' and papers' convention; None for n=1).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from losslog.analysis.compare import Leaderboard, Standing, summary_for
from losslog.analysis.run_analysis import RunAnalysis
from losslog.errors import UsageError
from losslog.gate.spec import _NAME_RE, _NUMBER_RE
from losslog.hparams import Scalar, varying_keys

if TYPE_CHECKING:
    import pandas as pd

HP = "hp."
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
OPS: tuple[str, ...] = ("==", "!=", "<=", ">=", "<", ">")
WHERE_FORM = (
    "expected FIELD OP VALUE: FIELD a hyperparameter (lr or hp.lr), best, last, best_step, best_epoch, "
    "verdict, run, format, or METRIC[:best|last]; OP one of == != < <= > >=; "
    "e.g. 'lr<0.01', 'optimizer==adam', 'verdict!=divergence', 'best<=0.3'"
)
SORT_FORM = "expected METRIC[:best|last], best, last or a hyperparameter, e.g. 'val_loss:last', 'val_acc', 'lr'"

# The field cannot hold an operator character, so the split is at the FIRST operator; the value
# is kept as written ('name==a<b' compares the name with the text 'a<b').
_WHERE_RE = re.compile(r"^\s*(?P<field>[^<>=!]*?)\s*(?P<op>==|!=|<=|>=|<|>)\s*(?P<value>.*?)\s*$", re.DOTALL)
_METRIC_STATS = ("best", "last")


# --------------------------------------------------------------------------------------------
# The user's words, parsed


@dataclass(frozen=True)
class Condition:
    """One ``--where`` expression: ``field op value``; ``number`` when the value reads as one."""

    field: str
    op: str
    value: str
    number: float | None = None

    @property
    def text(self) -> str:
        return f"{self.field}{self.op}{self.value}"


@dataclass(frozen=True)
class SortKey:
    field: str
    stat: Literal["best", "last"] | None = None

    @property
    def text(self) -> str:
        return self.field + (f":{self.stat}" if self.stat else "")


@dataclass(frozen=True)
class SweepSpec:
    """What to show of a sweep, as parsed from the command line or an API call."""

    group_by: tuple[str, ...] | None = None  # None = automatic seed grouping; () = none
    where: tuple[Condition, ...] = ()
    sort: SortKey | None = None
    top: int | None = None
    columns: tuple[str, ...] | None = None
    all_hparams: bool = False


def parse_where(text: str) -> Condition:
    """``FIELD OP VALUE`` -> Condition; a one-line ``UsageError`` naming the expression otherwise."""
    raw = str(text)
    m = _WHERE_RE.match(raw)
    if m is None:
        hint = " (use == to compare for equality)" if "=" in raw else ""
        raise UsageError(f"--where {raw!r}: no comparison operator{hint}; {WHERE_FORM}")
    name, op, value = m.group("field").strip(), m.group("op"), m.group("value").strip()
    if value[:1] in ("<", ">", "=", "!"):
        raise UsageError(f"--where {raw!r}: unknown operator near {op + value[0]!r}; {WHERE_FORM}")
    if not name or not _field_ok(name):
        raise UsageError(f"--where {raw!r}: {name!r} is not a field name; {WHERE_FORM}")
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    if not value:
        raise UsageError(f"--where {raw!r}: nothing to compare with; {WHERE_FORM}")
    number = float(value) if _NUMBER_RE.match(value) else None
    if number is None and value.lower() in ("inf", "+inf", "-inf", "nan"):
        number = float(value)
    if op not in ("==", "!=") and number is None:
        raise UsageError(f"--where {raw!r}: {op} needs a number, not {value!r}; {WHERE_FORM}")
    return Condition(field=name, op=op, value=value, number=number)


def _field_ok(name: str) -> bool:
    base, _, stat = name.rpartition(":") if ":" in name else (name, "", "")
    if ":" in name and stat not in _METRIC_STATS:
        return False
    return bool(_NAME_RE.match(base))


def parse_sort(text: str) -> SortKey:
    raw = str(text).strip()
    name, stat = raw, None
    if ":" in raw:
        name, _, s = raw.rpartition(":")
        name, s = name.strip(), s.strip().lower()
        if s not in _METRIC_STATS:
            raise UsageError(f"--sort {text!r}: unknown statistic {s!r}; {SORT_FORM}")
        stat = s
    if not name or not _NAME_RE.match(name):
        raise UsageError(f"--sort {text!r}: {name!r} is not a metric or hyperparameter name; {SORT_FORM}")
    return SortKey(name, stat)  # type: ignore[arg-type]


def split_names(items: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """``lr,batch_size`` / repeated options / a list -> names; None stays None."""
    if items is None:
        return None
    seq = [items] if isinstance(items, str) else list(items)
    return tuple(n.strip() for item in seq for n in str(item).split(",") if n.strip())


def parse_sweep_spec(
    group_by: str | Sequence[str] | None = None,
    where: str | Sequence[str] = (),
    sort: str | None = None,
    top: int | None = None,
    columns: str | Sequence[str] | None = None,
    all_hparams: bool = False,
) -> SweepSpec:
    """The sweep options from the strings a user wrote, checked before any log is read."""
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise UsageError(f"--top {top!r}: expected a whole number of runs, 1 or more")
    names = split_names(group_by)
    if names is not None and [n.lower() for n in names] == ["none"]:
        names = ()
    for n in names or ():
        if not _NAME_RE.match(n):
            raise UsageError(f"--group-by {n!r}: not a hyperparameter name")
    cols = split_names(columns)
    if cols is not None and not cols:
        raise UsageError("--columns: name at least one column")
    wheres = [where] if isinstance(where, str) else list(where)
    return SweepSpec(
        group_by=names,
        where=tuple(parse_where(w) for w in wheres),
        sort=parse_sort(sort) if sort else None,
        top=top,
        columns=cols,
        all_hparams=bool(all_hparams),
    )


# --------------------------------------------------------------------------------------------
# The table


@dataclass
class SweepTable:
    """One row per run (filtered, sorted, cut to ``--top``), with hyperparameters as ``hp.`` columns."""

    frame: pd.DataFrame
    #: ``hp.`` columns whose values differ across the rows
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
            "rows": [_json_row(r) for r in self.records],
            "groups": [_json_row(g) for g in self.group_records],
        }


def _json_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row for JSON: non-finite numbers (not JSON) as None."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()}


def is_seed_name(column: str) -> bool:
    name = column[len(HP) :] if column.startswith(HP) else column
    return name.lower().rsplit(".", 1)[-1] in SEED_NAMES


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
    rows: list[dict[str, Any]] = []
    for s in board.standings:
        row = _base_row(s, by_name.get(s.name), board)
        hp = hparams.get(s.name, {})
        for k in hp_keys:
            row[HP + k] = hp.get(k)
        rows.append(row)
    hp_columns = [HP + k for k in hp_keys]
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

    varying = [HP + k for k in varying_keys([{k[len(HP) :]: r[k] for k in hp_columns} for r in rows])]
    group_by, seeds = _grouping(spec, varying, hp_columns, rows)
    groups = _groups(rows, group_by, board.goal) if group_by is not None else []

    cut = 0
    if spec.top is not None and len(rows) > spec.top:
        cut = len(rows) - spec.top
        rows = rows[: spec.top]

    columns = list(BASE_COLUMNS) + list(extra) + hp_columns
    frame = pd.DataFrame(rows, columns=columns)
    for col in hp_columns:  # hp cells keep their Python types (int stays int, None stays None)
        frame[col] = pd.Series([r.get(col) for r in rows], dtype=object, index=frame.index)
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


def matches(cell: Any, cond: Condition) -> bool:
    """Whether a cell satisfies a condition. A run without the field never matches; numbers
    compare as numbers, booleans as true/false, anything else as text (== and != only)."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return False
    if isinstance(cell, bool):
        if cond.op not in ("==", "!=") or cond.value.lower() not in ("true", "false", "1", "0"):
            return False
        same = cell == (cond.value.lower() in ("true", "1"))
        return same if cond.op == "==" else not same
    if isinstance(cell, (int, float)) and cond.number is not None:
        return _compare(float(cell), cond.op, cond.number)
    if cond.op in ("==", "!="):
        same = str(cell) == cond.value
        return same if cond.op == "==" else not same
    return False


def _compare(a: float, op: str, b: float) -> bool:
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _grouping(
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


def _groups(rows: list[dict[str, Any]], cols: list[str], goal: str | None) -> list[dict[str, Any]]:
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
