"""Drive the wizard with Pilot the way an operator does: keys only, waiting for the live work.

Shared by the flow tests and the snapshot tests, so both walk the same path through the screens.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.worker import WorkerState

from gtwizard.wizard import STEPS, WizardState

NAMES = ("helpdesk", "research-assistant")
FAIL_BACKEND = "keyring.backends.fail.Keyring"

# An env-file target without an Open WebUI URL: chat is proven through GT (the user's path
# through Open WebUI is part of the check only when an Open WebUI is known); Open WebUI's own
# config, reach and task model cannot be read, and embeddings are not configured -> skip.
ENV_FILE_EXPECTED = {
    "tenant-reachable": "pass",
    "key-accepted": "pass",
    "key-stored": "pass",
    "key-age": "pass",
    "base-form": "pass",
    "least-privilege": "pass",
    "embeddings": "skip",
    "openwebui-config": "skip",
    "openwebui-reach": "skip",
    "task-model": "skip",
    # titled for a user, and no Open WebUI in the demo's env-file path: proven on the GT side only
    "chat": "warn",
    "no-leak": "warn",
    "rotation-documented": "pass",
}


def demo_state(sandbox, folder: Path, **changes) -> WizardState:
    """The state `gtwizard demo` starts with (its own function), plus a test's changes."""
    from gtwizard.commands.demo import demo_state as demo_start

    state = demo_start(sandbox, folder)
    for name, value in changes.items():
        setattr(state, name, value)
    return state


async def settle(pilot: Pilot) -> None:
    """Wait until no worker runs any more (a finished worker may switch screens and start more)."""
    app = pilot.app
    for _ in range(100):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
            return
    raise AssertionError("workers kept starting: the screen never settled")


def step_of(pilot: Pilot) -> str:
    return getattr(pilot.app.screen, "step", type(pilot.app.screen).__name__)


async def next_to(pilot: Pilot, expected: str) -> None:
    """Press ctrl+n and wait; the wizard must then show `expected`.

    Review asks before writing: the question is answered with Enter (its default is Write).
    """
    await settle(pilot)
    await pilot.press("ctrl+n")
    await settle(pilot)
    if type(pilot.app.screen).__name__ == "ConfirmApply":
        await pilot.press("enter")
        await settle(pilot)
    status = pilot.app.screen.query("#nav-status")
    shown = str(status.first().render()) if status else ""
    assert step_of(pilot) == expected, f"still on {step_of(pilot)}: {shown!r}"


async def back_to(pilot: Pilot, expected: str) -> None:
    await pilot.press("escape")
    await settle(pilot)
    assert step_of(pilot) == expected


async def choose_product(pilot: Pilot, typed: str) -> None:
    """Esc back to Product, narrow its list with `typed` and choose the first match with Enter."""
    for _ in STEPS:
        if step_of(pilot) == "product":
            break
        await back_to(pilot, STEPS[STEPS.index(step_of(pilot)) - 1])
    pilot.app.screen.query_one("#product-filter").value = typed
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def paste_into(pilot: Pilot, selector: str, text: str) -> None:
    """Focus an Input, clear it with ctrl+u, and paste `text` (a bracketed paste, as a terminal sends)."""
    from textual import events

    field = pilot.app.screen.query_one(selector)
    field.focus()
    await pilot.press("end", "ctrl+u")
    field.post_message(events.Paste(text))
    await settle(pilot)
    assert field.value == text


async def pick_names(pilot: Pilot, wanted: tuple[str, ...]) -> None:
    """On Key: Tab to the allowlist, then walk it top to bottom toggling rows with space."""
    from gtwizard.widgets.picker import NamePicker

    await settle(pilot)
    picker = pilot.app.screen.query_one("#key-names", NamePicker)
    for _ in range(6):
        if pilot.app.focused is picker:
            break
        await pilot.press("tab")
    assert pilot.app.focused is picker, "Tab never reached the allowlist"
    await pilot.press("home")
    rows = [value for value, _ in picker._rows]
    for index, value in enumerate(rows):
        if (value in wanted) != (value in picker.selected):
            await pilot.press("space")
        if index + 1 < len(rows):
            await pilot.press("down")
    assert tuple(picker.selected) == tuple(v for v in rows if v in wanted)


async def drive(pilot: Pilot, until: str, names: tuple[str, ...] = NAMES) -> None:
    """From Product forward to `until` with the demo's answers (env-file target)."""
    await settle(pilot)
    for step in STEPS[STEPS.index(step_of(pilot)) :]:
        if step == until:
            return
        if step == "key":
            await pick_names(pilot, names)
        await next_to(pilot, STEPS[STEPS.index(step) + 1])
    assert step_of(pilot) == until


async def idle_or_asked(pilot: Pilot) -> None:
    """Wait until no worker runs, or a worker waits on a question (a ConfirmApply modal it
    pushed: `settle` would wait for that worker for ever)."""
    from textual.worker import WorkerState

    app = pilot.app
    for _ in range(600):
        await pilot.pause(0.05)
        if type(app.screen).__name__ == "ConfirmApply":
            return
        if not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
            await pilot.pause()
            return
    raise AssertionError("workers kept running and nothing was asked")


async def answer_modal(pilot: Pilot, yes: bool, *, wait: bool = True) -> str:
    """A ConfirmApply question is shown: answer it with keys (its careful default is the other
    button: Shift+Tab reaches the first), and return the question it asked. `wait`: until the
    work the answer starts has ended or asks again (not for work that waits on the test)."""
    from textual.widgets import Button, Static

    from support.tui_helpers import text_of

    await idle_or_asked(pilot)
    modal = pilot.app.screen
    assert type(modal).__name__ == "ConfirmApply", type(modal).__name__
    question = text_of(modal.query_one(Static))
    wanted = "#confirm-yes" if yes else "#confirm-no"
    for _ in range(3):
        if pilot.app.focused is modal.query_one(wanted, Button):
            break
        await pilot.press("shift+tab")
    await pilot.press("enter")
    if wait:
        await idle_or_asked(pilot)
    return question


def env_token_state(sandbox, tmp_path: Path) -> WizardState:
    """A later session at the welcome screen, the operator token in its environment (as `gtwizard`
    reads it at launch: it goes to the saved profiles' one tenant)."""
    from gtwizard.credentials import OPERATOR, EnvCredential, Settings

    token = EnvCredential(OPERATOR, sandbox.operator_token)
    return demo_state(sandbox, tmp_path, credentials=Settings(operator=token))
