"""Every Open WebUI menu path gtwizard names is said one way (issue 20, small things).

Issue 20 found two different paths in gtwizard's advice for granting models to users, and
"Admin Settings" beside "Admin Panel" elsewhere. Open WebUI 0.12.4's admin pages live under
Admin Panel > Settings (its routes /admin/settings/<tab>; granting a connection's models is on
the Models tab). Each path is now written "Admin Panel > Settings > TAB", granting in one wording
(nextsteps.GRANT_PATH). This test collects every such path in gtwizard's sources and the README.
"""

from __future__ import annotations

import re
from pathlib import Path

from gtwizard.nextsteps import GRANT_PATH

ROOT = Path(__file__).resolve().parents[2]
TABS = {"Connections", "Models", "Interface"}  # the 0.12.4 admin settings tabs gtwizard names


def named_paths() -> dict[str, str]:
    """Each menu path as written (whitespace and string joins folded) -> the file it is in."""
    found: dict[str, str] = {}
    for path in [*ROOT.joinpath("gtwizard").rglob("*.py"), ROOT / "README.md"]:
        text = path.read_text(encoding="utf-8")
        folded = re.sub(r'"\s*\n\s*"', "", text)  # implicit string concatenation
        folded = re.sub(r"\s+", " ", folded)
        for match in re.finditer(r"Admin (?:Panel|Settings)[^.;),]*", folded):
            found[match.group(0).strip()] = path.name
    return found


def test_every_menu_path_is_said_one_way() -> None:
    paths = named_paths()
    assert any("Models" in p for p in paths) and any("Connections" in p for p in paths), paths
    for said, where in paths.items():
        assert said.startswith("Admin Panel > Settings"), f"{where}: {said!r}"
        tab = re.findall(r"\w+", said.removeprefix("Admin Panel > Settings"))[:1]
        assert not tab or tab[0] in TABS, f"{where}: {said!r}"


def test_granting_is_said_in_one_wording() -> None:
    assert "Admin Panel > Settings > Models" in GRANT_PATH
    sources = [p.read_text(encoding="utf-8") for p in ROOT.joinpath("gtwizard").rglob("*.py")]
    said = sum(text.count("Settings > Models") for text in sources)
    assert said == 1, "said only in nextsteps.GRANT_PATH"
