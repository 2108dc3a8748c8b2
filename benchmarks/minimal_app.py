"""The baseline for start-up and memory: the smallest Textual app that paints one line of text.

gtwizard is measured against this in the same run, so the ratio says what gtwizard adds on top of
Textual itself on this machine, whatever its speed.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

READY_TEXT = "minimal app ready"


class MinimalApp(App[None]):
    """One Static; nothing else."""

    def compose(self) -> ComposeResult:
        yield Static(READY_TEXT)


if __name__ == "__main__":
    MinimalApp().run()
