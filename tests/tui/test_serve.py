"""`gtwizard serve`: loopback by default, remote only with an explicit flag, and only the operator
who has the printed address (its per-launch token) can load the page or drive the WebSocket."""

from __future__ import annotations

import aiohttp
import httpx
import pytest
from support.cli_helpers import run_cli
from support.serve_helpers import free_port, served

pytestmark = pytest.mark.slow


def test_remote_bind_needs_the_explicit_flag() -> None:
    out = run_cli(["serve", "--bind", "0.0.0.0", "--port", str(free_port())])
    assert out.returncode == 2
    assert "without a login" in out.stderr and "SSH tunnel" in out.stderr
    assert "Traceback" not in out.stderr


def test_help_explains_the_ssh_tunnel() -> None:
    out = run_cli(["serve", "--help"])
    assert out.returncode == 0
    assert "ssh -L" in out.stdout and "127.0.0.1" in out.stdout
    assert "token" in out.stdout and "alt+n" in out.stdout


async def ws_status(srv, *, origin: str | None, token: str | None, cookie: str = "") -> int:
    """The HTTP status of a WebSocket handshake to the wizard (101 when it was accepted)."""
    url = srv.ws_url + (f"/{token}" if token is not None else "")
    headers = {"Cookie": cookie} if cookie else {}
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, origin=origin, headers=headers) as ws:
                first = await ws.receive(timeout=30)  # the app's first bytes: it really runs
                assert first.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT)
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


def test_the_page_needs_the_printed_token() -> None:
    with served() as srv:
        assert srv.url.startswith(f"http://127.0.0.1:{srv.port}/?token=")
        assert len(srv.token) >= 32
        assert httpx.get(srv.origin + "/").status_code == 403
        assert httpx.get(srv.origin + "/?token=" + "x" * 43).status_code == 403
        page = httpx.get(srv.url)
        assert page.status_code == 200
        assert "gtwizard" in page.text and srv.page_ws_url in page.text
        # no cookie: a browser would send one for 127.0.0.1 to every other port of the host
        assert "set-cookie" not in page.headers
        assert page.headers["referrer-policy"] == "no-referrer"
    printed = srv.output().decode()
    assert printed.count(srv.token) == 1, "the token is printed once (no access log repeats it)"


async def test_the_websocket_needs_the_token_and_the_served_origin() -> None:
    with served() as srv:
        token = srv.token
        assert await ws_status(srv, origin="https://evil.example", token=token) == 403
        assert await ws_status(srv, origin=f"http://127.0.0.1:{free_port()}", token=token) == 403
        assert await ws_status(srv, origin=None, token=token) == 403
        assert await ws_status(srv, origin=srv.origin, token=None) == 403
        assert await ws_status(srv, origin=srv.origin, token="x" * len(token)) == 403
        # the old cookie carries nothing any more: without the token in the URL, refused
        cookie = f"gtwizard_serve_{srv.port}={token}"
        assert await ws_status(srv, origin=srv.origin, token=None, cookie=cookie) == 403
        assert await ws_status(srv, origin=srv.origin, token=token + "x") == 403
        url = f"{srv.ws_url}?token={token}"  # the token anywhere else than the address: refused
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await session.ws_connect(url, origin=srv.origin)
        assert await ws_status(srv, origin=srv.origin, token=token) == 101
