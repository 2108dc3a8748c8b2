"""`gtwizard serve` in a real browser: Debian's chromium, headless, driven by Playwright.

The served demo is walked from the first screen to the Summary with the keys the key bar shows in
a browser (alt+n for Next: browsers keep ctrl+n for a new window), and every byte the page
received over its WebSocket is scanned for the minted key. A page of another origin (even one that
knows the token) and a browser without the token are refused, and another service on another
loopback port never receives the token (no cookie: a browser sends a host's cookies to every port).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import missing_service
from support.canned_server import CannedServer, Reply, canned_server
from support.serve_helpers import served
from support.tui_drive import FAIL_BACKEND, NAMES

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ESCAPE = re.compile(
    r"\x1b\[[0-9;?<>=]*[A-Za-z~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()=>][0-9A-Za-z]?"
)
DEADLINE_S = 60.0

# step -> what it shows once its live work is done (as the tmux test waits for them)
READY = {
    4: "Env file",  # the target is chosen (and checked) before any key
    5: "Automatic",
    6: "demo-local",  # the keyring was probed: none, so the demo's 0600 file
    7: "/api/tenant/v1",  # minted and stored; the base was chosen
    8: "Save the profile",
    9: "no failures",  # applied, checks run
    10: "gtwizard check --profile demo",
}

# Open a WebSocket from the page and tell how it went: "open" only if the server accepted it.
PROBE_WS = """url => new Promise(resolve => {
  const ws = new WebSocket(url);
  ws.onopen = () => { resolve("open"); ws.close(); };
  ws.onerror = () => resolve("refused");
  setTimeout(() => resolve("timeout"), 15000);
})"""


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    """A fresh headless chromium (own profile dir), as a Playwright persistent context."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_service("playwright (a dev dependency) is not installed")
    if shutil.which(CHROMIUM) is None:
        missing_service(f"{CHROMIUM} is missing (Debian package chromium)")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            viewport={"width": 1100, "height": 700},
        )
        try:
            yield context
        finally:
            context.close()


class Terminal:
    """What the served page received over its WebSocket, as text without escape sequences."""

    def __init__(self, page) -> None:
        self.page = page
        self.frames: list[bytes] = []
        page.on("websocket", self._attach)

    def _attach(self, ws) -> None:
        ws.on(
            "framereceived",
            lambda data: self.frames.append(data if isinstance(data, bytes) else data.encode()),
        )

    def received(self) -> bytes:
        return b"".join(self.frames)

    def text(self, since: int = 0) -> str:
        return ESCAPE.sub("", b"".join(self.frames[since:]).decode(errors="replace"))

    def wait_for(self, *needles: str, since: int = 0) -> None:
        deadline = time.monotonic() + DEADLINE_S
        while not all(n in self.text(since) for n in needles):
            if time.monotonic() > deadline:
                shown = " ".join(self.text(since).split())[-2500:]
                pytest.fail(f"never saw {needles!r}; last text: {shown!r}")
            self.page.wait_for_timeout(200)  # lets Playwright deliver the frames meanwhile

    def key_bar(self) -> str:
        """The key bar as last drawn (the line that names the browser's quit key)."""
        lines = [line for line in self.text().splitlines() if "alt+q Quit" in line]
        return lines[-1] if lines else ""

    def press(self, key: str, *, then: tuple[str, ...] = ()) -> None:
        mark = len(self.frames)
        self.page.keyboard.press(key)
        if then:
            self.wait_for(*then, since=mark)


def test_the_served_demo_reaches_the_summary_in_a_real_browser(
    browser, isolated_dirs: Path
) -> None:
    env = {"PYTHON_KEYRING_BACKEND": FAIL_BACKEND, "DBUS_SESSION_BUS_ADDRESS": ""}
    with served("--demo", env=env) as srv:
        page = browser.new_page()
        screen = Terminal(page)
        assert page.goto(srv.url).status == 200
        screen.wait_for("Step 1/10", "Open WebUI", "alt+n Next", "alt+q Quit")
        assert "^n Next" not in screen.text(), "the key bar shows the browser's keys"
        page.locator(".xterm-helper-textarea").focus()

        screen.press("Alt+n", then=("Step 2/10",))
        screen.press("Alt+n", then=("Step 3/10",))
        screen.wait_for("names published on this tenant")
        for _ in range(8):  # Tab until the allowlist has focus: its binding shows in the key bar
            page.wait_for_timeout(500)
            if "space Toggle" in screen.key_bar():
                break
            screen.press("Tab")
        else:
            pytest.fail(f"Tab never reached the allowlist: {screen.text()[-1500:]!r}")
        screen.press("Space", then=(f"[x] {NAMES[0]}",))
        screen.press("ArrowDown")
        screen.press("Space", then=(f"[x] {NAMES[1]}",))
        for step, ready in READY.items():  # each screen's work done, then Next
            mark = len(screen.frames)
            screen.press("Alt+n")
            if step == 8:  # Review asks before it writes the env file: Enter is its Write
                screen.wait_for("now?", since=mark)
                screen.press("Enter")
            screen.wait_for(f"Step {step}/10", ready, since=mark)

        stored = json.loads((isolated_dirs / "state" / "demo" / "demo-secrets.json").read_text())
        keys = [v for v in _strings(stored) if v.startswith("gtak_")]
        assert keys, "the demo stored the key it minted"
        for key in keys:
            assert key.encode() not in screen.received(), "the key never reaches the browser"

        screen.press("Alt+n")  # Finish: the app ends, the page says so
        page.wait_for_selector("body.-closed", timeout=DEADLINE_S * 1000)
    # the demo keeps its profile and key in its own folder, emptied when it ends: nothing of it
    # is left in the operator's own config
    assert not (isolated_dirs / "config" / "config.toml").exists()
    assert not (isolated_dirs / "state" / "demo" / "demo-secrets.json").exists()


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.fixture
def other_service() -> Iterator[CannedServer]:
    """A plain page on another loopback port: another origin, the same site as the wizard."""
    page = Reply(
        raw=b"<!doctype html><title>elsewhere</title><p>another page", content_type="text/html"
    )
    with canned_server({("GET", "/"): page, ("GET", "/api"): Reply(200, {})}) as server:
        yield server


def test_another_origin_and_a_tokenless_browser_are_refused(
    browser, other_service: CannedServer
) -> None:
    with served() as srv:
        page = browser.new_page()
        assert page.goto(srv.url).status == 200  # the operator's tab
        assert page.evaluate(PROBE_WS, srv.page_ws_url) == "open", "control: the page itself may"
        assert page.evaluate(PROBE_WS, srv.ws_url) == "refused", "the token is in the URL or none"

        elsewhere = browser.new_page()  # another web page, in the same browser
        elsewhere.goto(other_service.url + "/")
        assert elsewhere.evaluate(PROBE_WS, srv.ws_url) == "refused"
        # even a page that learned the token: its origin is not the wizard's
        assert elsewhere.evaluate(PROBE_WS, srv.page_ws_url) == "refused"

        # the operator's own tab calls the other loopback service: its requests (page and
        # fetch) carry nothing of the wizard's, so that service cannot take over the wizard
        page.evaluate(
            "url => fetch(url, {credentials: 'include', mode: 'no-cors'})",
            other_service.url + "/api",
        )
        seen = " ".join(str(h) for h in other_service.headers)
        assert len(other_service.headers) >= 2, other_service.seen
        assert srv.token not in seen and "gtwizard_serve" not in seen

        # a tab that never had the token
        stranger = browser.new_page()
        response = stranger.goto(srv.origin + "/")
        assert response.status == 403 and "refused" in stranger.content()
        stranger.goto(srv.origin + "/static/css/xterm.css")  # the served origin, no token
        assert stranger.evaluate(PROBE_WS, srv.ws_url) == "refused"
