"""Choosing the OpenAI base form by probing it as Open WebUI composes URLs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gtwizard.baseform import choose_base
from gtwizard.errors import OperationFailed
from gtwizard.sandbox import start_in_thread
from gtwizard.sandbox.catalog import DEMO_AGENT_ALIASES, DEMO_RAW_MODELS
from gtwizard.tenant import parse_host


def demo_key(handle) -> str:
    _, secret = handle.seed_key(
        ["inference:chat"], agent_aliases=DEMO_AGENT_ALIASES, raw_models=DEMO_RAW_MODELS
    )
    return secret


async def test_v1_chosen_when_unversioned_paths_are_not_served(sandbox) -> None:
    choice = await choose_base(parse_host(sandbox.base_url), demo_key(sandbox))
    assert choice.form == "v1"
    assert choice.openai_base == sandbox.base_url + "/v1"
    assert "appends /models" in choice.reason
    assert [r.status for r in choice.results] == [404, 200]


async def test_documented_base_chosen_when_the_tenant_serves_it() -> None:
    handle = start_in_thread(unversioned_paths=True)
    try:
        choice = await choose_base(parse_host(handle.base_url), demo_key(handle))
    finally:
        handle.stop()
    assert choice.form == "unversioned"
    assert choice.openai_base == handle.base_url
    assert not choice.openai_base.endswith("/")


async def test_a_rejected_key_fails_with_both_answers_named(sandbox) -> None:
    with pytest.raises(OperationFailed) as caught:
        await choose_base(parse_host(sandbox.base_url), "gtak_" + "x" * 40)
    line = caught.value.one_line()
    assert "401" in line and "404" in line
    assert "gtak_xxxx" not in line
    assert "revoked" in caught.value.hint


async def test_https_with_the_sandbox_ca(tls_sandbox) -> None:
    choice = await choose_base(
        parse_host(tls_sandbox.base_url), demo_key(tls_sandbox), ca_bundle=tls_sandbox.ca_file
    )
    assert choice.openai_base.startswith("https://") and choice.form == "v1"


class _Redirector(BaseHTTPRequestHandler):
    """A tenant whose unversioned path redirects: same host for one prefix, another host for the other."""

    key = "gtak_" + "r" * 40
    seen_keys: list[str | None] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        self.seen_keys.append(self.headers.get("Authorization"))
        if self.path == "/api/tenant/models":
            self.send_response(308)
            self.send_header("Location", "/api/tenant/v2/models")
            self.end_headers()
        elif self.path == "/api/tenant/v1/models":
            self.send_response(301)
            self.send_header("Location", f"http://localhost:{port}/api/tenant/v1/models")
            self.end_headers()
        elif self.path == "/api/tenant/v2/models":
            ok = self.headers.get("Authorization") == f"Bearer {self.key}"
            body = json.dumps({"object": "list", "data": []}).encode()
            self.send_response(200 if ok else 401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(404)
            self.end_headers()


@pytest.fixture
def redirector() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


async def test_same_host_redirect_stores_the_final_url(redirector) -> None:
    port = redirector.server_address[1]
    _Redirector.seen_keys.clear()
    choice = await choose_base(parse_host(f"http://127.0.0.1:{port}"), _Redirector.key)
    assert choice.form == "redirected"
    assert choice.openai_base == f"http://127.0.0.1:{port}/api/tenant/v2"
    assert "final URL" in choice.reason
    v1 = choice.results[1]
    assert v1.status == 301 and "another host" in v1.note
    # the key went only to 127.0.0.1 requests; the cross-host target was never contacted
    assert len(_Redirector.seen_keys) == 3
