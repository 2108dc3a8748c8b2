"""Answers of the wrong shape from GT and Open WebUI, over real sockets: each becomes one clear
`OperationFailed` naming the endpoint (never an AttributeError, never a secret), and an empty chat
answer proves nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from support.canned_server import Reply, by_stream, canned_server, sse
from support.checks_helpers import context, make_profile

from gtwizard.checks.checklist import chat
from gtwizard.errors import OperationFailed
from gtwizard.gt.client import GTClient
from gtwizard.gt.errors import BadResponse
from gtwizard.gt.keys import KeyManager
from gtwizard.openwebui.admin import OpenWebUIAdmin, OpenWebUIError

GT_KEY = "gtak_" + "s" * 40
OWUI_TOKEN = "owui-admin-" + "t" * 24
MODEL_CHUNK = {"choices": [{"index": 0, "delta": {"content": "Hello"}}]}


def role_chunk() -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}


def assert_clear(err: OperationFailed, endpoint: str, *secrets: str) -> None:
    text = err.one_line()
    assert endpoint in text, text
    assert "\n" not in text
    for secret in secrets:
        assert secret not in text and secret not in repr(err.args)


# ---- Open WebUI --------------------------------------------------------------------------------


async def owui_error(replies: dict[tuple[str, str], Reply], call: Any) -> OpenWebUIError:
    with canned_server(replies) as server:
        async with OpenWebUIAdmin(server.url, OWUI_TOKEN) as owui:
            with pytest.raises(OpenWebUIError) as err:
                await call(owui)
    return err.value


async def test_verify_answering_200_with_a_list_is_a_clear_error() -> None:
    """The reported crash: /openai/verify answered `200 []` and `.get` broke with the key in scope."""
    err = await owui_error(
        {("POST", "/openai/verify"): Reply(200, [])},
        lambda owui: owui.verify_connection("https://tenant.example/api/tenant/v1", GT_KEY),
    )
    assert_clear(err, "/openai/verify", GT_KEY, OWUI_TOKEN)
    assert "a JSON list, not a JSON object" in err.message


async def test_verify_answering_200_with_no_json_is_a_clear_error() -> None:
    err = await owui_error(
        {
            ("POST", "/openai/verify"): Reply(
                200, raw=b"<html>login</html>", content_type="text/html"
            )
        },
        lambda owui: owui.verify_connection("https://tenant.example/api/tenant/v1", GT_KEY),
    )
    assert_clear(err, "/openai/verify", GT_KEY)


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"OPENAI_API_BASE_URLS": "https://a/v1", "OPENAI_API_KEYS": []},
        {"OPENAI_API_BASE_URLS": ["https://a/v1"], "OPENAI_API_KEYS": [5]},
        {"OPENAI_API_BASE_URLS": [], "OPENAI_API_CONFIGS": ["x"]},
        {"OPENAI_API_BASE_URLS": [], "OPENAI_API_CONFIGS": {"0": "x"}},
    ],
    ids=["list", "urls-a-string", "key-a-number", "configs-a-list", "config-a-string"],
)
async def test_openai_config_of_the_wrong_shape_is_a_clear_error(body: Any) -> None:
    err = await owui_error(
        {("GET", "/openai/config"): Reply(200, body)}, lambda owui: owui.get_openai_config()
    )
    assert_clear(err, "/openai/config", OWUI_TOKEN)


async def test_keys_in_a_broken_config_never_reach_the_message() -> None:
    body = {"OPENAI_API_BASE_URLS": ["https://a/v1"], "OPENAI_API_KEYS": [GT_KEY, 7]}
    err = await owui_error(
        {("GET", "/openai/config"): Reply(200, body)}, lambda owui: owui.get_openai_config()
    )
    assert_clear(err, "/openai/config", GT_KEY)


@pytest.mark.parametrize(
    ("route", "body", "call"),
    [
        (("POST", "/api/v1/auths/signin"), {"token": 5}, lambda o: o.signin("a@b.c", "pw")),
        (("POST", "/api/v1/auths/signin"), [], lambda o: o.signin("a@b.c", "pw")),
        (("GET", "/api/v1/auths/"), [], lambda o: o.require_admin()),
        (("GET", "/api/models"), {"data": 5}, lambda o: o.list_models()),
        (("GET", "/api/version"), {"version": 12}, lambda o: o.version()),
        (("GET", "/api/v1/tasks/config"), "x", lambda o: o.get_tasks_config()),
        (("POST", "/api/v1/auths/add"), {"id": None}, lambda o: o.add_user("n", "a@b.c", "pw")),
        (("GET", "/api/v1/groups/"), {}, lambda o: o.grant_model_access("m", ["staff"])),
    ],
    ids=[
        "token-number",
        "signin-list",
        "whoami-list",
        "models-data",
        "version",
        "tasks",
        "add",
        "groups",
    ],
)
async def test_other_open_webui_answers_of_the_wrong_shape(
    route: tuple[str, str], body: Any, call: Any
) -> None:
    err = await owui_error({route: Reply(200, body)}, call)
    assert_clear(err, route[1], OWUI_TOKEN)


async def chat_error(reply: Reply, *, stream: bool) -> OpenWebUIError:
    return await owui_error(
        {("POST", "/api/chat/completions"): reply},
        lambda owui: owui.chat_proof("helpdesk", "hi", stream=stream),
    )


async def test_a_plain_chat_with_empty_content_proves_nothing() -> None:
    body = {"choices": [{"message": {"role": "assistant", "content": ""}}]}
    err = await chat_error(Reply(200, body), stream=False)
    assert "helpdesk came back with no text" in err.message


async def test_a_plain_chat_without_choices_is_a_clear_error() -> None:
    err = await chat_error(Reply(200, {"choices": [{"text": 3}]}), stream=False)
    assert_clear(err, "/api/chat/completions", OWUI_TOKEN)


async def test_a_stream_of_empty_deltas_proves_nothing() -> None:
    empty = {"choices": [{"index": 0, "delta": {"content": ""}}]}
    err = await chat_error(sse(role_chunk(), empty, empty, "[DONE]"), stream=True)
    assert "streamed chat (3 event(s)) with helpdesk came back with no text" in err.message


async def test_a_stream_error_event_is_reported() -> None:
    err = await chat_error(sse({"error": {"message": "Model not found"}}), stream=True)
    assert "Model not found" in err.message


@pytest.mark.parametrize(
    "events",
    [("not json",), ([1, 2],), ({"choices": [{"delta": "text"}]},), ({"choices": 5},)],
    ids=["not-json", "list", "delta-a-string", "choices-a-number"],
)
async def test_a_stream_event_of_the_wrong_shape_is_a_clear_error(events: tuple[Any, ...]) -> None:
    err = await chat_error(sse(*events), stream=True)
    assert_clear(err, "/api/chat/completions", OWUI_TOKEN)


async def test_a_stream_that_breaks_is_an_open_webui_error_not_an_httpx_one() -> None:
    reply = sse(role_chunk(), MODEL_CHUNK)
    err = await chat_error(dataclasses.replace(reply, cut=True), stream=True)
    assert "broke after 2 event(s)" in err.message


async def test_a_stream_with_text_is_a_proof() -> None:
    with canned_server({("POST", "/api/chat/completions"): sse(role_chunk(), MODEL_CHUNK)}) as srv:
        async with OpenWebUIAdmin(srv.url, OWUI_TOKEN) as owui:
            answer = await owui.chat_proof("helpdesk", "hi", stream=True)
    assert answer.text == "Hello" and answer.chunks == 2


# ---- GT ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [Reply(200, {"data": 5}), Reply(200, []), Reply(200, raw=b"<html/>"), Reply(200, {"x": 1})],
    ids=["data-a-number", "list", "not-json", "no-data"],
)
async def test_gt_models_of_the_wrong_shape_is_bad_response(reply: Reply) -> None:
    with canned_server({("GET", "/api/tenant/v1/models"): reply}) as server:
        async with GTClient(server.url + "/api/tenant", GT_KEY, max_retries=0) as gt:
            with pytest.raises(BadResponse) as err:
                await gt.list_models()
    assert_clear(err.value, "/v1/models", GT_KEY)


@pytest.mark.parametrize(
    ("route", "body", "call"),
    [
        (("GET", "/api/tenant/manage/v1/keys"), {"data": {}}, lambda m: m.list_keys()),
        (("GET", "/api/tenant/manage/v1/published"), [], lambda m: m.published()),
        (("GET", "/api/tenant/manage/v1/keys/k1"), [], lambda m: m.get_key("k1")),
        (("DELETE", "/api/tenant/manage/v1/keys/k1"), ["ok"], lambda m: m.revoke("k1")),
    ],
    ids=["list", "published", "get", "revoke"],
)
async def test_key_management_answers_of_the_wrong_shape(
    route: tuple[str, str], body: Any, call: Any
) -> None:
    token = "gtop_" + "o" * 40
    with canned_server({route: Reply(200, body)}) as server:
        async with KeyManager(server.url + "/api/tenant", token, max_retries=0) as manager:
            with pytest.raises(BadResponse) as err:
                await call(manager)
    assert_clear(err.value, "/manage/v1/", token)


def gt_profile(sandbox: Any, tmp_path: Path, url: str, **fields: Any) -> Any:
    profile, _ = make_profile(sandbox, tmp_path, **fields)
    return dataclasses.replace(profile, tenant_host=url, openai_base=url + "/api/tenant/v1")


PLAIN_TEXT = Reply(200, {"choices": [{"message": {"role": "assistant", "content": "Hi"}}]})
PLAIN_EMPTY = Reply(200, {"choices": [{"message": {"role": "assistant", "content": ""}}]})
EMPTY_DELTA = {"choices": [{"index": 0, "delta": {"content": ""}}]}


@pytest.mark.parametrize(
    ("plain", "streamed", "which"),
    [
        (PLAIN_TEXT, sse(role_chunk(), EMPTY_DELTA, EMPTY_DELTA, "[DONE]"), "streamed answer"),
        (PLAIN_EMPTY, sse(role_chunk(), MODEL_CHUNK, MODEL_CHUNK, "[DONE]"), "plain answer"),
    ],
    ids=["empty-deltas", "content-empty"],
)
def test_chat_check_fails_on_an_empty_gt_answer(
    sandbox: Any, tmp_path: Path, plain: Reply, streamed: Reply, which: str
) -> None:
    route = ("POST", "/api/tenant/v1/chat/completions")
    with canned_server({route: by_stream(plain, streamed)}) as server:
        profile = gt_profile(sandbox, tmp_path, server.url)
        profile = dataclasses.replace(profile, agent_aliases=["helpdesk"], raw_models=[])
        outcome = asyncio.run(chat(context(profile, GT_KEY)))
        asked = {json.loads(body).get("stream") for _, _, body in server.seen}
    assert asked == {False, True}, "both a plain and a streamed chat were asked for"
    assert outcome.status == "fail", outcome
    assert f"helpdesk: the {which} through GT" in outcome.detail
    assert "came back with no text" in outcome.detail
    assert GT_KEY not in json.dumps(dataclasses.asdict(outcome))
