"""Step 3 — Key: the key preset and scopes, embeddings, and the allowlist from published names.

The operator token (masked, optional) is asked here, where it is first needed: with it the
tenant's published names are listed to pick from; the Mint step then reuses it.
"""

from __future__ import annotations

from rich.markup import escape
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, Static

from gtwizard.errors import GtwizardError
from gtwizard.screens.base import StepScreen
from gtwizard.setup.keys import AGENT_ALIAS, parse_names, scopes_for
from gtwizard.widgets.picker import NamePicker
from gtwizard.widgets.toggles import MarkedCheckbox, StepSelect

KIND_LABELS = {AGENT_ALIAS: "agent alias", "raw_model": "raw model"}


class KeyScreen(StepScreen):
    """Preset preselected from the product; names picked from what the tenant publishes."""

    HELP = (
        "Choose the key preset (the product's recommendation is preselected) and the names the "
        "key may use. The operator token (optional, masked; used for this run) lets the wizard "
        "list the tenant's published names, and mints the key on the next step; without it, "
        "type the names. Agent aliases and raw models are separate allowlists; nothing is "
        "preselected. Space toggles a name; Enter goes on once a name is chosen (with none "
        "chosen, Enter picks the highlighted one). For Open WebUI you may route embeddings "
        "through GT too, which adds inference:embed."
    )

    step = "key"

    # the product the preset choice was made for: another product brings its own recommendation
    preset_product: str | None = None

    def recommended(self) -> str:
        product = self.wizard.catalog.product(self.state.product_slug or "open-webui")
        return product.recommended_key_preset

    def preset_options(self) -> list[tuple[str, str]]:
        recommended = self.recommended()
        return [
            (f"{p.name}{' (recommended)' if p.slug == recommended else ''}", p.slug)
            for p in self.wizard.catalog.key_presets
        ]

    def compose_body(self) -> ComposeResult:
        if self.state.key_preset_slug is None:
            self.state.key_preset_slug = self.recommended()
        self.preset_product = self.state.product_slug
        with Horizontal(id="key-top"):
            yield StepSelect(
                self.preset_options(),
                value=self.state.key_preset_slug,
                allow_blank=False,
                id="key-preset",
                title="Key preset",
            )
            yield Input(
                value=self.state.operator_token or "",
                password=True,
                placeholder="gtop_… (optional)",
                id="key-token",
            )
        yield Static(id="key-scopes")
        yield MarkedCheckbox(
            "Route embeddings through GT as well (adds inference:embed)",
            value=self.state.embeddings,
            id="key-embeddings",
        )
        yield Static(
            "Allowlist — pick the names this key may use (agent aliases and raw models are "
            "separate kinds; none is preselected):",
            id="key-allowlist-label",
        )
        yield NamePicker(id="key-names")
        yield Input(
            value=", ".join(self.state.names),
            placeholder="names as published, comma-separated (e.g. helpdesk, research-assistant)",
            id="key-names-typed",
        )
        yield Static("", id="key-published-status")

    def on_mount(self) -> None:
        self.query_one("#key-token").border_title = "Operator token"
        self.query_one("#key-names").border_title = "Allowlist"
        self.query_one("#key-names-typed").border_title = "Allowlist (typed)"
        self.show_embeddings()
        self.show_scopes()
        self.query_one("#key-names-typed").display = False
        self.list_or_type()
        super().on_mount()

    def show_embeddings(self) -> None:
        """Embeddings through GT are offered for Open WebUI only."""
        self.query_one("#key-embeddings").display = self.state.product_slug == "open-webui"

    @on(events.ScreenResume)
    def follow_product(self) -> None:
        """The product changed since the preset was chosen: its recommended preset (and no
        embeddings, which only Open WebUI offers) replaces the other product's; the operator's
        own pick for the same product stays (Textual then runs StepScreen's own handler, which
        focuses the step's field)."""
        if self.state.product_slug == self.preset_product:
            return
        self.preset_product = self.state.product_slug
        self.state.key_preset_slug = self.recommended()
        self.state.embeddings = False
        select = self.query_one("#key-preset", StepSelect)
        with select.prevent(Select.Changed):
            select.set_options(self.preset_options())
            select.value = self.state.key_preset_slug
        embeddings = self.query_one("#key-embeddings", Checkbox)
        with embeddings.prevent(Checkbox.Changed):
            embeddings.value = False
        self.show_embeddings()
        self.show_scopes()

    def on_screen_resume(self) -> None:
        token = self.query_one("#key-token", Input)
        if token.value != (self.state.operator_token or ""):  # changed on the Mint step
            token.value = self.state.operator_token or ""
        if self.state.published is None and not self.loading:
            self.list_or_type()

    def list_or_type(self) -> None:
        """Pick from the tenant's names when they are known or can be listed; else type them."""
        self.loading = False
        if self.state.published is not None:
            self.fill_names(self.state.published)
        elif self.state.operator_token and self.state.host is not None:
            self.loading = True
            self.query_one("#key-published-status", Static).update("Loading published names…")
            self.load_published()
        else:
            self.use_typed_names()

    def field(self) -> Widget | None:
        if self.query_one("#key-names").display:
            return self.query_one("#key-names")
        if not self.state.operator_token:
            return self.query_one("#key-token")
        return self.query_one("#key-names-typed")

    def show_scopes(self) -> None:
        preset = self.wizard.catalog.key_preset(self.state.key_preset_slug or "chat-client")
        scopes = scopes_for(preset, self.state.embeddings)
        self.query_one("#key-scopes", Static).update(
            f"Purpose: {escape(preset.purpose)}   Scopes: {escape(', '.join(scopes))}"
        )

    @work(exclusive=True, group="key-published", exit_on_error=False)
    async def load_published(self) -> None:
        from gtwizard.setup.keys import fetch_published

        assert self.state.host is not None and self.state.operator_token
        try:
            published = await fetch_published(
                self.state.host, self.state.operator_token, ca_bundle=self.state.ca_bundle
            )
        except GtwizardError as exc:
            self.loading = False
            self.query_one("#key-published-status", Static).update(
                f"✗ Could not list published names: {escape(exc.on_screen())} Type them instead."
            )
            self.use_typed_names()
            return
        self.loading = False
        self.state.published = published
        self.fill_names(published)

    def fill_names(self, published: list[tuple[str, str]]) -> None:
        rows = [(name, f"{name}  ({KIND_LABELS.get(kind, kind)})") for name, kind in published]
        picker = self.query_one("#key-names", NamePicker)
        picker.set_rows(rows, self.state.names)
        picker.display = True
        self.query_one("#key-names-typed").display = False
        self.query_one("#key-allowlist-label", Static).update(
            "Allowlist — pick the names this key may use (agent aliases and raw models are "
            "separate kinds; none is preselected):"
        )
        self.query_one("#key-published-status", Static).update(
            f"{len(published)} names published on this tenant."
        )
        if self.focused is None or self.focused.id in ("key-token", "key-names-typed"):
            picker.focus()
        self.refresh_next()

    def use_typed_names(self) -> None:
        self.query_one("#key-names").display = False
        typed = self.query_one("#key-names-typed", Input)
        typed.display = True
        self.query_one("#key-allowlist-label", Static).update(
            "Allowlist — without an operator token the tenant's names cannot be listed: type "
            "them exactly as published (the key's live check verifies them):"
        )
        self.refresh_next()

    @on(Input.Changed, "#key-token")
    def token_changed(self, event: Input.Changed) -> None:
        self.state.operator_token = event.value.strip() or None
        self.refresh_next()

    @on(Input.Submitted, "#key-token")
    def token_submitted(self, event: Input.Submitted) -> None:
        """Enter in the token field lists the names (or, with no token, moves to typing them)."""
        event.prevent_default()
        if self.state.operator_token and self.state.host is not None:
            self.state.published = None
            self.list_or_type()
        else:
            self.use_typed_names()
            self.query_one("#key-names-typed").focus()

    @on(Select.Changed, "#key-preset")
    def preset_changed(self, event: Select.Changed) -> None:
        self.state.key_preset_slug = str(event.value)
        self.show_scopes()

    @on(Checkbox.Changed, "#key-embeddings")
    def embeddings_changed(self, event: Checkbox.Changed) -> None:
        self.state.embeddings = event.value
        self.show_scopes()

    @on(NamePicker.Changed, "#key-names")
    def names_changed(self, event: NamePicker.Changed) -> None:
        if isinstance(event, NamePicker.Confirmed):
            return
        self.state.names = tuple(self.query_one("#key-names", NamePicker).selected)
        self.refresh_next()

    @on(NamePicker.Confirmed, "#key-names")
    def names_confirmed(self) -> None:
        self.action_next()

    @on(Input.Changed, "#key-names-typed")
    def typed_changed(self, event: Input.Changed) -> None:
        self.state.names = parse_names(event.value)
        self.refresh_next()

    def next_blocker(self) -> str | None:
        if not self.state.names:
            if self.query_one("#key-names").display:
                return "Enter picks the highlighted name; Space toggles."
            return "Type at least one name for the allowlist."
        return None

    def next_hint(self) -> str:
        count = len(self.state.names)
        hint = f"Enter: on to {self.following_title()} with {count} name{'s' if count != 1 else ''}"
        return hint + (" · Space toggles more" if self.query_one("#key-names").display else "")
