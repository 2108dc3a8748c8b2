"""No import cycles in gtwizard/: the module graph, read from the source with `ast`.

What counts as an import (the way issue 22 counts the cycles):
- every `import` / `from ... import` statement, at the top of a module AND inside functions. Most of
  gtwizard's imports are lazy (inside functions, for a fast start), and a lazy import still ties
  the two modules together: the cycle only moves from import time to call time, and neither module
  can be understood, tested or moved without the other. Counting only top-level imports would hide
  every cycle the issue names.
- except those under `if TYPE_CHECKING:` (the `else:` branch counts): they never run, they only
  name types.
- `from a import b` is an edge to the module `a.b` when that is a module of gtwizard, else to `a`.
  Only gtwizard's own modules are nodes. A package's `__init__` runs before its submodules, but
  gtwizard's packages either import nothing there or only their own submodules (checks/), so the
  implicit edges to a package add no cycle; they are left out to keep each edge one statement.

A cycle is an elementary cycle of that graph (each module once). KNOWN_CYCLES lists the ones that
remain, all through the modules the key-run engine and the Target protocol replace; the test fails
when a cycle appears that is not listed, and when a listed one is gone (so the list only shrinks).
"""

from __future__ import annotations

import ast
from pathlib import Path

from support.imports import is_type_checking, module_name

import gtwizard

ROOT = Path(gtwizard.__file__).parent

# none left (issue 22 removed the last four); a new one is a regression, not an entry here
KNOWN_CYCLES: set[tuple[str, ...]] = set()

Graph = dict[str, dict[str, int]]  # module -> {imported module: first line}


def _imported(node: ast.stmt, package: str) -> list[str]:
    """The dotted names one import statement may bind, most specific first for `from`."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        base = package.split(".")[: len(package.split(".")) - node.level + 1]
        source = ".".join([*base, *([node.module] if node.module else [])])
    else:
        source = node.module or ""
    return [f"{source}.{alias.name}" for alias in node.names] + [source]


def import_graph(root: Path = ROOT) -> Graph:
    paths = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}

    def resolve(name: str) -> str | None:
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    graph: Graph = {}
    for module, path in paths.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        edges: dict[str, int] = {}

        def walk(
            body: list[ast.stmt], package: str = package, edges: dict[str, int] = edges
        ) -> None:
            for node in body:
                if isinstance(node, ast.If) and is_type_checking(node.test):
                    walk(node.orelse)
                elif isinstance(node, ast.Import | ast.ImportFrom):
                    names = _imported(node, package)
                    if isinstance(node, ast.ImportFrom):  # `from a import b`: a.b, else a
                        found = [n for n in names[:-1] if n in paths] or [resolve(names[-1])]
                    else:
                        found = [resolve(n) for n in names]
                    for target in found:
                        if target is not None:
                            edges.setdefault(target, node.lineno)
                else:
                    for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                        inner = getattr(node, field, None)
                        if isinstance(inner, list):
                            walk([n for n in inner if isinstance(n, ast.stmt)])
                            for part in inner:  # except handlers and match cases hold bodies
                                if isinstance(part, ast.excepthandler | ast.match_case):
                                    walk(part.body)

        walk(ast.parse(path.read_text(encoding="utf-8"), str(path)).body)
        edges.pop(module, None)
        graph[module] = edges
    return graph


def cycles(graph: Graph) -> set[tuple[str, ...]]:
    """Every elementary cycle, each from its alphabetically first module, in import order."""
    found: set[tuple[str, ...]] = set()

    def extend(start: str, path: list[str]) -> None:
        for nxt in graph.get(path[-1], {}):
            if nxt == start:
                found.add(tuple(path))
            elif nxt > start and nxt not in path:
                extend(start, [*path, nxt])

    for start in sorted(graph):
        extend(start, [start])
    return found


def describe(cycle: tuple[str, ...], graph: Graph) -> str:
    """`a -> b -> a (gtwizard/a.py:3, gtwizard/b.py:7)`: the cycle and where each import stands."""
    pairs = zip(cycle, [*cycle[1:], cycle[0]], strict=True)
    where = ", ".join(f"{a.replace('.', '/')}.py:{graph[a][b]}" for a, b in pairs)
    return f"{' -> '.join([*cycle, cycle[0]])} ({where})"


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "gtwizard"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "__init__.py").touch()
    return root


def test_the_reader_counts_lazy_imports_and_skips_type_checking(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "a.py": "def f():\n    from gtwizard import b\n",
            "b.py": "try:\n    pass\nexcept ImportError:\n    from .c import x\n",
            "c.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from gtwizard.a import f\n"
                "else:\n    import gtwizard.d\n"
            ),
            "d.py": "",
        },
    )
    graph = import_graph(root)
    assert graph["gtwizard.a"] == {"gtwizard.b": 2}
    assert graph["gtwizard.b"] == {"gtwizard.c": 4}
    assert graph["gtwizard.c"] == {"gtwizard.d": 5}  # the TYPE_CHECKING import is not an edge


def test_the_finder_names_each_cycle_once(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "a.py": "from gtwizard import b\n",
            "b.py": "def f():\n    import gtwizard.c\n    import gtwizard.a\n",
            "c.py": "from gtwizard.a import x\n",
        },
    )
    graph = import_graph(root)
    assert cycles(graph) == {
        ("gtwizard.a", "gtwizard.b"),
        ("gtwizard.a", "gtwizard.b", "gtwizard.c"),
    }
    assert "gtwizard/b.py:2" in describe(("gtwizard.a", "gtwizard.b", "gtwizard.c"), graph)


def test_the_known_cycles_are_written_as_the_finder_writes_them() -> None:
    for cycle in KNOWN_CYCLES:
        assert cycle[0] == min(cycle), cycle


def test_no_import_cycles() -> None:
    graph = import_graph()
    found = cycles(graph)
    new = sorted(found - KNOWN_CYCLES)
    gone = sorted(KNOWN_CYCLES - found)
    assert not new, "import cycles:\n" + "\n".join(describe(c, graph) for c in new)
    assert not gone, "listed in KNOWN_CYCLES but gone (remove them from the list):\n" + "\n".join(
        " -> ".join(c) for c in gone
    )
