"""A step's worker that fails unexpectedly becomes a notification, never an exit (issue 14)."""

from __future__ import annotations

import contextlib

import pytest
from textual.widgets import Input
from textual.worker import WorkerFailed

from gtwizard.app import WizardApp
from gtwizard.wizard import WizardState


async def test_a_failing_probe_worker_notifies_and_the_wizard_stays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(text: str, **kwargs: object) -> object:
        raise RuntimeError("a bug in the probe, key gtak_secret123")

    monkeypatch.setattr("gtwizard.services.probe_tenant", broken)
    app = WizardApp(WizardState(product_slug="open-webui"), start_step="tenant")
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.screen.step == "tenant"
        app.screen.query_one("#tenant-host", Input).value = "http://127.0.0.1:9"
        await pilot.pause()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and app.screen.step == "tenant"
        notes = [str(n.message) for n in app._notifications]
        assert any("unexpected error (RuntimeError)" in n for n in notes), notes
        assert not any("gtak_secret123" in n for n in notes)
    assert app.return_code in (0, None)


async def test_a_failing_rotation_worker_notifies_and_the_rotate_screen_stays_usable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not only step screens: the Rotate screen's worker failing on a bug leaves the app up and
    the screen ready for another try (it is not stuck 'running')."""
    from gtwizard.screens.rotate import RotateScreen

    async def broken(self: object) -> dict[str, object]:
        raise RuntimeError("a bug in the rotation, key gtak_secret456")

    monkeypatch.setattr("gtwizard.rotation.Rotation.run", broken)
    app = WizardApp(WizardState(product_slug="open-webui", operator_token="gtop_" + "t" * 20))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = RotateScreen("someprofile", "env-file")
        await app.push_screen(screen)
        await pilot.pause()
        screen.launch()
        with contextlib.suppress(WorkerFailed):  # the worker failed; the app must not
            await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and app.screen is screen
        assert screen.running is False
        notes = [str(n.message) for n in app._notifications]
        assert any("unexpected error (RuntimeError)" in n for n in notes), notes
        assert not any("gtak_secret456" in n for n in notes)
