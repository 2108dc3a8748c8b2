"""No screen or widget calls the keyring on Textual's event loop: a keyring call can block up to its
timeout (an unlock prompt nobody sees), freezing the UI. Each such call must run in a thread worker
(`@work(thread=True)`) or be handed to `asyncio.to_thread` (then it is passed, not called, here).

The Rotate screen is checked by its own suite."""

from __future__ import annotations

import ast
from pathlib import Path

import gtwizard

ROOT = Path(gtwizard.__file__).parent
# calls that reach the secret store (keyring, D-Bus) and may block
BLOCKING = {"probe_keyring", "delete_profile_secrets", "prove_store", "kept_operator_token"}
STORE_METHODS = {"get", "put", "delete"}


def blocking_calls(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) of every blocking call made outside a thread worker."""
    found: list[tuple[int, str]] = []

    def in_thread_worker(func: ast.AST) -> bool:
        for deco in getattr(func, "decorator_list", []):
            is_work = isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "work"
            keywords = deco.keywords if is_work else []
            if any(k.arg == "thread" and getattr(k.value, "value", False) for k in keywords):
                return True
        return False

    def visit(node: ast.AST, threaded: bool) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            threaded = in_thread_worker(node)
        if isinstance(node, ast.Call) and not threaded:
            func = node.func
            name = getattr(func, "id", None) or getattr(func, "attr", "")
            owner = getattr(getattr(func, "value", None), "id", "") or getattr(
                getattr(func, "value", None), "attr", ""
            )
            if name in BLOCKING or (name in STORE_METHODS and "store" in owner):
                found.append((node.lineno, name))
        for child in ast.iter_child_nodes(node):
            visit(child, threaded)

    visit(tree, False)
    return found


def test_the_finder_sees_a_blocking_call() -> None:
    bad = "def on_mount(self):\n    probe_keyring()\n    self.store.get('x')\n"
    good = "@work(thread=True)\ndef probe(self):\n    probe_keyring()\n"
    passed = "async def load(store):\n    await asyncio.to_thread(store.get, 'x')\n"
    assert blocking_calls(ast.parse(bad)) == [(2, "probe_keyring"), (3, "get")]
    assert blocking_calls(ast.parse(good)) == []
    assert blocking_calls(ast.parse(passed)) == []


def test_no_screen_or_widget_calls_the_keyring_on_the_event_loop() -> None:
    files = sorted((ROOT / "screens").glob("*.py")) + sorted((ROOT / "widgets").glob("*.py"))
    files += [ROOT / "app.py"]
    offenders = {
        str(path.relative_to(ROOT)): calls
        for path in files
        if path.name != "rotate.py" or path.parent.name != "screens"
        if (calls := blocking_calls(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert offenders == {}
