"""At 80x24 nothing hides meaning (issue 20): the real `gtwizard` in tmux, as over SSH.

The welcome list's wrapped details hang under their profile instead of restarting at column 0, its
prompt names what to press, and Tenant's Replace checkbox reads whole and says what a replace does.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import missing_service
from support.tmux_session import Tmux
from support.tui_drive import FAIL_BACKEND

from gtwizard.profiles import Profile, save_profile

pytestmark = pytest.mark.tmux

LONG_HOST = "gateway-eu-west-production.tenant-platform.example.com"


@pytest.fixture
def wizard(tmp_path: Path, isolated_dirs: Path) -> Iterator[Tmux]:
    """`gtwizard` (the welcome screen) in tmux at 80x24 over two saved profiles."""
    if shutil.which("tmux") is None:
        missing_service("tmux is not installed")
    for name in ("prod-eu", LONG_HOST):
        save_profile(
            Profile(
                name=name,
                tenant_host=LONG_HOST,
                key_id="key_0123456789abcdef0123",
                product_preset="open-webui",
            )
        )
    session = Tmux(f"gtwizard-layout-{os.getpid()}-{tmp_path.name}")
    env = {
        "GTWIZARD_CONFIG_DIR": os.environ["GTWIZARD_CONFIG_DIR"],
        "GTWIZARD_STATE_DIR": os.environ["GTWIZARD_STATE_DIR"],
        "GTWIZARD_CACHE_DIR": os.environ["GTWIZARD_CACHE_DIR"],
        "PYTHON_KEYRING_BACKEND": FAIL_BACKEND,
        "TERM": "tmux-256color",
    }
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    argv = shlex.join([sys.executable, "-m", "gtwizard"])
    command = f"unset DBUS_SESSION_BUS_ADDRESS NO_COLOR; {exports} {argv}; sleep 600"
    session.run("new-session", "-d", "-s", "demo", "-x", "80", "-y", "24", command)
    try:
        yield session
    finally:
        subprocess.run([*session.base, "kill-server"], capture_output=True, timeout=30)


def list_rows(screen: str) -> list[str]:
    """The rows inside the profile list's frame, without the frame."""
    return [line.strip()[1:-1] for line in screen.splitlines() if line.strip().startswith("▊ ")]


def test_welcome_details_hang_under_their_profile(wizard: Tmux) -> None:
    screen = wizard.wait_for("prod-eu", LONG_HOST, "never checked")
    rows = [row for row in list_rows(screen) if row.strip()]
    names = [row for row in rows if not row.startswith("    ")]
    assert [row.split()[0] for row in names] == ["prod-eu", LONG_HOST], screen
    details = [row for row in rows if row.startswith("    ")]
    assert len(details) >= 4, "the details wrapped (the test means something)"
    assert "choose one with ↑↓" in screen and "pick one, then a key below" not in screen


def test_replace_checkbox_reads_whole_and_says_what_it_does(wizard: Tmux) -> None:
    wizard.wait_for("prod-eu")
    wizard.keys("n")
    wizard.wait_for("Step 1/10")
    wizard.keys("Enter")  # Open WebUI is the highlighted product
    wizard.wait_for("Step 2/10", "Enter a valid tenant host")
    # typed at once (a paste): the suggested profile name follows the host, and a profile of
    # that name exists
    wizard.keys("-l", LONG_HOST)
    screen = wizard.wait_for("Replace it")
    assert "Replace it: new key; the old one retired once the new one works" in screen, screen
    assert "not revoked" not in screen
