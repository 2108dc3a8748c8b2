"""Reading gtwizard's imports from its source (tests/unit/test_architecture.py and
tests/unit/test_import_cycles.py): module names and the `if TYPE_CHECKING:` test."""

from __future__ import annotations

import ast
from pathlib import Path


def module_name(path: Path, root: Path) -> str:
    """gtwizard/setup/keys.py -> gtwizard.setup.keys; a package's __init__.py is the package."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_type_checking(test: ast.expr) -> bool:
    """`if TYPE_CHECKING:` or `if typing.TYPE_CHECKING:` (its body never runs)."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def type_only_lines(tree: ast.AST) -> set[int]:
    """The lines inside `if TYPE_CHECKING:` bodies (not their `else:`)."""
    return {
        inner.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and is_type_checking(node.test)
        for stmt in node.body
        for inner in ast.walk(stmt)
        if isinstance(inner, ast.stmt)
    }
