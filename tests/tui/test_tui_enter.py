"""Issue 13's operator experience in the TUI, with Pilot at 80x24: Enter goes on at every step,
the operator token is asked where the names are needed, the profile name, the confirmation
before writing, the Summary's last mile, and the layout points (focus, titles, what is cut off).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.tui_drive import demo_state, drive, next_to, pick_names, settle, step_of
from support.tui_helpers import text_of
from textual.widgets import Button, Checkbox, Input, OptionList, Static

from gtwizard.app import WizardApp
from gtwizard.wizard import STEPS, WizardState

pytestmark = pytest.mark.usefixtures("fail_keyring")


@pytest.fixture
def folder(demo_folder: Path) -> Path:
    return demo_folder


def status(app: WizardApp) -> str:
    return text_of(app.screen.query_one("#nav-status", Static))


async def enter(pilot, times: int = 1) -> None:
    for _ in range(times):
        await pilot.press("enter")
        await settle(pilot)


async def test_enter_at_every_step_reaches_the_summary(sandbox, folder: Path) -> None:
    """A newcomer: Enter at each step, one name picked on Key (Enter picks it), nothing else."""
    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        seen = [step_of(pilot)]
        for _ in range(40):
            if step_of(pilot) == "summary":
                break
            await enter(pilot)
            if step_of(pilot) != seen[-1]:
                seen.append(step_of(pilot))
        assert seen == [*STEPS[:7], "ConfirmApply", *STEPS[7:]], seen
        assert app.state.names == ("helpdesk",)
        assert "Finish" in status(app)
        summary = text_of(app.screen.query_one("#summary-body"))
    assert "Still to do, in order" in summary
    assert "docker rm -f open-webui" in summary and "docker restart keeps the old key" in summary
    assert "Give ordinary users access to the models" in summary
    assert (folder / "openwebui.env").exists()


async def test_tenant_enter_probes_then_goes_on(sandbox, folder: Path) -> None:
    app = WizardApp(demo_state(sandbox, folder), start_step="tenant")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.focused is app.screen.query_one("#tenant-host")
        assert status(app) == "Enter probes the tenant · ctrl+n skips the probe"
        await enter(pilot)
        assert step_of(pilot) == "tenant", "the first Enter probes"
        assert "A GT API answers" in text_of(app.screen.query_one("#tenant-probe", Static))
        assert status(app) == "✓ Enter: on to Key"
        assert "Press Enter to probe" not in text_of(app.screen.query_one("#tenant-bases"))
        await enter(pilot)
        assert step_of(pilot) == "key", "after a successful probe Enter goes on"


async def test_plain_http_sandbox_without_scheme_says_use_http(sandbox, folder: Path) -> None:
    bare = sandbox.base_url.removeprefix("http://").removesuffix("/api/tenant")
    state = demo_state(sandbox, folder, host_text=bare)
    app = WizardApp(state, start_step="tenant")
    async with app.run_test(size=(80, 24)) as pilot:
        await enter(pilot)
        probe = text_of(app.screen.query_one("#tenant-probe", Static))
    assert "this port speaks plain http; use http://" + bare in probe.replace("\n", " ")


async def test_profile_name_suggested_from_host_and_replace_needs_a_tick(sandbox) -> None:
    from gtwizard.profiles import Profile, save_profile

    save_profile(Profile(name="tenant.example.com", tenant_host="tenant.example.com"))
    app = WizardApp(WizardState(host_text="tenant.example.com"), start_step="tenant")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#tenant-profile", Input).value == "tenant.example.com"
        replace = app.screen.query_one("#tenant-replace", Checkbox)
        assert replace.display and "Replace it: new key" in str(replace.label)
        assert "exists" in status(app)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert step_of(pilot) == "tenant", "an existing profile is not replaced silently"
        replace.value = True
        await settle(pilot)
        assert app.state.replace_profile is True
        # typing another name drops the confirmation and follows no more the host
        profile = app.screen.query_one("#tenant-profile", Input)
        profile.focus()
        await pilot.press("end", *"-2")
        await settle(pilot)
        assert app.state.profile_name == "tenant.example.com-2"
        assert app.state.replace_profile is False and not replace.display
        await next_to(pilot, "key")
    assert app.state.profile_name == "tenant.example.com-2"


async def test_operator_token_on_key_lists_names_and_mint_reuses_it(sandbox, folder) -> None:
    state = demo_state(sandbox, folder, operator_token=None)
    app = WizardApp(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "key")
        assert app.focused is app.screen.query_one("#key-token"), "asked where it is needed"
        assert app.screen.query_one("#key-names-typed").display
        app.screen.query_one("#key-token", Input).value = sandbox.operator_token
        await enter(pilot)
        assert app.screen.query_one("#key-names").display
        assert "6 names published" in text_of(app.screen.query_one("#key-published-status"))
        assert app.focused is app.screen.query_one("#key-names")
        await pick_names(pilot, ("helpdesk",))
        await next_to(pilot, "target")
        await next_to(pilot, "mint")
        assert app.screen.query_one("#mint-token", Input).value == sandbox.operator_token
        assert app.focused is app.screen.query_one("#mint-token")
        await enter(pilot)
        assert step_of(pilot) == "storage"


async def test_key_preset_select_enter_moves_on(sandbox, folder: Path) -> None:
    from textual.widgets import Select

    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "key")
        select = app.screen.query_one("#key-preset", Select)
        select.focus()
        await enter(pilot)
        assert select.expanded
        await enter(pilot)
        assert not select.expanded
        assert app.focused is not select, "Enter after a choice does not reopen the menu"


async def test_back_is_never_focused_and_esc_returns_to_the_field(sandbox, folder) -> None:
    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "key")
        await pick_names(pilot, ("helpdesk",))
        assert not app.screen.query_one("#nav-back", Button).can_focus
        for _ in range(12):
            await pilot.press("tab")
            assert app.focused is None or app.focused.id != "nav-back"
        app.screen.query_one("#nav-next", Button).focus()
        await next_to(pilot, "target")
        await pilot.press("escape")
        await settle(pilot)
        assert step_of(pilot) == "key"
        assert app.focused is app.screen.query_one("#key-names")
        await next_to(pilot, "target")
        await next_to(pilot, "mint")
        await next_to(pilot, "storage")
        app.screen.query_one("#nav-next", Button).focus()
        await pilot.press("escape")
        await settle(pilot)
        assert step_of(pilot) == "mint"
        assert app.focused is None or app.focused.id not in ("nav-back", "nav-next")


async def test_review_writes_only_after_confirmation(sandbox, folder: Path) -> None:
    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "review")
        assert str(app.screen.query_one("#nav-next", Button).label) == "Write ›"
        await enter(pilot)
        assert type(app.screen).__name__ == "ConfirmApply"
        assert app.focused is not None and app.focused.id == "confirm-yes"
        await pilot.press("escape")
        await settle(pilot)
        assert step_of(pilot) == "review"
        assert not (folder / "openwebui.env").exists(), "cancel writes nothing"
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmApply"
        await enter(pilot)
        assert step_of(pilot) == "apply"
    assert (folder / "openwebui.env").exists()


async def test_storage_without_keyring_at_80x24(sandbox, folder: Path, monkeypatch) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)  # no D-Bus: no keyring
    state = demo_state(sandbox, folder, demo=False, secrets_file=None)
    app = WizardApp(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "storage")
        choice = app.screen.query_one("#storage-choice")
        assert app.focused is choice, "focus starts on the first choice"
        assert status(app) == "The keyring is unusable: choose a fallback."
        await pilot.press("down", "enter")  # the plain-text file; Enter moves to the consent
        await settle(pilot)
        consent = app.screen.query_one("#storage-consent", Input)
        assert app.focused is consent
        assert status(app) == "Type yes to accept the plain-text file."
        region = consent.region
        assert region.height == 3 and region.bottom <= 24 - 2, "the whole field is on screen"
        screen_region = app.screen.region
        assert screen_region.contains_region(region)
        nav = app.screen.query_one(".nav-row").region
        assert not region.overlaps(nav)
        await pilot.press(*"yes")
        await enter(pilot)  # mints and stores, then focus is on Next
        assert "✓ Key" in text_of(app.screen.query_one("#storage-result"))
        old_key = state.session.key_id
        assert old_key in text_of(app.screen.query_one("#storage-result"))
        assert app.focused is app.screen.query_one("#nav-next")

        # change the allowlist: Storage must not show the old key any more
        for _ in ("mint", "target", "key"):
            await pilot.press("escape")
            await settle(pilot)
        assert step_of(pilot) == "key"
        await pick_names(pilot, ("finance-analyst",))
        await next_to(pilot, "target")
        await next_to(pilot, "mint")
        await next_to(pilot, "storage")
        assert old_key not in text_of(app.screen.query_one("#storage-result"))


async def test_target_fields_have_titles_and_look_like_fields(sandbox, folder: Path) -> None:
    from textual.widgets._select import SelectCurrent

    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "target")
        dialect = app.screen.query_one("#target-dialect")
        assert dialect.query_one(SelectCurrent).border_title == "Who reads it"
        datadir = app.screen.query_one("#target-datadir", Input)
        assert not datadir.compact and datadir.border_title
        assert datadir.region.height == 3, "a bordered field, not a label"
        assert app.focused is app.screen.query_one("#target-kind")


async def test_product_in_view_at_60x20_and_more_below_at_80x24() -> None:
    app = WizardApp(WizardState(product_slug="open-webui"))
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        await pilot.pause(0.1)
        options = app.screen.query_one("#product-list", OptionList)
        index = options.highlighted
        assert index is not None
        assert (
            options.scroll_y <= index < options.scroll_y + options.scrollable_content_region.height
        )
    app = WizardApp(WizardState(product_slug="open-webui"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause(0.1)
        more = app.screen.query_one("#product-more", Static)
        assert more.display and "more line" in text_of(more) and "caveats" in text_of(more)
        detail = app.screen.query_one("#product-detail")
        detail.scroll_end(animate=False)
        await pilot.pause(0.1)
        assert not more.display, "nothing more once scrolled to the end"


async def test_welcome_keys_fit_80_columns_and_remove_defaults_to_cancel(sandbox, folder) -> None:
    from gtwizard.widgets.keybar import KeyBar

    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "summary")
    welcome = WizardApp(demo_state(sandbox, folder), start_step="welcome")
    async with welcome.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        bar = welcome.screen.query_one(KeyBar)
        shown = text_of(bar).rstrip()
        assert len(shown) <= 80 - 2, shown
        assert "Remove" in shown and "palette" in shown
        await pilot.press("x")
        await settle(pilot)
        assert welcome.focused is not None and welcome.focused.id == "confirm-no"
        await pilot.press("enter")
        await settle(pilot)
        assert type(welcome.screen).__name__ == "WelcomeScreen"
    from gtwizard.profiles import load_profiles

    assert "demo" in load_profiles(), "Enter in the remove dialog cancels"
