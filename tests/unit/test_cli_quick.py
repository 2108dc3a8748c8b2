"""`gtwizard --version` and `--help` are answered without argparse, exactly as argparse answers."""

from __future__ import annotations

import contextlib
import io
import os
import shutil

import pytest

from gtwizard import cli


def _argparse_answer(word: str) -> str:
    """What the real parser prints for `word` (argparse writes it, then exits 0)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as stop:
        cli.build_parser([word]).parse_args([word])
    assert stop.value.code == 0
    return out.getvalue()


@pytest.mark.parametrize("word", ["--version", "--help", "-h"])
def test_the_quick_answers_are_argparse_s_at_every_width(word: str, monkeypatch) -> None:
    answered = 0
    for columns in range(1, 301):
        monkeypatch.setenv("COLUMNS", str(columns))
        quick = cli._quick_answer([word])
        if quick is not None:  # None: too narrow for the quick layout, argparse answers
            answered += 1
            assert quick == _argparse_answer(word), f"{word} at {columns} columns"
    assert answered >= 250  # every usual width is answered without argparse


@pytest.mark.parametrize("word", ["--version", "--help"])
def test_main_prints_the_answer_and_exits_0(word: str, monkeypatch, capsys) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert cli.main([word]) == 0
    assert capsys.readouterr().out == _argparse_answer(word)


def test_the_width_is_shutil_s(monkeypatch) -> None:
    for value in ("", "0", "-3", "abc", "57", "200"):
        monkeypatch.setenv("COLUMNS", value)
        assert cli._columns() == shutil.get_terminal_size().columns
    monkeypatch.delenv("COLUMNS")
    assert cli._columns() == shutil.get_terminal_size().columns


def test_other_words_go_to_argparse() -> None:
    for argv in (["--vers"], ["--help", "status"], ["status", "--help"], [], ["-h", "-h"]):
        assert cli._quick_answer(argv) is None


def test_hyphenated_words_wrap_as_textwrap_wraps() -> None:
    import textwrap

    text = "the TUI in a browser (textual-serve), a re-run of check-all --due x-y ab-c-d state-of-the-art"
    for width in range(11, 120):
        ours = cli._wrap(text, width)
        if ours is not None:
            assert ours == textwrap.wrap(text, width), width


def test_version_and_help_import_no_argparse() -> None:
    import subprocess
    import sys

    code = (
        "import sys, contextlib, io\n"
        "from gtwizard.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--version']); main(['--help'])\n"
        "print(' '.join(m for m in ('argparse', 'typing', 're', 'shutil') if m in sys.modules))\n"
    )
    env = {**os.environ, "COLUMNS": "100"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == ""
