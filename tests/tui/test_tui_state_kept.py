"""Screens are installed once and shown again: what they show after coming back must follow the
answers (and the profile the operator chose), never what the screen held the first time.

The welcome screen keeps the highlighted profile across its dialogs and reloads; the Key step
follows a changed product; the Mint step drops a pasted key that was made for other answers.
"""

from __future__ import annotations

from pathlib import Path

from support import tui_drive
from support.fleet_helpers import write_profiles
from support.tui_drive import NAMES, back_to, demo_state, drive, next_to, paste_into, settle
from support.tui_helpers import text_of
from textual.widgets import Checkbox, Input, OptionList, Select, Static

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
        shown = text_of(app.screen.query_one(Static))  # the operator's help, no docstring
        assert "r rotates its key" in shown and "PAGE" not in shown, shown
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
        await tui_drive.choose_product(pilot, "Cont")
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
        assert tui_drive.step_of(pilot) == "key"


async def paste_accepted(pilot, sandbox, names: tuple[str, ...]) -> str:
    """On Mint: guided manual, a key made by hand for `names` pasted and accepted."""
    app = pilot.app
    app.screen.query_one("#mint-manual").value = True
    await settle(pilot)
    name = app.state.suggested_key_name()
    _, secret = sandbox.seed_key(["inference:chat"], agent_aliases=list(names), name=name)
    await paste_into(pilot, "#mint-paste", secret)
    await pilot.press("enter")
    await settle(pilot)
    status = text_of(app.screen.query_one("#mint-paste-status", Static))
    assert status.startswith("✓ Key"), status
    assert app.screen.query_one("#mint-paste", Input).disabled
    return secret


async def to_mint_with_names(pilot, names: tuple[str, ...]) -> None:
    await drive(pilot, "key")
    await paste_into(pilot, "#key-names-typed", ", ".join(names))
    await next_to(pilot, "target")
    await next_to(pilot, "mint")


async def test_a_pasted_key_for_other_answers_is_dropped_and_the_field_is_usable_again(
    sandbox, demo_folder: Path
) -> None:
    app = WizardApp(demo_state(sandbox, demo_folder, operator_token=None))
    async with app.run_test(size=(80, 24)) as pilot:
        await to_mint_with_names(pilot, NAMES)
        await paste_accepted(pilot, sandbox, NAMES)

        # nothing changed: Back and forward again keeps the accepted key
        await back_to(pilot, "target")
        await next_to(pilot, "mint")
        paste = app.screen.query_one("#mint-paste", Input)
        assert paste.disabled and "accepted" in text_of(
            app.screen.query_one("#mint-paste-status", Static)
        )
        assert app.screen.pasted_ok()

        # the allowlist changed on Key: the key was made for the old one
        await back_to(pilot, "target")
        await back_to(pilot, "key")
        await paste_into(pilot, "#key-names-typed", NAMES[0])
        await next_to(pilot, "target")
        await next_to(pilot, "mint")
        status = text_of(app.screen.query_one("#mint-paste-status", Static))
        assert not paste.disabled and paste.value == "", "the old paste is gone, the field usable"
        assert "accepted" not in status and "another allowlist" in status, status
        assert status[0] == "✗" and status[2].isupper(), status
        assert app.focused is paste
        assert not app.screen.pasted_ok()
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert tui_drive.step_of(pilot) == "mint", "no key for these answers yet"

        # a key for the new answers is taken as before
        await paste_accepted(pilot, sandbox, NAMES[:1])
        await next_to(pilot, "storage")


async def test_a_changed_tenant_drops_the_pasted_key(
    sandbox, own_sandbox, demo_folder: Path
) -> None:
    app = WizardApp(demo_state(sandbox, demo_folder, operator_token=None))
    async with app.run_test(size=(80, 24)) as pilot:
        await to_mint_with_names(pilot, NAMES)
        await paste_accepted(pilot, sandbox, NAMES)
        for step in ("target", "key", "tenant"):
            await back_to(pilot, step)
        host = own_sandbox.base_url.removesuffix("/api/tenant")
        await paste_into(pilot, "#tenant-host", host)
        await pilot.press("enter")  # probes the new host
        await settle(pilot)
        await next_to(pilot, "key")
        await next_to(pilot, "target")
        await next_to(pilot, "mint")
        paste = app.screen.query_one("#mint-paste", Input)
        status = text_of(app.screen.query_one("#mint-paste-status", Static))
        assert not paste.disabled and paste.value == "", status
        assert "another tenant" in status, status
        old_console = f"{sandbox.base_url.removesuffix('/api/tenant')}/gt-api"
        assert f"delete it at {old_console}," in status, "where the old key was made"
        await paste_accepted(pilot, own_sandbox, NAMES)
        await next_to(pilot, "storage")


async def test_every_screen_has_operator_help() -> None:
    """F1 shows a screen's HELP; a class docstring (written for engineers) is never shown."""
    import importlib
    import inspect
    import pkgutil

    from textual.screen import Screen

    import gtwizard.screens

    found = {}
    for module in pkgutil.iter_modules(gtwizard.screens.__path__):
        if module.name == "base":  # the frames the screens are built on, never shown alone
            continue
        loaded = importlib.import_module(f"gtwizard.screens.{module.name}")
        for name, cls in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == loaded.__name__:
                found[name] = cls
    assert "WelcomeScreen" in found and "ConfirmRemove" in found
    missing = [
        name for name, cls in found.items() if not (getattr(cls, "HELP", None) or "").strip()
    ]
    assert missing == [], f"screens without HELP: {missing}"


async def test_a_screen_without_help_never_shows_its_docstring() -> None:
    from textual.screen import Screen

    class Bare(Screen):
        """An engineer's note about PAGE and paint times."""

    app = WizardApp(start_step="welcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(Bare())
        await pilot.press("f1")
        await settle(pilot)
        shown = text_of(app.screen.query_one(Static))
        assert "engineer's note" not in shown, shown


async def test_target_errors_say_what_to_do_as_a_sentence(sandbox, demo_folder: Path) -> None:
    """The Target step's refusal: what is wrong, then what to do, each a sentence."""
    state = demo_state(sandbox, demo_folder, product_slug="continue")
    elsewhere = demo_folder / "continue-config.yaml"  # not in a .continue folder
    state.target_settings = {"continue": {"config": str(elsewhere)}}
    app = WizardApp(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "target")
        await pilot.press("ctrl+n")
        await settle(pilot)
        said = text_of(app.screen.query_one("#target-status", Static))
        assert f"✗ {elsewhere} is not in a .continue folder" in said, said
        assert ". Use ~/.continue/config.yaml or" in said, said
