"""The TUI's Rotate screen proves an env-file rotation through Open WebUI (issue 20, item 5).

The screen used to name CLI flags (`--openwebui-url`) it had no field for, so the proof path could
not be reached from the TUI. It now has the proof channel's fields: Open WebUI's URL (recorded as
the profile's channel) and an admin credential (for this run only). Against the sandbox tenant and
a real Open WebUI 0.12.4 restarted on the env file gtwizard wrote, as an operator would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.cli_helpers import mint_setup_args, run_cli
from support.owui_fixture import Site, admin_token, docker_env_file, grant_users
from support.rotation_helpers import key_status, stored_key
from support.tui_drive import paste_into, settle
from support.tui_helpers import text_of
from textual.widgets import Input, Static

from gtwizard.app import WizardApp
from gtwizard.credentials import Settings
from gtwizard.lifecycle.journal import open_journal
from gtwizard.profiles import get_profile
from gtwizard.wizard import WizardState

pytestmark = pytest.mark.openwebui

NAMES = ("helpdesk", "research-assistant")
PROFILE = "tuiproof"


@pytest.fixture
def site(sandbox: Any, tmp_path: Path) -> Iterator[Site]:
    place = Site(tmp_path / "owui")
    place.folder.mkdir()
    try:
        yield place
    finally:
        place.stop()


def log(app: WizardApp) -> str:
    return text_of(app.screen.query_one("#rotate-log", Static))


async def test_rotate_screen_proves_through_the_url_and_credential_typed_there(
    site: Site, sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GTWIZARD_OPERATOR_TOKEN", sandbox.operator_token)
    args = mint_setup_args(sandbox.base_url, NAMES, "--profile", PROFILE)
    env_file = ["--env-file", str(site.env_file), "--disable-persistent-config"]
    out = run_cli([*args, *env_file], timeout=300)
    assert out.returncode == 0, out.stderr
    before = get_profile(PROFILE)
    assert before.openwebui_url is None, "set up with no proof channel"
    old_secret = stored_key(before)
    owui = await asyncio.to_thread(site.start)
    token = await asyncio.to_thread(admin_token, owui)
    await asyncio.to_thread(grant_users, owui, token, NAMES)

    state = WizardState()
    state.credentials = Settings.from_environ()
    state.operator_token = state.credentials.operator.token
    app = WizardApp(state, start_step="welcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "RotateScreen"
        assert screen.query_one("#rotate-proof").display, "an env-file profile: the fields show"
        assert screen.query_one("#rotate-prove-url", Input).value == ""
        await pilot.press("s")
        await settle(pilot)
        text = log(app)
        assert "waiting" in text and "the fields above" in text, text
        journal = open_journal(PROFILE)
        assert journal is not None
        new_id = journal.new_key_id
        new_secret = stored_key(before, new_id)
        assert new_secret and docker_env_file(site.env_file)["OPENAI_API_KEY"] == new_secret
        assert await asyncio.to_thread(key_status, sandbox, old_secret) == 200

        await asyncio.to_thread(site.start)  # the restart the rotation waits for
        token = await asyncio.to_thread(admin_token, site.owui)
        await paste_into(pilot, "#rotate-prove-url", site.url)
        await paste_into(pilot, "#rotate-prove-token", token)
        await pilot.press("enter")  # Enter in a proof field finishes the waiting rotation
        await settle(pilot)
        text = log(app)
        assert "rotated" in text, text
        assert "--openwebui-url" not in text and "--revoke-without-proof" not in text
        assert token not in text and new_secret not in text
    after = get_profile(PROFILE)
    assert after.key_id == new_id and open_journal(PROFILE) is None
    assert after.openwebui_url == site.url, "the URL typed there is the profile's channel now"
    assert not after.admin_token_kept, "the credential was for this run only"
    assert await asyncio.to_thread(key_status, sandbox, old_secret) == 401
    assert await asyncio.to_thread(key_status, sandbox, new_secret) == 200
