"""Step 5 — Mint: automatic with an operator token, or guided manual minting with a masked paste."""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, RadioSet, Static

from gtwizard.errors import GtwizardError
from gtwizard.screens.base import StepScreen
from gtwizard.setup.session import SetupSession
from gtwizard.widgets.minting import GuidedMint, OperatorTokenField, copy_console, guided_steps
from gtwizard.widgets.toggles import ChoiceSet, MarkedCheckbox, MarkedRadioButton


class MintScreen(StepScreen):
    """The key itself is minted on the Storage step, right after storage is proven to work."""

    HELP = (
        "Automatic minting uses an operator token (used for this run only). Guided manual "
        "minting works with every tenant: open the /gt-api page (ctrl+y copies its address; it "
        "is also shown), create the key exactly as listed, paste the secret and press Enter: it"
        " is checked live and masked."
    )

    step = "mint"
    BINDINGS = [Binding("ctrl+y", "copy_console", "Copy /gt-api address")]
    # the accepted paste: the answers it was made for, the key as /gt-api names it, and the
    # /gt-api page of the tenant it was made on
    accepted_for: tuple | None = None
    accepted_label: str = ""
    accepted_console: str = ""

    def compose_body(self) -> ComposeResult:
        with ChoiceSet(id="mint-mode"):
            yield MarkedRadioButton(
                "Automatic — mint through the tenant's key API with an operator token",
                value=self.state.mint_mode == "auto",
                id="mint-auto",
            )
            yield MarkedRadioButton(
                "Guided manual — make the key in the tenant app and paste it here",
                value=self.state.mint_mode == "manual",
                id="mint-manual",
            )
        with Vertical(id="mint-auto-pane"):
            yield Static(
                "Operator token (from the Key step; used for this run, kept only if you tick"
                " below):",
                classes="prompt",
            )
            yield OperatorTokenField(self.state.operator_token or "", id="mint-token")
            yield MarkedCheckbox(
                "Keep it with the key, so gtwizard rotate can mint later",
                value=self.state.keep_operator_token,
                id="mint-keep-token",
            )
        yield GuidedMint("mint", id="mint-manual-pane")

    def on_mount(self) -> None:
        self.show_mode()
        super().on_mount()

    def on_screen_resume(self) -> None:
        token = self.query_one("#mint-token", Input)
        if token.value != (self.state.operator_token or ""):  # given or changed on the Key step
            token.value = self.state.operator_token or ""
        self.drop_stale_paste()
        self.show_instructions()
        self.refresh_next()

    def drop_stale_paste(self) -> None:
        """A pasted key accepted for other answers (another tenant, allowlist, ...) is not this
        run's key any more: the paste field is emptied and usable again, and the line says why
        (the key was made by hand, so deleting it at /gt-api is the operator's)."""
        guided = self.query_one(GuidedMint)
        if self.accepted_for is None or self.pasted_ok():
            return
        changed = self.state.changed_choices(self.accepted_for) or ["answers"]
        guided.reset()
        guided.say(
            f"✗ The key {escape(self.accepted_label)} was made for another "
            f"{escape(' and '.join(changed))}: delete it at {escape(self.accepted_console)}, make a key as "
            "listed below and paste it."
        )
        self.accepted_for = None

    def field(self):
        """The token (auto) or the paste field (manual): Enter there goes on or checks the key."""
        if self.state.mint_mode == "auto":
            return self.query_one("#mint-token")
        paste = self.query_one("#mint-paste", Input)
        return paste if not paste.disabled else None

    def show_mode(self) -> None:
        auto = self.state.mint_mode == "auto"
        self.query_one("#mint-auto-pane").display = auto
        self.query_one("#mint-manual-pane").display = not auto
        self.show_instructions()

    def show_instructions(self) -> None:
        host = self.state.host
        if host is None:
            return
        catalog = self.wizard.catalog
        preset = catalog.key_preset(self.state.key_preset_slug or "chat-client")
        from gtwizard.setup.keys import scopes_for

        self.query_one(GuidedMint).show_steps(
            guided_steps(
                host.gt_api_console,
                preset.name,
                scopes_for(preset, self.state.embeddings),
                self.state.names,
                "it is checked live, then masked.",
                key_name=self.state.suggested_key_name(),
            )
        )

    def action_copy_console(self) -> None:
        if self.state.host is not None:
            copy_console(self.app, self.state.host.gt_api_console)

    @on(RadioSet.Changed, "#mint-mode")
    def mode_changed(self, event: RadioSet.Changed) -> None:
        self.state.mint_mode = "auto" if event.pressed.id == "mint-auto" else "manual"
        self.show_mode()
        self.refresh_next()
        if isinstance(event.radio_set, ChoiceSet) and event.radio_set.went_on:
            self.call_after_refresh(self.focus_field)  # the token or the paste, as now shown

    @on(Checkbox.Changed, "#mint-keep-token")
    def keep_changed(self, event: Checkbox.Changed) -> None:
        self.state.keep_operator_token = event.value

    @on(Input.Changed, "#mint-token")
    def token_changed(self, event: Input.Changed) -> None:
        self.state.operator_token = event.value.strip() or None
        self.refresh_next()

    @on(GuidedMint.Pasted)
    def paste_submitted(self, event: GuidedMint.Pasted) -> None:
        self.verify_paste(event.secret)

    @work(exclusive=True, group="mint-verify", exit_on_error=False)
    async def verify_paste(self, secret: str) -> None:
        guided = self.query_one(GuidedMint)
        session = await self.wizard.fresh_session(force=True)
        try:
            await session.resolve_names(None)
            await session.accept_pasted(secret, store=False, name=self.state.suggested_key_name())
        except GtwizardError as exc:
            guided.refused(exc.on_screen())
            self.state.session = None
        else:
            seen = ", ".join(n for n, _ in session.visible)
            self.accepted_for = self.state.key_choices()
            self.accepted_label = session.key_label
            self.accepted_console = self.state.host.gt_api_console if self.state.host else ""
            guided.accepted(
                secret,
                f"✓ Key {escape(session.key_label)} accepted: it sees exactly {escape(seen)}.",
            )
            self.refresh_next()
            self.focus_next_button()
        self.refresh_next()

    def pasted_ok(self) -> bool:
        session: SetupSession | None = self.state.session
        return (
            session is not None
            and session.has_key
            and self.state.key_signature == self.state.key_choices()
        )

    def next_hint(self) -> str:
        if self.state.mint_mode == "auto":
            return "Enter: on to Storage (the key is minted there)"
        return super().next_hint()

    def next_blocker(self) -> str | None:
        if self.state.mint_mode == "auto" and not self.state.operator_token:
            return "Enter the operator token, or choose guided manual."
        if self.state.mint_mode == "manual" and not self.pasted_ok():
            return "Paste the key and press Enter to check it."
        return None
