"""The route verdict table: native, GT extension and not supported told apart by symbol and word,
and the Product step's detail pane that shows it with the rest of a product's runbook."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.events import Resize
from textual.widgets import Static

from gtwizard.presets.catalog import Product

VERDICT_LABELS = {
    "native": "✓ native",
    "gt_extension": "+ GT extension",
    "not_supported": "✗ not supported",
}

# Below this width the integration notes are left out so the table never truncates a verdict.
WIDE_ENOUGH_FOR_NOTES = 90


def route_table(product: Product, width: int) -> Table:
    """One row per route: the verdict in words, the route, and notes when `width` allows."""
    wide = width >= WIDE_ENOUGH_FOR_NOTES
    table = Table(box=None, padding=(0, 1, 0, 0), show_edge=False, expand=False)
    table.add_column("Verdict", no_wrap=True)
    table.add_column("Route", no_wrap=True)
    if wide:
        table.add_column("How the product calls it", ratio=1)
    for route in product.routes:
        row = [VERDICT_LABELS.get(route.verdict, route.verdict), route.key]
        if wide:
            row.append(route.integration)
        table.add_row(*row)
    return table


class ProductDetail(Static):
    """A product's runbook: its summary, a blank line, the route verdict table, a blank line, and
    its notes (what is not supported, prerequisites, caveats), all as Rich markup but the table.

    One widget, not one per part: each widget costs layout and styling before the first paint,
    and this pane is on the first screen. The table follows the pane's width (see route_table).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.product: Product | None = None
        self.summary = ""
        self.notes = ""

    def show(self, product: Product, summary: str, notes: str) -> None:
        self.product, self.summary, self.notes = product, summary, notes
        self.update(self.build())

    def show_summary(self, summary: str) -> None:
        """Replace only the summary (the table and notes stay)."""
        self.summary = summary
        self.update(self.build())

    def on_resize(self, event: Resize) -> None:
        if self.product is not None:
            self.update(self.build())

    def build(self) -> Group:
        # emoji=False: a preset's ":x:" stays text (and Rich's emoji table, 3,000 names, is not
        # loaded before the first paint)
        parts: list[Text | Table] = [Text.from_markup(self.summary, emoji=False), Text("")]
        if self.product is not None:
            parts.append(route_table(self.product, self.size.width))
        parts += [Text(""), Text.from_markup(self.notes, emoji=False)]
        return Group(*parts)
