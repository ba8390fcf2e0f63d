"""Hyperparameter values as table cells: flat (dotted keys), scalar, bounded, and which differ.

Values come from strangers' files and are shown, never computed with: nested dicts become dotted
keys, lists their short JSON text, and a run keeps at most ``MAX_KEYS`` keys and
``MAX_VALUE_CHARS`` characters a value (a warning says what was cut).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

Scalar = int | float | str | bool | None

#: per run: more keys than this are cut (a model config can hold thousands), with a warning
MAX_KEYS = 500
#: a longer string value is cut to this many characters and ends with "…"
MAX_VALUE_CHARS = 200
MAX_KEY_CHARS = 200
#: nesting followed by ``flatten`` and the config readers
NESTING = 20


def flatten(data: Any, prefix: str = "", out: dict[str, Scalar] | None = None, depth: int = 0) -> dict[str, Scalar]:
    """Nested mappings as dotted keys (``optimizer.lr``); every leaf a scalar."""
    out = {} if out is None else out
    if isinstance(data, Mapping) and depth < NESTING:
        if not data and prefix:
            out[prefix] = "{}"
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flatten(value, name, out, depth + 1)
        return out
    if prefix:
        out[prefix] = scalar(data)
    return out


def scalar(value: Any) -> Scalar:
    """A value as a table cell: numbers, text, booleans and None as they are; anything else
    (lists, tuples, objects) as short text. Non-finite floats stay floats (NaN is a value)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**63 else float(value)
    if isinstance(value, float):
        return value
    if isinstance(value, (list, tuple)):
        try:
            return json.dumps(list(value), default=str, allow_nan=True)
        except (TypeError, ValueError, RecursionError):
            return str(value)
    return str(value)


_INT_RE = re.compile(r"^[+-]?\d{1,18}$")
_FLOAT_RE = re.compile(r"^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|nan)$", re.IGNORECASE)


def parse_text_value(text: str) -> Scalar:
    """A value written as text (an MLflow param file, a folder name, a Hydra override): a number,
    a boolean or null when it reads as one, else the text itself."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1]
    low = t.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("null", "none", "~"):
        return None
    if _INT_RE.match(t):
        return int(t)
    if _FLOAT_RE.match(t):
        return float(t)
    return t


def bounded(values: dict[str, Scalar], where: str, warnings: list[str]) -> dict[str, Scalar]:
    """At most ``MAX_KEYS`` keys, keys and text values cut to their limits (said once each)."""
    out: dict[str, Scalar] = {}
    cut_values = 0
    for key, value in values.items():
        if len(out) >= MAX_KEYS:
            warnings.append(f"{where}: {len(values):,} hyperparameters; kept the first {MAX_KEYS}")
            break
        if len(key) > MAX_KEY_CHARS:
            key = key[: MAX_KEY_CHARS - 1] + "…"
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            value = value[: MAX_VALUE_CHARS - 1] + "…"
            cut_values += 1
        out[key] = value
    if cut_values:
        warnings.append(f"{where}: {cut_values} hyperparameter value(s) longer than {MAX_VALUE_CHARS} characters cut")
    return out


def varying_keys(rows: Iterable[Mapping[str, Any]], keys: Iterable[str] | None = None) -> list[str]:
    """Keys (all the rows', or ``keys``) whose values differ across the rows (a key missing from
    some rows varies too), in order. ``1`` and ``1.0`` are one value, ``True`` and ``1`` two, NaN
    equals NaN."""
    rows = list(rows)
    if not rows:
        return []
    if keys is None:
        seen: dict[str, None] = {}
        for r in rows:
            seen.update(dict.fromkeys(r))
        keys = seen
    out = []
    missing = object()
    for k in keys:
        values = [r.get(k, missing) for r in rows]
        try:
            if len(set(values)) == 1 and len({type(v) for v in values}) == 1:
                continue  # the common case, decided in C: one value throughout
        except TypeError:  # an unhashable value: compare one by one
            pass
        first = _hashable(values[0])
        if any(_hashable(v) != first for v in values):
            out.append(k)
    return out


def _hashable(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, bool):
        return ("bool", value)  # True is not 1 here
    return value
