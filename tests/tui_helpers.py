"""Helpers for TUI tests: a steady cursor for snapshots, and text of a widget."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static


@pytest.fixture
def steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop the Input cursor from blinking so snapshots are stable."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


def text_of(widget: Static) -> str:
    """The plain text a Static currently shows (markup, Text or a Rich renderable such as a Table)."""
    from rich.console import Console

    content = widget.visual if hasattr(widget, "visual") else None
    renderable = getattr(content, "_renderable", None)
    if renderable is None or isinstance(renderable, str):
        return str(widget.render())
    console = Console(width=200, record=True, file=__import__("io").StringIO())
    console.print(renderable)
    return console.export_text()
