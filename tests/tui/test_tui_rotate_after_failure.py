"""The Rotate screen after a run that failed (the tenant went away): the error is in view, the
keys it names act (s starts again, it is never typed into the masked token field), and a token
typed there is checked for form before it is used."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.tui_drive import demo_state, drive, env_token_state, settle
from support.tui_helpers import text_of
from textual.widgets import Input, Static

from gtwizard.app import WizardApp
from gtwizard.lifecycle.journal import open_journal
from gtwizard.widgets.keybar import KeyBar

pytestmark = pytest.mark.usefixtures("fail_keyring")


def shown(app: WizardApp, selector: str) -> str:
    return text_of(app.screen.query_one(selector, Static))


def in_view(app: WizardApp, selector: str) -> bool:
    """The widget's last line is inside the screen's visible scroll region."""
    body = app.screen.query_one("#rotate-body")
    widget = app.screen.query_one(selector)
    return widget.region.bottom <= body.region.bottom and widget.region.height > 0


async def saved_demo(sandbox, folder: Path) -> None:
    """The demo's profile, set up through the TUI."""
    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "summary")


async def rotate_screen(pilot) -> None:
    """From the welcome screen, r on the (one) profile."""
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)


async def test_after_a_failed_run_the_error_shows_and_s_starts_again(
    own_sandbox, demo_folder: Path
) -> None:
    await saved_demo(own_sandbox, demo_folder)
    app = WizardApp(env_token_state(own_sandbox, demo_folder), start_step="welcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await rotate_screen(pilot)
        keys_before = str(app.screen.query_one(KeyBar).render())
        token = app.screen.query_one("#rotate-token", Input)
        typed = token.value
        own_sandbox.stop()  # the tenant goes away
        await pilot.press("s")
        await settle(pilot)
        await pilot.pause()
        log = shown(app, "#rotate-log")
        assert "✗" in log, log
        assert in_view(app, "#rotate-log"), "the error is below the fold"
        assert app.focused is not token, "focus went into the masked token field"
        assert str(app.screen.query_one(KeyBar).render()) == keys_before
        await pilot.press("s")  # as the hint says: starts again, never typed into the token
        await settle(pilot)
        assert token.value == typed
        assert shown(app, "#rotate-log").count("✗") >= 1
        assert open_journal("demo") is None


async def test_a_typed_token_of_the_wrong_form_is_refused_before_use(
    sandbox, demo_folder: Path
) -> None:
    await saved_demo(sandbox, demo_folder)
    app = WizardApp(demo_state(sandbox, demo_folder, operator_token=None), start_step="welcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await rotate_screen(pilot)
        token = app.screen.query_one("#rotate-token", Input)
        assert app.focused is token
        await pilot.press("s", "enter")  # a stray key, then Enter: never sent as a token
        await settle(pilot)
        hint = shown(app, "#rotate-hint")
        assert "not an operator token" in hint, hint
        assert "[✓]" not in shown(app, "#rotate-steps") and open_journal("demo") is None
        assert "…" not in shown(app, "#rotate-log"), shown(app, "#rotate-log")
