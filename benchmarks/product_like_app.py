"""The re-based first-screen baseline: a minimal Textual app whose first screen has the widget
kinds of gtwizard's Product step, and nothing of gtwizard.

An `Input` (the filter), an `OptionList` (the products), a scroll view of text (the runbook),
two buttons (Back, Next ›) and a one-line key bar. gtwizard's first screen is measured against
this, so the ratio says what gtwizard adds beyond the widgets its first step is made of.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, OptionList, Static

READY_TEXT = "Next ›"  # as in gtwizard: the nav row is painted after the step's body
PRODUCTS = [f"Product {n}: a client of the GT API" for n in range(1, 24)]
RUNBOOK = "\n".join(
    f"route {n}: ✓ native — what the product sends and what GT answers" for n in range(40)
)


class ProductLikeApp(App[None]):
    CSS = """
    #body { height: 1fr; }
    #products { width: 40%; height: 1fr; }
    #runbook { width: 60%; height: 1fr; }
    #nav { height: 1; }
    #nav Button { min-width: 8; }
    #keys { dock: bottom; height: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Input(placeholder="type to filter products")
        with Horizontal(id="body"):
            yield OptionList(*PRODUCTS, id="products")
            with VerticalScroll(id="runbook"):
                yield Static(RUNBOOK)
        with Horizontal(id="nav"):
            yield Button("‹ Back", compact=True)
            yield Button(READY_TEXT, compact=True, variant="primary")
        yield Static("^n Next  esc Back  ^q Quit  f1 Help  ^p palette", id="keys")


if __name__ == "__main__":
    ProductLikeApp().run()
