"""Screens are installed once and shown again: what they show after coming back must follow the
answers (and the profile the operator chose), never what the screen held the first time.

The welcome screen keeps the highlighted profile across its dialogs and reloads; the Key step
follows a changed product; the Mint step drops a pasted key that was made for other answers.
"""

from __future__ import annotations

from pathlib import Path

from support.fleet_helpers import write_profiles
from support.tui_drive import back_to, choose_product, demo_state, drive, next_to, settle, step_of
from support.tui_helpers import text_of
from textual.widgets import Checkbox, OptionList, Select, Static

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


async def test_the_key_step_follows_a_changed_product(sandbox, demo_folder: Path) -> None:
    """Open WebUI's recommended preset (and its embeddings choice), then Continue: its own."""
    catalog_product = "continue"
    app = WizardApp(demo_state(sandbox, demo_folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "key")
        screen = app.screen
        preset = screen.query_one("#key-preset", Select)
        embeddings = screen.query_one("#key-embeddings", Checkbox)
        assert preset.value == "chat-client" and embeddings.display
        embeddings.value = True  # Open WebUI only: routes embeddings through GT as well
        await settle(pilot)
        assert app.state.embeddings
        await choose_product(pilot, "Cont")
        assert app.state.product_slug == catalog_product
        await next_to(pilot, "key")
        recommended = app.catalog.product(catalog_product).recommended_key_preset
        assert recommended != "chat-client"
        assert preset.value == recommended, preset.value
        assert app.state.key_preset_slug == recommended
        assert not embeddings.display and not app.state.embeddings
        labels = [str(prompt) for prompt, _ in preset._options]
        chosen = app.catalog.key_preset(recommended).name
        assert f"{chosen} (recommended)" in labels, labels
        assert not any("(recommended)" in label for label in labels if chosen not in label)
        scopes = text_of(screen.query_one("#key-scopes", Static))
        assert app.catalog.key_preset(recommended).purpose[:30] in scopes, scopes

        # the operator's own pick for the same product is kept
        preset.value = "chat-client"
        await settle(pilot)
        await back_to(pilot, "tenant")
        await next_to(pilot, "key")
        assert preset.value == "chat-client" and app.state.key_preset_slug == "chat-client"
        assert step_of(pilot) == "key"
