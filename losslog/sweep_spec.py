"""The sweep options as the user writes them (``--where``, ``--sort``, ``--group-by``,
``--columns``, ``--top``), parsed into a ``SweepSpec`` before any log is read, so a typo costs no
reading; and ``matches``, the one comparison a ``--where`` condition makes.

``--where FIELD OP VALUE`` is split by a regular expression into (field, operator, value) and
compared, never evaluated as code: the expression may come from a CI file anyone can edit. Names
and numbers are recognized by the ``--assert`` parser's own patterns (``losslog.gate.spec``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from losslog.errors import UsageError
from losslog.gate.spec import _NAME_RE, _NUMBER_RE

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
