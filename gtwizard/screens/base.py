"""The frame every wizard step shares: step bar, body, Back/Next row, footer with bindings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Static

from gtwizard.widgets.keybar import KeyBar
from gtwizard.widgets.steps import StepBar

if TYPE_CHECKING:
    from gtwizard.app import WizardApp
    from gtwizard.wizard import WizardState


class StepScreen(Screen):
    """A wizard step: subclasses set `step`, fill `compose_body`, and say when Next is allowed."""

    step: str = ""
    HELP: str = ""

    def __init__(self, *, standalone: bool = False) -> None:
        super().__init__()
        self.standalone = standalone  # pushed on its own (e.g. checks of a saved profile)

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "next", "Next"),
    ]

    @property
    def wizard(self) -> WizardApp:
        return self.app  # type: ignore[return-value]

    @property
    def state(self) -> WizardState:
        return self.wizard.state

    def compose(self) -> ComposeResult:
        if not self.standalone:
            yield StepBar(self.step)
        with Vertical(classes="step-body"):
            yield from self.compose_body()
        with Horizontal(classes="nav-row"):
            yield Static("", id="nav-status", classes="nav-status")
            yield Button("‹ Back", id="nav-back", classes="nav-button", compact=True)
            yield Button(
                "Next ›", id="nav-next", classes="nav-button", variant="primary", compact=True
            )
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        back = not self.standalone and not self.wizard.has_previous(self.step)
        self.query_one("#nav-back", Button).disabled = back
        self.refresh_next()

    def next_blocker(self) -> str | None:
        """Why Next is not possible yet (shown to the operator), or None when it is."""
        return None

    def refresh_next(self) -> None:
        blocker = self.next_blocker()
        self.query_one("#nav-next", Button).disabled = blocker is not None
        self.query_one("#nav-status", Static).update(blocker or "")

    def commit(self) -> None:
        """Store this step's answers in the wizard state before moving on."""

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "nav-next":
            event.stop()
            self.action_next()
        elif event.button.id == "nav-back":
            event.stop()
            self.action_back()

    def action_next(self) -> None:
        blocker = self.next_blocker()
        if blocker is not None:
            self.query_one("#nav-status", Static).update(blocker)
            self.app.bell()
            return
        self.commit()
        if self.standalone:
            self.app.pop_screen()
            return
        self.wizard.go_next(self.step)

    def action_back(self) -> None:
        self.commit()
        if self.standalone:
            self.app.pop_screen()
            return
        if not self.wizard.has_previous(self.step) and len(self.app.screen_stack) > 2:
            self.app.pop_screen()  # back to the welcome screen
            return
        self.wizard.go_back(self.step)
