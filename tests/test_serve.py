"""`gtwizard serve`: loopback by default, remote only with an explicit flag, and it really serves."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from cli_helpers import run_cli


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_remote_bind_needs_the_explicit_flag() -> None:
    out = run_cli(["serve", "--bind", "0.0.0.0", "--port", str(free_port())])
    assert out.returncode == 2
    assert "without a login" in out.stderr and "SSH tunnel" in out.stderr
    assert "Traceback" not in out.stderr


def test_help_explains_the_ssh_tunnel() -> None:
    out = run_cli(["serve", "--help"])
    assert out.returncode == 0
    assert "ssh -L" in out.stdout and "127.0.0.1" in out.stdout


@pytest.mark.slow
def test_serves_the_app_page_on_loopback() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gtwizard", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        deadline = time.monotonic() + 30
        page = None
        while time.monotonic() < deadline and page is None:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            except httpx.HTTPError:
                time.sleep(0.2)
        assert page is not None, "textual-serve did not answer"
        assert page.status_code == 200
        assert "gtwizard" in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
