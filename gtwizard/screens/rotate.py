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
    "waiting": "[…]",
}


class RotateScreen(Screen):
    """s starts; a rotation in progress offers f (finish: prove, then revoke) and a (abort).

    An env-file target with no Open WebUI URL cannot be proven here, so the rotation waits with
    both keys live; w then revokes on the operator's word, after saying what that risks.
    """

    BINDINGS = [
        Binding("s", "start", "Start rotation"),
        Binding("enter", "start", "Start", show=False),
        Binding("f", "finish", "Finish"),
        Binding("a", "abort", "Abort"),
        Binding("w", "without_proof", "Revoke without proof", show=False),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, profile: str, target_kind: str = "") -> None:
        super().__init__()
        self.profile = profile
        self.target_kind = target_kind
        self.running = False
        self.pending: str | None = None  # the journal's state when a rotation is in progress
        self.offer_without_proof = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="step-body"):
            yield Static(
                f"[b]Rotate the key of profile {escape(self.profile)}[/b]\n"
                "Mint a new key with the same scopes and allowlist, store it, apply it, prove it "
                "where Open WebUI uses it, and only then revoke the old one. Press s to start."
                + self.interruption_text(),
                classes="prompt",
                id="rotate-intro",
            )
            yield Static("", id="rotate-pending")
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
        self.show_pending()

    def show_pending(self) -> None:
        """A rotation (or re-setup) in progress: say so, and offer finish / abort."""
        from gtwizard.lifecycle.journal import open_journal

        try:
            journal = open_journal(self.profile)
        except GtwizardError as exc:
            self.query_one("#rotate-pending", Static).update(f"✗ {escape(exc.one_line())}")
            return
        self.pending = journal.state if journal else None
        text = ""
        if journal is not None:
            text = (
                f"[b]In progress:[/b] {escape(journal.summary())}\n"
                "Press f to finish (prove the new key, then revoke the old one) or a to abort "
                "(the old key back, the new one revoked)."
            )
        self.query_one("#rotate-pending", Static).update(text)

    def show_steps(self, statuses: dict[str, str]) -> None:
        self.query_one("#rotate-steps", Static).update(
            "\n".join(f"{MARKS.get(s, '[?]')} {escape(n)}" for n, s in statuses.items())
        )

    def action_start(self) -> None:
        if self.running:
            return
        if self.pending is not None:
            self.notify("A rotation is in progress: f finishes it, a aborts it.")
            return
        self.launch()

    def action_finish(self) -> None:
        if not self.running and self.pending is not None:
            self.launch(finish=True)

    def action_abort(self) -> None:
        if not self.running and self.pending is not None:
            self.launch(abort=True)

    def action_without_proof(self) -> None:
        if not self.running and self.offer_without_proof:
            self.launch(finish=True, revoke_without_proof=True)

    def launch(self, **mode: bool) -> None:
        self.running = True
        self.rotate(**mode)

    @work(exclusive=True, group="rotate", exit_on_error=False)
    async def rotate(self, **mode: bool) -> None:
        from gtwizard.rotation import ProofUnavailable, Rotation, RotationOptions

        state = self.app.state  # type: ignore[attr-defined]
        lines: list[str] = []

        def say(text: str) -> None:
            lines.append(text)
            self.query_one("#rotate-log", Static).update(escape("\n".join(lines[-6:])))
            self.show_steps({n: r.status for n, r in rotation.reports.items()})

        rotation = Rotation(
            RotationOptions(
                profile=self.profile,
                operator_token=state.operator_token,
                openwebui_token=state.openwebui_token,
                say=say,
                finish=mode.get("finish", False),
                abort=mode.get("abort", False),
                revoke_without_proof=mode.get("revoke_without_proof", False),
            )
        )
        self.offer_without_proof = False
        try:
            result = await rotation.run()
        except GtwizardError as exc:
            say(f"✗ {exc.one_line()}")
            if isinstance(exc, ProofUnavailable):
                self.offer_without_proof = True
                say(
                    "Press w to revoke the old key without a proof: if Open WebUI still uses "
                    "it, its chats fail until it restarts with the new key."
                )
        else:
            say(self.outcome(rotation, result, mode))
        self.show_steps({n: r.status for n, r in rotation.reports.items()})
        self.show_pending()
        self.running = False

    @staticmethod
    def outcome(rotation, result: dict, mode: dict[str, bool]) -> str:
        if mode.get("abort"):
            return f"↺ aborted: the profile keeps key {result.get('old_key_id')}."
        if rotation.waiting:
            steps = "\n".join(f"  {n}. {s}" for n, s in enumerate(rotation.remaining(), start=1))
            return (
                f"… waiting: the new key {result.get('new_key_id')} is written; the old key "
                f"{result.get('old_key_id')} stays valid until the new one is proven in Open "
                f"WebUI. Still to do:\n{steps}"
            )
        return f"✓ rotated: new key {result.get('new_key_id')}; the old key is revoked."
