"""The GT inference client against the real sandbox tenant: happy paths and every fault, injected
for real over sockets (HTTP and HTTPS)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from gtwizard.errors import InvalidInput
from gtwizard.gt import errors as gterr
from gtwizard.gt.client import GTClient, probe_base
from gtwizard.sandbox.catalog import DEMO_AGENT_ALIASES, DEMO_RAW_MODELS, EMBEDDING_MODELS

HELLO = [{"role": "user", "content": "hello"}]


@pytest.fixture(autouse=True)
def no_faults(sandbox):
    sandbox.clear_faults()
    yield
    sandbox.clear_faults()


@pytest.fixture
def demo_key(sandbox) -> str:
    _, secret = sandbox.seed_key(
        ["inference:chat", "inference:embed"],
        agent_aliases=DEMO_AGENT_ALIASES,
        raw_models=DEMO_RAW_MODELS,
    )
    return secret


@pytest.fixture
def chat_only_key(sandbox) -> str:
    _, secret = sandbox.seed_key(
        ["inference:chat"], agent_aliases=DEMO_AGENT_ALIASES, raw_models=DEMO_RAW_MODELS
    )
    return secret


def assert_no_secret(exc: BaseException, secret: str) -> None:
    """The key must appear in none of the texts an operator or a log could see."""
    for text in (str(exc), exc.message, exc.hint, repr(exc)):
        assert secret not in text


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_models_are_filtered_by_both_allowlists(sandbox, demo_key):
    async with GTClient(sandbox.base_url, demo_key) as gt:
        models = await gt.list_models()
    kinds = {m.id: m.kind for m in models}
    assert kinds == {
        **dict.fromkeys(DEMO_AGENT_ALIASES, "agent_alias"),
        **dict.fromkeys(DEMO_RAW_MODELS, "raw_model"),
    }
    assert "finance-analyst" not in kinds and "mixtral-8x7b-internal" not in kinds


async def test_alias_allowlist_does_not_grant_raw_models(sandbox):
    _, secret = sandbox.seed_key(["inference:chat"], agent_aliases=["helpdesk"])
    async with GTClient(sandbox.base_url, secret) as gt:
        assert [m.id for m in await gt.list_models()] == ["helpdesk"]


async def test_chat_plain_and_streamed(sandbox, demo_key):
    async with GTClient(sandbox.base_url, demo_key) as gt:
        plain = await gt.chat("helpdesk", HELLO)
        streamed = await gt.chat_stream("helpdesk", HELLO)
    assert "helpdesk" in plain.text
    assert plain.model == "helpdesk"
    assert plain.raw["choices"][0]["message"]["content"] == plain.text
    assert streamed.chunks > 1
    assert "helpdesk" in streamed.text


async def test_embeddings_base64_decodes_to_the_float_vectors(sandbox, demo_key):
    model = EMBEDDING_MODELS[0]
    texts = ["first text", "second, different text"]
    async with GTClient(sandbox.base_url, demo_key) as gt:
        floats = await gt.embeddings(model, texts)
        packed = await gt.embeddings(model, texts, encoding_format="base64")
    assert floats.dimension == packed.dimension == 8
    assert len(floats.vectors) == len(packed.vectors) == 2
    assert floats.vectors[0] != floats.vectors[1]
    for a, b in zip(floats.vectors, packed.vectors, strict=True):
        assert b == pytest.approx(a, rel=1e-6, abs=1e-7)  # float32 on the wire


async def test_wrong_key_is_unauthorized_and_never_echoed(sandbox):
    bad = "gtak_" + "x" * 40
    async with GTClient(sandbox.base_url, bad) as gt:
        with pytest.raises(gterr.Unauthorized) as info:
            await gt.list_models()
    assert "rejected" in info.value.message
    assert_no_secret(info.value, bad)


async def test_expired_key_says_expired(sandbox):
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    key_id, secret = sandbox.seed_key(
        ["inference:chat"], agent_aliases=["helpdesk"], expires_at=soon
    )
    sandbox.expire(key_id)  # the tenant mints no key that is born expired: let the day pass
    async with GTClient(sandbox.base_url, secret) as gt:
        with pytest.raises(gterr.Unauthorized) as info:
            await gt.list_models()
    assert "expired" in info.value.message
    assert_no_secret(info.value, secret)


async def test_missing_scope_is_forbidden_naming_the_scope(sandbox, chat_only_key):
    async with GTClient(sandbox.base_url, chat_only_key) as gt:
        with pytest.raises(gterr.Forbidden) as info:
            await gt.embeddings(EMBEDDING_MODELS[0], "text")
    assert info.value.scope == "inference:embed"
    assert "inference:embed" in info.value.one_line()
    assert_no_secret(info.value, chat_only_key)


async def test_probe_route_reports_denied_routes_without_raising(sandbox, chat_only_key):
    async with GTClient(sandbox.base_url, chat_only_key) as gt:
        assert await gt.probe_route("POST", "/v1/embeddings", json={}) == 403
        assert await gt.probe_route("POST", "/v1/images/generations", json={}) == 403
        assert await gt.probe_route("GET", "/v1/models") == 200


@pytest.mark.parametrize("model", ["finance-analyst", "mixtral-8x7b-internal", "no-such-model"])
async def test_model_outside_the_allowlist_is_not_found_by_name(sandbox, demo_key, model):
    async with GTClient(sandbox.base_url, demo_key) as gt:
        with pytest.raises(gterr.NotFound) as info:
            await gt.chat(model, HELLO)
    assert info.value.model == model
    assert model in info.value.message
    assert "allowlist" in info.value.message


async def test_wrong_base_form_is_not_found_with_a_base_hint(sandbox, demo_key):
    async with GTClient(sandbox.base_url + "/v1", demo_key) as gt:  # composes /v1/v1/models
        with pytest.raises(gterr.NotFound) as info:
            await gt.list_models()
    assert "base form" in info.value.one_line()
    assert info.value.model is None


async def test_probe_base_shows_which_openai_base_form_works(sandbox, demo_key):
    documented = await probe_base(sandbox.base_url, demo_key)
    versioned = await probe_base(sandbox.base_url + "/v1", demo_key)
    assert documented.url == sandbox.base_url + "/models"
    assert documented.status == 404  # unversioned paths are off by default
    assert versioned.status == 200
    assert versioned.location is None


async def test_probe_base_with_unversioned_paths_served():
    from gtwizard.sandbox import start_in_thread

    handle = start_in_thread(unversioned_paths=True)
    try:
        _, secret = handle.seed_key(["inference:chat"], agent_aliases=["helpdesk"])
        assert (await probe_base(handle.base_url, secret)).status == 200
        assert (await probe_base(handle.base_url, None)).status == 401
    finally:
        handle.stop()


async def test_429_honours_retry_after_then_succeeds_when_it_clears(sandbox, demo_key):
    sandbox.set_faults(error_status=429, error_rate=1.0, retry_after=1)
    seen: list[tuple[int, float, str]] = []

    def on_retry(attempt: int, delay: float, reason: str) -> None:
        seen.append((attempt, delay, reason))
        sandbox.clear_faults()

    async with GTClient(sandbox.base_url, demo_key, on_retry=on_retry) as gt:
        models = await gt.list_models()
    assert models
    assert seen == [(1, 1.0, "HTTP 429")]


async def test_429_that_persists_is_rate_limited_after_bounded_retries(sandbox, demo_key):
    sandbox.set_faults(error_status=429, error_rate=1.0, retry_after=0)
    seen: list[int] = []
    async with GTClient(
        sandbox.base_url, demo_key, max_retries=2, on_retry=lambda a, d, r: seen.append(a)
    ) as gt:
        with pytest.raises(gterr.RateLimited) as info:
            await gt.list_models()
    assert seen == [1, 2]
    assert_no_secret(info.value, demo_key)


async def test_server_error_after_bounded_backoff(sandbox, demo_key):
    sandbox.set_faults(error_status=503, error_rate=1.0)
    seen: list[float] = []
    async with GTClient(
        sandbox.base_url, demo_key, max_retries=2, on_retry=lambda a, d, r: seen.append(d)
    ) as gt:
        with pytest.raises(gterr.ServerError) as info:
            await gt.chat("helpdesk", HELLO)
    assert info.value.status == 503
    assert len(seen) == 2 and seen[1] > seen[0]  # exponential, and it stopped


async def test_server_error_that_clears_is_retried_to_success(sandbox, demo_key):
    sandbox.set_faults(error_status=500, error_rate=1.0)
    async with GTClient(
        sandbox.base_url, demo_key, on_retry=lambda a, d, r: sandbox.clear_faults()
    ) as gt:
        assert "helpdesk" in (await gt.chat("helpdesk", HELLO)).text


async def test_client_errors_are_not_retried(sandbox):
    seen: list[int] = []
    async with GTClient(
        sandbox.base_url, "gtak_" + "y" * 40, on_retry=lambda a, d, r: seen.append(a)
    ) as gt:
        with pytest.raises(gterr.Unauthorized):
            await gt.list_models()
    assert seen == []


async def test_garbage_body_is_a_bad_response(sandbox, demo_key):
    sandbox.set_faults(garbage_rate=1.0)
    async with GTClient(sandbox.base_url, demo_key) as gt:
        with pytest.raises(gterr.BadResponse) as info:
            await gt.list_models()
    assert "not JSON" in info.value.message


async def test_dropped_connection_is_a_bad_response(sandbox, demo_key):
    sandbox.set_faults(drop_rate=1.0)
    async with GTClient(sandbox.base_url, demo_key) as gt:
        with pytest.raises(gterr.BadResponse) as info:
            await gt.list_models()
    assert "connection broke" in info.value.message
    assert_no_secret(info.value, demo_key)


async def test_slow_answer_is_a_timeout(sandbox, demo_key):
    sandbox.set_faults(latency_ms=2000)
    async with GTClient(sandbox.base_url, demo_key, timeout=0.3) as gt:
        with pytest.raises(gterr.RequestTimeout):
            await gt.list_models()


async def test_dripped_stream_still_assembles(sandbox, demo_key):
    sandbox.set_faults(drip_ms=5)
    async with GTClient(sandbox.base_url, demo_key) as gt:
        streamed = await gt.chat_stream("research-assistant", HELLO)
    assert streamed.chunks > 1
    assert "research-assistant" in streamed.text


async def test_closed_port_is_connection_refused(demo_key):
    base = f"http://127.0.0.1:{closed_port()}/api/tenant"
    seen: list[str] = []
    async with GTClient(base, demo_key, on_retry=lambda a, d, r: seen.append(r)) as gt:
        with pytest.raises(gterr.ConnectionRefused):
            await gt.list_models()
    assert seen == ["connection refused", "connection refused"]  # bounded: max_retries=2


async def test_unresolvable_name_is_dns_failure(demo_key):
    async with GTClient("https://gtwizard-test.invalid/api/tenant", demo_key) as gt:
        with pytest.raises(gterr.DNSFailure) as info:
            await gt.list_models()
    assert "does not resolve" in info.value.message


async def test_tls_with_the_tenant_ca_passes(tls_sandbox):
    _, secret = tls_sandbox.seed_key(["inference:chat"], agent_aliases=["helpdesk"])
    assert tls_sandbox.base_url.startswith("https://")
    async with GTClient(tls_sandbox.base_url, secret, ca_bundle=tls_sandbox.ca_file) as gt:
        assert [m.id for m in await gt.list_models()] == ["helpdesk"]
        assert "helpdesk" in (await gt.chat_stream("helpdesk", HELLO)).text


async def test_tls_without_the_ca_fails_verification(tls_sandbox):
    _, secret = tls_sandbox.seed_key(["inference:chat"], agent_aliases=["helpdesk"])
    async with GTClient(tls_sandbox.base_url, secret) as gt:
        with pytest.raises(gterr.TLSVerificationFailed) as info:
            await gt.list_models()
    assert "--ca-bundle" in info.value.hint
    assert_no_secret(info.value, secret)


@pytest.mark.parametrize("cert_mode", ["expired", "wrong_host"])
async def test_bad_certificates_fail_even_with_the_ca(cert_mode):
    from gtwizard.sandbox import start_in_thread

    handle = start_in_thread(tls=True, cert_mode=cert_mode)
    try:
        async with GTClient(handle.base_url, None, ca_bundle=handle.ca_file) as gt:
            with pytest.raises(gterr.TLSVerificationFailed):
                await gt.list_models()
    finally:
        handle.stop()


async def test_https_client_on_a_plain_http_port_is_a_tls_error(sandbox):
    base = sandbox.base_url.replace("http://", "https://", 1)
    async with GTClient(base, None, max_retries=0) as gt:
        with pytest.raises(gterr.TLSHandshakeFailed):
            await gt.list_models()


def test_missing_ca_bundle_is_invalid_input(tmp_path):
    with pytest.raises(InvalidInput):
        GTClient("https://tenant.example/api/tenant", None, ca_bundle=tmp_path / "nope.pem")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    with pytest.raises(InvalidInput):
        GTClient("https://tenant.example/api/tenant", None, ca_bundle=junk)


def test_repr_never_shows_the_key():
    secret = "gtak_" + "s" * 40
    assert secret not in repr(GTClient("https://tenant.example/api/tenant", secret))


@pytest.fixture
def redirecting_server():
    """A real server that redirects /api/tenant/... elsewhere and records who followed."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    followed: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/elsewhere"):
                followed.append(self.headers.get("Authorization", ""))
                self.send_response(200)
            else:
                self.send_response(301)
                self.send_header("Location", "/elsewhere" + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/tenant", followed
    finally:
        server.shutdown()
        server.server_close()


async def test_redirects_are_reported_not_followed(redirecting_server):
    base, followed = redirecting_server
    secret = "gtak_" + "r" * 40
    async with GTClient(base, secret) as gt:
        with pytest.raises(gterr.BadResponse) as info:
            await gt.list_models()
    assert "/elsewhere/api/tenant/v1/models" in info.value.message
    probe = await probe_base(base + "/v1", secret)
    assert probe.status == 301
    assert probe.location == "/elsewhere/api/tenant/v1/models"
    assert followed == []  # the key never went to the redirect target
    assert_no_secret(info.value, secret)
