"""Answers from a real server on loopback (support.canned_server) that no tenant or Open WebUI
should send: too large (announced, or streamed without end), compressed against our ask, error
bodies of any size, mint answers whose secret or record does not fit, and Open WebUI text with
terminal sequences in it. Each one is one clear error or a harmless string, never a crash."""

from __future__ import annotations

import asyncio
import gzip
import json
from typing import Any

import pytest
from support.canned_server import Reply, canned_server, sse
from support.hostile_helpers import ESCAPED_OSC52, forbidden_in

from gtwizard.gt.client import GTClient
from gtwizard.gt.errors import BadResponse, BodyTooLarge, ServerError
from gtwizard.gt.http import CAP_CHAT, CAP_ERROR, CAP_LIST, CAP_RECORD
from gtwizard.gt.keys import KeyManager, MintRequest
from gtwizard.openwebui.admin import OpenWebUIAdmin, OpenWebUIError
from gtwizard.sandbox.hostile import HOSTILE_NAME, HOSTILE_TEXT

GT_KEY = "gtak_" + "s" * 40
TOKEN = "gtop_" + "o" * 40
BASE = "/api/tenant"
KEYS = ("GET", BASE + "/manage/v1/keys")
MINT = ("POST", BASE + "/manage/v1/keys")
MODELS = ("GET", BASE + "/v1/models")
CHAT = ("POST", BASE + "/v1/chat/completions")


def record(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "key_0001",
        "name": "gtwizard-lab-open-webui-20260101-000000-ab12",
        "purpose": "inference",
        "scopes": ["inference:chat"],
        "agent_aliases": ["helpdesk"],
        "raw_models": [],
        "created_at": "2026-01-01T00:00:00Z",
        "expires_at": None,
        "revoked_at": None,
        "prefix": "gtak_abcd",
    }
    return {**base, **fields}


def manager_call(replies: dict[tuple[str, str], Reply], call: Any) -> Any:
    async def go() -> Any:
        with canned_server(replies) as server:
            async with KeyManager(server.url + BASE, TOKEN, max_retries=0) as manager:
                return await call(manager)

    return asyncio.run(go())


def client_call(replies: dict[tuple[str, str], Reply], call: Any) -> Any:
    async def go() -> Any:
        with canned_server(replies) as server:
            async with GTClient(server.url + BASE, GT_KEY, max_retries=0) as gt:
                return await call(gt)

    return asyncio.run(go())


# ---- size caps --------------------------------------------------------------------------------


def test_an_announced_size_over_the_cap_stops_before_the_body() -> None:
    huge = Reply(200, {"data": []}, headers=(("Content-Length", str(300 * 1024 * 1024)),))
    with pytest.raises(BodyTooLarge) as err:
        client_call({MODELS: huge}, lambda gt: gt.list_models())
    line = err.value.one_line()
    assert "GET http://127.0.0.1" in line and "/api/tenant/v1/models" in line
    assert "announces 300 MB" in line and "capped at 8 MB" in line and "\n" not in line
    assert GT_KEY not in line


@pytest.mark.parametrize(
    ("route", "call", "cap"),
    [
        (MODELS, lambda gt: gt.list_models(), CAP_LIST),
        (CHAT, lambda gt: gt.chat("helpdesk", [{"role": "user", "content": "hi"}]), CAP_CHAT),
    ],
    ids=["models", "chat"],
)
def test_a_streamed_body_is_cut_at_its_routes_cap(route: Any, call: Any, cap: int) -> None:
    piece = b'{"id": "m", "object": "model"}, ' * 2048  # 64 KB
    endless = Reply(200, raw=piece, repeat=3200)  # 200 MB, no Content-Length

    async def go() -> tuple[BodyTooLarge, int]:
        with canned_server({route: endless}) as server:
            async with GTClient(server.url + BASE, GT_KEY, max_retries=0) as gt:
                with pytest.raises(BodyTooLarge) as err:
                    await call(gt)
            await asyncio.sleep(0.2)  # let the server notice the closed connection
            return err.value, server.sent

    error, sent = asyncio.run(go())
    assert "went on past" in error.message and route[1] in error.message
    assert sent < 3200 * len(piece) // 4, f"the server wrote {sent} bytes"
    assert sent >= cap // 2, "the cap was the limit, not something earlier"


def test_the_key_records_cap_is_far_below_the_lists() -> None:
    assert CAP_RECORD * 64 <= CAP_LIST
    padded = record(name="gtwizard-x", scopes=["inference:chat"] * 20_000)  # ~360 KB
    with pytest.raises(BodyTooLarge, match="capped at 64 KB"):
        manager_call(
            {("GET", BASE + "/manage/v1/keys/key_0001"): Reply(200, padded)},
            lambda m: m.get_key("key_0001"),
        )
    listed = manager_call({KEYS: Reply(200, {"data": [padded]})}, lambda m: m.list_keys())
    assert len(listed) == 1  # a list of the same size is ordinary


def test_an_error_body_of_any_size_is_cut_and_the_status_speaks() -> None:
    message = "tenant says: " + "x" * (2 * CAP_ERROR)
    big = Reply(503, {"error": {"message": message}})
    with pytest.raises(ServerError) as err:
        client_call({MODELS: big}, lambda gt: gt.list_models())
    assert "the tenant answered 503" in err.value.message
    assert len(err.value.message) < 400


def test_a_compressed_answer_is_refused() -> None:
    body = gzip.compress(json.dumps({"data": []}).encode())
    zipped = Reply(200, raw=body, headers=(("Content-Encoding", "gzip"),))

    async def go() -> tuple[BadResponse, list[Any]]:
        with canned_server({MODELS: zipped}) as server:
            async with GTClient(server.url + BASE, GT_KEY, max_retries=0) as gt:
                with pytest.raises(BadResponse) as err:
                    await gt.list_models()
            return err.value, server.seen

    error, _ = asyncio.run(go())
    assert "compressed ('gzip') although gtwizard asked for none" in error.message
    assert "Accept-Encoding: identity" in error.hint


def test_a_stream_of_chat_events_without_end_is_cut() -> None:
    event = sse({"choices": [{"index": 0, "delta": {"content": "more "}}]})
    endless = Reply(200, raw=event.raw, content_type="text/event-stream", repeat=4_000_000)
    with pytest.raises(BodyTooLarge, match="capped at 4 MB"):
        client_call(
            {CHAT: endless},
            lambda gt: gt.chat_stream("helpdesk", [{"role": "user", "content": "hi"}]),
        )


# ---- mint answers and key records -------------------------------------------------------------


def mint(answer: dict[str, Any]) -> Any:
    return manager_call(
        {MINT: Reply(201, answer)}, lambda m: m.mint(MintRequest(name="gtwizard-x"))
    )


@pytest.mark.parametrize(
    "secret",
    [
        "gtak_short",
        "gtak_" + "x" * 300,
        "gtak_" + "x" * 20 + "\x1b]52;c;eA==\x07",
        "sk-" + "x" * 40,
    ],
    ids=["short", "long", "escape", "not-gtak"],
)
def test_a_minted_secret_of_the_wrong_form_is_refused(secret: str) -> None:
    with pytest.raises(BadResponse) as err:
        mint({**record(), "secret": secret})
    line = err.value.one_line()
    assert "no secret of a GT key's form" in line
    assert secret not in line and forbidden_in(line) == []


def test_a_mint_answer_whose_prefix_is_not_its_secrets_start_is_refused() -> None:
    with pytest.raises(BadResponse, match="prefix of key key_0001 is not the start"):
        mint({**record(prefix="gtak_zzzz"), "secret": "gtak_abcd" + "e" * 36})


def test_a_fitting_mint_answer_is_accepted() -> None:
    minted = mint({**record(), "secret": "gtak_abcd" + "e" * 36})
    assert minted.id == "key_0001" and minted.secret.startswith("gtak_abcd")


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"id": "key_0001\x1b]52;c;eA==\x07"}, "the id is not of the contract's shape"),
        ({"id": "../../admin"}, "the id is not of the contract's shape"),
        ({"name": HOSTILE_NAME}, "the name of key key_0001 is not"),
        ({"name": "x" * 201}, "the name of key key_0001 is not"),
        ({"prefix": "gtak_\u202e"}, "the prefix of key key_0001"),
        ({"scopes": "inference:chat"}, "'scopes' is not a list of strings"),
    ],
    ids=["id-escape", "id-path", "name-escape", "name-long", "prefix-bidi", "scopes"],
)
def test_a_key_record_that_does_not_fit_is_refused(fields: dict[str, Any], problem: str) -> None:
    route = ("GET", BASE + "/manage/v1/keys/key_0001")
    with pytest.raises(BadResponse) as err:
        manager_call({route: Reply(200, record(**fields))}, lambda m: m.get_key("key_0001"))
    line = err.value.one_line()
    assert "bad answer from the tenant" in line and problem in line, line
    assert forbidden_in(line) == []


def test_a_revocation_answer_for_another_key_is_refused() -> None:
    route = ("DELETE", BASE + "/manage/v1/keys/key_0001")
    answer = {"id": "key_9999", "revoked": True, "revoked_at": "2026-01-01T00:00:00Z"}
    with pytest.raises(BadResponse, match="names another key than key_0001"):
        manager_call({route: Reply(200, answer)}, lambda m: m.revoke("key_0001"))


def test_in_a_list_bad_ids_are_left_out_and_bad_records_of_good_ids_refuse_it() -> None:
    good = record()
    person = record(id="key_person", name="Quarterly report (Müller)")
    odd_id = record(id="key\x1b[2J", name="made by a person")
    listing = manager_call(
        {KEYS: Reply(200, {"data": [good, odd_id, person]})}, lambda m: m.list_keys()
    )
    assert [r.id for r in listing] == ["key_0001", "key_person"]
    assert listing.left_out == (
        "record 2: the id is not of the contract's shape "
        "(1-128 letters, digits, '.', '_', ':' or '-', starting with a "
        "letter or digit)",
    )

    bad_name = record(id="key_0002", name="report " + HOSTILE_TEXT)
    with pytest.raises(BadResponse) as err:
        manager_call({KEYS: Reply(200, {"data": [good, bad_name]})}, lambda m: m.list_keys())
    line = err.value.one_line()
    assert "key record 2: the name of key key_0002" in line and "tenant app" in line
    assert forbidden_in(line) == []


def test_text_fields_of_a_record_are_made_harmless() -> None:
    fitting = record(agent_aliases=[HOSTILE_NAME], created_at="2026\x1b[2J")
    got = manager_call(
        {("GET", BASE + "/manage/v1/keys/key_0001"): Reply(200, fitting)},
        lambda m: m.get_key("key_0001"),
    )
    assert forbidden_in(" ".join([*got.agent_aliases, got.created_at])) == []
    assert got.agent_aliases[0].startswith("helpdesk" + ESCAPED_OSC52)


def test_published_and_model_names_are_made_harmless() -> None:
    published = {"data": [{"name": HOSTILE_NAME, "kind": "agent_alias"}]}
    names = manager_call(
        {("GET", BASE + "/manage/v1/published"): Reply(200, published)}, lambda m: m.published()
    )
    models = client_call(
        {MODELS: Reply(200, {"data": [{"id": HOSTILE_NAME, "gt_kind": HOSTILE_TEXT}]})},
        lambda gt: gt.list_models(),
    )
    for text in (names[0].name, models[0].id, models[0].kind or ""):
        assert forbidden_in(text) == [] and ESCAPED_OSC52 in text


def test_a_tenants_error_message_is_made_harmless() -> None:
    said = {"error": {"message": "denied " + HOSTILE_TEXT, "param": HOSTILE_TEXT}}
    with pytest.raises(BadResponse) as err:
        client_call({MODELS: Reply(418, said)}, lambda gt: gt.list_models())
    line = err.value.one_line()
    assert "denied " + ESCAPED_OSC52 in line and forbidden_in(line) == []


# ---- Open WebUI -------------------------------------------------------------------------------


OWUI_TOKEN = "owui-admin-" + "t" * 24


def owui(replies: dict[tuple[str, str], Reply], call: Any) -> Any:
    async def go() -> Any:
        with canned_server(replies) as server:
            async with OpenWebUIAdmin(server.url, OWUI_TOKEN) as admin:
                return await call(admin)

    return asyncio.run(go())


def test_open_webui_text_is_made_harmless() -> None:
    models = {"data": [{"id": HOSTILE_NAME, "urlIdx": 0}]}
    ids = owui({("GET", "/api/models"): Reply(200, models)}, lambda o: o.list_models())
    version = owui(
        {("GET", "/api/version"): Reply(200, {"version": "0.12.4" + HOSTILE_TEXT})},
        lambda o: o.version(),
    )
    for text in (*ids, version):
        assert forbidden_in(text) == [] and ESCAPED_OSC52 in text

    with pytest.raises(OpenWebUIError) as err:
        owui(
            {("GET", "/api/v1/auths/"): Reply(200, {"role": "user" + HOSTILE_TEXT})},
            lambda o: o.require_admin(),
        )
    assert forbidden_in(err.value.one_line()) == []
    with pytest.raises(OpenWebUIError) as err:
        owui(
            {("GET", "/openai/config"): Reply(500, {"detail": "boom " + HOSTILE_TEXT})},
            lambda o: o.get_openai_config(),
        )
    assert "boom " + ESCAPED_OSC52 in err.value.one_line()
    assert forbidden_in(err.value.one_line()) == []


def test_open_webui_deep_json_and_huge_lists_are_clear_errors() -> None:
    deep = b'{"data": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    with pytest.raises(OpenWebUIError, match="nests deeper than 64"):
        owui({("GET", "/api/models"): Reply(200, raw=deep)}, lambda o: o.list_models())
    endless = Reply(200, raw=b'{"id": "m"}, ' * 8192, repeat=2000)
    with pytest.raises(BodyTooLarge, match="/api/models is too large"):
        owui({("GET", "/api/models"): endless}, lambda o: o.list_models())
