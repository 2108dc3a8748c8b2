"""The core never imports Textual: only app.py, screens/ and widgets/ may (DESIGN.md section 2)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import gtwizard

TUI_MODULES = ("gtwizard.app", "gtwizard.screens", "gtwizard.widgets", "gtwizard.__main__")


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(gtwizard.__path__, prefix="gtwizard."):
        if not info.name.startswith(TUI_MODULES):
            names.append(info.name)
    return sorted(names)


def test_core_modules_are_many() -> None:
    found = core_modules()
    for expected in (
        "gtwizard.tenant",
        "gtwizard.cli",
        "gtwizard.presets.catalog",
        "gtwizard.gt.client",
    ):
        assert expected in found


def test_core_imports_without_textual() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout) == []


def test_help_imports_neither_textual_nor_httpx() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from gtwizard.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        "print(' '.join(m for m in ('textual', 'httpx', 'keyring', 'starlette') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""


def test_every_command_registers_under_its_table_name_and_help() -> None:
    """`gtwizard --help` lists COMMANDS without importing modules: each module must agree."""
    import argparse
    import importlib

    from gtwizard.commands import COMMANDS

    for name, summary in COMMANDS.items():
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers(dest="command")
        importlib.import_module(f"gtwizard.commands.{name}").register(sub)
        assert list(sub.choices) == [name]
        help_of = {a.dest: a.help for a in sub._choices_actions}
        assert help_of[name] == summary


def test_help_imports_no_command_module() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from gtwizard.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    main(['--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('gtwizard.commands.')))\n"
        "print('setup' in out.getvalue() and 'rotate' in out.getvalue())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    modules, listed = out.stdout.strip().splitlines()
    assert modules == "[]"
    assert listed == "True"
