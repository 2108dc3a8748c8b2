"""The Checks screen while the checks wait on a slow tenant: the help opens and closes (F1, Esc)
and the run goes on, neither restarted nor lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.tui_drive import demo_state, drive, settle, step_of
from textual.worker import Worker, WorkerState

from gtwizard.app import WizardApp

pytestmark = pytest.mark.usefixtures("fail_keyring")


def check_runs(app: WizardApp) -> list[Worker]:
    return [w for w in app.workers if w.group == "checks"]


async def test_help_during_the_run_leaves_the_run_going(sandbox, demo_folder: Path) -> None:
    app = WizardApp(demo_state(sandbox, demo_folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "apply")
        sandbox.set_faults(latency_ms=700)
        try:
            await pilot.press("ctrl+n")
            assert step_of(pilot) == "checks"
            [run] = check_runs(app)
            await pilot.press("f1")
            assert type(app.screen).__name__ == "HelpScreen"
            await pilot.press("escape")
            assert step_of(pilot) == "checks"
            assert run.state is WorkerState.RUNNING, "the run was cancelled"
            assert check_runs(app) == [run], "closing the help started the checks again"
        finally:
            sandbox.set_faults(latency_ms=0)
        await settle(pilot)
        report = app.state.check_report
        assert report is not None and report.ok
