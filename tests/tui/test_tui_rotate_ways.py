"""The Rotate screen without GTWIZARD_OPERATOR_TOKEN is no dead end: it asks for the operator
token (masked), or guides a manual key (the tenant's /gt-api address, what to make there, a masked
paste checked live) — the same two ways as setup's Mint step."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from support.tui_drive import NAMES, answer_modal, demo_state, drive, paste_into, settle
from support.tui_helpers import text_of
from textual.widgets import Input, Static

from gtwizard.app import WizardApp
from gtwizard.profiles import get_profile
from gtwizard.secrets import key_entry, open_store


@pytest.fixture
def demo_profile(sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The demo's profile, set up through the TUI; the operator token then forgotten."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)

    async def setup() -> None:
        app = WizardApp(demo_state(sandbox, tmp_path))
        async with app.run_test(size=(80, 24)) as pilot:
            await drive(pilot, "summary")

    import asyncio

    asyncio.run(setup())
    return (
        open_store("file", path=tmp_path / "demo-secrets.json").get(
            key_entry("demo", get_profile("demo").key_id)
        )
        or ""
    )


def status(app: WizardApp, selector: str) -> str:
    return text_of(app.screen.query_one(selector, Static))


def accepted(sandbox, secret: str) -> int:
    reply = httpx.get(
        sandbox.base_url + "/v1/models", headers={"Authorization": f"Bearer {secret}"}
    )
    return reply.status_code


async def open_rotate(pilot) -> None:
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "RotateScreen"


async def test_without_a_token_the_screen_asks_for_one_and_s_does_not_start(
    sandbox, tmp_path, demo_profile
) -> None:
    old_id = get_profile("demo").key_id
    app = WizardApp(demo_state(sandbox, tmp_path, operator_token=None), start_step="welcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_rotate(pilot)
        token = app.screen.query_one("#rotate-token", Input)
        assert app.focused is token and token.password, "the masked token field, focused"
        assert "Type the operator token" in status(app, "#rotate-hint")
        app.screen.query_one("#rotate-mode").focus()
        await pilot.press("s")  # no token: nothing starts, the hint says what to do
        await settle(pilot)
        assert "Enter the operator token first" in status(app, "#rotate-hint")
        assert app.focused is token
        assert get_profile("demo").key_id == old_id and "[✓]" not in status(app, "#rotate-steps")
        await paste_into(pilot, "#rotate-token", sandbox.operator_token)
        await pilot.press("enter")
        await settle(pilot)
        log = status(app, "#rotate-log")
        assert "waiting" in log and sandbox.operator_token not in log
        assert not app.screen.query_one("#rotate-how").display, "the way in is hidden now"
        assert status(app, "#rotate-steps").count("[✓]") == 5
        await pilot.press("f", "w")  # finish on the operator's word: minted token revokes
        assert "without a proof" in await answer_modal(pilot, yes=True)  # w asks first
        await settle(pilot)
        assert "rotated" in status(app, "#rotate-log"), status(app, "#rotate-log")
    assert get_profile("demo").key_id != old_id
    assert accepted(sandbox, demo_profile) == 401, "the old key is revoked"


async def test_guided_manual_rotation_checks_the_paste_live_and_waits_for_the_old_keys_revocation(
    sandbox, tmp_path, demo_profile
) -> None:
    old = get_profile("demo")
    _, too_wide = sandbox.seed_key(["inference:chat"], agent_aliases=[*NAMES, "finance-analyst"])
    _, right = sandbox.seed_key(["inference:chat"], agent_aliases=list(NAMES))
    app = WizardApp(demo_state(sandbox, tmp_path, operator_token=None), start_step="welcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_rotate(pilot)
        await pilot.press("shift+tab", "down", "enter")  # the mode choice: guided manual
        await settle(pilot)
        steps = status(app, "#rotate-instructions")
        assert "/gt-api" in steps and "helpdesk, research-assistant" in steps
        preset = app.catalog.key_preset(old.key_preset).name
        assert "inference:chat" in steps and f"Preset: {preset};" in steps
        assert app.focused is app.screen.query_one("#rotate-paste", Input)
        await paste_into(pilot, "#rotate-paste", too_wide)
        await pilot.press("enter")
        await settle(pilot)
        refusal = status(app, "#rotate-paste-status")
        assert refusal.startswith("✗") and "finance-analyst" in refusal and too_wide not in refusal
        assert get_profile("demo").key_id == old.key_id
        assert app.screen.query_one("#rotate-how").display, "nothing started: paste another"
        from gtwizard.lifecycle.journal import open_journal

        assert open_journal("demo") is None
        await paste_into(pilot, "#rotate-paste", right)
        await pilot.press("enter")
        await settle(pilot)
        shown = app.screen.query_one("#rotate-paste", Input).value
        assert right not in shown and shown.endswith(right[-4:]), "masked once accepted"
        assert "waiting" in status(app, "#rotate-log")
        env_text = (tmp_path / "openwebui.env").read_text()
        assert f"OPENAI_API_KEY={right}\n" in env_text
        assert accepted(sandbox, demo_profile) == 200, "the old key stays valid while waiting"
    assert (
        right not in (tmp_path / "config").read_text() if (tmp_path / "config").is_file() else True
    )


async def test_mint_enter_on_guided_manual_focuses_the_paste(sandbox, tmp_path) -> None:
    """The shared guided-minting widget on setup's Mint step: Enter on the choice goes on to
    the field that choice shows (the paste), not back to the choice."""
    app = WizardApp(demo_state(sandbox, tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "mint")
        await pilot.press("shift+tab", "down", "enter")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#mint-paste", Input)
        await pilot.press("shift+tab", "up", "space")  # Space only picks: focus stays
        await settle(pilot)
        assert app.focused is app.screen.query_one("#mint-mode")
        assert app.screen.query_one("#mint-token").display
