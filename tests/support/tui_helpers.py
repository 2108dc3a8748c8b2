"""Helpers for TUI tests: a steady cursor for snapshots, no keyring, a demo folder, widget text."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static


@pytest.fixture
def steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop the Input cursor from blinking so snapshots are stable."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture
def fail_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """As over SSH: no D-Bus session and keyring's fail backend (the demo then uses its file)."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


@pytest.fixture
def demo_folder(tmp_path: Path) -> Path:
    """The demo folder (0700) the env file and the demo-local secrets file go to."""
    path = tmp_path / "demo"
    path.mkdir(mode=0o700)
    return path


def rendered_text(renderable: object) -> str:
    """The plain text a Rich renderable (Text, Table, Group, ...) prints, 200 columns wide."""
    from io import StringIO

    from rich.console import Console

    console = Console(width=200, record=True, file=StringIO())
    console.print(renderable)
    return console.export_text()


def text_of(widget: Static) -> str:
    """The plain text a Static currently shows (markup, Text or a Rich renderable such as a Table)."""
    content = widget.visual if hasattr(widget, "visual") else None
    renderable = getattr(content, "_renderable", None)
    if renderable is None or isinstance(renderable, str):
        return str(widget.render())
    return rendered_text(renderable)
