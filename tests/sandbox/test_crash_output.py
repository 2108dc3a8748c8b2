"""A crash prints no secret: an unexpected error with a key in its local variables and in its
message (the GTWIZARD_TEST_CRASH hook) gives one line on the terminal, the redacted report in the
log, and exit code 70 — in the TUI (in a handler and in a worker), the CLI and `gtwizard serve`.

Every byte the terminal (a real pty), the browser's WebSocket or the server's output received is
scanned for the canary. Textual's own crash screen would print it: it renders locals.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import aiohttp
import httpx
import pytest
from support.resilience_helpers import gw
from support.serve_helpers import served

from gtwizard.crash import EXIT_CRASH
from gtwizard.redact import mask
from gtwizard.testhooks import TEST_CRASH_ENV

pytestmark = pytest.mark.slow

ESCAPE = re.compile(r"\x1b\[[0-9;?<>=]*[A-Za-z~]")


def canary() -> str:
    return "gtak_" + secrets.token_urlsafe(24)


def log_file(root: Path) -> Path:
    return root / "state" / "logs" / "gtwizard.log"


def assert_reported(root: Path, secret: str, place: str) -> None:
    """The log holds the whole report (traceback and message), with the key masked."""
    report = log_file(root).read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in report
    assert f"RuntimeError: test crash hook at {place}" in report
    assert mask(secret) in report
    assert secret not in report


def assert_one_crash_line(text: str, root: Path) -> None:
    lines = [line for line in text.splitlines() if "unexpected error" in line]
    assert len(lines) == 1, text
    assert lines[0].startswith("gtwizard: stopped by an unexpected error (RuntimeError)")
    assert str(log_file(root)) in lines[0] and "report" in lines[0]
    assert "Traceback" not in text and "locals" not in text


def run_in_pty(argv: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int, bytes]:
    """Run `argv` on a fresh 80x24 pty; return its exit code and every byte it wrote there."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    received = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: every writer closed the pty
                    break
                if not data:
                    break
                received += data
            elif proc.poll() is not None:
                break
        else:
            proc.kill()
            pytest.fail(f"still running after {timeout:.0f} s: {bytes(received[-500:])!r}")
        return proc.wait(timeout=10), bytes(received)
    finally:
        os.close(master)


@pytest.mark.parametrize("place", ["tui", "tui-worker"])
def test_a_tui_crash_prints_one_line_and_no_secret(place: str, isolated_dirs: Path) -> None:
    secret = canary()
    env = {**os.environ, "TERM": "xterm-256color", TEST_CRASH_ENV: f"{place}:{secret}"}
    env.pop("NO_COLOR", None)
    code, received = run_in_pty([sys.executable, "-m", "gtwizard"], env)
    assert b"Open WebUI" in received, "the UI was up before the crash"
    assert secret.encode() not in received
    assert secret[5:25].encode() not in received, "not even part of the key"
    assert code == EXIT_CRASH
    after = ESCAPE.split(received.decode(errors="replace"))[-1]  # once the screen was restored
    assert len(after.strip().splitlines()) == 1, after
    assert_one_crash_line(after, isolated_dirs)
    assert_reported(isolated_dirs, secret, place)


@pytest.mark.parametrize("args", [["status"], ["profiles", "list", "--json"]])
def test_a_cli_crash_prints_one_line_and_no_secret(args: list[str], isolated_dirs: Path) -> None:
    secret = canary()
    out = gw(args, env={TEST_CRASH_ENV: f"cli:{secret}"})
    assert out.returncode == EXIT_CRASH
    assert secret not in out.stdout + out.stderr
    assert len(out.stderr.splitlines()) == 1
    assert_one_crash_line(out.stderr, isolated_dirs)
    if "--json" in args:
        failure = json.loads(out.stdout)
        assert failure["ok"] is False and set(failure) == {"ok", "error", "hint"}
        assert failure["error"].startswith("stopped by an unexpected error (RuntimeError)")
    else:
        assert out.stdout == ""
    assert_reported(isolated_dirs, secret, "cli")


async def test_a_crash_of_the_served_app_reaches_neither_browser_nor_terminal(
    isolated_dirs: Path,
) -> None:
    secret = canary()
    received = bytearray()
    with served(env={TEST_CRASH_ENV: f"tui:{secret}"}) as srv:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(srv.page_ws_url, origin=srv.origin) as ws,
        ):
            async for message in ws:  # until the app is gone and the server closes the socket
                data = message.data
                received += data if isinstance(data, bytes) else str(data).encode()
        time.sleep(0.5)  # the app's stderr is copied to the server's output once it ends
    assert b"Open WebUI" in received, "the app was up in the browser before the crash"
    assert secret.encode() not in received
    output = srv.output()
    assert secret.encode() not in output
    assert_one_crash_line(output.decode(), isolated_dirs)
    assert_reported(isolated_dirs, secret, "tui")


def test_a_crash_in_the_server_prints_one_line_and_no_secret(isolated_dirs: Path) -> None:
    secret = canary()
    with served(env={TEST_CRASH_ENV: f"serve:{secret}"}) as srv:
        page = httpx.get(srv.url, timeout=10)
        assert page.status_code == 500
        assert secret not in page.text
        time.sleep(0.3)
    output = srv.output()
    assert secret.encode() not in output
    assert_one_crash_line(output.decode(), isolated_dirs)
    assert_reported(isolated_dirs, secret, "serve")
