"""Step 7 — Review: the base and why, then exactly what Apply will change, secrets masked."""

from __future__ import annotations

import json

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from gtwizard.screens.base import StepScreen


class ReviewScreen(StepScreen):
    """Nothing has been written to the target yet; Next applies."""

    HELP = (
        "Exactly what Apply will change, with the key masked, and the base URL with the reason "
        "it was chosen. Nothing has been written to the target yet."
    )

    step = "review"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="review-scroll"):
            yield Static(id="review-base")
            yield Static(id="review-change", classes="diff")
            yield Static(id="review-notes")

    def on_screen_resume(self) -> None:
        session = self.state.session
        if session is None or session.base is None or session.plan is None:
            self.query_one("#review-base", Static).update(
                "Nothing to review yet: go back to Target."
            )
            return
        base = session.base
        self.query_one("#review-base", Static).update(
            f"[b]Base[/b] {escape(base.openai_base)} ({escape(base.form)})\n"
            f"[b]Why[/b] {escape(base.reason)}"
        )
        plan = session.plan
        if isinstance(plan, dict):
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
