"""Step 3 — Key: the key preset and scopes, embeddings, and the allowlist from published names."""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Select, Static

from gtwizard.errors import GtwizardError
from gtwizard.screens.base import StepScreen
from gtwizard.setup.keys import AGENT_ALIAS, parse_names, scopes_for
from gtwizard.widgets.picker import NamePicker
from gtwizard.widgets.toggles import MarkedCheckbox

KIND_LABELS = {AGENT_ALIAS: "agent alias", "raw_model": "raw model"}


class KeyScreen(StepScreen):
    """Preset preselected from the product; names picked from what the tenant publishes."""

    HELP = (
        "Choose the key preset (the product's recommendation is preselected) and the names the "
        "key may use. Agent aliases and raw models are separate allowlists; nothing is "
        "preselected. Space toggles a name. For Open WebUI you may route embeddings through GT "
        "too, which adds inference:embed."
    )

    step = "key"

    def compose_body(self) -> ComposeResult:
        catalog = self.wizard.catalog
        product = catalog.product(self.state.product_slug or "open-webui")
        recommended = product.recommended_key_preset
        if self.state.key_preset_slug is None:
            self.state.key_preset_slug = recommended
        options = [
            (f"{p.name}{' (recommended)' if p.slug == recommended else ''}", p.slug)
            for p in catalog.key_presets
        ]
        yield Select(options, value=self.state.key_preset_slug, allow_blank=False, id="key-preset")
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
        self.query_one("#key-preset").border_title = "Key preset"
        self.query_one("#key-names").border_title = "Allowlist"
        self.query_one("#key-names-typed").border_title = "Allowlist (typed)"
        product_slug = self.state.product_slug or ""
        self.query_one("#key-embeddings").display = product_slug == "open-webui"
        self.show_scopes()
        self.query_one("#key-names-typed").display = False
        if self.state.published is not None:
            self.fill_names(self.state.published)
        elif self.state.operator_token and self.state.host is not None:
            self.query_one("#key-published-status", Static).update("Loading published names…")
            self.load_published()
        else:
            self.use_typed_names()
        super().on_mount()

    def show_scopes(self) -> None:
        preset = self.wizard.catalog.key_preset(self.state.key_preset_slug or "chat-client")
        scopes = scopes_for(preset, self.state.embeddings)
        self.query_one("#key-scopes", Static).update(
            f"Purpose: {escape(preset.purpose)}   Scopes: {escape(', '.join(scopes))}"
        )

    @work(exclusive=True, group="key-published")
    async def load_published(self) -> None:
        from gtwizard.setup.keys import fetch_published

        assert self.state.host is not None and self.state.operator_token
        try:
            published = await fetch_published(
                self.state.host, self.state.operator_token, ca_bundle=self.state.ca_bundle
            )
        except GtwizardError as exc:
            self.query_one("#key-published-status", Static).update(
                f"✗ Could not list published names: {escape(exc.one_line())} Type them instead."
            )
            self.use_typed_names()
            return
        self.state.published = published
        self.fill_names(published)

    def fill_names(self, published: list[tuple[str, str]]) -> None:
        rows = [(name, f"{name}  ({KIND_LABELS.get(kind, kind)})") for name, kind in published]
        self.query_one("#key-names", NamePicker).set_rows(rows, self.state.names)
        self.query_one("#key-published-status", Static).update(
            f"{len(published)} names published on this tenant."
        )
        self.refresh_next()

    def use_typed_names(self) -> None:
        self.query_one("#key-names").display = False
        typed = self.query_one("#key-names-typed", Input)
        typed.display = True
        self.query_one("#key-allowlist-label", Static).update(
            "Allowlist — no operator token, so the tenant's names cannot be listed here; type "
            "them exactly as published (the key's live check verifies them):"
        )

    @on(Select.Changed, "#key-preset")
    def preset_changed(self, event: Select.Changed) -> None:
        self.state.key_preset_slug = str(event.value)
        self.show_scopes()

    @on(Checkbox.Changed, "#key-embeddings")
    def embeddings_changed(self, event: Checkbox.Changed) -> None:
        self.state.embeddings = event.value
        self.show_scopes()

    @on(NamePicker.Changed, "#key-names")
    def names_changed(self) -> None:
        self.state.names = tuple(self.query_one("#key-names", NamePicker).selected)
        self.refresh_next()

    @on(Input.Changed, "#key-names-typed")
    def typed_changed(self, event: Input.Changed) -> None:
        self.state.names = parse_names(event.value)
        self.refresh_next()

    def next_blocker(self) -> str | None:
        if not self.state.names:
            return "Pick at least one name for the allowlist."
        return None
