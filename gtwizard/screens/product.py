"""Step 1 — Product: pick the client product preset; see its routes, caveats and prerequisites."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from gtwizard.presets.catalog import Catalog, Product
from gtwizard.screens.base import StepScreen
from gtwizard.widgets.verdicts import ProductDetail


def matches(product: Product, needle: str) -> bool:
    """Type-to-filter: every word of the filter must occur in the name, slug or category."""
    haystack = f"{product.name} {product.slug} {product.category}".lower()
    return all(word in haystack for word in needle.lower().split())


class ProductScreen(StepScreen):
    """Presets grouped by category, a filter box, and the chosen preset's details."""

    HELP = (
        "Pick the product you are connecting. Type to filter the list; Down moves into it; "
        "Enter chooses the highlighted product and goes on. Tab reaches the details, which "
        "scroll with the arrows when they say there is more. The right side shows the GT "
        "runbook for it: how compatible it is, the recommended key preset, every route's "
        "verdict (✓ native, + GT extension, ✗ not supported) and the prerequisites and caveats."
    )

    step = "product"
    AUTO_FOCUS = "#product-filter"

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="product-columns"):
            with Vertical(id="product-picker"):
                products = OptionList(id="product-list")
                products.border_title = "Products"
                field = Input(placeholder="Type to filter…", id="product-filter")
                field.border_title = "Filter"
                yield field
                yield products
            with Vertical(id="product-right"):
                with VerticalScroll(id="product-detail"):
                    yield ProductDetail(id="product-runbook")
                yield Static("", id="product-more")

    def on_mount(self) -> None:
        self.rebuild_list("")
        self.watch(self.query_one("#product-detail"), "scroll_y", self.show_more, init=False)
        super().on_mount()
        self.call_after_refresh(self.keep_in_view)

    def on_resize(self) -> None:
        self.call_after_refresh(self.keep_in_view)

    def keep_in_view(self) -> None:
        """The chosen product stays visible at any size; the details say when there is more."""
        self.query_one("#product-list", OptionList).scroll_to_highlight()
        self.show_more()

    def show_more(self, *_: object) -> None:
        detail = self.query_one("#product-detail", VerticalScroll)
        more = self.query_one("#product-more", Static)
        hidden = detail.max_scroll_y - round(detail.scroll_y)
        more.update(
            f"↓ {hidden} more line{'s' if hidden != 1 else ''} below (caveats): Tab here, then ↓"
            if hidden > 0
            else ""
        )
        more.display = hidden > 0

    def rebuild_list(self, needle: str) -> None:
        options: list[Option | None] = []
        for category, products in self.catalog.by_category().items():
            shown = [p for p in products if matches(p, needle)]
            if not shown:
                continue
            options.append(
                Option(Text(category, style="bold underline"), id=f"cat:{category}", disabled=True)
            )
            options.extend(Option(p.name, id=p.slug) for p in shown)
        option_list = self.query_one("#product-list", OptionList)
        option_list.clear_options()
        option_list.add_options(options)
        chosen = self.state.product_slug
        enabled = [o for o in options if o is not None and not o.disabled]
        if chosen and any(o.id == chosen for o in enabled):
            option_list.highlighted = option_list.get_option_index(chosen)
        elif enabled:
            option_list.highlighted = option_list.get_option_index(enabled[0].id or "")
        if not enabled:
            self.query_one(ProductDetail).show_summary(
                escape(f"No product matches {needle!r}. Clear the filter to see all.")
            )

    @on(Input.Changed, "#product-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.rebuild_list(event.value)

    @on(Input.Submitted, "#product-filter")
    def filter_submitted(self, event: Input.Submitted) -> None:
        """Enter chooses the highlighted product, as in any type-to-filter picker."""
        event.prevent_default()
        option_list = self.query_one("#product-list", OptionList)
        if option_list.highlighted_option is None or option_list.highlighted_option.disabled:
            self.app.bell()
            return
        self.action_next()

    @on(OptionList.OptionHighlighted, "#product-list")
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        slug = event.option.id
        if slug and not slug.startswith("cat:"):
            self.state.product_slug = slug
            self.show_product(self.catalog.product(slug))
            self.refresh_next()

    @on(OptionList.OptionSelected, "#product-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.action_next()

    def on_key(self, event) -> None:
        if event.key == "down" and self.focused is self.query_one("#product-filter"):
            self.query_one("#product-list", OptionList).focus()
            event.stop()

    def show_product(self, product: Product) -> None:
        preset = self.catalog.key_preset(product.recommended_key_preset)
        summary = (
            f"[b]{escape(product.name)}[/b] · {escape(product.category)}\n"
            f"Compatibility: {escape(product.compatibility_label)}\n"
            f"Key preset: {escape(preset.name)} — scopes {escape(', '.join(preset.scopes))}\n"
            f"Documented base: {escape(product.documented_base_url)}"
        )
        notes: list[str] = []
        if product.not_supported:
            notes.append("[b]Not supported[/b]")
            notes.extend(f" ✗ {escape(item)}" for item in product.not_supported)
        elif product.not_supported_note:
            notes.append(f"[b]Not supported[/b]: {escape(product.not_supported_note)}")
        if product.prerequisites:
            notes.append("[b]Prerequisites[/b]")
            notes.extend(f" • {escape(item)}" for item in product.prerequisites)
        if product.caveats:
            notes.append("[b]Caveats[/b]")
            notes.extend(f" • {escape(item)}" for item in product.caveats)
        self.query_one(ProductDetail).show(product, summary, "\n".join(notes))
        self.query_one("#product-detail", VerticalScroll).scroll_home(animate=False)
        self.call_after_refresh(self.show_more)

    def next_hint(self) -> str:
        return "Enter chooses the highlighted product: on to Tenant"

    def next_blocker(self) -> str | None:
        if not self.state.product_slug:
            return "Choose a product first."
        return None
