"""Pilot tests and snapshots for the first two wizard steps: Product and Tenant."""

from __future__ import annotations

import pytest
from support.tui_helpers import text_of
from textual.widgets import Button, Input, OptionList, Static

from gtwizard.app import WizardApp
from gtwizard.wizard import WizardState


async def test_pick_open_webui_then_bad_and_good_host(sandbox) -> None:
    app = WizardApp(WizardState(product_slug=None))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.screen.step == "product"
        await pilot.press(*"webui")
        options = app.screen.query_one("#product-list", OptionList)
        names = [options.get_option_at_index(i).prompt for i in range(options.option_count)]
        assert "Open WebUI" in names
        assert "LibreChat" not in names, "the filter hides products that do not match"
        await pilot.press("enter", "enter")  # filter -> list, then choose
        await pilot.pause()
        assert app.state.product_slug == "open-webui"
        assert app.screen.step == "tenant"

        await pilot.press(*"exa mple.com")
        validation = text_of(app.screen.query_one("#tenant-validation", Static))
        assert "whitespace" in validation and validation.startswith("✗")
        assert app.screen.query_one("#nav-next", Button).disabled
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.step == "tenant", "Next is refused while the host is invalid"
        assert "valid tenant host" in text_of(app.screen.query_one("#nav-status", Static))

        host_input = app.screen.query_one("#tenant-host", Input)
        host_input.value = ""
        await pilot.press(*sandbox.base_url)
        await pilot.pause()
        assert text_of(app.screen.query_one("#tenant-validation", Static)).startswith("✓")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        probe = text_of(app.screen.query_one("#tenant-probe", Static))
        assert "A GT API answers" in probe
        assert "FAIL" not in probe
        assert not app.screen.query_one("#nav-next", Button).disabled


async def test_probe_of_a_closed_port_says_so() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = WizardApp(WizardState(host_text=f"http://127.0.0.1:{port}"), start_step="tenant")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        probe = text_of(app.screen.query_one("#tenant-probe", Static))
        assert "FAIL" in probe and "No GT API answered" in probe


async def test_back_keeps_what_was_typed() -> None:
    app = WizardApp(WizardState(host_text="tenant.example.com"), start_step="product")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.step == "tenant"
        await pilot.press("end", *":8443")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.step == "product"
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.query_one("#tenant-host", Input).value == "tenant.example.com:8443"
        assert app.state.host is not None and app.state.host.port == 8443


SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_product(snap_compare, steady_cursor, size) -> None:
    assert snap_compare(WizardApp(WizardState()), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_tenant_invalid(snap_compare, steady_cursor, size) -> None:
    app = WizardApp(WizardState(host_text="https://user@tenant.example.com"), start_step="tenant")
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_tenant_valid(snap_compare, steady_cursor, size) -> None:
    app = WizardApp(WizardState(host_text="tenant.example.com"), start_step="tenant")
    assert snap_compare(app, terminal_size=size)


async def test_the_first_screen_stays_at_the_bottom_through_next_and_back(sandbox) -> None:
    """From a start without the welcome screen the first step is the stack's bottom: Next
    pushes over it, Back to it pops, and other steps take each other's place (public Textual
    calls only; switching the bottom screen away raises inside Textual)."""
    app = WizardApp(WizardState(host_text=sandbox.base_url), start_step="product")

    def steps() -> list[str]:
        return [getattr(screen, "step", "?") for screen in app.screen_stack]

    async with app.run_test(size=(80, 24)) as pilot:
        first = app.screen
        assert steps() == ["product"]
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert steps() == ["product", "tenant"]
        await pilot.press("enter")  # the probe: Next then leads on
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert steps() == ["product", "key"]
        await pilot.press("escape")
        await pilot.pause()
        assert steps() == ["product", "tenant"]
        await pilot.press("escape")
        await pilot.pause()
        assert steps() == ["product"] and app.screen is first
        await pilot.press("escape")  # the first step: Back has nowhere to go
        await pilot.pause()
        assert steps() == ["product"]


async def test_back_from_a_later_first_screen_and_next_again() -> None:
    app = WizardApp(WizardState(host_text="tenant.example.com"), start_step="tenant")
    async with app.run_test(size=(80, 24)) as pilot:
        first = app.screen
        await pilot.press("escape")
        await pilot.pause()
        assert [getattr(s, "step", "?") for s in app.screen_stack] == ["tenant", "product"]
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen is first and len(app.screen_stack) == 1
