"""Helpers for TUI tests: a steady cursor for snapshots, and text of a widget."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static


@pytest.fixture
def steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop the Input cursor from blinking so snapshots are stable."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


def text_of(widget: Static) -> str:
    """The plain text a Static currently shows."""
    return str(widget.render())
