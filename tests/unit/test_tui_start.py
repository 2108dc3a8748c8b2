"""Which first screen a bare `gtwizard` opens: Product without profiles, the welcome list with."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gtwizard import cli
from gtwizard.commands import tui


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    monkeypatch.setattr(tui, "run_app", lambda state, start_step: seen.append(start_step) or 0)
    return seen


def test_no_config_starts_on_product(started: list[str]) -> None:
    assert cli.main([]) == 0
    assert started == ["product"]


def test_saved_profiles_start_on_the_welcome_list(started: list[str]) -> None:
    from gtwizard.profiles import Profile, save_profile

    save_profile(Profile(name="one", tenant_host="tenant.example.com"))
    assert cli.main([]) == 0
    assert started == ["welcome"]


def test_a_broken_config_starts_on_the_welcome_list_to_show_it(started: list[str]) -> None:
    from gtwizard.paths import config_file

    config_file().parent.mkdir(parents=True)
    config_file().write_text("this is [not toml")
    assert cli.main([]) == 0
    assert started == ["welcome"]


def test_a_bare_start_parses_nothing() -> None:
    """Bare `gtwizard` reaches the TUI without importing argparse (the first screen is sooner)."""
    code = (
        "import sys\n"
        "from gtwizard.commands import tui\n"
        "tui.run_app = lambda state, start_step: print(start_step, 'argparse' in sys.modules)\n"
        "from gtwizard import cli\n"
        "cli.main([])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["product", "False"]
