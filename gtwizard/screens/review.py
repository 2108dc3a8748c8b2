"""Step 7 — Review: the base and why, then exactly what Apply will change, secrets masked.

The key exists from here on: entering Review picks the base URL (probed with the key) and plans
the change to the target the Target step checked. The button that goes on says what it does
(Write the env file, or Apply through the admin API) and asks once more before anything is
written.
"""

from __future__ import annotations

import json

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from gtwizard.errors import GtwizardError
from gtwizard.kinds import TargetKind
from gtwizard.screens.base import StepScreen

OPEN_WEBUI_OWN = (TargetKind.ENV_FILE, TargetKind.ADMIN_API)


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class ReviewScreen(StepScreen):
    """Nothing has been written to the target yet; Write (or Apply) asks, then writes."""

    HELP = (
        "Exactly what Apply will change, with the key masked, and the base URL with the reason "
        "it was chosen. Nothing has been written to the target yet. Enter (or ctrl+n) asks "
        "once more, then writes the env file or applies the change through the admin API."
    )

    step = "review"
    FIELD = "#review-scroll"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="review-scroll"):
            yield Static(id="review-base")
            yield Static(id="review-change", classes="diff")
            yield Static(id="review-notes")

    def verb(self) -> str:
        session = self.state.session
        plan = session.plan if session is not None else None
        target = session.request.target if session is not None else None
        if target is not None and target.kind not in OPEN_WEBUI_OWN:
            word = sentence(target.action.split(" ", 1)[0])  # "write …", "apply …"
            return word if word in ("Write", "Apply", "Configure") else "Apply"
        return "Apply" if isinstance(plan, dict) else "Write"

    def on_screen_resume(self) -> None:
        session = self.state.session
        if session is not None and session.has_key and session.plan is None:
            self.query_one("#review-base", Static).update(
                "Choosing the base URL and planning the change…"
            )
            self.query_one("#review-change", Static).update("")
            self.query_one("#review-notes", Static).update("")
            self.refresh_next()
            self.plan_change()
            return
        self.show_plan()

    @work(exclusive=True, group="review-plan", exit_on_error=False)
    async def plan_change(self) -> None:
        """The key exists now: the base the product will use (probed with it), and the plan."""
        session = self.state.session
        assert session is not None
        try:
            await session.plan_target()
        except GtwizardError as exc:
            self.query_one("#review-base", Static).update(
                f"✗ {escape(exc.on_screen())}\nGo Back to fix it, or come back to Review."
            )
            return
        self.show_plan()

    def show_plan(self) -> None:
        self.query_one("#nav-next", Button).label = f"{self.verb()} ›"
        session = self.state.session
        if session is None or session.base is None or session.plan is None:
            self.query_one("#review-base", Static).update(
                "Nothing to review yet: go back (the key is made on Storage)."
            )
            self.refresh_next()
            return
        base = session.base
        replacing = " (replaces the saved profile)" if self.state.replace_profile else ""
        self.query_one("#review-base", Static).update(
            f"[b]Profile[/b] {escape(self.state.profile_name)}{replacing}\n"
            f"[b]Base[/b] {escape(base.openai_base)} ({escape(base.form)})\n"
            f"[b]Why[/b] {escape(base.reason)}"
        )
        plan = session.plan
        target = session.request.target
        if target is not None and target.kind not in OPEN_WEBUI_OWN:
            text, _ = target.review(plan)
            change = f"[b]Changes to {escape(target.place)}[/b] (key masked)\n" + escape(text)
        elif isinstance(plan, dict):
            change = "[b]Admin API change[/b] (key masked)\n" + escape(json.dumps(plan, indent=2))
        elif plan.changed:
            change = f"[b]Changes to {escape(str(plan.path))}[/b] (key masked)\n" + escape(
                plan.diff
            )
        else:
            change = f"{escape(str(plan.path))} already has this configuration: nothing to write."
        self.query_one("#review-change", Static).update(change)
        notes = [f"! {w}" for w in session.warnings]
        notes += [f"• {n}" for n in getattr(plan, "notes", [])]
        self.query_one("#review-notes", Static).update(escape("\n".join(notes)))
        self.refresh_next()

    def next_blocker(self) -> str | None:
        session = self.state.session
        if session is None or session.plan is None:
            return "Nothing to apply yet."
        return None

    def next_hint(self) -> str:
        return f"Enter: {self.verb()} (asks first) · ↑↓ scroll"

    def action_next(self) -> None:
        if self.next_blocker() is not None:
            super().action_next()
            return
        session = self.state.session
        assert session is not None and session.request.target is not None
        target = session.request.target
        if target.kind not in OPEN_WEBUI_OWN:
            question = f"{sentence(target.action)} now?"
        elif target.kind == TargetKind.ENV_FILE:
            question = (
                f"Write {target.place} now? The key goes in (mode 0600); the previous version "
                "is kept as a backup."
            )
        else:
            question = (
                f"Apply the change to Open WebUI at {target.place} now? Its previous "
                "connection settings are restored if the change cannot be verified."
            )
        self.app.push_screen(ConfirmApply(self.verb(), question), self.confirmed)

    def confirmed(self, yes: bool | None) -> None:
        if yes:
            super().action_next()


class ConfirmApply(ModalScreen[bool | None]):
    """One more question before an act; Enter confirms, Esc cancels (None).

    `no` names the other button (an answer of its own, False); `careful` makes it the default
    for acts that cannot be taken back (revoking a key), as removing a profile does."""

    HELP_TITLE = "Confirm"
    HELP = (
        "gtwizard asks before it acts: the question says what happens. Tab moves between the "
        "buttons, Enter presses the focused one; Esc cancels and changes nothing."
    )
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, verb: str, question: str, *, no: str = "Cancel", careful: bool = False
    ) -> None:
        super().__init__()
        self.verb = verb
        self.question = question
        self.no = no
        self.careful = careful

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(escape(self.question))
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    self.verb,
                    id="confirm-yes",
                    variant="error" if self.careful else "primary",
                    compact=True,
                )
                yield Button(self.no, id="confirm-no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-no" if self.careful else "#confirm-yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_cancel(self) -> None:
        self.dismiss(None)
