"""Pilot: guided manual minting and rotation in the tenant's words, and the Rotate screen's keys
that ask before they act.

Keys are made "by hand" on the sandbox (as the operator would at /gt-api, with the name the
screen suggests) and pasted; no operator token is known. Everything each screen shows is
collected: it names keys by name and prefix (`gtak_n8EY…`), never by gtwizard's `manual-…` id.
The abort (a) and revoke-without-proof (w) ask in a modal first, Esc changes nothing, and the key
bar shows exactly the keys that act.
"""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from rich.console import Console
from support.owui_fixture import docker_env_file
from support.tui_drive import NAMES, answer_modal, demo_state, drive, next_to, paste_into, settle
from support.tui_helpers import text_of
from textual.widgets import OptionList, Static

from gtwizard.app import WizardApp
from gtwizard.lifecycle.journal import open_journal
from gtwizard.profiles import get_profile
from gtwizard.tenant import parse_host
from gtwizard.widgets.keybar import KeyBar


@pytest.fixture(autouse=True)
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)


def shown(secret: str) -> str:
    return secret[:9] + "…"


def on_screen(app: WizardApp) -> str:
    """Every text the current screen shows: its Static widgets (the key bar too) and lists."""
    parts = [text_of(widget) for widget in app.screen.query(Static)]
    console = Console(width=200, record=True, file=io.StringIO())
    for options in app.screen.query(OptionList):
        for index in range(options.option_count):
            console.print(options.get_option_at_index(index).prompt)
    parts.append(console.export_text())
    return "\n".join(parts)


def keybar(app: WizardApp) -> str:
    return text_of(app.screen.query_one(KeyBar))


def log(app: WizardApp) -> str:
    return text_of(app.screen.query_one("#rotate-log", Static))


def env_key(path: Path) -> str:
    return docker_env_file(path)["OPENAI_API_KEY"]


def accepted(sandbox, secret: str) -> int:
    headers = {"Authorization": f"Bearer {secret}"}
    return httpx.get(sandbox.base_url + "/v1/models", headers=headers).status_code


async def manual_setup(sandbox, tmp_path: Path, seen: list[str]) -> tuple[str, str, str]:
    """The demo profile set up by guided manual minting: (name, key id, secret)."""
    state = demo_state(sandbox, tmp_path, operator_token=None)
    app = WizardApp(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "key")
        await paste_into(pilot, "#key-names-typed", ", ".join(NAMES))
        await next_to(pilot, "target")
        await next_to(pilot, "mint")
        app.screen.query_one("#mint-manual").value = True
        await settle(pilot)
        name = state.suggested_key_name()
        assert name.startswith("gtwizard-demo-open-webui-")
        steps = text_of(app.screen.query_one("#mint-instructions", Static))
        assert f"2. Name: {name} " in steps, steps
        assert state.suggested_key_name() == name, "the same name each time it is shown"
        key_id, secret = sandbox.seed_key(["inference:chat"], agent_aliases=list(NAMES), name=name)
        await paste_into(pilot, "#mint-paste", secret)
        await pilot.press("enter")
        await settle(pilot)
        status = text_of(app.screen.query_one("#mint-paste-status", Static))
        assert status.startswith(f"✓ Key {name} ({shown(secret)}) accepted"), status
        seen.append(on_screen(app))
        for step in ("storage", "review", "apply", "checks", "summary"):
            await next_to(pilot, step)
            seen.append(on_screen(app))
        assert f"{name} ({shown(secret)})" in seen[-1]  # Summary's Key row
    profile = get_profile("demo")
    assert profile.key_name == name and profile.key_prefix == secret[5:9]
    return name, key_id, secret


async def open_guided_rotate(pilot, seen: list[str]) -> None:
    await settle(pilot)
    seen.append(on_screen(pilot.app))  # the welcome list
    await pilot.press("r")
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "RotateScreen"
    await pilot.press("shift+tab", "down", "enter")  # the mode choice: guided manual
    await settle(pilot)


async def test_guided_rotation_then_abort_asks_and_names_keys_by_name_and_prefix(
    sandbox, tmp_path: Path
) -> None:
    seen: list[str] = []
    first_name, _, first = await manual_setup(sandbox, tmp_path, seen)
    env_file = tmp_path / "openwebui.env"
    console = parse_host(sandbox.base_url).gt_api_console
    app = WizardApp(demo_state(sandbox, tmp_path, operator_token=None), start_step="welcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_guided_rotate(pilot, seen)
        screen = app.screen
        name = screen.key_name
        steps = text_of(screen.query_one("#rotate-instructions", Static))
        assert f"2. Name: {name} " in steps
        # the first thing a guided rotation says: the old key is revoked by hand at /gt-api
        by_hand = f"revoke the old key {first_name} ({shown(first)}) by hand at {console}"
        assert by_hand in steps.replace("\n", " "), steps
        bar = keybar(app)
        assert "^y Copy /gt-api" in bar  # (s types into the focused paste field: not shown)
        assert "Abort" not in bar and "Finish" not in bar and "Revoke" not in bar
        seen.append(on_screen(app))

        _, second = sandbox.seed_key(["inference:chat"], agent_aliases=list(NAMES), name=name)
        await paste_into(pilot, "#rotate-paste", second)
        await pilot.press("enter")
        await settle(pilot)
        assert "waiting" in log(app) and f"{name} ({shown(second)})" in log(app)
        assert env_key(env_file) == second
        bar = keybar(app)
        assert "f Finish" in bar and "a Abort" in bar and "Start" not in bar
        seen.append(on_screen(app))

        await pilot.press("a")  # asks first; Esc changes nothing
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmApply"
        seen.append(on_screen(app))
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "RotateScreen"
        assert env_key(env_file) == second and open_journal("demo") is not None

        await pilot.press("a")
        question = await answer_modal(pilot, yes=True)
        assert f"you then delete {name} ({shown(second)}) at /gt-api" in question, question
        restart = await answer_modal(pilot, yes=True)  # the file holds the new key: asked
        assert "Did you restart Open WebUI since the new key was written" in restart
        assert "cannot abort" in log(app) and "Press f to finish" in log(app)
        assert env_key(env_file) == second and accepted(sandbox, second) == 200
        seen.append(on_screen(app))

        await pilot.press("a")
        await answer_modal(pilot, yes=True)
        await answer_modal(pilot, yes=False)  # not restarted: the old key goes back
        text = log(app)
        assert f"aborted: the profile keeps key {first_name} ({shown(first)})" in text, text
        assert f"delete the key you made ({name} ({shown(second)}))" in text, text
        assert env_key(env_file) == first
        seen.append(on_screen(app))
    for text in seen:
        assert "manual-" not in text, text
        assert first not in text and second not in text


async def test_w_asks_then_waits_for_the_operators_revocation(sandbox, tmp_path: Path) -> None:
    seen: list[str] = []
    first_name, first_id, first = await manual_setup(sandbox, tmp_path, seen)
    app = WizardApp(demo_state(sandbox, tmp_path, operator_token=None), start_step="welcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_guided_rotate(pilot, seen)
        name = app.screen.key_name
        _, second = sandbox.seed_key(["inference:chat"], agent_aliases=list(NAMES), name=name)
        await paste_into(pilot, "#rotate-paste", second)
        await pilot.press("enter")
        await settle(pilot)
        assert "Revoke" not in keybar(app)
        await pilot.press("f")  # nothing can prove it here: w is offered, and shown
        await settle(pilot)
        assert "press w to revoke the old key without a proof" in log(
            app
        ) and "w Revoke unproven" in keybar(app)

        await pilot.press("w")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmApply"
        question = text_of(app.screen.query_one(Static))
        assert f"Revoke the old key {first_name} ({shown(first)}) without a proof" in question
        seen.append(on_screen(app))
        await pilot.press("escape")  # nothing happens
        await settle(pilot)
        assert accepted(sandbox, first) == 200 and "w Revoke unproven" in keybar(app)

        await pilot.press("w")
        await answer_modal(pilot, yes=True, wait=False)  # it waits for the operator now
        for _ in range(300):
            if "Now revoke the old key" in log(app):
                break
            await pilot.pause(0.1)
        asked = log(app)
        assert f"Now revoke the old key {first_name} ({shown(first)}) at" in asked, asked
        seen.append(on_screen(app))
        sandbox.revoke(first_id)  # what the operator does at /gt-api
        await settle(pilot)
        assert "rotated" in log(app), log(app)
        seen.append(on_screen(app))
    profile = get_profile("demo")
    assert profile.key_name == name and profile.key_prefix == second[5:9]
    assert accepted(sandbox, first) == 401
    for text in seen:
        assert "manual-" not in text, text


async def test_a_refused_paste_leaves_no_stale_step_behind(sandbox, tmp_path: Path) -> None:
    """A pasted key the tenant shows too wide is refused before anything starts: the log says
    only that (no "[preflight]" line of a run that did not happen), every step is back to
    pending, nothing changed, and the next paste rotates."""
    seen: list[str] = []
    _, _, first = await manual_setup(sandbox, tmp_path, seen)
    first_id = get_profile("demo").key_id
    env_file = tmp_path / "openwebui.env"
    app = WizardApp(demo_state(sandbox, tmp_path, operator_token=None), start_step="welcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_guided_rotate(pilot, seen)
        _, wide = sandbox.seed_key(["inference:chat"], agent_aliases=[*NAMES, "finance-analyst"])
        await paste_into(pilot, "#rotate-paste", wide)
        await pilot.press("enter")
        await settle(pilot)
        text = log(app)
        assert text.startswith("✗ the key can see names outside the chosen allowlist"), text
        assert "Nothing was changed: paste another key." in text and "[preflight]" not in text
        steps = text_of(app.screen.query_one("#rotate-steps", Static))
        assert "[✓]" not in steps and "[✗]" not in steps, steps
        assert open_journal("demo") is None and get_profile("demo").key_id == first_id
        assert env_key(env_file) == first

        name = app.screen.key_name
        _, good = sandbox.seed_key(["inference:chat"], agent_aliases=list(NAMES), name=name)
        await paste_into(pilot, "#rotate-paste", good)
        await pilot.press("enter")
        await settle(pilot)
        assert "waiting" in log(app) and env_key(env_file) == good
        assert "✗" not in log(app)
