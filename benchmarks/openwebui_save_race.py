"""What one connection save in Open WebUI 0.12.4 costs its users' chats, with gtwizard out of it.

Open WebUI empties its in-memory model table on every `POST /openai/config/update`
(`routers/openai.py`, `clear_models_cache`, which clears the dict in place). A chat that passed its
first model lookup before that instant and looks the model up again after it, before anything has
refilled the table, fails with Open WebUI's own 400 "Model not found", before any upstream call.
Changing a connection's key through the admin API (gtwizard's rotation, or Save in Admin Settings >
Connections by hand) takes one such save, so "zero failed chats while the key changes" cannot be
promised through that API, whatever the caller does.

This script shows it without gtwizard in the loop: a sandbox tenant, a real Open WebUI (the cache
venv of scripts/install-openwebui.sh), a GT connection set up once by `gtwizard setup`, and an
ordinary user chatting steadily (tests/support/chat_stream.py). First a quiet period with no saves, then
N saves of the *unchanged* connection list (read with `GET /openai/config`, posted back as it
was). It prints, for each period, the chats completed, the chats Open WebUI failed with "Model not
found", and any other failures.

    uv run python benchmarks/openwebui_save_race.py [--saves 30] [--gap 1.0]

Not part of `benchmarks/run` (it starts Open WebUI, about half a minute, and counts rather than
times). The counts vary from run to run: it is a race.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))


def resave(url: str, token: str) -> None:
    """Post the connection list back exactly as Open WebUI returns it: a save that changes nothing."""
    from gtwizard.openwebui.admin import OpenWebUIAdmin

    async def go() -> None:
        async with OpenWebUIAdmin(url, token) as admin:
            await admin.update_openai_config(await admin.get_openai_config())

    asyncio.run(go())


def period(stream, during: Callable[[], None]) -> tuple[int, int, int]:
    """Run `during` while `stream` chats; (chats completed, "Model not found", other failures)."""
    ok, blips, failures = stream.ok, len(stream.cache_blips), len(stream.failures)
    during()
    stream.settle()
    return stream.ok - ok, len(stream.cache_blips) - blips, len(stream.failures) - failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=30, help="unchanged saves (default 30)")
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between saves (default 1)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="gtwizard-save-race-") as tmp:
        os.environ["GTWIZARD_CONFIG_DIR"] = str(Path(tmp) / "config")
        os.environ["GTWIZARD_STATE_DIR"] = str(Path(tmp) / "state")
        os.environ["GTWIZARD_CACHE_DIR"] = str(Path(tmp) / "cache")
        from common import sandbox
        from rotation_helpers import setup_profile
        from support.chat_stream import ChatStream
        from support.owui_fixture import admin_token, running_openwebui

        with sandbox(dict(os.environ)) as child, running_openwebui(Path(tmp) / "owui") as owui:
            token = admin_token(owui)
            setup_profile(
                child, "race", ["--openwebui-url", owui.url], {"GTWIZARD_OPENWEBUI_TOKEN": token}
            )

            def quiet() -> None:
                time.sleep(args.saves * args.gap)

            def saving() -> None:
                for _ in range(args.saves):
                    resave(owui.url, token)
                    time.sleep(args.gap)

            with ChatStream(owui, token) as stream:
                rows = [
                    ("no saves", *period(stream, quiet)),
                    (f"{args.saves} unchanged saves", *period(stream, saving)),
                ]

    print(f"{'period':<22} {'chats ok':>9} {'Model not found':>16} {'other failures':>15}")
    for name, ok, blips, failures in rows:
        print(f"{name:<22} {ok:>9} {blips:>16} {failures:>15}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
