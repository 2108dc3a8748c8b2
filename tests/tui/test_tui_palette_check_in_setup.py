"""The palette's "Check <profile>" during a setup checks that saved profile on its own: the setup
under it keeps its own profile, key and report, and goes on to write its own target."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from support.lifecycle_helpers import assert_no_orphan, env_key
from support.rotation_helpers import key_status, tenant_keys
from support.tui_drive import demo_state, drive, next_to, settle, step_of

from gtwizard.app import WizardApp
from gtwizard.lifecycle.journal import open_journal
from gtwizard.profiles import load_profiles

pytestmark = pytest.mark.usefixtures("fail_keyring")


async def palette_check(pilot, name: str) -> None:
    """ctrl+p, `Check NAME`, Enter: the standalone checks of a saved profile, run to their end."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*f"Check {name}")
    await pilot.pause(0.5)  # the palette's search runs in a worker of its own
    await pilot.press("enter")
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "ChecksScreen"


async def test_a_palette_check_mid_setup_leaves_the_setup_its_own(
    sandbox, demo_folder: Path
) -> None:
    app = WizardApp(demo_state(sandbox, demo_folder, profile_name="gamma"))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "summary")  # a saved profile: gamma
    earlier = frozenset(k.id for k in await asyncio.to_thread(tenant_keys, sandbox))

    eps_env = demo_folder / "eps.env"
    state = demo_state(sandbox, demo_folder, profile_name="eps", env_path=str(eps_env))
    app = WizardApp(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "review")  # eps's key minted and stored
        key_id = app.state.session.key_id
        await palette_check(pilot, "gamma")
        shown = app.screen.report  # the standalone screen's own report, of gamma
        assert shown is not None and shown.profile == "gamma"
        await pilot.press("escape")
        await settle(pilot)
        assert step_of(pilot) == "review"
        assert app.state.profile is None and app.state.check_report is None
        await next_to(pilot, "apply")
        assert app.state.profile is not None and app.state.profile.name == "eps"
        await next_to(pilot, "checks")
        assert app.state.check_report.profile == "eps"
        await next_to(pilot, "summary")
        assert "profile 'eps' was set up" in app.screen.summary_line()
    assert load_profiles()["eps"].key_id == key_id
    held = env_key(eps_env)
    assert held and await asyncio.to_thread(key_status, sandbox, held) == 200
    assert open_journal("eps") is None
    await asyncio.to_thread(assert_no_orphan, sandbox, "gtwizard-", "palette check", earlier)


async def test_quit_after_a_palette_check_mid_setup_undoes_the_setups_key(
    sandbox, demo_folder: Path
) -> None:
    app = WizardApp(demo_state(sandbox, demo_folder, profile_name="gamma"))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "summary")
    earlier = frozenset(k.id for k in await asyncio.to_thread(tenant_keys, sandbox))

    eps_env = demo_folder / "eps.env"
    app = WizardApp(demo_state(sandbox, demo_folder, profile_name="eps", env_path=str(eps_env)))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "review")
        key_id = app.state.session.key_id
        await palette_check(pilot, "gamma")
        await pilot.press("ctrl+q")
        await settle(pilot)
    message = app.quit_message or ""
    assert f"revoked the new key {key_id}" in message, message
    assert "gamma" not in message and "saved" not in message, message
    record = next(k for k in await asyncio.to_thread(tenant_keys, sandbox) if k.id == key_id)
    assert record.revoked
    assert "eps" not in load_profiles() and open_journal("eps") is None
    assert not eps_env.exists()
    await asyncio.to_thread(assert_no_orphan, sandbox, "gtwizard-", "palette check", earlier)
