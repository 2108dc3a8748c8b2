"""Screens are installed once and shown again: what they show after coming back must follow the
answers (and the profile the operator chose), never what the screen held the first time.

The welcome screen keeps the highlighted profile across its dialogs and reloads; the Key step
follows a changed product; the Mint step drops a pasted key that was made for other answers.
"""

from __future__ import annotations

from support.fleet_helpers import write_profiles
from support.tui_drive import settle
from support.tui_helpers import text_of
from textual.widgets import OptionList, Static

from gtwizard.app import WizardApp


def highlighted(app: WizardApp) -> str:
    options = app.screen.query_one("#welcome-profiles", OptionList)
    assert options.highlighted is not None
    return options.get_option_at_index(options.highlighted).id or ""


async def test_the_welcome_highlight_stays_on_its_profile_after_a_dialog_and_a_runbook() -> None:
    write_profiles(3)  # host0000, host0001, host0002
    app = WizardApp(start_step="welcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "x")
        await settle(pilot)
        question = text_of(app.screen.query_one(Static))
        assert "Remove profile host0001" in question, question
        await pilot.press("escape")
        await settle(pilot)
        assert highlighted(app) == "host0001", "Esc from the dialog keeps the profile"
        await pilot.press("x")
        await settle(pilot)
        question = text_of(app.screen.query_one(Static))
        assert "Remove profile host0001" in question, question
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("down", "b")  # host0002's runbook, then the list is read again
        await settle(pilot)
        assert highlighted(app) == "host0002", "the runbook keeps the profile"
        await pilot.press("f1")  # a screen shown over it and closed again (a resume)
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert highlighted(app) == "host0002"


async def test_a_removed_profiles_highlight_goes_to_its_nearest_neighbour() -> None:
    from gtwizard.profiles import remove_profile

    write_profiles(3)
    app = WizardApp(start_step="welcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down")
        assert highlighted(app) == "host0001"
        remove_profile("host0001")
        app.screen.reload()  # as the welcome screen does once a removal is done
        await settle(pilot)
        assert highlighted(app) == "host0002", "the one that followed it"
        remove_profile("host0002")
        app.screen.reload()
        await settle(pilot)
        assert highlighted(app) == "host0000", "the last one gone: the one before it"
