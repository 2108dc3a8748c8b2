"""`gtwizard presets [--json]` and `gtwizard presets show SLUG [--json]`: browse the preset catalog.

Operators use it to see which products GT supports and how; automation uses `--json`, which carries
every field including the route verdicts.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from gtwizard.commands import COMMANDS, print_json

if TYPE_CHECKING:
    from gtwizard.presets.catalog import Catalog, Product

ACTIONS = ("list", "show")
# verdict -> (symbol, words); ASCII fallbacks for terminals that cannot encode the symbols.
_VERDICT_TEXT = {
    "native": ("✓", "native"),
    "not_supported": ("✗", "not supported"),
    "gt_extension": ("+", "GT extension"),
}
_ASCII_SYMBOL = {"✓": "ok", "✗": "x", "+": "+"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "presets",
        help=COMMANDS["presets"],
        description="List the product presets, or show one preset's routes, key preset "
        "and validation checklist.",
    )
    p.add_argument(
        "action", nargs="?", choices=ACTIONS, default="list", help="list (default) or show"
    )
    p.add_argument("slug", nargs="?", help="the product preset to show, e.g. open-webui")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gtwizard.errors import InvalidInput
    from gtwizard.presets.catalog import load_catalog

    catalog = load_catalog()
    if args.action == "list":
        if args.slug:
            raise InvalidInput(
                f"unexpected argument '{args.slug}'",
                f"to see one preset run 'gtwizard presets show {args.slug}'",
            )
        if args.json:
            print_json({"ok": True, "presets": [p.to_dict() for p in catalog.products]})
        else:
            _print_list(catalog, sys.stdout)
        return 0

    if not args.slug:
        raise InvalidInput(
            "'presets show' needs a product slug", "run 'gtwizard presets' for the list"
        )
    product = catalog.product(args.slug)
    if args.json:
        data = product.to_dict()
        data["key_preset"] = catalog.key_preset(product.recommended_key_preset).to_dict()
        print_json({"ok": True, **data})
    else:
        _print_show(catalog, product, sys.stdout)
    return 0


def _table(rows: Sequence[tuple[str, ...]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        print("  ".join(cells).rstrip(), file=out)


def _print_list(catalog: Catalog, out: TextIO) -> None:
    rows = [("SLUG", "NAME", "CATEGORY", "COMPATIBILITY", "KEY PRESET")]
    rows += [
        (p.slug, p.name, p.category, p.compatibility_label, p.recommended_key_preset)
        for p in catalog.products
    ]
    _table(rows, out)
    print(
        f"\n{len(catalog.products)} presets. Details: gtwizard presets show SLUG",
        file=out,
    )


def verdict_text(verdict: str, out: TextIO | None = None) -> str:
    """A verdict as symbol plus words, e.g. "✓ native" (ASCII symbol if `out` cannot encode it)."""
    symbol, words = _VERDICT_TEXT[verdict]
    encoding = getattr(out or sys.stdout, "encoding", None) or "utf-8"
    try:
        symbol.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        symbol = _ASCII_SYMBOL[symbol]
    return f"{symbol} {words}"


def _section(title: str, items: tuple[str, ...] | list[str], out: TextIO) -> None:
    if not items:
        return
    print(f"\n{title}:", file=out)
    for item in items:
        print(f"  - {item}", file=out)


def _print_show(catalog: Catalog, product: Product, out: TextIO) -> None:
    preset = catalog.key_preset(product.recommended_key_preset)
    scopes = ", ".join(preset.scopes) or "none of its own (inherits from linked keys)"
    print(f"{product.name} ({product.slug})", file=out)
    print(f"Category:       {product.category}", file=out)
    print(f"Compatibility:  {product.compatibility_label}", file=out)
    print(f"Key preset:     {preset.name} [{preset.slug}], {preset.purpose} key", file=out)
    print(f"Scopes:         {scopes}", file=out)
    print(f"Base URL (doc): {product.documented_base_url}", file=out)
    print(f"Evidence:       {product.evidence}", file=out)

    print("\nRoutes:", file=out)
    rows = [("ROUTE", "VERDICT", "HOW")]
    rows += [(r.key, verdict_text(r.verdict, out), r.integration) for r in product.routes]
    _table(rows, out)

    print("\nConfiguration:", file=out)
    _table([(f"  {c.field}", c.value) for c in product.config_fields], out)
    _section("Prerequisites", product.prerequisites, out)
    _section("Setup", product.setup_steps, out)
    notes = list(product.not_supported)
    if product.not_supported_note:
        notes.append(product.not_supported_note)
    _section("Not supported", notes, out)
    _section("Caveats", product.caveats, out)
    if product.doc_conflict:
        _section("Documentation conflict", [product.doc_conflict], out)
    _section(
        "Validation checklist", [f"[{c.id}] {c.text}" for c in product.validation_checklist], out
    )
    _section("Official docs", product.official_docs, out)
