"""The README's product table names every preset, and says "yes" exactly for the presets a
registered target configures (gtwizard.targets.registry.SPECS): the table cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from gtwizard.kinds import TargetKind
from gtwizard.presets.catalog import load_catalog
from gtwizard.targets.registry import SPECS

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(
    r"^\| (?P<name>[^|]+) \| `(?P<slug>[a-z0-9][a-z0-9-]*)` \| (?P<how>[^|]+) \|", re.M
)


def test_the_product_table_names_every_preset_and_what_configures_it() -> None:
    rows = {m["slug"]: m["how"].strip() for m in ROW.finditer(README.read_text())}
    assert set(rows) == {p.slug for p in load_catalog().products}
    configured = {
        preset for kind, spec in SPECS.items() if kind != TargetKind.NONE for preset in spec.presets
    }
    said = {slug for slug, how in rows.items() if how.startswith("yes")}
    assert said >= configured
    for slug in said - configured:  # promised in the README, not built: a target must land
        raise AssertionError(f"the README says gtwizard configures {slug}, no target does")
    for kind in SPECS:
        if kind in (TargetKind.ENV_FILE, TargetKind.ADMIN_API, TargetKind.NONE):
            continue
        assert f"--target {kind}" in README.read_text(), kind
