"""Step 6 — Storage: prove the keyring works, or choose a fallback; then mint and store the key.

This is the only step before Apply that writes anything: the key is stored the moment it exists,
so it is never held only in memory.
"""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, LoadingIndicator, RadioSet, Static

from gtwizard.errors import GtwizardError
from gtwizard.screens.base import StepScreen
from gtwizard.services import fallback_choices, file_consent_given, probe_keyring
from gtwizard.widgets.toggles import ChoiceSet, MarkedRadioButton


class StorageScreen(StepScreen):
    """Keyring probe, the fallback choice when it is unusable, then mint-and-store."""

    HELP = (
        "The OS keyring is checked with a canary entry before any key is made. Over SSH there "
        "is often no keyring: then choose target-only (nothing kept here; a rotation mints "
        "anew) or a 0600 plain-text file (type yes). ctrl+n mints (or stores) the key and moves"
        " on."
    )

    step = "storage"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="storage-scroll"):
            yield Static(
                "The key is stored the moment it is made — the only thing written before Apply.",
            )
            yield LoadingIndicator(id="storage-spinner")
            yield Static("", id="storage-probe")
            with Vertical(id="storage-fallback"):
                with ChoiceSet(id="storage-choice"):
                    yield MarkedRadioButton("Target only — keep nothing here", id="storage-none")
                    yield MarkedRadioButton(
                        "Plain-text file (0600) — needs typed consent", id="storage-file"
                    )
                yield Static("", id="storage-choice-detail")
                yield Input(
                    placeholder="type yes to accept the plain-text file", id="storage-consent"
                )
            yield Button("Mint and store the key", id="storage-go", variant="primary", compact=True)
            yield Static("", id="storage-result")

    def on_mount(self) -> None:
        self.query_one("#storage-fallback").display = False
        self.query_one("#storage-consent").display = False
        self.query_one("#storage-consent").border_title = "Consent"
        super().on_mount()

    def on_screen_resume(self) -> None:
        go = self.query_one("#storage-go", Button)
        go.label = "Mint and store the key" if self.state.mint_mode == "auto" else "Store the key"
        if not self.key_ready():
            # the answers changed since the last key (or there was none): nothing shown is current
            self.query_one("#storage-result", Static).update("")
            go.disabled = False
            self.run_probe()
        self.refresh_next()

    def field(self) -> Widget | None:
        """The first thing still to settle: the fallback choice, the consent, then the button."""
        if self.query_one("#storage-fallback").display:
            if self.state.storage_kind not in ("file", "none"):
                return self.query_one("#storage-choice")
            consent = self.query_one("#storage-consent", Input)
            if self.state.storage_kind == "file" and not file_consent_given(consent.value):
                return consent
        go = self.query_one("#storage-go", Button)
        # with the key stored, the step itself: Enter there goes on
        return go if not go.disabled else self.query_one("#storage-scroll")

    def key_ready(self) -> bool:
        session = self.state.session
        return bool(
            session is not None
            and session.has_key
            and session.storage is not None
            and self.state.key_signature == self.state.key_choices()
        )

    @work(exclusive=True, group="storage-probe", thread=True, exit_on_error=False)
    def run_probe(self) -> None:
        if self.state.demo and self.state.secrets_file is not None:
            self.app.call_from_thread(self.show_demo_file)  # never the operator's keyring
            return
        self.app.call_from_thread(self.set_busy, True, "Checking the OS keyring…")
        probe = probe_keyring()
        self.app.call_from_thread(self.show_probe, probe)

    def set_busy(self, busy: bool, text: str = "") -> None:
        self.query_one("#storage-spinner").display = busy
        if text:
            self.query_one("#storage-probe", Static).update(text)

    def show_probe(self, probe) -> None:
        self.set_busy(False)
        fallback = self.query_one("#storage-fallback")
        if probe.usable:
            self.state.storage_kind = None
            fallback.display = False
            self.query_one("#storage-probe", Static).update(
                f"✓ OS keyring usable ({escape(probe.backend)}): a canary was written, read back "
                "and deleted."
            )
        else:
            fallback.display = True
            lines = [f"✗ The OS keyring cannot be used: {probe.message.rstrip('.')}."]
            if probe.hint:
                lines.append(f"To fix it: {probe.hint.rstrip('.')}.")
            lines.append("Or choose where the key goes (no key is minted until this is settled):")
            self.query_one("#storage-probe", Static).update(escape("\n".join(lines)))
        self.refresh_next()
        if self.focused is None or self.focused.id in ("storage-go", "nav-next"):
            self.focus_field()

    def show_demo_file(self) -> None:
        """The demo keeps its key in its own folder, never in the operator's keyring."""
        self.set_busy(False)
        self.state.storage_kind = "file"
        self.query_one("#storage-fallback").display = False
        self.query_one("#storage-probe", Static).update(
            "! Demo: the key goes to the demo-local plain-text file "
            f"{escape(str(self.state.secrets_file))} (0600), not to your keyring; the demo "
            "removes it when it ends. Never do this with a real key."
        )
        self.refresh_next()
        if self.focused is None or self.focused.id in ("storage-go", "nav-next"):
            self.focus_field()

    @on(RadioSet.Changed, "#storage-choice")
    def choice_changed(self, event: RadioSet.Changed) -> None:
        is_file = event.pressed.id == "storage-file"
        self.state.storage_kind = "file" if is_file else "none"
        self.query_one("#storage-consent").display = is_file
        choice = fallback_choices(self.state.secrets_file)[1 if is_file else 0]
        self.query_one("#storage-choice-detail", Static).update(escape(choice.detail))
        self.query_one("#storage-result", Static).update("")  # an earlier "choose first" is stale
        self.refresh_next()
        self.call_after_refresh(self.focus_field)  # the consent, or the button

    @on(Input.Changed, "#storage-consent")
    def consent_changed(self) -> None:
        self.refresh_next()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter after typing the consent does what the button does: mint (or store) the key."""
        event.stop()
        event.prevent_default()
        self.query_one("#storage-go", Button).press()

    def storage_settled(self) -> str | None:
        """Why the storage is not settled yet, or None."""
        if self.query_one("#storage-fallback").display:
            if self.state.storage_kind not in ("file", "none"):
                return "The keyring is unusable: choose a fallback."
            consent = self.query_one("#storage-consent", Input).value
            if self.state.storage_kind == "file" and not file_consent_given(consent):
                return "Type yes to accept the plain-text file."
        elif self.query_one("#storage-spinner").display:
            return "Checking the keyring…"
        return None

    @on(Button.Pressed, "#storage-go")
    def go_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        blocker = self.storage_settled()
        if blocker:
            self.query_one("#storage-result", Static).update(blocker)
            return
        self.mint_and_store()

    def action_next(self) -> None:
        """Next does the pending work first: mint (or store) the key, then move on."""
        if self.key_ready() or self.storage_settled() is not None:
            super().action_next()
            return
        self.mint_and_store(advance=True)

    @work(exclusive=True, group="storage-mint", exit_on_error=False)
    async def mint_and_store(self, advance: bool = False) -> None:
        result = self.query_one("#storage-result", Static)
        self.query_one("#storage-go", Button).disabled = True
        try:
            if self.state.mint_mode == "auto":
                session = await self.wizard.fresh_session()
                result.update("Checking storage…")
                session.request.storage = self.state.storage_kind
                # ticked on Mint, after the Target step made this run's session
                session.request.keep_operator_token = self.state.keep_operator_token
                await session.decide_storage()
                result.update("Minting…")
                await session.resolve_names(self.state.operator_token)
                assert self.state.operator_token
                session.use_operator_token(self.state.operator_token)

                def busy(step: str, status: str, detail: str) -> None:
                    if step == "verify" and status == "busy":
                        result.update("Verifying the new key…")

                # Storage advances the one order through the key and its verification
                await session.advance(until="verify", on_step=busy)
            else:
                assert self.state.session is not None
                session = self.state.session
                session.request.storage = self.state.storage_kind
                await session.decide_storage()
                await session.advance(until="key")  # the pasted key, verified on Mint, stored
        except GtwizardError as exc:
            result.update(f"✗ {escape(exc.one_line())}")
            self.query_one("#storage-go", Button).disabled = False
        else:
            where = session.storage.location if session.storage else "nowhere"
            result.update(f"✓ Key {escape(session.key_label)} ready; stored in {escape(where)}.")
            if advance:
                self.refresh_next()
                super().action_next()
                return
            self.refresh_next()
            self.focus_next_button()
            return
        self.refresh_next()

    def next_blocker(self) -> str | None:
        if not self.key_ready():
            return self.storage_settled() or "Enter mints and stores the key (ctrl+n: and goes on)."
        return None

    def next_hint(self) -> str:
        return f"✓ Key stored. Enter: on to {self.following_title()}"
