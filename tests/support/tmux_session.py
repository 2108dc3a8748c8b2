"""A detached 80x24 tmux session on a private tmux server (own socket, no user config)."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

DEADLINE_S = 60.0


class Tmux:
    """One detached 80x24 session on a private tmux server."""

    def __init__(self, socket: str, session: str = "demo") -> None:
        self.base = ["tmux", "-L", socket, "-f", os.devnull]
        self.session = session  # the session `screen` and `keys` act on

    def run(self, *args: str) -> str:
        out = subprocess.run(
            [*self.base, *args], capture_output=True, text=True, check=True, timeout=30
        )
        return out.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def wait_for(self, *texts: str, deadline_s: float = DEADLINE_S) -> str:
        """Poll until every text is on screen; fail with the last screen after the deadline."""
        deadline = time.monotonic() + deadline_s
        while True:
            screen = self.screen()
            if all(t in screen for t in texts):
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"never saw {texts!r} within {deadline_s:.0f} s; screen:\n{screen}")
            time.sleep(0.2)
