"""The GT inference routes (`/v1/...`), answered deterministically.

Order of checks on every route: key (401), scope (403, before the body is even read, so a bare
probe learns which routes a key may use), body (400), model allowlist (404). Replies are derived
from the request so tests can assert on them.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import io
import json
import secrets
import struct
import time
import wave
import zlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from gtwizard.sandbox import catalog, responses
from gtwizard.sandbox.state import KeyRecord, SandboxState

EMBEDDING_DIM = 8
CONVERSATION_HEADER = "X-GT-Conversation-Id"

Handler = Callable[[Request, KeyRecord], Awaitable[Response]]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


def keyed(
    scope: str | None, handler: Handler, purposes: tuple[str, ...] | None = None
) -> Callable[[Request], Awaitable[Response]]:
    """Authenticate the gtak_ key, then check its purpose and `scope`, before the handler runs.

    `purposes` None: any purpose (the routes GT names no scope for: model list, file status).
    """

    async def endpoint(request: Request) -> Response:
        token = bearer_token(request)
        if token is None:
            return responses.invalid_key()
        key, code = _state(request).authenticate(token)
        if key is None:
            return responses.invalid_key(code)
        if purposes is not None and key.purpose not in purposes:
            return responses.wrong_purpose(key.purpose, request.url.path)
        if scope is not None and scope not in key.scopes:
            return responses.insufficient_scope(scope)
        return await handler(request, key)

    return endpoint


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object, or FieldError (turned into a 400 by the caller)."""
    try:
        data = json.loads(await request.body() or b"null")
    except ValueError:
        raise responses.FieldError("body", "request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise responses.FieldError("body", "request body must be a JSON object")
    return data


def required_str(data: dict[str, Any], field: str) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value:
        raise responses.FieldError(field, f"{field} is required and must be a non-empty string")
    return value


async def multipart(request: Request) -> dict[str, tuple[str | None, bytes]]:
    """Parse a multipart/form-data body with the standard library: {field: (filename, bytes)}."""
    ctype = request.headers.get("content-type", "")
    if not ctype.lower().startswith("multipart/form-data"):
        raise responses.FieldError("file", "expected a multipart/form-data body")
    raw = b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + await request.body()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            payload = part.get_payload(decode=True)  # bytes for a leaf part, None otherwise
            data = payload if isinstance(payload, bytes) else b""
            fields[str(name)] = (part.get_filename(), data)
    return fields


def with_errors(handler: Handler) -> Handler:
    """Turn a FieldError raised while reading the body into the contract's 400."""

    async def wrapped(request: Request, key: KeyRecord) -> Response:
        try:
            return await handler(request, key)
        except responses.FieldError as exc:
            return responses.bad_request(str(exc), exc.param)

    return wrapped


# --- models ------------------------------------------------------------------------------------


async def list_models(request: Request, key: KeyRecord) -> Response:
    allowed = {catalog.AGENT_ALIAS: key.agent_aliases, catalog.RAW_MODEL: key.raw_models}
    data = [
        {
            "id": item["name"],
            "object": "model",
            "created": catalog.PUBLISHED_CREATED,
            "owned_by": "gt",
            "gt_kind": item["kind"],
        }
        for item in catalog.published()
        if item["name"] in allowed[item["kind"]]
    ]
    return JSONResponse({"object": "list", "data": data})


# --- chat ----------------------------------------------------------------------------------------


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def reply_text(model: str, messages: list[Any]) -> str:
    """The deterministic answer: names the model and echoes the start of the last user message."""
    said = next(
        (_text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    said = " ".join(said.split())[:80]
    return f"Hello from {model} on the GT sandbox. You said: {said or '(nothing)'}"


async def chat_completions(request: Request, key: KeyRecord) -> Response:
    data = await json_object(request)
    model = required_str(data, "model")
    messages = data.get("messages")
    if (
        not isinstance(messages, list)
        or not messages
        or not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages)
    ):
        raise responses.FieldError("messages", "messages must be a non-empty list of messages")
    if not key.allows(model):
        return responses.model_not_found(model)
    text = reply_text(model, messages)
    completion_id = "chatcmpl-" + secrets.token_hex(12)
    created = int(time.time())
    headers = {}
    if conversation := request.headers.get(CONVERSATION_HEADER):
        headers[CONVERSATION_HEADER] = conversation
    if data.get("stream") is True:
        return StreamingResponse(
            _chat_events(completion_id, created, model, text),
            media_type="text/event-stream",
            headers={**headers, "Cache-Control": "no-cache"},
        )
    words = len(text.split())
    prompt_words = sum(len(_text_of(m.get("content")).split()) for m in messages)
    body = {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_words,
            "completion_tokens": words,
            "total_tokens": prompt_words + words,
        },
    }
    return JSONResponse(body, headers=headers)


def _chat_events(completion_id: str, created: int, model: str, text: str) -> Iterator[str]:
    """SSE: a role chunk, one chunk per word, a finish chunk, then [DONE]."""

    def chunk(delta: dict[str, str], finish: str | None = None) -> str:
        payload = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(payload)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    words = text.split(" ")
    for index, word in enumerate(words):
        yield chunk({"content": word if index == len(words) - 1 else word + " "})
    yield chunk({}, "stop")
    yield "data: [DONE]\n\n"


# --- embeddings ---------------------------------------------------------------------------------


def embed(text: str) -> list[float]:
    """A unit vector of float32 values derived from the text (exact under base64 round trips)."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    raw = [
        int.from_bytes(digest[i * 4 : i * 4 + 4], "little") / 2**31 - 1.0
        for i in range(EMBEDDING_DIM)
    ]
    norm = sum(v * v for v in raw) ** 0.5 or 1.0
    packed = struct.pack(f"<{EMBEDDING_DIM}f", *(v / norm for v in raw))
    return list(struct.unpack(f"<{EMBEDDING_DIM}f", packed))


async def embeddings(request: Request, key: KeyRecord) -> Response:
    data = await json_object(request)
    model = required_str(data, "model")
    given = data.get("input")
    inputs = [given] if isinstance(given, str) else given
    if not isinstance(inputs, list) or not inputs or not all(isinstance(t, str) for t in inputs):
        raise responses.FieldError("input", "input must be a string or a non-empty list of strings")
    encoding = data.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise responses.FieldError("encoding_format", "encoding_format must be float or base64")
    if not key.allows(model):
        return responses.model_not_found(model)
    items = []
    for index, text in enumerate(inputs):
        vector = embed(text)
        value: Any = vector
        if encoding == "base64":
            value = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
        items.append({"object": "embedding", "index": index, "embedding": value})
    tokens = sum(len(t.split()) for t in inputs)
    return JSONResponse(
        {
            "object": "list",
            "data": items,
            "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )


# --- audio and images ---------------------------------------------------------------------------


async def transcriptions(request: Request, key: KeyRecord) -> Response:
    form = await multipart(request)
    model = form.get("model", (None, b""))[1].decode("utf-8", "replace")
    if "file" not in form:
        raise responses.FieldError("file", "file is required")
    if not model:
        raise responses.FieldError("model", "model is required")
    if not key.allows(model):
        return responses.model_not_found(model)
    size = len(form["file"][1])
    return JSONResponse({"text": f"Sandbox transcript by {model} of {size} bytes of audio."})


def silent_wav(seconds: float = 0.1, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


async def allowed_model(request: Request, key: KeyRecord, text_field: str) -> str | Response:
    """For the JSON routes that take a model and one text field: the model, or the error."""
    data = await json_object(request)
    model = required_str(data, "model")
    required_str(data, text_field)
    return model if key.allows(model) else responses.model_not_found(model)


async def speech(request: Request, key: KeyRecord) -> Response:
    model = await allowed_model(request, key, "input")
    if isinstance(model, Response):
        return model
    return Response(silent_wav(), media_type="audio/wav")


def tiny_png() -> bytes:
    """A valid 1x1 grey PNG: enough for a client to see that an image came back."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


async def image_generations(request: Request, key: KeyRecord) -> Response:
    model = await allowed_model(request, key, "prompt")
    if isinstance(model, Response):
        return model
    return JSONResponse(
        {
            "created": int(time.time()),
            "data": [{"b64_json": base64.b64encode(tiny_png()).decode("ascii")}],
        }
    )


# --- conversations and files --------------------------------------------------------------------


async def create_conversation(request: Request, key: KeyRecord) -> Response:
    data = await json_object(request)
    model = required_str(data, "model")
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        raise responses.FieldError("title", "title must be a string")
    if not key.allows(model):
        return responses.model_not_found(model)
    conversation = {
        "id": "conv_" + secrets.token_hex(8),
        "object": "conversation",
        "model": model,
        "title": title or "",
        "created": int(time.time()),
    }
    request.app.state.conversations[conversation["id"]] = conversation
    return JSONResponse(
        conversation, status_code=201, headers={CONVERSATION_HEADER: str(conversation["id"])}
    )


def _store_file(request: Request, filename: str | None, content: bytes, **extra: str) -> Response:
    record = {
        "id": "file_" + secrets.token_hex(8),
        "object": "file",
        "filename": filename or "upload.bin",
        "bytes": len(content),
        "created": int(time.time()),
        "status": "processing",
        **extra,
    }
    request.app.state.files[record["id"]] = record
    return JSONResponse(record, status_code=201)


async def _uploaded_file(request: Request) -> tuple[str | None, bytes]:
    form = await multipart(request)
    if "file" not in form:
        raise responses.FieldError("file", "file is required")
    return form["file"]


async def conversation_files(request: Request) -> Response:
    """Needs `datasets:write` or a conversation-purpose key, plus the conversation header."""
    token = bearer_token(request)
    key, code = _state(request).authenticate(token) if token else (None, "invalid_api_key")
    if key is None:
        return responses.invalid_key(code)
    if key.purpose not in catalog.UPLOAD_PURPOSES:
        return responses.wrong_purpose(key.purpose, request.url.path)
    if "datasets:write" not in key.scopes and key.purpose != "conversation":
        return responses.insufficient_scope("datasets:write")
    conversation = request.headers.get(CONVERSATION_HEADER)
    if not conversation:
        return responses.bad_request(
            f"{CONVERSATION_HEADER} header is required", CONVERSATION_HEADER
        )
    if conversation not in request.app.state.conversations:
        return responses.not_found("no such conversation", CONVERSATION_HEADER)
    try:
        filename, content = await _uploaded_file(request)
    except responses.FieldError as exc:
        return responses.bad_request(str(exc), exc.param)
    return _store_file(request, filename, content, conversation_id=conversation)


async def dataset_files(request: Request, key: KeyRecord) -> Response:
    """Upload into a dataset the key's dataset allowlist names (others look nonexistent)."""
    if request.path_params["dataset_id"] not in key.datasets:
        return responses.dataset_not_found(request.path_params["dataset_id"])
    filename, content = await _uploaded_file(request)
    return _store_file(request, filename, content, dataset_id=request.path_params["dataset_id"])


async def get_file(request: Request, key: KeyRecord) -> Response:
    """File status; the first look after an upload finds it ready (processing is instant here)."""
    record = request.app.state.files.get(request.path_params["file_id"])
    if record is None:
        return responses.not_found("no such file", "id")
    record["status"] = "ready"
    return JSONResponse(record)


def inference_routes(prefix: str) -> list[Route]:
    """All inference routes below `prefix` (the versioned base, and optionally the bare one)."""

    inference, upload = catalog.INFERENCE_PURPOSES, catalog.UPLOAD_PURPOSES

    def route(
        path: str, scope: str | None, handler: Handler, method: str, purposes: Any = inference
    ) -> Route:
        endpoint = keyed(scope, with_errors(handler), purposes)
        return Route(prefix + path, endpoint, methods=[method])

    return [
        route("/models", None, list_models, "GET", None),
        route("/chat/completions", "inference:chat", chat_completions, "POST"),
        route("/embeddings", "inference:embed", embeddings, "POST"),
        route("/audio/transcriptions", "inference:transcribe", transcriptions, "POST"),
        route("/audio/speech", "inference:speech", speech, "POST"),
        route("/images/generations", "inference:image", image_generations, "POST"),
        Route(prefix + "/conversations/files", conversation_files, methods=["POST"]),
        route("/conversations", "inference:chat", create_conversation, "POST"),
        route("/datasets/{dataset_id}/files", "datasets:write", dataset_files, "POST", upload),
        route("/files/{file_id}", None, get_file, "GET", None),
        route("/uploads/{file_id}", None, get_file, "GET", None),
    ]
