"""A hostile tenant's text in the TUI: what reaches the terminal is its escape, never the sequence.

Pilot renders each screen to the exact string Textual would write to the terminal, and the test
looks at that string. The tmux test runs the real binary: the raw bytes the pane received are
recorded (pipe-pane), and tmux, told to honour OSC 52, must not have been handed a clipboard.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import missing_service
from support.cli_helpers import mint_setup_args
from support.hostile_helpers import BIDI, ESCAPED_OSC52, run_cli_bytes
from support.tmux_session import Tmux
from support.tui_drive import settle
from textual.widgets import OptionList, Static

from gtwizard.app import WizardApp
from gtwizard.sandbox.hostile import HOSTILE_ID, HOSTILE_TEXT, OSC52
from gtwizard.widgets.terminal_guard import installed

pytestmark = pytest.mark.usefixtures("fail_keyring")


def set_up(sandbox: Any, profile: str) -> None:
    out = run_cli_bytes(
        mint_setup_args(sandbox.base_url, "helpdesk", "--profile", profile),
        {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token},
    )
    assert out.returncode == 0, out.stderr.decode()


def keep_key_id_as_an_old_gtwizard_did(config_dir: Path, profile: str) -> None:
    """Put the tenant's raw id into config.toml, as gtwizard did before ids were checked."""
    config = config_dir / "config.toml"
    text = config.read_text(encoding="utf-8")
    key_id = tomllib.loads(text)["profiles"][profile]["key_id"]
    config.write_text(text.replace(f'"{key_id}"', json.dumps(HOSTILE_ID)), encoding="utf-8")


def terminal_output(app: WizardApp) -> str:
    """Everything on the screen, as the terminal sequence Textual writes for a full redraw."""
    update = app.screen._compositor.render_update(full=True)
    assert update is not None
    return update.render_segments(app.console)


def shown(output: str) -> str:
    """The text of a terminal sequence: Textual's own CSI sequences (cursor, colours) taken out."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output)


def assert_nothing_obeyed(output: str) -> None:
    """None of the tenant's sequences, whole or in part, is in what the terminal gets."""
    assert OSC52 not in output and "\x1b]52" not in output, "OSC 52 reached the terminal"
    assert "\x1b[2J" not in output and "\x9b" not in output and "\x07" not in output
    assert "\r" not in output
    assert not [hex(ord(c)) for c in output if ord(c) in BIDI]


async def test_the_welcome_screen_shows_a_stored_hostile_key_id_escaped(
    sandbox: Any, isolated_dirs: Path
) -> None:
    set_up(sandbox, "legacy")
    keep_key_id_as_an_old_gtwizard_did(isolated_dirs / "config", "legacy")
    app = WizardApp(start_step="welcome")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        output = terminal_output(app)
    assert_nothing_obeyed(output)
    assert "key_" + ESCAPED_OSC52 in shown(output)


async def test_the_checks_screen_shows_a_hostile_tenants_names_escaped(
    sandbox: Any, isolated_dirs: Path
) -> None:
    set_up(sandbox, "lab")
    sandbox.set_faults(hostile="text")
    try:
        app = WizardApp(start_step="welcome")
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.pause()
            await pilot.press("c")
            await settle(pilot)
            report = app.screen.report
            assert report is not None
            leak = next(r for r in report.results if r.id == "no-leak")
            assert leak.status == "fail" and ESCAPED_OSC52 in leak.detail
            list_output = terminal_output(app)
            rows = app.screen.query_one("#checks-list", OptionList)
            rows.highlighted = rows.get_option_index("no-leak")
            rows.focus()
            await pilot.press("enter")  # the detail screen of the no-leak check
            await settle(pilot)
            detail_screen = type(app.screen).__name__
            output = terminal_output(app)
    finally:
        sandbox.clear_faults()
    for screen in (list_output, output):
        assert_nothing_obeyed(screen)
        assert "helpdesk" + ESCAPED_OSC52 in shown(screen)
    assert "CheckDetail" in detail_screen


async def test_text_that_skipped_every_check_is_still_escaped_on_screen(
    isolated_dirs: Path,
) -> None:
    """The TUI's last check (gtwizard.widgets.terminal_guard): a path that one day forgets to
    escape a tenant's text (a Static, a notification, an option) still draws the escape."""
    app = WizardApp(start_step="welcome")
    assert installed(), "Textual's and Rich's tables are the escaping one"
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        await app.screen.mount(Static(HOSTILE_TEXT, markup=False, id="raw"))
        app.screen.query_one(OptionList).add_option("option " + HOSTILE_TEXT)
        app.notify("note " + HOSTILE_TEXT, markup=False, timeout=30)
        await pilot.pause(0.3)
        await pilot.pause()
        output = terminal_output(app)
    assert_nothing_obeyed(output)
    assert shown(output).count(ESCAPED_OSC52) >= 3, "all three were drawn, escaped"


# ---- the real binary in tmux --------------------------------------------------------------------


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        missing_service("tmux is not installed")
    session = Tmux(f"gtwizard-hostile-{os.getpid()}-{tmp_path.name}", session="tui")
    try:
        yield session
    finally:
        subprocess.run([*session.base, "kill-server"], capture_output=True, timeout=30)


@pytest.mark.tmux
def test_the_real_tui_in_tmux_neither_obeys_nor_loses_a_hostile_tenant(
    sandbox: Any, isolated_dirs: Path, tmux: Tmux, tmp_path: Path
) -> None:
    set_up(sandbox, "lab")
    set_up(sandbox, "legacy")
    keep_key_id_as_an_old_gtwizard_did(isolated_dirs / "config", "legacy")
    raw = tmp_path / "pane.bin"
    env = {
        "GTWIZARD_CONFIG_DIR": str(isolated_dirs / "config"),
        "GTWIZARD_STATE_DIR": str(isolated_dirs / "state"),
        "GTWIZARD_CACHE_DIR": str(isolated_dirs / "cache"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "TERM": "tmux-256color",
    }
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    script = Path(os.environ.get("VIRTUAL_ENV", "")) / "bin" / "gtwizard"
    argv = [str(script)] if script.exists() else ["python", "-m", "gtwizard"]
    # the wait lets pipe-pane attach before the first byte
    command = f"sleep 1; {exports} {shlex.join(argv)}; echo EXIT=$?; sleep 600"
    # one tmux command line: the server exits with its last session, options with it
    tmux.run(
        *("new-session", "-d", "-s", "tui", "-x", "120", "-y", "40", command),
        *(";", "set", "-g", "set-clipboard", "on"),
        *(";", "pipe-pane", "-o", "-t", "tui", f"cat >> {shlex.quote(str(raw))}"),
    )
    sandbox.set_faults(hostile="text")
    try:
        screen = tmux.wait_for("legacy", "key_" + ESCAPED_OSC52[:8])
        assert "lab" in screen
        tmux.run("send-keys", "-t", "tui", "c")  # `lab` is highlighted first: check it
        tmux.wait_for("some checks failed", "does not leak", deadline_s=90)
        tmux.wait_for("helpdesk" + ESCAPED_OSC52[:8], deadline_s=30)
        tmux.run("send-keys", "-t", "tui", "C-q")
        tmux.wait_for("EXIT=")
    finally:
        sandbox.clear_faults()
    data = raw.read_bytes().decode("utf-8")
    assert "key_" in data and "helpdesk" in data, "the pane's bytes were recorded"
    assert OSC52 not in data and "\x1b]52" not in data, "OSC 52 reached the terminal"
    assert "\x9b" not in data and not [c for c in data if ord(c) in BIDI]
    assert tmux.run("list-buffers") == "", "a clipboard write got through to tmux"

    # the control: the same tmux does take a clipboard write from a program that sends one
    tmux.run("new-window", "-t", "tui", f"printf {shlex.quote(OSC52)}; sleep 5")
    deadline = time.monotonic() + 10
    while tmux.run("list-buffers") == "" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tmux.run("list-buffers") != "", "tmux ignores OSC 52 here: the test proves nothing"
