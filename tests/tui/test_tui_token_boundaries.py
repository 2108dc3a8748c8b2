"""The TUI's rotate and checks for a saved profile send the environment's operator token only to
the tenant it belongs to (issue 19, part 4): a session over profiles on two tenants offers it to
neither unless GTWIZARD_OPERATOR_TOKEN_HOST names one, and the other tenant never receives it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.cli_helpers import mint_setup_args, run_cli
from support.tui_drive import settle
from support.tui_helpers import text_of
from textual.widgets import Input, Static

from gtwizard.app import WizardApp
from gtwizard.credentials import OPERATOR, EnvCredential, Settings, tenant_place
from gtwizard.profiles import get_profile
from gtwizard.sandbox.authlog import credential_hash
from gtwizard.wizard import WizardState


@pytest.fixture
def two(tmp_path) -> Iterator[tuple[Any, Any]]:
    """Tenants A and B with profile `pa` on A and `pb` on B (file storage, env-file targets)."""
    from gtwizard.sandbox import start_in_thread

    a, b = start_in_thread(tls=False), start_in_thread(tls=False)
    try:
        for name, tenant in (("pa", a), ("pb", b)):
            args = mint_setup_args(tenant.base_url, "helpdesk", "--profile", name)
            args += ["--env-file", str(tmp_path / f"{name}.env")]
            out = run_cli(args, env={"GTWIZARD_OPERATOR_TOKEN": tenant.operator_token})
            assert out.returncode == 0, out.stderr
        a.record_authorization()
        b.record_authorization()
        yield a, b
    finally:
        a.stop()
        b.stop()


def _state(token: str, bound: str | None = None) -> WizardState:
    """The TUI's state as `gtwizard` starts it with the token in the environment."""
    state = WizardState()
    state.credentials = Settings(operator=EnvCredential(OPERATOR, token, bound))
    state.operator_token = token  # the setup flow's field starts with it, as `gtwizard tui` does
    return state


async def _rotate_screen(pilot: Any, profile: str, start: bool = False) -> tuple[str | None, str]:
    """Open the Rotate screen for `profile` (and start the rotation): (the token it would use,
    its log)."""
    pilot.app.open_rotate(get_profile(profile))
    await settle(pilot)
    screen = pilot.app.screen
    assert type(screen).__name__ == "RotateScreen"
    field = screen.query_one("#rotate-token", Input).value
    assert field == (screen.operator_token or "")
    log = text_of(screen.query_one("#rotate-log", Static))
    if start:
        screen.query_one("#rotate-mode").focus()
        await pilot.press("s")
        await settle(pilot)
        log = text_of(screen.query_one("#rotate-log", Static))
    await pilot.press("escape")
    await settle(pilot)
    return screen.operator_token, log


async def test_an_unbound_token_is_offered_to_neither_tenant(two: tuple[Any, Any]) -> None:
    a, b = two
    app = WizardApp(_state(a.operator_token), start_step="welcome")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for profile in ("pa", "pb"):
            token, log = await _rotate_screen(pilot, profile)
            assert token is None, f"{profile}: the environment's token was offered"
            assert "Not sent: GTWIZARD_OPERATOR_TOKEN is not sent" in log
            assert "GTWIZARD_OPERATOR_TOKEN_HOST" in log
        app.open_checks(get_profile("pb"))
        await settle(pilot)
    assert credential_hash(a.operator_token) not in {h for *_, h in b.authorizations_seen()}


async def test_a_bound_token_goes_to_its_own_tenant_only(two: tuple[Any, Any]) -> None:
    a, b = two
    app = WizardApp(_state(a.operator_token, tenant_place(a.base_url)), start_step="welcome")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        token, log = await _rotate_screen(pilot, "pa", start=True)
        assert token == a.operator_token and "Not sent" not in log
        assert "waiting" in log, log  # minted on A with A's token; waits for proof
        token, log = await _rotate_screen(pilot, "pb")
        assert token is None and "belongs to" in log
        app.open_checks(get_profile("pb"))  # the checks of B's profile: no operator token of A
        await settle(pilot)
        app.open_checks(get_profile("pa"))
        await settle(pilot)
    seen_b = {h for *_, h in b.authorizations_seen()}
    assert credential_hash(a.operator_token) not in seen_b
    assert credential_hash(a.operator_token) in {h for *_, h in a.authorizations_seen()}
