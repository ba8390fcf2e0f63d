"""Collecting points one at a time, for the formats that are not tables.

JSON lines, text logs and file stores hand us points record by record, each with its own tag.
Collecting them per tag in write order and building the tidy frame once at the end keeps every
such reader to "find the numbers", and keeps the write order that the replace-on-restart rule
(applied later by discovery) depends on.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from losslog import naming
from losslog.errors import InputError, ParseError
from losslog.readers.base import concat_frames, tidy_series
from losslog.readers.text import read_text

if TYPE_CHECKING:
    import pandas as pd

NAN = float("nan")
_SIMPLE_YAML = re.compile(r"^(?P<key>[A-Za-z_][\w.\-]*)\s*:\s*(?P<value>.*)$")


@dataclass
class _Series:
    name: naming.MetricName
    steps: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    epochs: list[float] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)


class PointCollector:
    """Points grouped by raw tag, in the order they were written."""

    def __init__(self) -> None:
        self._series: dict[str, _Series] = {}

    def add(
        self,
        tag: str,
        step: float,
        value: float,
        epoch: float = NAN,
        wall: float = NAN,
        split: str | None = None,
        name: naming.MetricName | None = None,
    ) -> None:
        """Record one point. The tag's name is parsed on its first point only."""
        series = self._series.get(tag)
        if series is None:
            series = _Series(name or naming.parse(tag, split=split))
            self._series[tag] = series
        series.steps.append(step)
        series.values.append(value)
        series.epochs.append(epoch)
        series.walls.append(wall)

    def __len__(self) -> int:
        return sum(len(s.values) for s in self._series.values())

    def frame(self) -> pd.DataFrame:
        return concat_frames(
            [tidy_series(tag, s.steps, s.values, s.epochs, s.walls, name=s.name) for tag, s in self._series.items()]
        )


def as_number(value: Any) -> float | None:
    """A JSON/dict value as a float point, or None when it is no number.

    Strings are accepted because some tools (Hugging Face's console, W&B) write numbers as text;
    ``"nan"``/``"inf"`` stay non-finite points. Booleans are flags, not values.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return _float(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            return None
    return None


#: Strings that stand for a non-finite value: Python's ``json.dumps`` of a numpy NaN in some
#: tools, ``str(float("nan"))`` in others. Evidence of divergence, like the literal ``NaN``.
NONFINITE_WORDS = frozenset({"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})


def _float(value: float) -> float:
    try:
        return float(value)
    except OverflowError:  # an integer past 1e308
        return math.inf if value > 0 else -math.inf


def json_number(value: Any) -> float | None:
    """A value of a JSON log as a point: JSON numbers (NaN/Infinity literals included) and the
    strings ``"nan"``, ``"inf"``, ``"-inf"`` (any case), which are the same evidence spelled as text.

    Other strings in JSON logs are labels (mmcv's ``bbox_mAP_copypaste``), never values.
    """
    if isinstance(value, str):
        word = value.strip().lower()
        return float(word) if word in NONFINITE_WORDS else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return _float(value)


def _json_int(text: str) -> int | float:
    """A JSON integer: exact when it fits a float's range, else read as a float (``inf``), instead
    of Python's "Exceeds the limit (4300 digits)" error for an integer of a million digits."""
    return int(text) if len(text) <= 300 else float(text)


def parse_json(text: str) -> Any:
    """``json.loads`` that reads an integer of any length (see ``_json_int``)."""
    return json.loads(text, parse_int=_json_int)


def finite_or_nan(value: Any) -> float:
    number = as_number(value)
    return NAN if number is None else number


def is_integral(x: float) -> bool:
    return math.isfinite(x) and float(x).is_integer()


def load_json(path: Path) -> Any:
    """A whole JSON document; a clear error (with the line) for a broken or cut-off one.

    Python's json accepts the ``NaN``/``Infinity`` literals that Python-written logs contain.
    """
    tf = read_text(path)
    try:
        return parse_json(tf.text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON ({exc.msg}); is the file complete?", path, line=exc.lineno) from None
    except RecursionError:
        raise ParseError("JSON nested too deeply", path) from None


def json_lines(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """The JSON objects of a JSON-lines file with their 1-based line numbers, and warnings.

    A corrupt line costs that line, never the rest of the file: it is skipped and said (a last line
    cut off by a writer still running, a line garbled in the middle). When broken lines outnumber
    the good ones, the file is not JSON lines at all, and that is the error.
    """
    tf = read_text(path)
    lines = tf.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    warnings = list(tf.warnings)
    records: list[tuple[int, dict[str, Any]]] = []
    broken: list[tuple[int, str]] = []
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    for i, line in enumerate(lines):
        text = line.strip()
        if not text:
            continue
        try:
            obj = parse_json(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            if i == last and records and not broken:
                warnings.append(f"{path}: line {i + 1}: incomplete last line ignored (file still being written?)")
                continue
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            broken.append((i + 1, f"not a JSON object ({msg})"))
            continue
        if not isinstance(obj, dict):
            broken.append((i + 1, f"expected a JSON object per line, found {type(obj).__name__}"))
            continue
        records.append((i + 1, obj))
    if broken and len(broken) >= len(records):
        line_no, msg = broken[0]
        raise ParseError(msg, path, line=line_no)
    if broken:
        line_no, msg = broken[0]
        n = len(broken)
        warnings.append(
            f"{path}: {n} corrupt line{'s' if n != 1 else ''} skipped, the values on {'them' if n != 1 else 'it'} "
            f"lost (first: line {line_no}: {msg})"
        )
    if not records:
        raise InputError("no JSON records", path)
    return records, warnings


def head_json_objects(text: str, limit: int = 5) -> list[dict[str, Any]]:
    """The first complete JSON-object lines of a file head (for sniffing); [] when none parse."""
    out: list[dict[str, Any]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if not line.startswith("{"):
            return out
        try:
            obj = parse_json(line)
        except (json.JSONDecodeError, RecursionError):
            return out  # the head may end in the middle of a line
        if not isinstance(obj, dict):
            return out
        out.append(obj)
        if len(out) >= limit:
            break
    return out


def _scalar(text: str) -> Any:
    """A YAML scalar, roughly: numbers, booleans, null, quoted or bare strings."""
    text = text.strip()
    if text.startswith(("'", '"')) and text.endswith(text[0]) and len(text) >= 2:
        return text[1:-1]
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("null", "~", ""):
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def parse_simple_yaml(text: str) -> dict[str, Any]:
    """Top-level ``key: value`` pairs; nested blocks are kept as their raw text lines.

    Used only when PyYAML is not installed: hparams are shown, never computed with, so a rough
    reading beats none.
    """
    out: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#") or line.startswith((" ", "\t", "-")):
            continue
        m = _SIMPLE_YAML.match(line)
        if m:
            out[m.group("key")] = _scalar(m.group("value"))
    return out


#: YAML side files (hyperparameters, parameters, MLflow's meta.yaml) are metadata: past these
#: limits they are skipped with a warning, never the metrics beside them (docs/security.md).
MAX_YAML_BYTES = 1024 * 1024
#: nodes once every alias is expanded (what writing the metadata as JSON would visit)
MAX_YAML_NODES = 100_000
MAX_YAML_DEPTH = 50


class YamlLimitError(ValueError):
    """A YAML document past the limits: an alias bomb, or nesting too deep."""


def _check_yaml_node(root: Any) -> None:
    """Count the nodes of ``root`` with every alias expanded (memoized per node, so a bomb is
    measured in microseconds, not expanded), and its depth; raise past the limits or on a cycle."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: Any, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if depth > MAX_YAML_DEPTH:
            raise YamlLimitError(f"nested deeper than {MAX_YAML_DEPTH} levels")
        if key in open_nodes:
            raise YamlLimitError("an alias that refers to itself")
        open_nodes.add(key)
        total = 1
        value = node.value
        if isinstance(value, list):
            for item in value:
                if isinstance(item, tuple):  # a mapping's (key, value) pair
                    total += size(item[0], depth + 1) + size(item[1], depth + 1)
                else:
                    total += size(item, depth + 1)
                if total > MAX_YAML_NODES:
                    raise YamlLimitError(f"more than {MAX_YAML_NODES:,} values once its aliases are expanded")
        open_nodes.discard(key)
        sizes[key] = total
        return total

    size(root, 0)


@lru_cache(maxsize=1)
def _bounded_loader_class() -> type:
    """PyYAML's safe loader that stops composing past ``MAX_YAML_DEPTH`` levels, at once (a
    5,000-level document would otherwise be parsed down to Python's recursion limit first)."""
    import yaml

    class BoundedSafeLoader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self.depth += 1
            try:
                if self.depth > MAX_YAML_DEPTH:
                    raise YamlLimitError(f"nested deeper than {MAX_YAML_DEPTH} levels")
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    return BoundedSafeLoader


def safe_yaml_load(text: str) -> Any:
    """YAML with PyYAML's safe loader (no tags run), refusing alias bombs and deep nesting.

    Raises ``yaml.YAMLError`` for malformed YAML, ``YamlLimitError`` past the limits.
    """
    loader = _bounded_loader_class()(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise YamlLimitError("nested too deeply") from None
        if node is None:
            return None
        _check_yaml_node(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def read_yaml_file(path: Path) -> tuple[Any, str | None]:
    """(content, warning): a YAML side file read leniently; a bad one is a warning, not an error."""
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            return None, f"{path}: {size:,} bytes of YAML, over the {MAX_YAML_BYTES:,}-byte limit; not read"
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return None, f"{path}: cannot read ({exc.strerror or exc})"
    try:
        import yaml
    except ImportError:
        return parse_simple_yaml(text), None
    try:
        # Lightning may write python objects with !!python tags: safe_load refuses them, so fall
        # back to the plain key: value reading instead of failing.
        return safe_yaml_load(text), None
    except YamlLimitError as exc:
        return None, f"{path}: YAML {exc}; metadata skipped (docs/security.md)"
    except yaml.YAMLError:
        return parse_simple_yaml(text), f"{path}: not plain YAML; read only its top-level key: value lines"
