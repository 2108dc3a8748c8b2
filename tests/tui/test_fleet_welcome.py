"""The welcome screen with many profiles: a page of them, narrowed by a filter as you type."""

from __future__ import annotations

from support.fleet_helpers import write_profiles
from support.tui_helpers import text_of
from textual.widgets import Input, OptionList, Static

from gtwizard.app import WizardApp
from gtwizard.profiles import load_profiles
from gtwizard.screens.welcome import PAGE


def listed(app: WizardApp) -> list[str]:
    options = app.screen.query_one("#welcome-profiles", OptionList)
    return [options.get_option_at_index(i).id or "" for i in range(options.option_count)]


async def test_many_profiles_are_paged_and_filtered_as_you_type() -> None:
    write_profiles(PAGE + 30)
    assert len(load_profiles()) == PAGE + 30
    app = WizardApp(start_step="welcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert listed(app) == [f"host{i:04d}" for i in range(PAGE)]
        status = text_of(app.screen.query_one("#welcome-status", Static))
        assert f"{PAGE} of {PAGE + 30} matching" in status
        assert app.focused is app.screen.query_one("#welcome-profiles", OptionList)
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#welcome-filter", Input)
        await pilot.press(*"host007")
        await pilot.pause()
        assert listed(app) == [f"host007{i}" for i in range(10)]
        await pilot.press(*"9")
        await pilot.pause()
        assert listed(app) == ["host0079"]
        await pilot.press("enter")  # back to the list, the match highlighted
        assert app.focused is app.screen.query_one("#welcome-profiles", OptionList)
        box = app.screen.query_one("#welcome-filter", Input)
        box.value = "TENANT3 example"  # by host, any case
        await pilot.pause()
        assert all(int(name[4:]) % 7 == 3 for name in listed(app))


async def test_few_profiles_show_no_filter() -> None:
    write_profiles(3)
    app = WizardApp(start_step="welcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert listed(app) == ["host0000", "host0001", "host0002"]
        assert not app.screen.query_one("#welcome-filter", Input).display
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#welcome-profiles", OptionList)
