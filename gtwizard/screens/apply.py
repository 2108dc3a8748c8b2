"""Step 8 — Apply: write the env file or call the admin API, save the profile; live step list."""

from __future__ import annotations

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.widgets import Static

from gtwizard.errors import GtwizardError
from gtwizard.kinds import TargetKind
from gtwizard.screens.base import StepScreen
from gtwizard.screens.review import OPEN_WEBUI_OWN, sentence

MARKS = {"todo": "[ ]", "busy": "[…]", "done": "[✓]", "fail": "[✗]"}


class ApplyScreen(StepScreen):
    """Runs once when shown; on failure everything this run created is undone."""

    HELP = (
        "Writes the env file atomically (0600, previous version kept) or configures Open WebUI "
        "through its admin API (verified from Open WebUI's side first; the previous config is "
        "restored on failure), then saves the profile and its operator runbook."
    )

    step = "apply"

    def compose_body(self) -> ComposeResult:
        yield Static(id="apply-steps")
        yield Static(id="apply-outcome")

    def on_mount(self) -> None:
        self.steps: dict[str, str] = {}
        super().on_mount()

    def on_screen_resume(self) -> None:
        if self.state.profile is None:
            self.run_apply()
        self.refresh_next()

    def set_step(self, name: str, status: str) -> None:
        self.steps[name] = status
        self.query_one("#apply-steps", Static).update(
            "\n".join(f"{MARKS[s]} {escape(n)}" for n, s in self.steps.items())
        )

    @work(exclusive=True, group="apply", exit_on_error=False)
    async def run_apply(self) -> None:
        session = self.state.session
        outcome = self.query_one("#apply-outcome", Static)
        if session is None or session.request.target is None:
            outcome.update("✗ Nothing to apply: go back to Target.")
            return
        target = session.request.target
        if target.kind == TargetKind.ENV_FILE:
            write = f"Write {target.place}"
        elif target.kind == TargetKind.ADMIN_API:
            write = f"Configure {target.place}"
        else:
            write = sentence(target.action)
        names = {"apply": write, "save": "Save the profile"}
        if session.journal is not None and session.journal.old_key_id:
            names["retire"] = f"Retire the old key {session.journal.old_key}"
        self.steps = {}
        for name in names.values():
            self.set_step(name, "todo")
        current = write

        def on_step(step: str, status: str) -> None:
            nonlocal current
            current = names[step]
            self.set_step(current, "todo" if status == "waiting" else status)

        try:
            self.state.profile = await session.finish(on_step=on_step)
        except GtwizardError as exc:
            self.set_step(current, "fail")
            undone = await session.rollback() if not self.state.profile else []
            kept = session.applied_to_target
            if not kept:
                self.state.session = None
            what = "; ".join(undone) or (
                "the profile is saved; the old key stays valid" if self.state.profile else ""
            )
            outcome.update(
                f"✗ {escape(exc.one_line())}\n"
                + escape(what or "What this run created was undone")
                + ("" if kept else "; go Back to fix it.")
            )
        else:
            applied = session.applied
            if target.kind in OPEN_WEBUI_OWN:
                note = getattr(applied, "message", "") or f"Open WebUI at {target.place} updated."
            else:
                note = target.describe(applied)[0]
            retire = session.retire or {}
            old = session.journal.old_key if session.journal is not None else ""
            if retire.get("state") == "waiting":
                note += (
                    f"\nThe old key {old} stays valid until the new one is "
                    f"proven in {target.product}: gtwizard rotate --finish --profile "
                    f"{session.request.profile}"
                )
            outcome.update(f"✓ {escape(note)}\nNext runs the live checks.")
            self.refresh_next()
            self.focus_next_button()
            return
        self.refresh_next()

    def next_blocker(self) -> str | None:
        if self.state.profile is None:
            return "Applying…" if self.state.session is not None else "Apply failed: go Back."
        return None
