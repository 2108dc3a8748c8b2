"""Help (F1 or ?): what the current screen is for and its keys."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

GENERAL = (
    "Keys everywhere: ctrl+n Next, Esc Back, ctrl+q quit (nothing is written before Apply "
    "except the stored key after minting), ctrl+p command palette, F1 or ? this help.\n"
    "No mouse or browser is needed; `gtwizard serve` shows the same app in a browser."
)


class HelpScreen(ModalScreen[None]):
    HELP = "This help. Esc, F1 or q closes it."
    BINDINGS = [Binding("escape,f1,q", "close", "Close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(
                f"[b]{escape(self.title_text)}[/b]\n\n{escape(self.text)}\n\n{escape(GENERAL)}\n\n"
                "Esc closes this help."
            )

    def action_close(self) -> None:
        self.dismiss(None)
