"""Regenerate the README's screenshots from the app itself: the demo flow at 80x24.

    uv run python scripts/screenshots.py

Runs the wizard headless (Textual's Pilot) against the embedded sandbox, with throwaway config and
state dirs and no keyring (so the demo-local file is used, as on a fresh SSH box), and saves one
SVG per step into docs/screenshots/.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
WORK = Path("/tmp/gtwizard-demo")


async def main() -> int:
    shutil.rmtree(WORK, ignore_errors=True)
    os.environ["GTWIZARD_CONFIG_DIR"] = str(WORK / "config")
    os.environ["GTWIZARD_STATE_DIR"] = str(WORK / "state")
    os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
    sys.path.insert(0, str(ROOT))

    from textual.widgets import Input

    from gtwizard.app import WizardApp
    from gtwizard.commands.demo import demo_state
    from gtwizard.paths import ensure_private_dir
    from gtwizard.sandbox import start_in_thread

    Input._toggle_cursor = lambda self: None  # a steady cursor in pictures
    folder = ensure_private_dir(WORK / "state" / "demo")
    try:  # a fixed port and seed make the pictures repeatable (same host, key ids, masks)
        sandbox = start_in_thread(port=29418, seed=1)
    except OSError:
        sandbox = start_in_thread(seed=1)
    state = demo_state(sandbox, folder)
    OUT.mkdir(parents=True, exist_ok=True)
    app = WizardApp(state)
    try:
        async with app.run_test(size=(80, 24)) as pilot:

            async def settle() -> None:
                await pilot.pause()
                await app.workers.wait_for_complete()
                await pilot.pause(0.3)

            def shot(name: str) -> None:
                app.save_screenshot(str(OUT / f"{name}.svg"))

            # (picture, keys before it): the demo's path, one picture per step
            walk = [
                ("01-product", []),
                ("02-tenant", ["ctrl+n", "enter"]),
                ("03-key", ["ctrl+n"]),
                ("04-mint", ["ctrl+n"]),
                ("05-storage-then-target", ["ctrl+n", "ctrl+n"]),
                ("06-review", ["ctrl+n"]),
                ("07-apply", ["ctrl+n", "enter"]),  # Review asks before writing: Enter writes
                ("08-checks", ["ctrl+n"]),
                ("09-summary", ["ctrl+n"]),
            ]
            for name, keys in walk:
                for key in keys:
                    await pilot.press(key)
                    await settle()
                if name == "03-key":  # pick the first two published names
                    app.screen.query_one("#key-names").focus()
                    await pilot.press("space", "down", "space")
                    await settle()
                shot(name)
        # later, from the welcome screen: Rotate without an operator token, guided manual chosen
        state = demo_state(sandbox, folder)
        state.operator_token = None
        app = WizardApp(state, start_step="welcome")
        async with app.run_test(size=(80, 24)) as pilot:
            for keys in (["r"], ["shift+tab", "down", "enter"]):
                await pilot.press(*keys)
                await pilot.pause()
                await app.workers.wait_for_complete()
                await pilot.pause(0.3)
            app.save_screenshot(str(OUT / "10-rotate.svg"))
    finally:
        sandbox.stop()
    print(f"screenshots written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
