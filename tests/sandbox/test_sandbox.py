"""The sandbox tenant over real sockets, driven with plain httpx (not the project's client)."""

from __future__ import annotations

import base64
import json
import os
import signal
import ssl
import struct
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from gtwizard.sandbox import start_in_thread
from gtwizard.sandbox.catalog import (
    AGENT_ALIASES,
    DATASETS,
    DEMO_AGENT_ALIASES,
    DEMO_RAW_MODELS,
    EMBEDDING_MODELS,
    KNOWN_SCOPES,
    RAW_MODELS,
)
from gtwizard.sandbox.state import hash_secret

ALL_SCOPES = list(KNOWN_SCOPES)
EMBED_MODEL = EMBEDDING_MODELS[0]
CHAT_BODY = {"model": "helpdesk", "messages": [{"role": "user", "content": "ping please"}]}

# Every scoped route with the scope it needs (conversation uploads accept datasets:write).
SCOPED_ROUTES = [
    ("/v1/chat/completions", "inference:chat"),
    ("/v1/embeddings", "inference:embed"),
    ("/v1/audio/transcriptions", "inference:transcribe"),
    ("/v1/audio/speech", "inference:speech"),
    ("/v1/images/generations", "inference:image"),
    ("/v1/conversations", "inference:chat"),
    ("/v1/conversations/files", "datasets:write"),
    ("/v1/datasets/reference-briefs/files", "datasets:write"),
]


def trust(handle: Any) -> ssl.SSLContext | bool:
    """Verification that trusts the sandbox CA (and only it) for an HTTPS sandbox."""
    return ssl.create_default_context(cafile=handle.ca_file) if handle.ca_file else True


def client(handle: Any, token: str | None = None, **kwargs: Any) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=handle.base_url, headers=headers, verify=trust(handle), **kwargs)


def demo_key(handle: Any, scopes: list[str] | None = None) -> str:
    _, secret = handle.seed_key(
        scopes if scopes is not None else ALL_SCOPES,
        agent_aliases=DEMO_AGENT_ALIASES,
        raw_models=DEMO_RAW_MODELS,
    )
    return secret


def upload_key(handle: Any, scopes: list[str] | None = None) -> str:
    """An upload-purpose key allowed to write to the first dataset only."""
    _, secret = handle.seed_key(
        ["datasets:write"] if scopes is None else scopes, purpose="upload", datasets=DATASETS[:1]
    )
    return secret


def error_of(response: httpx.Response) -> dict[str, Any]:
    return response.json()["error"]


@pytest.fixture
def clean_faults(sandbox: Any) -> Iterator[Any]:
    yield sandbox
    sandbox.clear_faults()


# --- authentication and model visibility --------------------------------------------------------


def test_models_needs_a_valid_key(sandbox: Any) -> None:
    for token in (None, "gtak_" + "x" * 40, sandbox.operator_token):
        with client(sandbox, token) as c:
            r = c.get("/v1/models")
        assert r.status_code == 401
        assert error_of(r)["type"] == "authentication_error"
        assert error_of(r)["code"] == "invalid_api_key"


def test_models_are_filtered_by_both_allowlists(sandbox: Any) -> None:
    with client(sandbox, demo_key(sandbox)) as c:
        listed = c.get("/v1/models").json()
    assert listed["object"] == "list"
    kinds = {m["id"]: m["gt_kind"] for m in listed["data"]}
    assert kinds == {
        **dict.fromkeys(DEMO_AGENT_ALIASES, "agent_alias"),
        **dict.fromkeys(DEMO_RAW_MODELS, "raw_model"),
    }
    assert "finance-analyst" not in kinds and "mixtral-8x7b-internal" not in kinds

    _, aliases_only = sandbox.seed_key(["inference:chat"], agent_aliases=["helpdesk"])
    with client(sandbox, aliases_only) as c:
        assert [m["id"] for m in c.get("/v1/models").json()["data"]] == ["helpdesk"]
        # Allowing an agent alias never allows a raw model.
        r = c.post("/v1/chat/completions", json={**CHAT_BODY, "model": DEMO_RAW_MODELS[0]})
    assert r.status_code == 404


def test_expired_key_gets_key_expired(sandbox: Any) -> None:
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    key_id, secret = sandbox.seed_key(["inference:chat"], ["helpdesk"], expires_at=soon)
    with client(sandbox, secret) as c:
        assert c.post("/v1/chat/completions", json=CHAT_BODY).status_code == 200
        sandbox.expire(key_id)
        for r in (c.get("/v1/models"), c.post("/v1/chat/completions", json=CHAT_BODY)):
            assert r.status_code == 401
            assert error_of(r)["code"] == "key_expired"


def test_a_key_already_expired_is_never_minted(sandbox: Any) -> None:
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    with client(sandbox, sandbox.operator_token) as op:
        before = len(op.get("/manage/v1/keys").json()["data"])
        r = op.post("/manage/v1/keys", json=mint_body(expires_at=past))
        assert r.status_code == 400
        assert error_of(r)["param"] == "expires_at" and "past" in error_of(r)["message"]
        assert len(op.get("/manage/v1/keys").json()["data"]) == before
    with pytest.raises(ValueError, match="past"):
        sandbox.seed_key(["inference:chat"], ["helpdesk"], expires_at=past)


# --- chat and embeddings ------------------------------------------------------------------------


def test_chat_json_names_the_model(sandbox: Any) -> None:
    with client(sandbox, demo_key(sandbox)) as c:
        r = c.post("/v1/chat/completions", json=CHAT_BODY)
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "chat.completion" and body["model"] == "helpdesk"
    content = body["choices"][0]["message"]["content"]
    assert "helpdesk" in content and "ping please" in content


def sse_events(text: str) -> list[str]:
    return [line[len("data: ") :] for line in text.splitlines() if line.startswith("data: ")]


def test_chat_stream_sends_chunks_then_done(sandbox: Any) -> None:
    with client(sandbox, demo_key(sandbox)) as c:
        plain = c.post("/v1/chat/completions", json=CHAT_BODY).json()
        with c.stream("POST", "/v1/chat/completions", json={**CHAT_BODY, "stream": True}) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            events = sse_events(r.read().decode())
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert len(chunks) >= 3
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert streamed == plain["choices"][0]["message"]["content"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_embeddings_float_and_base64_agree(sandbox: Any) -> None:
    texts = ["first text", "second text"]
    with client(sandbox, demo_key(sandbox)) as c:
        floats = c.post("/v1/embeddings", json={"model": EMBED_MODEL, "input": texts}).json()
        packed = c.post(
            "/v1/embeddings",
            json={"model": EMBED_MODEL, "input": texts, "encoding_format": "base64"},
        ).json()
        single = c.post("/v1/embeddings", json={"model": EMBED_MODEL, "input": "first text"})
    vectors = [item["embedding"] for item in floats["data"]]
    assert [len(v) for v in vectors] == [8, 8]
    assert vectors[0] != vectors[1]
    decoded = [
        list(struct.unpack("<8f", base64.b64decode(item["embedding"]))) for item in packed["data"]
    ]
    assert decoded == vectors
    assert single.json()["data"][0]["embedding"] == vectors[0]


# --- scopes, allowlists, routes -----------------------------------------------------------------


@pytest.mark.parametrize(("path", "scope"), SCOPED_ROUTES)
def test_each_scoped_route_answers_403_with_the_scope(sandbox: Any, path: str, scope: str) -> None:
    others = [s for s in ALL_SCOPES if s != scope]
    uploads = scope == "datasets:write"  # upload routes: an upload key lacking only the scope
    secret = upload_key(sandbox, others) if uploads else demo_key(sandbox, others)
    with client(sandbox, secret) as c:
        r = c.post(path, json={})
    assert r.status_code == 403
    assert error_of(r) | {"message": ""} == {
        "message": "",
        "type": "permission_error",
        "param": scope,
        "code": "insufficient_scope",
    }


def test_disallowed_unknown_and_unpublished_models_look_the_same(sandbox: Any) -> None:
    with client(sandbox, demo_key(sandbox)) as c:
        answers = {
            name: c.post("/v1/chat/completions", json={**CHAT_BODY, "model": name})
            for name in ("finance-analyst", "mixtral-8x7b-internal", "no-such-model")
        }
        embed = c.post("/v1/embeddings", json={"model": "finance-analyst", "input": "x"})
    for name, r in [*answers.items(), ("finance-analyst", embed)]:
        assert r.status_code == 404
        body = error_of(r)
        assert body["code"] == "model_not_found" and body["param"] == "model"
        assert body["message"].replace(name, "NAME") == "model 'NAME' not found"


def test_bad_json_is_400(sandbox: Any) -> None:
    with client(sandbox, demo_key(sandbox)) as c:
        broken = c.post("/v1/chat/completions", content=b"{not json")
        missing = c.post("/v1/chat/completions", json={"model": "helpdesk"})
    assert broken.status_code == 400 and error_of(broken)["code"] == "invalid_request"
    assert missing.status_code == 400 and error_of(missing)["param"] == "messages"


def test_unversioned_paths_only_when_enabled(sandbox: Any) -> None:
    with client(sandbox, demo_key(sandbox)) as c:
        r = c.get("/models")
        assert c.get("/v1/models").status_code == 200
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    with start_in_thread(unversioned_paths=True) as open_paths, client(open_paths) as c:
        c.headers["Authorization"] = f"Bearer {demo_key(open_paths)}"
        models = c.get("/models")
        chat = c.post("/chat/completions", json=CHAT_BODY)
        emb = c.post("/embeddings", json={"model": EMBED_MODEL, "input": "x"})
    assert models.status_code == 200 and len(models.json()["data"]) == 4
    assert chat.status_code == 200 and emb.status_code == 200


def test_other_documented_routes(sandbox: Any) -> None:
    _, conv_key = sandbox.seed_key(
        ["inference:chat"], agent_aliases=["helpdesk"], purpose="conversation"
    )
    with client(sandbox, demo_key(sandbox)) as c:
        wav = c.post("/v1/audio/speech", json={"model": "helpdesk", "input": "hello"})
        assert wav.status_code == 200 and wav.content[:4] == b"RIFF"
        image = c.post("/v1/images/generations", json={"model": "helpdesk", "prompt": "a cat"})
        png = base64.b64decode(image.json()["data"][0]["b64_json"])
        assert png.startswith(b"\x89PNG")
        text = c.post(
            "/v1/audio/transcriptions",
            data={"model": "helpdesk"},
            files={"file": ("a.wav", wav.content, "audio/wav")},
        )
        assert text.status_code == 200 and "helpdesk" in text.json()["text"]
    with client(sandbox, upload_key(sandbox)) as c:
        upload = c.post(
            "/v1/datasets/reference-briefs/files", files={"file": ("brief.txt", b"hello")}
        )
        assert upload.status_code == 201 and upload.json()["bytes"] == 5
        status = c.get(f"/v1/files/{upload.json()['id']}")
        assert status.json()["status"] == "ready"
        assert c.get(f"/v1/uploads/{upload.json()['id']}").json()["id"] == upload.json()["id"]
        assert c.get("/v1/files/file_missing").status_code == 404
    with client(sandbox, conv_key) as c:
        conv = c.post("/v1/conversations", json={"model": "helpdesk", "title": "t"})
        assert conv.status_code == 201
        conv_id = conv.json()["id"]
        assert conv_id.startswith("conv_") and conv.headers["X-GT-Conversation-Id"] == conv_id
        no_header = c.post("/v1/conversations/files", files={"file": ("n.txt", b"x")})
        assert no_header.status_code == 400
        attached = c.post(
            "/v1/conversations/files",
            files={"file": ("n.txt", b"notes")},
            headers={"X-GT-Conversation-Id": conv_id},
        )
        assert attached.status_code == 201 and attached.json()["conversation_id"] == conv_id


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat/completions", CHAT_BODY),
        ("/v1/embeddings", {"model": EMBED_MODEL, "input": "x"}),
        ("/v1/images/generations", {"model": "helpdesk", "prompt": "x"}),
        ("/v1/conversations", {"model": "helpdesk"}),
    ],
)
def test_an_upload_key_cannot_use_inference_routes(sandbox: Any, path: str, body: Any) -> None:
    """Purpose is enforced before scope: even with every scope, an upload key does no inference."""
    _, secret = sandbox.seed_key(
        ALL_SCOPES, DEMO_AGENT_ALIASES, DEMO_RAW_MODELS, purpose="upload", datasets=DATASETS
    )
    with client(sandbox, secret) as c:
        r = c.post(path, json=body)
        assert c.get("/v1/models").status_code == 200  # listing needs no purpose
    assert r.status_code == 403 and error_of(r)["code"] == "wrong_purpose"


def test_an_inference_key_cannot_upload_to_a_dataset_even_with_the_scope(sandbox: Any) -> None:
    _, secret = sandbox.seed_key(ALL_SCOPES, DEMO_AGENT_ALIASES, datasets=DATASETS)
    with client(sandbox, secret) as c:
        r = c.post(f"/v1/datasets/{DATASETS[0]}/files", files={"file": ("a.txt", b"x")})
    assert r.status_code == 403 and error_of(r)["code"] == "wrong_purpose"


def test_dataset_uploads_follow_the_keys_dataset_allowlist(sandbox: Any) -> None:
    with client(sandbox, upload_key(sandbox)) as c:
        allowed = c.post(f"/v1/datasets/{DATASETS[0]}/files", files={"file": ("a.txt", b"x")})
        other = c.post(f"/v1/datasets/{DATASETS[1]}/files", files={"file": ("a.txt", b"x")})
        unknown = c.post("/v1/datasets/no-such-set/files", files={"file": ("a.txt", b"x")})
    assert allowed.status_code == 201
    # an existing dataset off the allowlist looks exactly like one that does not exist
    assert other.status_code == unknown.status_code == 404
    assert error_of(other)["code"] == error_of(unknown)["code"] == "dataset_not_found"


def test_dataset_allowlists_are_minted_listed_and_checked(sandbox: Any) -> None:
    body = mint_body(purpose="upload", scopes=["datasets:write"], agent_aliases=[])
    with client(sandbox, sandbox.operator_token) as op:
        bad = op.post("/manage/v1/keys", json={**body, "datasets": ["no-such-set"]})
        assert bad.status_code == 400 and error_of(bad)["param"] == "datasets"
        made = op.post("/manage/v1/keys", json={**body, "datasets": DATASETS[1:]})
        assert made.status_code == 201 and made.json()["datasets"] == DATASETS[1:]
        key_id = made.json()["id"]
        patched = op.patch(f"/manage/v1/keys/{key_id}", json={"datasets": DATASETS})
        assert patched.status_code == 200 and patched.json()["datasets"] == DATASETS
        assert op.get(f"/manage/v1/keys/{key_id}").json()["datasets"] == DATASETS


def test_known_scopes_agree_between_the_client_contract_and_the_sandbox() -> None:
    """Two independent modules (client and stand-in tenant) must name the same scopes."""
    from gtwizard.gt import contract
    from gtwizard.sandbox import catalog

    assert contract.KNOWN_SCOPES == catalog.KNOWN_SCOPES
    assert contract.PURPOSES == catalog.PURPOSES


# --- key management -----------------------------------------------------------------------------


def mint_body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "owui-prod",
        "purpose": "inference",
        "scopes": ["inference:chat"],
        "agent_aliases": ["helpdesk"],
        "raw_models": [],
        "expires_at": None,
        **overrides,
    }


def test_mint_list_revoke(sandbox: Any) -> None:
    with client(sandbox, sandbox.operator_token) as op:
        published = op.get("/manage/v1/published").json()["data"]
        assert published == sandbox.published
        created = op.post("/manage/v1/keys", json=mint_body())
        assert created.status_code == 201
        record = created.json()
        secret = record["secret"]
        assert secret.startswith("gtak_") and len(secret) == 45
        assert record["id"].startswith("key_") and record["prefix"] == secret[:9]
        assert record["revoked_at"] is None and record["scopes"] == ["inference:chat"]

        with client(sandbox, secret) as user:
            assert user.post("/v1/chat/completions", json=CHAT_BODY).status_code == 200
            listed = {k["id"]: k for k in op.get("/manage/v1/keys").json()["data"]}
            assert "secret" not in listed[record["id"]]
            assert listed[record["id"]]["last_used_at"] is not None
            assert op.get(f"/manage/v1/keys/{record['id']}").json()["name"] == "owui-prod"

            revoked = op.delete(f"/manage/v1/keys/{record['id']}")
            assert revoked.status_code == 200
            assert revoked.json()["revoked"] is True and revoked.json()["revoked_at"]
            after = user.get("/v1/models")
            assert after.status_code == 401 and error_of(after)["code"] == "invalid_api_key"
        again = op.delete(f"/manage/v1/keys/{record['id']}")
        assert again.status_code == 200
        assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
        assert op.delete("/manage/v1/keys/key_unknown").status_code == 404
        assert op.get("/manage/v1/keys/key_unknown").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"scopes": ["inference:everything"]}, "scopes"),
        ({"agent_aliases": ["llama-3.1-8b-instruct"]}, "agent_aliases"),
        ({"agent_aliases": ["no-such-alias"]}, "agent_aliases"),
        ({"raw_models": ["helpdesk"]}, "raw_models"),
        ({"purpose": "admin"}, "purpose"),
        ({"expires_at": "next tuesday"}, "expires_at"),
    ],
)
def test_mint_rejects_bad_requests(sandbox: Any, overrides: dict[str, Any], param: str) -> None:
    with client(sandbox, sandbox.operator_token) as op:
        r = op.post("/manage/v1/keys", json=mint_body(**overrides))
    assert r.status_code == 400
    assert error_of(r)["code"] == "invalid_request" and error_of(r)["param"] == param


def test_manage_needs_the_operator_token(sandbox: Any) -> None:
    for token in (None, "gtop_wrong", demo_key(sandbox)):
        with client(sandbox, token) as c:
            for r in (c.get("/manage/v1/keys"), c.post("/manage/v1/keys", json=mint_body())):
                assert r.status_code == 401
                assert error_of(r)["code"] == "invalid_operator_token"
            assert c.get("/_sandbox/faults").status_code == 401


def test_only_hashes_are_stored(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with start_in_thread(state_file=state) as handle:
        op = client(handle, handle.operator_token)
        secret = op.post("/manage/v1/keys", json=mint_body()).json()["secret"]
        op.close()
    text = state.read_text()
    assert secret not in text and hash_secret(secret) in text
    assert state.stat().st_mode & 0o777 == 0o600


def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with start_in_thread(state_file=state, tls=True) as first:
        token, ca_file = first.operator_token, first.ca_file
        _, kept = first.seed_key(["inference:chat"], ["helpdesk"])
        gone_id, gone = first.seed_key(["inference:chat"], ["helpdesk"])
        first.revoke(gone_id)
    with start_in_thread(state_file=state, tls=True) as second:
        assert second.operator_token == token and second.ca_file == ca_file
        with client(second, kept) as c:
            assert c.post("/v1/chat/completions", json=CHAT_BODY).status_code == 200
        with client(second, gone) as c:
            assert c.get("/v1/models").status_code == 401
        with client(second, token) as op:
            assert len(op.get("/manage/v1/keys").json()["data"]) == 2


# --- fault injection ----------------------------------------------------------------------------


def test_fault_config_round_trips_over_http(clean_faults: Any) -> None:
    sandbox = clean_faults
    wanted = {"latency_ms": 20, "error_status": 503, "error_rate": 0.0, "path_prefix": "/v1/x"}
    with client(sandbox, sandbox.operator_token) as op:
        set_ = op.post("/_sandbox/faults", json=wanted).json()
        assert {k: set_[k] for k in wanted} == wanted
        assert op.get("/_sandbox/faults").json() == set_
        cleared = op.delete("/_sandbox/faults").json()
        assert cleared["error_status"] is None and cleared["latency_ms"] == 0
        bad = op.post("/_sandbox/faults", json={"drop_rate": 2})
        assert bad.status_code == 400 and error_of(bad)["param"] == "drop_rate"
        unknown = op.post("/_sandbox/faults", json={"explode": True})
        assert unknown.status_code == 400 and error_of(unknown)["param"] == "explode"


def with_faults(handle: Any, path: str = "/v1/models", body: Any = None, **faults: Any) -> Any:
    """Set `faults`, send one request with a demo key, and return the response."""
    handle.set_faults(**faults)
    with client(handle, demo_key(handle)) as c:
        if body is None:
            return c.get(path)
        return c.post(path, json=body)


def test_latency_fault_still_answers(clean_faults: Any) -> None:
    assert clean_faults.set_faults(latency_ms=30)["latency_ms"] == 30
    assert with_faults(clean_faults, latency_ms=30).status_code == 200


def test_error_status_fault(clean_faults: Any) -> None:
    r = with_faults(clean_faults, error_status=503)
    assert r.status_code == 503
    assert error_of(r)["type"] == "server_error" and error_of(r)["code"] == "server_error"


def test_rate_limit_fault_carries_retry_after(clean_faults: Any) -> None:
    r = with_faults(
        clean_faults, "/v1/chat/completions", CHAT_BODY, error_status=429, retry_after=7
    )
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    assert error_of(r)["type"] == "rate_limit_error" and error_of(r)["code"] == "rate_limited"


@pytest.mark.parametrize("which", ["sandbox", "tls_sandbox"])
def test_drop_fault_closes_without_a_response(request: pytest.FixtureRequest, which: str) -> None:
    handle = request.getfixturevalue(which)
    try:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            with_faults(handle, drop_rate=1.0)
    finally:
        handle.clear_faults()
    with client(handle, demo_key(handle)) as c:
        assert c.get("/v1/models").status_code == 200


def test_garbage_fault_is_200_without_json(clean_faults: Any) -> None:
    r = with_faults(clean_faults, garbage_rate=1.0)
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        r.json()


def test_drip_fault_delivers_the_whole_body_in_pieces(clean_faults: Any) -> None:
    sandbox = clean_faults
    sandbox.set_faults(drip_ms=1)
    with client(sandbox, demo_key(sandbox)) as c:
        with c.stream("GET", "/v1/models") as r:
            pieces = list(r.iter_raw())
        body = b"".join(pieces)
    assert len(pieces) > 1
    assert [m["id"] for m in json.loads(body)["data"]][:1] == ["helpdesk"]


def test_path_prefix_limits_faults(clean_faults: Any) -> None:
    faults = {"error_status": 500, "path_prefix": "/v1/embeddings"}
    assert with_faults(clean_faults, **faults).status_code == 200
    embed = {"model": EMBED_MODEL, "input": "x"}
    assert with_faults(clean_faults, "/v1/embeddings", embed, **faults).status_code == 500


# --- TLS ----------------------------------------------------------------------------------------


def test_tls_verifies_with_the_sandbox_ca_only(tls_sandbox: Any) -> None:
    assert tls_sandbox.scheme == "https" and tls_sandbox.base_url.startswith("https://127.0.0.1:")
    with client(tls_sandbox) as c:
        assert c.get("/v1/models").status_code == 401
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(tls_sandbox.base_url + "/v1/models")
    localhost = tls_sandbox.base_url.replace("127.0.0.1", "localhost")
    assert httpx.get(localhost + "/v1/models", verify=trust(tls_sandbox)).status_code == 401


@pytest.mark.parametrize("mode", ["expired", "wrong_host"])
def test_broken_certificates_fail_verification(mode: str) -> None:
    with (
        start_in_thread(tls=True, cert_mode=mode) as handle,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        httpx.get(handle.base_url + "/v1/models", verify=trust(handle))


# --- the command --------------------------------------------------------------------------------


def run_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gtwizard", "sandbox", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_start_latency_is_the_baseline() -> None:
    with start_in_thread(latency_ms=5) as handle, client(handle, handle.operator_token) as op:
        assert op.get("/_sandbox/faults").json()["latency_ms"] == 5
        assert handle.set_faults(error_status=500)["latency_ms"] == 5
        assert op.delete("/_sandbox/faults").json()["latency_ms"] == 5


def test_sandbox_command_reports_a_busy_port() -> None:
    with start_in_thread() as busy:
        result = run_command("--port", str(busy.port))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "--port" in result.stderr


def test_sandbox_command_rejects_a_broken_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{not json")
    result = run_command("--port", "0", "--state", str(state))
    assert result.returncode == 2 and result.stdout == ""
    assert "state.json" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_sandbox_command_prints_one_ready_line_and_stops(stop_signal: int) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gtwizard", "sandbox", "--port", "0", "--latency-ms", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        ready = json.loads(proc.stdout.readline())
        assert set(ready) == {
            "base_url",
            "host",
            "scheme",
            "operator_token",
            "ca_file",
            "published",
        }
        assert ready["scheme"] == "http" and ready["ca_file"] is None
        assert {p["name"] for p in ready["published"]} == set(AGENT_ALIASES + RAW_MODELS)
        r = httpx.get(ready["base_url"] + "/v1/models")
        assert r.status_code == 401
        proc.send_signal(stop_signal)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert out == b""
