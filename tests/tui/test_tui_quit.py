"""Quitting the TUI at each step: the run's key ends in a defined state and the message is true.

Before a key exists nothing is written. After the key is minted and stored but before Apply, the
key is revoked and its stored copy deleted, and the message says so. After Apply the profile, the
stored key and the env file exist and the key is live, and the message says that instead of
"nothing was written". Checked against the sandbox tenant's own key list.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from support.lifecycle_helpers import assert_no_orphan, env_key
from support.rotation_helpers import gtwizard, key_status, tenant_key, tenant_keys
from support.tui_drive import answer_modal, demo_state, drive, env_token_state, settle

from gtwizard.app import WizardApp
from gtwizard.lifecycle.journal import open_journal
from gtwizard.profiles import load_profiles

pytestmark = pytest.mark.usefixtures("fail_keyring")


def ids_now(sandbox) -> frozenset[str]:
    return frozenset(k.id for k in tenant_keys(sandbox))


async def quit_at(sandbox, folder: Path, step: str) -> tuple[WizardApp, str | None]:
    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, step)
        await settle(pilot)
        key_id = app.state.session.key_id if app.state.session else None
        await pilot.press("ctrl+q")
        await settle(pilot)
    return app, key_id


def secrets_file(folder: Path) -> str:
    """The demo-local secrets file's text (entry names hold the key ids)."""
    path = folder / "demo-secrets.json"
    return path.read_text() if path.exists() else ""


@pytest.mark.parametrize("step", ["product", "tenant", "key", "target", "mint", "storage"])
async def test_quit_before_a_key_exists_writes_nothing(sandbox, demo_folder: Path, step) -> None:
    before = len(await asyncio.to_thread(tenant_keys, sandbox))
    app, key_id = await quit_at(sandbox, demo_folder, step)
    assert key_id is None
    assert app.quit_message == "Quit: nothing was written."
    assert len(await asyncio.to_thread(tenant_keys, sandbox)) == before and not load_profiles()
    assert not (demo_folder / "openwebui.env").exists()


@pytest.mark.parametrize("step", ["review"])
async def test_quit_after_mint_revokes_the_key_and_says_so(
    sandbox, demo_folder: Path, step
) -> None:
    earlier = await asyncio.to_thread(ids_now, sandbox)
    app, key_id = await quit_at(sandbox, demo_folder, step)
    assert key_id and key_id.startswith("key_")
    message = app.quit_message or ""
    assert f"revoked the new key {key_id}" in message and "nothing else was written" in message
    record = next(k for k in await asyncio.to_thread(tenant_keys, sandbox) if k.id == key_id)
    assert record.revoked
    assert key_id not in secrets_file(demo_folder)
    assert not load_profiles() and open_journal("demo") is None
    assert not (demo_folder / "openwebui.env").exists()
    await asyncio.to_thread(assert_no_orphan, sandbox, "gtwizard-demo-", f"quit at {step}", earlier)


@pytest.mark.parametrize("step", ["checks", "summary"])
async def test_quit_after_apply_keeps_what_exists_and_says_so(
    sandbox, demo_folder: Path, step
) -> None:
    earlier = await asyncio.to_thread(ids_now, sandbox)
    app, key_id = await quit_at(sandbox, demo_folder, step)
    message = app.quit_message or ""
    assert "nothing was written" not in message
    assert f"profile demo is saved with key {key_id}" in message and "openwebui.env" in message
    assert load_profiles()["demo"].key_id == key_id
    held = env_key(demo_folder / "openwebui.env")
    assert held and await asyncio.to_thread(key_status, sandbox, held) == 200
    assert f"demo/{key_id}" in secrets_file(demo_folder)
    assert open_journal("demo") is None
    await asyncio.to_thread(assert_no_orphan, sandbox, "gtwizard-demo-", f"quit at {step}", earlier)


async def rotate_then_quit(sandbox, folder: Path, *, abort: bool) -> str:
    """A later session: rotate the saved profile from the welcome screen (an env file with no
    Open WebUI to prove it: the rotation waits), abort it if asked, then ctrl+q."""
    app = WizardApp(env_token_state(sandbox, folder), start_step="welcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert open_journal("demo") is not None, "the rotation waits for proof"
        if abort:
            await pilot.press("a")
            await answer_modal(pilot, yes=True)
            await answer_modal(pilot, yes=False)  # Open WebUI was not restarted on the new key
            assert open_journal("demo") is None
        await pilot.press("ctrl+q")
        await settle(pilot)
    return app.quit_message or ""


async def test_quit_after_a_rotation_here_says_where_the_profile_stands(
    sandbox, demo_folder: Path
) -> None:
    """A session that only rotated (no setup flow) wrote things: the quit message says what the
    profile uses now and what is left, never "nothing was written"."""
    earlier = await asyncio.to_thread(ids_now, sandbox)
    app = WizardApp(demo_state(sandbox, demo_folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "summary")
    old = load_profiles()["demo"].key_id

    message = await rotate_then_quit(sandbox, demo_folder, abort=False)
    assert "nothing was written" not in message
    assert message.startswith(f"Quit: Profile demo uses key {old}; a rotation is waiting"), message
    new = open_journal("demo").new_key_id
    assert f"new key {new}" in message
    assert message.endswith("gtwizard rotate --finish --profile demo."), message

    await asyncio.to_thread(assert_no_orphan, sandbox, "gtwizard-demo-", "waiting", earlier)
    message = await rotate_then_quit(sandbox, demo_folder, abort=True)
    assert message == f"Quit: Profile demo uses key {old}; nothing is in progress.", message
    assert (await asyncio.to_thread(tenant_key, sandbox, new)).revoked, "the abort revoked it"
    await asyncio.to_thread(assert_no_orphan, sandbox, "gtwizard-demo-", "aborted", earlier)
    assert (
        await asyncio.to_thread(key_status, sandbox, env_key(demo_folder / "openwebui.env")) == 200
    )


async def wait_for(pilot, done, what: str, seconds: float = 20.0) -> None:
    """Pause the Pilot until `done()` holds (the live work goes on meanwhile)."""
    for _ in range(int(seconds / 0.05)):
        if done():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never happened: {what}")


async def test_quit_while_the_key_is_minted_waits_for_it_then_revokes_it(
    sandbox, demo_folder: Path
) -> None:
    """ctrl+q during `Minting…` on a slow tenant: the quit waits for the mint to land (saying so),
    then revokes that key; no live key is left and the message names it."""
    earlier = await asyncio.to_thread(ids_now, sandbox)
    app = WizardApp(demo_state(sandbox, demo_folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "storage")
        await settle(pilot)
        sandbox.set_faults(latency_ms=1500)
        try:
            await pilot.press("ctrl+n")  # mints, stores, then goes on
            journal = lambda: open_journal("demo")  # noqa: E731
            await wait_for(
                pilot, lambda: journal() is not None and journal().new_key_name, "mint intent"
            )
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert app.is_running, "the quit ended before the mint in flight"
            await pilot.press("ctrl+q")  # still answers: says what it waits for
            await pilot.pause()
            notes = [str(n.message) for n in app._notifications]
            waiting = "Quitting: waiting for the key being made to land, to undo it…"
            assert notes.count(waiting) == 2, notes
            await settle(pilot)
        finally:
            sandbox.set_faults(latency_ms=0)
    message = app.quit_message or ""
    made = [k for k in await asyncio.to_thread(tenant_keys, sandbox) if k.id not in earlier]
    assert made, "the mint never reached the tenant"
    assert all(k.revoked for k in made), [k.id for k in made if not k.revoked]
    assert all(f"revoked the new key {k.id}" in message for k in made), message
    assert open_journal("demo") is None and not load_profiles()
    assert not (demo_folder / "openwebui.env").exists()
    await asyncio.to_thread(assert_no_orphan, sandbox, "gtwizard-demo-", "quit mid-mint", earlier)


async def test_quit_mid_rotation_says_what_it_left_and_the_command_resolves_it(
    sandbox, demo_folder: Path
) -> None:
    """ctrl+q while a rotation runs (its env file already rewritten): the rotation stops as a
    Ctrl-C stops `gtwizard rotate`, the message says where it stands and names the command, and
    that command ends it with the env file on a live key and no orphan."""
    earlier = await asyncio.to_thread(ids_now, sandbox)
    app = WizardApp(demo_state(sandbox, demo_folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "summary")
    old = load_profiles()["demo"].key_id
    env = demo_folder / "openwebui.env"
    before = env_key(env)

    app = WizardApp(env_token_state(sandbox, demo_folder), start_step="welcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        sandbox.set_faults(latency_ms=400)
        try:
            await pilot.press("s")
            await wait_for(pilot, lambda: env_key(env) != before, "the env file rewritten")
            await pilot.press("ctrl+q")
            await settle(pilot)
        finally:
            sandbox.set_faults(latency_ms=0)
    message = app.quit_message or ""
    assert "nothing was written" not in message, message
    journal = open_journal("demo")
    assert journal is not None and journal.open
    command = journal.next_commands()[0]
    assert message.startswith(f"Quit: Profile demo uses key {old}; "), message
    assert journal.summary() in message and message.endswith(f"resolve: {command}."), message
    written = ("the new key is already written", "its target may already hold the new key")
    assert any(said in message for said in written), message  # stopped after or while writing
    done = await asyncio.to_thread(
        gtwizard,
        command.split("gtwizard ", 1)[1].split(),  # after `GTWIZARD_OPERATOR_TOKEN=…` if named
        env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token},
    )
    assert done.returncode == 0, done.stderr
    after = open_journal("demo")  # resumed: it waits for a proof, as an unbroken run does
    assert after is None or after.state == "waiting", after.summary()
    assert await asyncio.to_thread(key_status, sandbox, env_key(env)) == 200
    await asyncio.to_thread(
        assert_no_orphan, sandbox, "gtwizard-demo-", "quit mid-rotation", earlier
    )
