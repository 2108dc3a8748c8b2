"""Rotate: the journaled rotation with its steps shown live; never revokes before verifying."""

from __future__ import annotations

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from gtwizard.errors import GtwizardError
from gtwizard.widgets.keybar import KeyBar

MARKS = {
    "pending": "[ ]",
    "done": "[✓]",
    "resumed": "[✓]",
    "failed": "[✗]",
    "skipped": "[-]",
    "rolled-back": "[↺]",
}


class RotateScreen(Screen):
    """Press Enter (or s) to start; the journal lets `gtwizard rotate --resume` finish a crash."""

    BINDINGS = [
        Binding("s", "start", "Start rotation"),
        Binding("enter", "start", "Start", show=False),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, profile: str, target_kind: str = "") -> None:
        super().__init__()
        self.profile = profile
        self.target_kind = target_kind
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="step-body"):
            yield Static(
                f"[b]Rotate the key of profile {escape(self.profile)}[/b]\n"
                "Mint a new key with the same scopes and allowlist, store it, apply it, verify it "
                "where Open WebUI uses it, and only then revoke the old one. Press s to start."
                + self.interruption_text(),
                classes="prompt",
            )
            yield Static("", id="rotate-steps")
            yield Static("", id="rotate-log")
        yield KeyBar()

    def interruption_text(self) -> str:
        from gtwizard.runbook import rotation_interruption

        note = rotation_interruption(self.target_kind)
        return f"\n[i]{escape(note)}[/i]" if note else ""

    def on_mount(self) -> None:
        from gtwizard.rotation import STEPS

        self.show_steps({step: "pending" for step in STEPS})

    def show_steps(self, statuses: dict[str, str]) -> None:
        self.query_one("#rotate-steps", Static).update(
            "\n".join(f"{MARKS.get(s, '[?]')} {escape(n)}" for n, s in statuses.items())
        )

    def action_start(self) -> None:
        if not self.running:
            self.running = True
            self.rotate()

    @work(exclusive=True, group="rotate")
    async def rotate(self) -> None:
        from gtwizard.rotation import Rotation, RotationOptions

        state = self.app.state  # type: ignore[attr-defined]
        lines: list[str] = []

        def say(text: str) -> None:
            lines.append(text)
            self.query_one("#rotate-log", Static).update(escape("\n".join(lines[-6:])))
            self.show_steps({n: r.status for n, r in rotation.reports.items()})

        rotation = Rotation(
            RotationOptions(profile=self.profile, operator_token=state.operator_token, say=say)
        )
        try:
            result = await rotation.run()
        except GtwizardError as exc:
            say(f"✗ {exc.one_line()}")
        else:
            say(f"✓ rotated: new key {result.get('new_key_id')}; the old key is revoked.")
        self.show_steps({n: r.status for n, r in rotation.reports.items()})
        self.running = False
