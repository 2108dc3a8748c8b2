"""The frame every wizard step shares: step bar, body, Back/Next row, footer with bindings.

Enter is the newcomer's key: in a field whose answer is complete it goes on (or moves to the next
field), and the line beside the buttons says what it will do. Back is only ever Esc (its button
cannot take focus), so Enter can never go back by accident; on arrival, and after Esc from the
next step, focus is on the step's own field, never on the buttons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Static
from textual.worker import Worker, WorkerState

from gtwizard.widgets.keybar import KeyBar
from gtwizard.widgets.steps import StepBar
from gtwizard.wizard import STEP_TITLES

if TYPE_CHECKING:
    from gtwizard.app import WizardApp
    from gtwizard.wizard import WizardState

NAV_IDS = ("nav-back", "nav-next")


def wizard_app(node: DOMNode) -> WizardApp:
    """The running WizardApp, typed: screens and widgets reach the app and its state through this
    one accessor (Textual types `node.app` as a plain App; every gtwizard screen runs in WizardApp)."""
    return cast("WizardApp", node.app)


class NotifyingScreen(Screen):
    """A screen whose workers run with exit_on_error=False: a worker that fails unexpectedly
    gets its redacted report into the log and one line into a notification; the app stays up."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            from rich.markup import escape

            from gtwizard.crash import crash_report, tenant_fault

            fault = tenant_fault(event.worker.error)
            if fault is not None:
                self.notify(escape(fault.on_screen()), severity="error", timeout=30)
                self.worker_failed()
                return
            what, todo = crash_report(event.worker.error)
            self.notify(escape(f"{what}. {todo}."), severity="error", timeout=30)
            self.worker_failed()

    def worker_failed(self) -> None:
        """What the screen resets after a failed worker (nothing by default)."""


class StepScreen(NotifyingScreen):
    """A wizard step: subclasses set `step`, fill `compose_body`, and say when Next is allowed."""

    step: str = ""
    HELP: ClassVar[str] = ""
    NEXT_LABEL = "Next ›"
    FIELD: str | None = None  # the step's main field: focused on arrival and after Esc
    AUTO_FOCUS = ""  # not Textual's "first focusable": `focus_field` picks it on arrival

    def __init__(self, *, standalone: bool = False) -> None:
        super().__init__()
        self.standalone = standalone  # pushed on its own (e.g. checks of a saved profile)

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "next", "Next"),
        # reached only when the focused widget has no use for Enter (a scroll area, nothing)
        Binding("enter", "next", "Next", show=False),
    ]

    @property
    def wizard(self) -> WizardApp:
        return wizard_app(self)

    @property
    def state(self) -> WizardState:
        return self.wizard.state

    def compose(self) -> ComposeResult:
        if not self.standalone:
            yield StepBar(self.step)
        with Vertical(classes="step-body"):
            yield from self.compose_body()
        with Horizontal(classes="nav-row"):
            # as `refresh_next` leaves it when nothing blocks Next (a class changed after
            # mounting costs a restyle before the first paint)
            yield Static("", id="nav-status", classes="nav-status -hint")
            first = not self.standalone and not self.wizard.has_previous(self.step)
            back = Button(
                "‹ Back", id="nav-back", classes="nav-button", compact=True, disabled=first
            )
            back.can_focus = False  # Esc is Back; Enter must never land on it
            yield back
            yield Button(
                self.NEXT_LABEL,
                id="nav-next",
                classes="nav-button",
                variant="primary",
                compact=True,
            )
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.refresh_next()

    def on_screen_resume(self) -> None:
        focused = self.focused
        if focused is None or focused.id in NAV_IDS or not focused.focusable:
            self.focus_field()

    def field(self) -> Widget | None:
        """The widget that should have focus when the operator arrives at this step."""
        selector = self.FIELD or self.AUTO_FOCUS
        if selector:
            for widget in self.query(selector):
                if widget.focusable:
                    return widget
        for widget in self.query_one(".step-body").query("*"):
            if widget.focusable:
                return widget
        return None

    def focus_field(self) -> None:
        widget = self.field()
        if widget is not None:
            widget.focus()
        else:
            self.focus_next_button()

    def focus_next_button(self) -> None:
        button = self.query_one("#nav-next", Button)
        if not button.disabled:
            button.focus()

    def following_title(self) -> str:
        steps = self.wizard.steps
        if self.standalone or self.step not in steps or self.step == steps[-1]:
            return "the end"
        return STEP_TITLES[steps[steps.index(self.step) + 1]]

    def next_blocker(self) -> str | None:
        """Why Next is not possible yet (shown to the operator), or None when it is."""
        return None

    def next_hint(self) -> str:
        """What the key that goes on will do, shown when nothing blocks it."""
        return f"Enter or ctrl+n: on to {self.following_title()}"

    def refresh_next(self) -> None:
        blocker = self.next_blocker()
        self.query_one("#nav-next", Button).disabled = blocker is not None
        status = self.query_one("#nav-status", Static)
        status.update(blocker or self.next_hint())
        status.set_class(blocker is None, "-hint")

    def commit(self) -> None:
        """Store this step's answers in the wizard state before moving on."""

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "nav-next":
            event.stop()
            self.action_next()
        elif event.button.id == "nav-back":
            event.stop()
            self.action_back()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a field goes on when the step is complete (fields with their own Enter
        action call `prevent_default()`)."""
        event.stop()
        self.action_next()

    def action_next(self) -> None:
        blocker = self.next_blocker()
        if blocker is not None:
            status = self.query_one("#nav-status", Static)
            status.update(blocker)
            status.set_class(False, "-hint")
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
        if not self.wizard.has_previous(self.step) and len(self.app.screen_stack) > 1:
            self.app.pop_screen()  # back to the welcome screen
            return
        self.wizard.go_back(self.step)
