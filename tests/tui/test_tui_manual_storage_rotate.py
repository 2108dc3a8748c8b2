"""Pilot tests of the guided manual path, the no-keyring choices, the welcome and rotate screens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.tui_drive import (
    NAMES,
    answer_modal,
    demo_state,
    drive,
    env_token_state,
    next_to,
    paste_into,
    settle,
    step_of,
)
from support.tui_helpers import rendered_text, text_of
from textual.widgets import Input, Static

from gtwizard.app import WizardApp
from gtwizard.profiles import get_profile
from gtwizard.sandbox.catalog import DEMO_AGENT_ALIASES
from gtwizard.secrets import key_entry, open_store


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SSH situation: no D-Bus session, so no Secret Service."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)


async def test_guided_manual_paste_is_checked_live_then_masked(
    sandbox, tmp_path, no_keyring
) -> None:
    _, too_wide = sandbox.seed_key(["inference:chat"], agent_aliases=[*NAMES, "finance-analyst"])
    _, right = sandbox.seed_key(["inference:chat"], agent_aliases=list(NAMES))
    state = demo_state(sandbox, tmp_path, demo=False, operator_token=None, secrets_file=None)
    app = WizardApp(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "key")
        await paste_into(pilot, "#key-names-typed", ", ".join(NAMES))
        await next_to(pilot, "target")
        await next_to(pilot, "mint")
        assert "Enter the operator token" in text_of(app.screen.query_one("#nav-status", Static))
        await pilot.press("tab")  # the radio set has focus first; choose guided manual
        app.screen.query_one("#mint-manual").value = True
        await settle(pilot)
        instructions = text_of(app.screen.query_one("#mint-instructions", Static))
        assert "/gt-api" in instructions and "helpdesk, research-assistant" in instructions
        assert "inference:chat" in instructions

        await paste_into(pilot, "#mint-paste", too_wide)
        await pilot.press("enter")
        await settle(pilot)
        status = text_of(app.screen.query_one("#mint-paste-status", Static))
        assert status.startswith("✗") and "finance-analyst" in status
        assert too_wide not in status

        await paste_into(pilot, "#mint-paste", right)
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app.screen.query_one("#mint-paste-status", Static)).startswith("✓")
        shown = app.screen.query_one("#mint-paste", Input).value
        assert shown != right and shown.endswith(right[-4:]), "masked after the check"

        await next_to(pilot, "storage")
        probe = text_of(app.screen.query_one("#storage-probe", Static))
        assert "cannot be used" in probe and "choose where the key goes" in probe
        assert app.focused is app.screen.query_one("#storage-choice"), "the first choice"
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert step_of(pilot) == "storage", "no storage chosen yet"
        app.screen.query_one("#storage-file").value = True
        await settle(pilot)
        await paste_into(pilot, "#storage-consent", "y")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert step_of(pilot) == "storage", "'y' is not consent to a plain-text file"
        await paste_into(pilot, "#storage-consent", "yes")
        await next_to(pilot, "review")
        session = state.session
        assert session is not None and session.storage is not None
        assert session.storage.kind == "file"
        assert open_store("file").get(key_entry("demo", session.key_id)) == right


async def test_target_only_storage_keeps_nothing_here(sandbox, tmp_path, no_keyring) -> None:
    state = demo_state(sandbox, tmp_path, demo=False, secrets_file=None, profile_name="bare")
    app = WizardApp(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "storage")
        app.screen.query_one("#storage-none").value = True
        await settle(pilot)
        await next_to(pilot, "review")
        await drive(pilot, "summary")
    profile = get_profile("bare")
    assert profile.storage_kind == "none"
    secret = Path(state.env_path).read_text().split("OPENAI_API_KEY=")[1].split("\n")[0]
    assert secret.startswith("gtak_")
    secrets_dir = Path(tmp_path)
    assert not (secrets_dir / "demo-secrets.json").exists()
    assert not any(secret in p.read_text(errors="ignore") for p in tmp_path.rglob("*.json"))


async def test_welcome_lists_profiles_and_checks_one(sandbox, tmp_path, no_keyring) -> None:
    state = demo_state(sandbox, tmp_path)
    app = WizardApp(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "summary")
    welcome = WizardApp(env_token_state(sandbox, tmp_path), start_step="welcome")
    async with welcome.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        prompt = welcome.screen.query_one("#welcome-profiles").get_option_at_index(0).prompt
        listing = rendered_text(prompt)
        assert "demo" in listing and "file" in listing and "last check" in listing
        await pilot.press("c")
        await settle(pilot)
        assert type(welcome.screen).__name__ == "ChecksScreen"
        assert welcome.screen.report is not None and welcome.screen.report.ok
        await pilot.press("escape")
        await settle(pilot)
        assert type(welcome.screen).__name__ == "WelcomeScreen"
        await pilot.press("b")
        await settle(pilot)
    assert Path(get_profile("demo").runbook_path).is_file()


async def test_rotate_screen_rotates_and_revokes_the_old_key(sandbox, tmp_path, no_keyring) -> None:
    state = demo_state(sandbox, tmp_path)
    app = WizardApp(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "summary")
    old = get_profile("demo")
    old_secret = open_store("file", path=tmp_path / "demo-secrets.json").get(
        key_entry("demo", old.key_id)
    )
    rotate_app = WizardApp(env_token_state(sandbox, tmp_path), start_step="welcome")
    async with rotate_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert type(rotate_app.screen).__name__ == "RotateScreen"
        prompt = text_of(rotate_app.screen.query_one(".prompt", Static))
        assert "env file only when it starts" in prompt  # what users notice, before starting
        await pilot.press("s")
        await settle(pilot)
        steps = text_of(rotate_app.screen.query_one("#rotate-steps", Static))
        log = text_of(rotate_app.screen.query_one("#rotate-log", Static))
        assert "[✗]" not in steps, log
        assert steps.count("[✓]") == 5 and "[…] revoke-old" in steps, steps
        assert "waiting" in log and "press f" in log  # no Open WebUI to prove it: not revoked
        assert "In progress" in text_of(rotate_app.screen.query_one("#rotate-pending", Static))
        import httpx

        kept = httpx.get(
            sandbox.base_url + "/v1/models", headers={"Authorization": f"Bearer {old_secret}"}
        )
        assert kept.status_code == 200, "the old key stays valid while the rotation waits"
        await pilot.press("f")  # finish: nothing can prove it, so the screen offers w
        await settle(pilot)
        log = text_of(rotate_app.screen.query_one("#rotate-log", Static))
        assert "cannot be proven" in log and "press w to revoke the old key without a proof" in log
        await pilot.press("w")
        assert "its chats fail" in await answer_modal(pilot, yes=True)  # w asks first
        steps = text_of(rotate_app.screen.query_one("#rotate-steps", Static))
        log = text_of(rotate_app.screen.query_one("#rotate-log", Static))
        assert steps.count("[✓]") == 7, (steps, log)
        assert "rotated" in log
    new = get_profile("demo")
    assert new.key_id != old.key_id
    gone = httpx.get(
        sandbox.base_url + "/v1/models", headers={"Authorization": f"Bearer {old_secret}"}
    )
    assert gone.status_code == 401, "the old key is revoked after the new one verified"
    env_text = Path(tmp_path / "openwebui.env").read_text()
    assert old_secret not in env_text
    assert json.loads((tmp_path / "demo-secrets.json").read_text())  # the new key is stored
    assert DEMO_AGENT_ALIASES  # the sandbox's demo names are what the flow picked


async def test_welcome_remove_asks_then_deletes_profile_and_stored_key(
    sandbox, tmp_path, no_keyring
) -> None:
    from gtwizard.profiles import load_profiles

    app = WizardApp(demo_state(sandbox, tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "summary")
    profile = get_profile("demo")
    store = open_store("file", path=tmp_path / "demo-secrets.json")
    assert store.get(key_entry("demo", profile.key_id))
    welcome = WizardApp(env_token_state(sandbox, tmp_path), start_step="welcome")
    async with welcome.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert "delete its stored key" in text_of(welcome.screen.query_one(Static))
        await pilot.press("escape")  # cancel keeps everything
        await settle(pilot)
        assert "demo" in load_profiles()
        await pilot.press("x")
        await settle(pilot)
        welcome.screen.query_one("#confirm-yes").press()
        await settle(pilot)
    assert load_profiles() == {}
    assert store.get(key_entry("demo", profile.key_id)) is None


async def test_a_resize_loses_nothing(sandbox, tmp_path, no_keyring) -> None:
    from support.tui_drive import pick_names

    from gtwizard.widgets.picker import NamePicker

    app = WizardApp(demo_state(sandbox, tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "key")
        await pick_names(pilot, NAMES)
        for size in ((60, 20), (200, 50), (80, 24)):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            assert tuple(app.screen.query_one("#key-names", NamePicker).selected) == NAMES
        await next_to(pilot, "target")
        await pilot.resize_terminal(100, 30)
        await pilot.press("escape")
        await settle(pilot)
        assert step_of(pilot) == "key"
        assert tuple(app.screen.query_one("#key-names", NamePicker).selected) == NAMES
        assert app.state.names == NAMES


async def test_operator_token_is_kept_only_when_ticked(sandbox, tmp_path, no_keyring) -> None:
    from gtwizard.secrets import operator_entry

    store = open_store("file", path=tmp_path / "demo-secrets.json")
    for keep in (False, True):
        state = demo_state(sandbox, tmp_path, profile_name=f"keep-{keep}".lower())
        state.env_path = str(tmp_path / f"keep-{keep}.env")  # each profile its own env file
        app = WizardApp(state)
        async with app.run_test(size=(80, 24)) as pilot:
            await drive(pilot, "mint")
            if keep:
                app.screen.query_one("#mint-keep-token").value = True
                await settle(pilot)
            await drive(pilot, "summary")
        kept = store.get(operator_entry(state.profile_name))
        assert kept == (sandbox.operator_token if keep else None)
        assert bool(get_profile(state.profile_name).operator_token_kept) is keep
