"""The route verdict table: native, GT extension and not supported told apart by symbol and word."""

from __future__ import annotations

from rich.table import Table
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


class RouteVerdictTable(Static):
    """One row per route: the verdict in words, the route, and notes when wide enough."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.product: Product | None = None

    def show(self, product: Product) -> None:
        self.product = product
        self.update(self.build_table())

    def on_resize(self, event: Resize) -> None:
        if self.product is not None:
            self.update(self.build_table())

    def build_table(self) -> Table:
        assert self.product is not None
        wide = self.size.width >= WIDE_ENOUGH_FOR_NOTES
        table = Table(box=None, padding=(0, 1, 0, 0), show_edge=False, expand=False)
        table.add_column("Verdict", no_wrap=True)
        table.add_column("Route", no_wrap=True)
        if wide:
            table.add_column("How the product calls it", ratio=1)
        for route in self.product.routes:
            row = [VERDICT_LABELS.get(route.verdict, route.verdict), route.key]
            if wide:
                row.append(route.integration)
            table.add_row(*row)
        return table
