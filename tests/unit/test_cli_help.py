"""`--help` is argparse's, for gtwizard and every command; `--version` imports no command."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pytest

from gtwizard import cli
from gtwizard.commands import COMMANDS


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gtwizard", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "COLUMNS": "100"},
    )


def test_gtwizard_help_lists_every_command() -> None:
    out = _run("--help")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: gtwizard")
    for name, summary in COMMANDS.items():
        assert name in out.stdout
        assert summary.split()[0] in out.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_s_help_works_and_exits_0(name: str) -> None:
    out = _run(name, "--help")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"usage: gtwizard {name}"), out.stdout[:200]
    assert out.stderr == ""


def test_version_is_argparse_s_answer_and_imports_no_command_nor_argparse() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from gtwizard.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    code = main(['--version'])\n"
        "print(code, repr(out.getvalue()))\n"
        "print(sorted(m for m in sys.modules if m.startswith('gtwizard.commands.')))\n"
        "print('argparse' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    answer, modules, argparse_loaded = out.stdout.strip().splitlines()
    parsed = io.StringIO()
    with contextlib.redirect_stdout(parsed), pytest.raises(SystemExit) as stop:
        cli.build_parser(["--version"]).parse_args(["--version"])
    assert stop.value.code == 0
    assert answer == f"0 {parsed.getvalue()!r}"
    assert modules == "[]"
    assert argparse_loaded == "False"
