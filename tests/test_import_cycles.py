"""No import cycle in losslog/ outside the CLI: imports go one way, so a module can be read, tested
and moved knowing only what it imports.

The graph is built from the source with ``ast``, not by importing, so it sees every import the
code can ever run:

- imports inside functions count (a lazy import is still a dependency; it only changes *when* the
  cycle bites, and it is how most cycles here were hidden);
- imports under ``if TYPE_CHECKING:`` count too. They never run, but a type-only dependency is
  still one a reader has to follow, and a cycle through annotations is usually the sign of a
  definition in the wrong module (``model.COLUMNS`` used by ``columns``, ``columns.PointColumns``
  used by ``model``). Counting them costs nothing today: no cycle needs them.
- ``from pkg import name`` is an edge to ``pkg.name`` when that is a module, else to ``pkg``;
  ``import a.b`` is an edge to ``a.b``. Importing a submodule also runs its parent package's
  ``__init__``, but that implicit edge is not counted: a package's ``__init__`` re-exporting its
  submodules (``readers/tfevents``) is not a cycle;
- edges between two modules of ``losslog.cli`` are ignored: the CLI registers its commands in a
  loop by design (the issue allows it). A cycle that leaves the CLI and comes back still fails.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "losslog"

#: Cycles known when this test was written, in parts of the code other branches are changing
#: (issue 11). Each entry is one strongly connected component (every module on the cycle). The
#: test fails on any cycle not listed here AND on any entry here that no longer exists, so once
#: those branches are merged the list must shrink to empty.
KNOWN_CYCLES: set[frozenset[str]] = set()  # none: keep it empty


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(root: Path) -> dict[str, Path]:
    return {_module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a ``from ... import`` names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _targets(name: str, known: Iterable[str]) -> str | None:
    """The innermost losslog module ``name`` is or lies in (None outside losslog)."""
    known = set(known)
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """module -> the modules of the package at ``root`` it imports, anywhere in its source."""
    modules = _modules(root)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(mod, is_package, node)
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for name in names:
                target = _targets(name, modules)
                if target is None or target == mod:
                    continue
                if _in_cli(mod) and _in_cli(target):
                    continue
                graph[mod].add(target)
    return graph


def _in_cli(module: str) -> bool:
    return module.split(".")[:2] == ["losslog", "cli"]


def strongly_connected(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[frozenset[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    component.add(m)
                    if m == node:
                        break
                if len(component) > 1:
                    out.append(frozenset(component))
    return out


def a_cycle(graph: dict[str, set[str]], component: frozenset[str]) -> list[str]:
    """One concrete cycle inside ``component``, for the failure message (shortest from its first
    module, by breadth-first search)."""
    start = min(component)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return [*reversed(path), start]
                if child not in parents:
                    parents[child] = node
                    nxt.append(child)
        frontier = nxt
    return sorted(component)  # unreachable for a real component


def _describe(graph: dict[str, set[str]], component: frozenset[str]) -> str:
    return " -> ".join(a_cycle(graph, component)) + f"   (component: {sorted(component)})"


def test_no_import_cycle_outside_the_cli() -> None:
    graph = import_graph()
    found = set(strongly_connected(graph))
    known = set(KNOWN_CYCLES)  # set(): an emptied list written as {} still works
    new = [_describe(graph, c) for c in sorted(found - known, key=sorted)]
    gone = [sorted(c) for c in known - found]
    assert not new, "import cycles (lazy and TYPE_CHECKING imports count):\n  " + "\n  ".join(new)
    assert not gone, f"these cycles are fixed: remove them from KNOWN_CYCLES: {gone}"


def test_the_checker_sees_lazy_type_checking_and_relative_imports(tmp_path: Path) -> None:
    """The checker itself, on a made-up package: a cycle hidden in a function body, one closed
    under TYPE_CHECKING and one through relative imports are all found; a package re-exporting its
    submodules and a cycle inside the CLI are not cycles."""
    sources = {
        "__init__.py": "",
        "a.py": "from losslog import b\n",
        "b.py": "def f():\n    import losslog.a\n",
        "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from losslog.d import D\n",
        "d.py": "from losslog.c import C\n",
        "pkg/__init__.py": "from .x import y\nfrom . import z\n",
        "pkg/x.py": "from . import z\n",
        "pkg/z.py": "from ..pkg import x\n",
        "cli/__init__.py": "from losslog.cli import cmd\n",
        "cli/cmd.py": "def register():\n    from losslog.cli import app\n",
    }
    root = tmp_path / "losslog"
    for name, text in sources.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    graph = import_graph(root)
    assert graph["losslog.pkg"] == {"losslog.pkg.x", "losslog.pkg.z"}
    assert graph["losslog.cli"] == set()
    found = set(strongly_connected(graph))
    assert found == {
        frozenset({"losslog.a", "losslog.b"}),
        frozenset({"losslog.c", "losslog.d"}),
        frozenset({"losslog.pkg.x", "losslog.pkg.z"}),
    }
    assert a_cycle(graph, frozenset({"losslog.a", "losslog.b"})) == ["losslog.a", "losslog.b", "losslog.a"]


def test_cycle_paths_are_reported_in_order() -> None:
    graph = {"c": {"d"}, "d": {"e", "x"}, "e": {"c"}, "x": set()}
    assert strongly_connected(graph) == [frozenset({"c", "d", "e"})]
    assert a_cycle(graph, frozenset({"c", "d", "e"})) == ["c", "d", "e", "c"]


def test_model_and_columns_import_one_way() -> None:
    """The cycle issue 11 named: model uses columns (PointColumns); columns needs nothing back."""
    graph = import_graph()
    assert "losslog.columns" in graph["losslog.model"]
    assert "losslog.model" not in graph["losslog.columns"]


def test_the_event_file_decoder_imports_downward() -> None:
    """readers/tfevents: each module imports only modules listed above it in the package's
    docstring, so the low layers (CRC, wire format) can be read and tested alone."""
    order = ["crc", "wire", "result", "layouts", "session", "records", "fast", "general", "reader"]
    package = "losslog.readers.tfevents"
    graph = import_graph()
    assert {m for m in graph if m.startswith(package + ".")} == {f"{package}.{m}" for m in order}
    for i, name in enumerate(order):
        above = {f"{package}.{m}" for m in order[:i]}
        inside = {m for m in graph[f"{package}.{name}"] if m.startswith(package)}
        assert inside <= above, f"{name} imports {sorted(inside - above)}"
