"""The Product step's detail pane renders a preset's text as written."""

from __future__ import annotations

import io

from rich.console import Console

from gtwizard.presets.catalog import load_catalog
from gtwizard.widgets.verdicts import ProductDetail


def test_emoji_names_in_a_preset_stay_text(tmp_path) -> None:
    """Rich would turn ":warning:" into a pictogram; a preset's caveat is shown as written."""
    product = load_catalog(tmp_path).product("open-webui")
    detail = ProductDetail()
    detail.product, detail.summary, detail.notes = product, "Use :warning: here", " • :x: stays"
    console = Console(width=100, record=True, file=io.StringIO(), color_system=None)
    console.print(detail.build())
    shown = console.export_text()
    assert "Use :warning: here" in shown
    assert ":x: stays" in shown
    assert "POST /v1/chat/completions" in shown  # the route table is still there
