"""Enter is one thing per screen (issue 20): the hint line, the key bar and what Enter does agree,
with the focus wherever the operator put it. Pilot at 80x24 against the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.tui_drive import demo_state, drive, settle, step_of
from support.tui_helpers import text_of
from textual.widgets import Checkbox, Input, OptionList, Static

from gtwizard.app import WizardApp

pytestmark = pytest.mark.usefixtures("fail_keyring")


@pytest.fixture
def folder(demo_folder: Path) -> Path:
    return demo_folder


def status(app: WizardApp) -> str:
    return text_of(app.screen.query_one("#nav-status", Static))


def key_bar(app: WizardApp) -> str:
    from gtwizard.widgets.keybar import KeyBar

    return str(app.screen.query_one(KeyBar).render())


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def test_key_list_hint_says_what_enter_does_before_and_after_a_tick(
    sandbox, folder: Path
) -> None:
    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "key", names=())
        assert app.focused is app.screen.query_one("#key-names")
        assert status(app) == "Enter picks the highlighted name; Space toggles."
        await press(pilot, "space")
        assert app.state.names == ("helpdesk",)
        assert status(app).startswith("Enter: on to Target with 1 name")
        assert "Space toggles more" in status(app)
        await press(pilot, "down", "space")
        assert len(app.state.names) == 2, "Space ticks a second name"
        await press(pilot, "enter")
        assert step_of(pilot) == "target", "then Enter does what the hint said: on to Target"


async def test_enter_on_a_checkbox_goes_on_and_only_space_ticks_it(sandbox, folder: Path) -> None:
    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "mint")
        keep = app.screen.query_one("#mint-keep-token", Checkbox)
        keep.focus()
        await settle(pilot)
        assert status(app) == "Enter: on to Storage (the key is minted there)"
        assert "space" in key_bar(app).lower(), "the key that ticks it is in the key bar"
        await press(pilot, "space")
        assert keep.value and app.state.keep_operator_token, "Space ticks"
        await press(pilot, "space")
        assert not keep.value
        await press(pilot, "enter")
        assert step_of(pilot) == "storage", "Enter went on, as the hint said"
        assert app.state.keep_operator_token is False, "and ticked nothing on the way"


async def test_target_first_enter_on_the_choice_checks_and_goes_on(sandbox, folder: Path) -> None:
    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "target")
        assert app.focused is app.screen.query_one("#target-kind")
        assert status(app) == "Enter: check the target, then Mint"
        await press(pilot, "enter")
        for _ in range(50):  # the preflight is a worker
            if step_of(pilot) != "target":
                break
            await settle(pilot)
        assert step_of(pilot) == "mint", "the env file is filled in: Enter is the answer"


async def test_target_enter_on_an_incomplete_choice_goes_to_its_first_field(
    sandbox, folder: Path
) -> None:
    app = WizardApp(demo_state(sandbox, folder, openwebui_url="", openwebui_token=None))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "target")
        await press(pilot, "down", "enter")
        assert app.state.target_kind == "admin-api"
        assert step_of(pilot) == "target"
        assert app.focused is app.screen.query_one("#target-url"), "its first empty field"
        assert status(app) == "Enter Open WebUI's URL."


async def test_target_enter_on_the_env_file_without_a_path_goes_to_the_path(
    sandbox, folder: Path
) -> None:
    """Found walking a real setup at 80x24: Enter on "Env file" with no path moved the focus to
    the pane's scroll area, so the path typed next went nowhere. It goes to the path field."""
    app = WizardApp(demo_state(sandbox, folder, env_path=""))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "target")
        await press(pilot, "enter")
        assert step_of(pilot) == "target"
        assert app.focused is app.screen.query_one("#target-path"), app.focused
        assert status(app) == "Enter the env file's path."
        await press(pilot, *"/tmp/x.env")
        assert app.screen.query_one("#target-path", Input).value == "/tmp/x.env"


async def test_enter_in_the_profile_name_probes_a_host_first(sandbox, folder: Path) -> None:
    typo = sandbox.base_url.replace("127.0.0.1", "127.0.0.2").removesuffix("/api/tenant")
    app = WizardApp(demo_state(sandbox, folder, host_text=typo), start_step="tenant")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        name = app.screen.query_one("#tenant-profile", Input)
        name.focus()
        await press(pilot, "enter")
        for _ in range(50):
            if "Probing" not in text_of(app.screen.query_one("#tenant-probe", Static)):
                break
            await settle(pilot)
        assert step_of(pilot) == "tenant", "Enter in the name field did not skip the probe"
        assert "No GT API answered" in text_of(app.screen.query_one("#tenant-probe", Static))
        assert status(app) == "Enter probes again · ctrl+n goes on anyway"


async def test_checks_hint_follows_the_focus(sandbox, folder: Path) -> None:
    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "checks")
        for _ in range(100):
            if app.state.check_report is not None:
                break
            await settle(pilot)
        await settle(pilot)
        checks = app.screen.query_one("#checks-list", OptionList)
        assert not checks.has_focus
        assert status(app) == "Enter: on to Summary · Tab: the list"
        checks.focus()
        await settle(pilot)
        assert "Tab: the list" not in status(app)
        assert status(app) == "Enter opens the highlighted check · ctrl+n: on to Summary"


async def test_a_wrong_typed_operator_token_is_refused_without_blaming_the_environment(
    sandbox, folder: Path
) -> None:
    """Issue 20: a wrong token typed on Mint said "set GTWIZARD_OPERATOR_TOKEN", which the
    operator never used. The refusal names what happened and any source of the token."""
    from support.tui_drive import paste_into
    from support.tui_helpers import text_of
    from textual.widgets import Input

    app = WizardApp(demo_state(sandbox, folder))
    wrong = "gtop_" + "w" * 40
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "mint")
        app.screen.query_one("#mint-token", Input).value = ""
        await paste_into(pilot, "#mint-token", wrong)
        await press(pilot, "ctrl+n")
        await press(pilot, "ctrl+n")  # Storage: Enter mints; the tenant refuses the token
        assert step_of(pilot) == "storage"
        result = text_of(app.screen.query_one("#storage-result"))
        assert result.startswith("✗ the operator token was rejected"), result
        assert "typed" in result and "set GTWIZARD_OPERATOR_TOKEN" not in result
        assert "export" not in result and wrong not in result
        assert app.state.session is None or not app.state.session.has_key
