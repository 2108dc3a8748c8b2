"""Run the real `gtwizard serve` in a child process and learn its address (with the per-launch token)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx

BANNER = "gtwizard in a browser: "


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    port: int
    url: str = ""  # as printed: http://127.0.0.1:PORT/?token=...
    chunks: list[bytes] = field(default_factory=list)  # every byte of stdout and stderr

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        return parse_qs(urlsplit(self.url).query)["token"][0]

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def page_ws_url(self) -> str:
        """The WebSocket address the served page opens: the token travels in it, nothing else."""
        return f"{self.ws_url}/{self.token}"

    def output(self) -> bytes:
        return b"".join(self.chunks)


def _pump(stream, chunks: list[bytes]) -> None:
    for line in iter(stream.readline, b""):
        chunks.append(line)


@contextmanager
def served(*args: str, env: Mapping[str, str] | None = None) -> Iterator[Served]:
    """`gtwizard serve --port P ARGS`; yields once the server answers; stops it afterwards."""
    port = free_port()
    full = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gtwizard", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=full,
    )
    handle = Served(proc, port)
    pumps = [
        threading.Thread(target=_pump, args=(s, handle.chunks), daemon=True)
        for s in (proc.stdout, proc.stderr)
    ]
    for pump in pumps:
        pump.start()
    try:
        deadline = time.monotonic() + 30
        while not handle.url:
            text = handle.output().decode(errors="replace")
            for line in text.splitlines():
                if line.startswith(BANNER):
                    handle.url = line.removeprefix(BANNER).split()[0]
            if time.monotonic() > deadline or proc.poll() is not None:
                raise AssertionError(f"serve printed no address: {text!r}")
            time.sleep(0.1)
        while True:  # the banner comes at start-up, just before the port listens
            try:
                httpx.get(handle.origin + "/static/css/xterm.css", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield handle
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pump in pumps:
            pump.join(timeout=5)
