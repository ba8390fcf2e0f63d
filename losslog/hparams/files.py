"""Reading hyperparameter side files: small, bounded, and never executed.

YAML goes through ``simple_yaml`` when it is plain ``key: value`` lines (microseconds) and the
readers' safe, bounded loader otherwise; JSON through the readers' ``parse_json``; a Python config
dump (mmengine) through ``ast``: literals and ``dict(...)`` calls only, nothing is run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from losslog.hparams.values import NESTING

#: side files larger than this are not read (hyperparameters are small)
MAX_FILE_BYTES = 1024 * 1024


def load_yaml(path: Path, warnings: list[str]) -> Any:
    """A YAML side file; None when absent or unreadable.

    The one place hyperparameter YAML is loaded. Files of plain ``key: value`` lines (what
    Lightning, DVC, Ultralytics, Hydra write) are read by ``simple_yaml`` in microseconds; anything
    else goes through the readers' safe, bounded loader (``read_yaml_file``: PyYAML's safe loader,
    no tags run), which costs about a millisecond a file in pure Python: 1 s for a 1,000-run sweep."""
    from losslog.readers._points import read_yaml_file

    if not small_file(path, warnings):
        return None
    try:
        fast = simple_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        fast = NOT_SIMPLE
    if fast is not NOT_SIMPLE:
        return fast
    data, warning = read_yaml_file(path)
    if warning:
        warnings.append(warning)
    return data


#: what ``simple_yaml`` returns for a document outside its subset
NOT_SIMPLE: Any = object()
_YAML_LINE = re.compile(r"^(?P<indent> *)(?:(?P<key>[A-Za-z_][\w.\-/]*):(?: +(?P<value>\S.*?))?|- +(?P<item>\S.*?)) *$")
_YAML_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_YAML_FLOAT = re.compile(r"^[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?$")
_YAML_TEXT = re.compile(r"^[A-Za-z_~+][\w.\-/=+~@]*$")
_YAML_BOOL = {w: v for v, words in ((True, ("yes", "true", "on")), (False, ("no", "false", "off"))) for w in words}
_YAML_NULL = frozenset({"~", "null", "Null", "NULL"})


def _yaml_word(word: str) -> Any:
    """PyYAML's (YAML 1.1) reading of a plain scalar, for the words whose reading is certain."""
    if word in _YAML_NULL:
        return None
    if word.lower() in _YAML_BOOL and word in (word.lower(), word.upper(), word.capitalize()):
        return _YAML_BOOL[word.lower()]
    if _YAML_INT.match(word):
        return int(word)
    if _YAML_FLOAT.match(word):
        return float(word)
    if _YAML_TEXT.match(word) and word.lower() not in _YAML_BOOL and word.lower() != "null":
        return word
    return NOT_SIMPLE


def simple_yaml(text: str) -> Any:
    """Block mappings (nested by indentation) of plain words and numbers, or a list of plain
    words (Hydra's overrides.yaml): read as PyYAML's safe loader reads them. ``NOT_SIMPLE`` for
    anything else (quotes, flow style, anchors, tags, comments after values, dates ...), which
    then goes to the real loader. A test checks the two agree wherever this one answers."""
    root: dict[str, Any] = {}
    items: list[Any] = []
    stack: list[tuple[int, dict[str, Any]]] = [(0, root)]  # (indent, mapping) from the root down
    pending: tuple[int, dict[str, Any], str] | None = None  # a "key:" whose block may follow
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        m = _YAML_LINE.match(raw)
        if m is None or "\t" in raw or " #" in raw:
            return NOT_SIMPLE
        indent = len(m.group("indent"))
        if m.group("item") is not None:  # a top-level list of words, and nothing else
            value = _yaml_word(m.group("item"))
            if indent or root or value is NOT_SIMPLE:
                return NOT_SIMPLE
            items.append(value)
            continue
        key, word = m.group("key"), m.group("value")
        if items or not isinstance(_yaml_word(key), str):
            return NOT_SIMPLE  # a key YAML reads as a bool or null, or a mapping after a list
        if pending is not None:
            p_indent, p_parent, p_key = pending
            pending = None
            if indent > p_indent:
                if len(stack) > NESTING:
                    return NOT_SIMPLE  # deep nesting: the bounded loader's limits apply
                child: dict[str, Any] = {}
                p_parent[p_key] = child
                stack.append((indent, child))
        while indent < stack[-1][0]:
            stack.pop()
        if indent != stack[-1][0]:
            return NOT_SIMPLE
        parent = stack[-1][1]
        if key in parent:
            return NOT_SIMPLE  # a duplicate key: the real loader's rule
        if word is None:
            parent[key] = None  # null unless a deeper block follows
            pending = (indent, parent, key)
            continue
        value = _yaml_word(word)
        if value is NOT_SIMPLE:
            return NOT_SIMPLE
        parent[key] = value
    if items:
        return items
    return root if root else NOT_SIMPLE


def load_json(path: Path, warnings: list[str]) -> Any:
    if not small_file(path, warnings):
        return None
    from losslog.readers._points import parse_json

    try:
        return parse_json(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, ValueError, RecursionError):
        warnings.append(f"{path}: not readable JSON; its hyperparameters not shown")
        return None


def small_file(path: Path, warnings: list[str]) -> bool:
    try:
        if not path.is_file():
            return False
        size = path.stat().st_size
    except OSError:
        return False
    if size > MAX_FILE_BYTES:
        warnings.append(f"{path}: {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for hyperparameters; not read")
        return False
    return True


def as_mapping(data: Any) -> Mapping[str, Any]:
    return data if isinstance(data, Mapping) else {}


class _NotLiteral(ValueError):
    pass


def _literal(node: ast.AST, depth: int = 0) -> Any:
    """A config value from its syntax tree: literals, containers and ``dict(key=value)`` calls
    (how mmengine dumps a config). Anything else (a name, an expression, another call) is not
    a literal; nothing is evaluated."""
    if depth > NESTING:
        raise _NotLiteral("nested too deeply")
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e, depth + 1) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {
            _literal(k, depth + 1) if k is not None else "**": _literal(v, depth + 1)
            for k, v in zip(node.keys, node.values)
        }
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        return {kw.arg: _literal(kw.value, depth + 1) for kw in node.keywords if kw.arg is not None}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        value = node.operand.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
    raise _NotLiteral(type(node).__name__)


def parse_python_config(text: str) -> dict[str, Any]:
    """Top-level ``name = <literal>`` assignments of a Python config file, read from its syntax
    tree (``ast``), never run. Assignments that are not literals are left out."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    out: dict[str, Any] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            if name.startswith("_"):
                continue
            try:
                out[name] = _literal(stmt.value)
            except (_NotLiteral, RecursionError):
                continue
    return out
