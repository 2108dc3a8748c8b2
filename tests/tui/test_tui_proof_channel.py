"""The Target step asks how gtwizard can reach Open WebUI to prove it (issue 20, item 1), at 80x24.

The env-file choice gets an optional Open WebUI URL, a masked admin credential and "keep it";
the fields are reached with the keyboard (the pane scrolls), share their answers with the admin-API
pane, block Next only when half filled, and end in the saved profile and its store. The URL here is
a loopback port nothing listens on (Open WebUI not started yet): Review then says that whether
Open WebUI started before is not known, and what tells it after the restart.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.owui_fixture import free_port
from support.tui_drive import demo_state, drive, next_to, paste_into, settle
from support.tui_helpers import text_of
from textual.widgets import Input

from gtwizard.app import WizardApp
from gtwizard.profiles import get_profile
from gtwizard.secrets import admin_entry, open_store

pytestmark = pytest.mark.usefixtures("fail_keyring")

ADMIN = "owui-admin-credential-tui-0001"


def nav_status(app: WizardApp) -> str:
    return str(app.screen.query_one("#nav-status").render())


async def test_env_file_target_takes_a_proof_channel(sandbox, demo_folder: Path) -> None:
    app = WizardApp(demo_state(sandbox, demo_folder))
    url = f"http://127.0.0.1:{free_port()}"
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "target")
        screen = app.screen
        question = screen.query_one("#target-prove-question")
        assert "How can gtwizard reach this Open WebUI to prove it?" in text_of(question)

        # Tab walks down the env-file pane to the proof fields; the pane scrolls them into view
        field = screen.query_one("#target-prove-url", Input)
        for _ in range(8):
            if app.focused is field:
                break
            await pilot.press("tab")
        assert app.focused is field, "Tab never reached the Open WebUI URL"
        await settle(pilot)
        assert screen.query_one("#target-env-pane").scroll_y > 0
        assert field.region.bottom <= 22, field.region  # on screen, above the nav row

        # half filled blocks Next and says what is missing
        await paste_into(pilot, "#target-prove-token", ADMIN)
        assert "Enter Open WebUI's URL for the credential" in nav_status(app)
        token = screen.query_one("#target-prove-token", Input)
        assert token.password and ADMIN not in str(token.render())  # masked
        await paste_into(pilot, "#target-prove-url", url)
        await pilot.press("tab", "tab")  # over the credential to Keep
        assert app.focused is screen.query_one("#target-prove-keep")
        await pilot.press("space")
        assert app.state.keep_admin_token is True
        assert "Enter: check the target" in nav_status(app)

        # the admin-API pane shows the same Open WebUI, and back again
        await pilot.press("shift+tab", "shift+tab", "shift+tab")
        kind = screen.query_one("#target-kind")
        for _ in range(10):
            if app.focused is kind:
                break
            await pilot.press("shift+tab")
        assert app.focused is kind
        await pilot.press("down", "space")
        assert app.state.target_kind == "admin-api"
        assert screen.query_one("#target-url", Input).value == url
        assert screen.query_one("#target-token", Input).value == ADMIN
        await pilot.press("up", "space")
        assert app.state.target_kind == "env-file"

        for step in ("mint", "storage", "review"):  # checked before the key, noted on Review
            await next_to(pilot, step)
        notes = " ".join(text_of(app.screen.query_one("#review-notes")).split())
        assert f"(Open WebUI at {url} did not answer now)" in notes
        told = notes.split("says whether that happened: ", 1)
        assert len(told) == 2 and "gtwizard check --profile demo" in told[1], notes
        assert ADMIN not in notes

        await next_to(pilot, "apply")
        await settle(pilot)
        profile = get_profile("demo")
        assert profile.openwebui_url == url and profile.admin_token_kept
        store = open_store(profile.storage_kind, path=Path(profile.storage_location))
        assert store.get(admin_entry("demo")) == ADMIN
