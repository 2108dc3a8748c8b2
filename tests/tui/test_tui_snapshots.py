"""Snapshots of every wizard screen at 80x24 and 120x40, in the default theme and with NO_COLOR.

Reproducible on purpose: the sandbox has a seeded key generator (same operator token, key ids and
secrets every run). It listens on a free port and config/state live in a folder of this run, so two
runs can go at once; the pictures show the fixed SHOWN_HOST and SHOWN_ROOT instead (same lengths, so
lines wrap alike), and nothing random or machine-specific reaches the SVGs.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from support.tui_drive import (
    FAIL_BACKEND,
    NAMES,
    answer_modal,
    demo_state,
    drive,
    pick_names,
    settle,
)
from textual.pilot import Pilot

from gtwizard.app import WizardApp

SNAP_SEED = 6
SHOWN_HOST = "127.0.0.1:29417"  # what the snapshots show for the sandbox's host (a free port)
SHOWN_ROOT = "/tmp/gtwizard-snapshots"  # and for this run's folder, SNAP_ROOT (as long)
SNAP_ROOT = Path(f"/tmp/gtwizard-snap{os.getpid() % 100000:05d}")
SNAP_DIR = Path(__file__).parent / "__snapshots__" / Path(__file__).stem
SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
# the name guided manual minting suggests carries the time: the pictures show a fixed one
SHOWN_KEY_NAME = ("demo", "open-webui", "gtwizard-demo-open-webui-20260101-000000-0a1b")

Driver = Callable[[Pilot], Awaitable[None]]


@pytest.fixture
def snap_sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A fresh seeded sandbox on a free port and this run's dirs, per test (key ids repeat);
    the screenshots show SHOWN_HOST and SHOWN_ROOT instead."""
    import textual._doc

    from gtwizard.sandbox import start_in_thread

    shutil.rmtree(SNAP_ROOT, ignore_errors=True)
    (SNAP_ROOT / "demo").mkdir(parents=True, mode=0o700)
    monkeypatch.setenv("GTWIZARD_CONFIG_DIR", str(SNAP_ROOT / "config"))
    monkeypatch.setenv("GTWIZARD_STATE_DIR", str(SNAP_ROOT / "state"))
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", FAIL_BACKEND)
    monkeypatch.delenv("NO_COLOR", raising=False)
    for _ in range(5):  # a free port as long as the shown one (Linux's ephemeral ports are)
        handle = start_in_thread(seed=SNAP_SEED)
        if len(handle.host) == len(SHOWN_HOST):
            break
        handle.stop()
    else:
        pytest.fail(f"no free port of {len(SHOWN_HOST.split(':')[1])} digits for the sandbox")
    take = textual._doc.take_svg_screenshot  # pytest-textual-snapshot looks it up at each call

    def masked(*args, **kwargs) -> str:
        svg = take(*args, **kwargs)
        return svg.replace(handle.host, SHOWN_HOST).replace(str(SNAP_ROOT), SHOWN_ROOT)

    monkeypatch.setattr(textual._doc, "take_svg_screenshot", masked)
    try:
        yield handle
    finally:
        handle.stop()
        shutil.rmtree(SNAP_ROOT, ignore_errors=True)


def to(step: str) -> Driver:
    async def run(pilot: Pilot) -> None:
        await drive(pilot, step)

    return run


def then(step: str, *keys: str) -> Driver:
    async def run(pilot: Pilot) -> None:
        await drive(pilot, step)
        await pilot.press(*keys)
        await settle(pilot)

    return run


async def mint_manual(pilot: Pilot) -> None:
    """From the mode choice (Shift+Tab from the token), Down and Enter pick guided manual."""
    await drive(pilot, "mint")
    await pilot.press("shift+tab", "down", "enter")
    await settle(pilot)


async def review_confirm(pilot: Pilot) -> None:
    """The question Review asks before it writes the env file."""
    await drive(pilot, "review")
    await pilot.press("enter")
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "ConfirmApply"


async def key_with_names(pilot: Pilot) -> None:
    await drive(pilot, "key")
    await pick_names(pilot, NAMES)


async def check_detail(pilot: Pilot) -> None:
    """Open the no-leak check: its evidence table puts the lists side by side."""
    from textual.widgets import OptionList

    await drive(pilot, "checks")
    checks = pilot.app.screen.query_one("#checks-list", OptionList)
    checks.focus()
    for _ in range(checks.option_count):
        option = checks.highlighted_option
        if option is not None and option.id == "no-leak":
            break
        await pilot.press("down")
    await pilot.press("enter")
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "CheckDetailScreen"
    # The pushed screen's footer fades its background in; let that finish before the shot.
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def checks_failing(pilot: Pilot) -> None:
    """Apply, then make the tenant refuse chat (a real 500 from the sandbox) before the checks run."""
    import httpx

    await drive(pilot, "apply")
    state = pilot.app.state
    reply = httpx.post(
        state.host.gt_base + "/_sandbox/faults",
        headers={"Authorization": f"Bearer {state.operator_token}"},
        json={"error_status": 500, "path_prefix": "/v1/chat"},
        timeout=10,
    )
    reply.raise_for_status()
    await drive(pilot, "checks")
    assert not state.check_report.ok


async def rotate_waiting(pilot: Pilot) -> None:
    """The Rotate screen after the demo profile's rotation stopped waiting for proof (env file,
    no Open WebUI: both keys live, what remains listed), opened from the palette's action."""
    await drive(pilot, "summary")
    pilot.app.open_rotate(pilot.app.state.profile)
    await settle(pilot)
    await pilot.press("s")
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "RotateScreen"


async def rotate_finished(pilot: Pilot) -> None:
    """The same rotation finished on the operator's word (f, then w): the old key revoked."""
    await rotate_waiting(pilot)
    await pilot.press("f")
    await settle(pilot)
    await pilot.press("w")
    await answer_modal(pilot, yes=True)  # w asks first


SCREENS: dict[str, tuple[Driver, dict]] = {
    "product": (to("product"), {}),
    "tenant-probed": (then("tenant", "enter"), {}),
    "key": (key_with_names, {}),
    "mint-auto": (to("mint"), {}),
    "mint-manual": (mint_manual, {"manual_key_name": SHOWN_KEY_NAME}),
    "storage-demo-file": (to("storage"), {}),
    "storage-no-keyring": (to("storage"), {"demo": False, "secrets_file": None}),
    "target-env": (to("target"), {}),
    "target-admin": (then("target", "down", "enter"), {}),
    "review": (to("review"), {}),
    "review-confirm": (review_confirm, {}),
    "apply": (to("apply"), {}),
    "checks": (to("checks"), {}),
    "check-detail": (check_detail, {}),
    "summary": (to("summary"), {}),
    "checks-failing": (checks_failing, {}),
    "rotate-waiting": (rotate_waiting, {}),
    "rotate-finished": (rotate_finished, {}),
}


def colours(svg: str) -> set[str]:
    """Every colour the terminal content uses (the window's three title-bar dots left out)."""
    content = re.sub(r"<circle[^>]*>", "", svg)
    return {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", content)}


def is_grey(colour: str) -> bool:
    """Grey within a small tolerance: the SVG export's own default text colour is #c5c8c6."""
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return max(channels) - min(channels) <= 8


@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("screen", SCREENS, ids=str)
def test_screen(snap_compare, steady_cursor, snap_sandbox, size: str, screen: str) -> None:
    driver, changes = SCREENS[screen]
    app = WizardApp(demo_state(snap_sandbox, SNAP_ROOT / "demo", **changes))
    assert snap_compare(app, terminal_size=SIZES[size], run_before=driver)


@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("screen", SCREENS, ids=str)
def test_screen_no_color(
    snap_compare, steady_cursor, snap_sandbox, monkeypatch, request, size: str, screen: str
) -> None:
    driver, changes = SCREENS[screen]
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads it when the App is constructed
    app = WizardApp(demo_state(snap_sandbox, SNAP_ROOT / "demo", **changes))
    assert app.no_color
    assert snap_compare(app, terminal_size=SIZES[size], run_before=driver)
    stored = SNAP_DIR / f"{request.node.name}.svg"
    if not stored.exists() and request.config.getoption("--snapshot-update"):
        return  # written at the end of this update run; the next plain run checks its colours
    svg = stored.read_text(encoding="utf-8")
    coloured = sorted(c for c in colours(svg) if not is_grey(c))
    assert not coloured, f"NO_COLOR snapshot still uses colour: {coloured}"


def test_seeded_sandbox_repeats_and_default_does_not() -> None:
    """The determinism option the snapshots rely on: same seed, same token and key id."""
    from gtwizard.sandbox import start_in_thread

    def first_key(**kwargs) -> tuple[str, str, str]:
        with start_in_thread(**kwargs) as handle:
            key_id, secret = handle.seed_key(["inference:chat"], ["helpdesk"])
            return handle.operator_token, key_id, secret

    assert first_key(seed=3) == first_key(seed=3)
    assert first_key(seed=3) != first_key(seed=4)
    assert first_key() != first_key()
