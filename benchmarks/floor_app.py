"""The floors under the first-screen budget: gtwizard's real start-up path with a lighter screen.

    floor_app.py bare    the whole start-up path (CLI, imports, preset catalog, app.tcss), then a
                         first screen of one Static: what gtwizard costs before any widget
    floor_app.py frame   the same with the frame every step shares (step bar, Back/Next buttons,
                         key bar) around an empty body

Both show "Next ›" like the real first screen, so `benchmarks/run` times them the same way. They
say how much of the budget is gone before the Product screen's own widgets are drawn.
"""

from __future__ import annotations

import sys

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

import gtwizard.app
from gtwizard.cli import main
from gtwizard.presets.catalog import Catalog
from gtwizard.screens.base import StepScreen

READY_TEXT = "Next ›"


class BareScreen(Screen):
    """One Static, no frame."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()

    def compose(self) -> ComposeResult:
        yield Static(READY_TEXT)


class FrameScreen(StepScreen):
    """The shared step frame around an empty body."""

    step = "product"

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()


if __name__ == "__main__":
    screen = {"bare": "BareScreen", "frame": "FrameScreen"}[sys.argv.pop(1)]
    gtwizard.app.STEP_SCREENS["product"] = ("__main__", screen)
    sys.exit(main([]))
