"""An async client for a tenant's GT API inference routes (the OpenAI wire format).

It exists to *verify* a connection, so it is strict: every answer is checked against the shape
the protocol promises, and every failure becomes a typed `GTError` with a hint. Every answer is
bounded in size (gtwizard.gt.http) and every string in it is made harmless to show
(gtwizard.safetext) before anything else sees it.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gtwizard.errors import GtwizardError, expect_field, expect_shape
from gtwizard.gt.errors import BadResponse, malformed, to_gt_error
from gtwizard.gt.http import BODY_CAP, CAP_CHAT, CAP_EMBED, CAP_LIST, CAP_RECORD, make_client
from gtwizard.gt.transport import RetryHook, RetryPolicy, send
from gtwizard.redact import redact
from gtwizard.safetext import guard, loads_untrusted, visible

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class ModelInfo:
    """One entry of GET /v1/models; `kind` is GT's `gt_kind` (agent_alias / raw_model) if given."""

    id: str
    kind: str | None = None


@dataclass(frozen=True)
class ChatResult:
    text: str
    model: str
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class StreamResult:
    """The assembled text of an SSE stream and how many chunks carried it."""

    text: str
    chunks: int


@dataclass(frozen=True)
class EmbeddingResult:
    vectors: list[list[float]] = field(repr=False)
    dimension: int
    raw_format: str


@dataclass(frozen=True)
class BaseProbe:
    """What `GET {openai_base}/models` answered, as a client composing that URL sees it."""

    url: str
    status: int
    location: str | None = None


def _bearer(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def _json(response: httpx.Response, secrets: Iterable[str]) -> dict[str, Any]:
    """The JSON object body of a 2xx response, or BadResponse."""
    url = redact(str(response.request.url), secrets)
    try:
        data = loads_untrusted(response.content)
    except ValueError as exc:
        raise malformed(str(exc), url) from None
    body: dict[str, Any] = expect_shape(
        data, dict, endpoint=url, what="the body", error=BadResponse
    )
    return body


def require_answer(text: str, *, what: str, error: type[GtwizardError] = BadResponse) -> str:
    """`text` when it holds an answer; otherwise `error` saying `what` came back empty.

    The one rule for a chat proof (GT or Open WebUI, plain or streamed): an empty answer, a stream
    of empty deltas or `content: ""` proves nothing about the connection.
    """
    if not text.strip():
        raise error(
            f"{what} came back with no text",
            "the model answered nothing: check the alias on the tenant, and that no proxy strips "
            "the answer",
        )
    return text


def decode_base64_floats(text: str) -> list[float]:
    """OpenAI's base64 embedding format: little-endian float32 values, base64-encoded."""
    raw = base64.b64decode(text, validate=True)
    if len(raw) % 4:
        raise ValueError("length is not a multiple of 4 bytes")
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


class GTClient:
    """Inference calls against `gt_base` (e.g. https://host/api/tenant); use as `async with`."""

    def __init__(
        self,
        gt_base: str,
        api_key: str | None,
        *,
        ca_bundle: str | Path | None = None,
        timeout: float = 10.0,
        max_retries: int = 2,
        on_retry: RetryHook | None = None,
    ) -> None:
        self.gt_base = gt_base.rstrip("/")
        self._key = api_key
        self._secrets = (api_key,) if api_key else ()
        self._policy = RetryPolicy(max_retries=max_retries, on_retry=on_retry)
        self._http = make_client(ca_bundle=ca_bundle, timeout=timeout, headers=_bearer(api_key))

    def __repr__(self) -> str:  # never show the key
        return f"GTClient({self.gt_base!r})"

    async def __aenter__(self) -> GTClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _url(self, path: str) -> str:
        return f"{self.gt_base}/{path.lstrip('/')}"

    async def _call(
        self, method: str, path: str, body: Any = None, *, model: str | None = None, cap: int
    ) -> dict[str, Any]:
        url = self._url(path)
        response = await send(
            self._http,
            method,
            url,
            policy=self._policy,
            json=body,
            model=model,
            secrets=self._secrets,
            cap=cap,
        )
        return _json(response, self._secrets)

    async def list_models(self) -> list[ModelInfo]:
        """GET /v1/models: the published names this key may use."""
        data = await self._call("GET", "/v1/models", cap=CAP_LIST)
        url = self._url("/v1/models")
        items = expect_field(data, "data", list, endpoint=url, error=BadResponse)
        models = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise malformed("a model entry has no string 'id'", url)
            kind = item.get("gt_kind")
            models.append(
                ModelInfo(visible(item["id"]), visible(kind) if isinstance(kind, str) else None)
            )
        return models

    async def chat(self, model: str, messages: list[dict[str, Any]], **extra: Any) -> ChatResult:
        """One non-streamed chat completion; `extra` goes into the request body as is."""
        body = {"model": model, "messages": messages, **extra, "stream": False}
        data = await self._call("POST", "/v1/chat/completions", body, model=model, cap=CAP_CHAT)
        try:
            text = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            text = None
        if not isinstance(text, str):
            raise malformed("no choices[0].message.content", self._url("/v1/chat/completions"))
        return ChatResult(text=guard(text), model=visible(data.get("model") or model), raw=data)

    async def chat_stream(self, model: str, messages: list[dict[str, Any]]) -> StreamResult:
        """A streamed chat completion (SSE); returns the assembled text and the chunk count."""
        import httpx

        url = self._url("/v1/chat/completions")
        body = {"model": model, "messages": messages, "stream": True}
        response = await send(
            self._http,
            "POST",
            url,
            policy=self._policy,
            json=body,
            headers={"Accept": "text/event-stream"},
            model=model,
            secrets=self._secrets,
            stream=True,
            cap=CAP_CHAT,
        )
        try:
            ctype = response.headers.get("content-type", "")
            if not ctype.startswith("text/event-stream"):
                got = visible(ctype or "nothing", 60)
                raise malformed(f"expected text/event-stream, got '{got}'", url)
            parts: list[str] = []
            done = False
            async for data in _sse_data(response):
                if data == "[DONE]":
                    done = True
                    break
                parts.append(_chunk_text(data, url))
        except httpx.HTTPError as exc:
            raise to_gt_error(exc, url=url, secrets=self._secrets) from None
        finally:
            await response.aclose()
        if not done:
            raise BadResponse(
                f"the stream ended without [DONE] after {len(parts)} chunks ({url})",
                "the server or a proxy cut the stream; check proxy buffering and timeouts",
            )
        return StreamResult(text=guard("".join(parts)), chunks=len(parts))

    async def embeddings(
        self, model: str, input: str | list[str], encoding_format: str = "float"
    ) -> EmbeddingResult:
        """POST /v1/embeddings; base64 answers are decoded to the same floats as `float` ones."""
        url = self._url("/v1/embeddings")
        body = {"model": model, "input": input, "encoding_format": encoding_format}
        data = await self._call("POST", "/v1/embeddings", body, model=model, cap=CAP_EMBED)
        items = data.get("data")
        if not isinstance(items, list) or not items:
            raise malformed("'data' is not a non-empty list", url)
        vectors = [_vector(item, encoding_format, url) for item in items]
        dims = {len(v) for v in vectors}
        if len(dims) != 1 or 0 in dims:
            raise malformed(f"vectors have inconsistent dimensions {sorted(dims)}", url)
        return EmbeddingResult(vectors=vectors, dimension=dims.pop(), raw_format=encoding_format)

    async def probe_route(self, method: str, path: str, json: Any = None) -> int:
        """The status code of one bare request (no retries, no raise on HTTP errors).

        Used to prove that routes the key must not use are really denied.
        """
        import httpx

        url = self._url(path)
        try:
            response = await self._http.request(
                method, url, json=json, extensions={BODY_CAP: CAP_RECORD}
            )
        except httpx.HTTPError as exc:
            raise to_gt_error(exc, url=url, secrets=self._secrets) from None
        return response.status_code


async def _sse_data(response: httpx.Response) -> AsyncIterator[str]:
    """Yield the data of each server-sent event (multi-line data joined with newlines)."""
    lines: list[str] = []
    async for line in response.aiter_lines():
        if line == "":
            if lines:
                yield "\n".join(lines)
                lines = []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if name == "data":
            lines.append(value[1:] if value.startswith(" ") else value)
    if lines:
        yield "\n".join(lines)


def _chunk_text(data: str, url: str) -> str:
    """The content delta of one chat.completion.chunk ('' for role-only or final chunks)."""
    try:
        chunk = loads_untrusted(data)
    except ValueError as exc:
        raise malformed(f"a stream event: {exc}", url) from None
    try:
        choices = chunk["choices"]
        if not choices:
            return ""
        delta = choices[0].get("delta") or {}
    except (KeyError, TypeError, AttributeError):
        raise malformed("a stream chunk has no choices[0].delta", url) from None
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) else ""


def _vector(item: Any, encoding_format: str, url: str) -> list[float]:
    """One embedding, decoded from the requested format."""
    value = item.get("embedding") if isinstance(item, dict) else None
    if encoding_format == "base64":
        if not isinstance(value, str):
            raise malformed("a base64 embedding is not a string", url)
        try:
            return decode_base64_floats(value)
        except ValueError:
            raise malformed("a base64 embedding does not decode to float32 values", url) from None
    if not isinstance(value, list) or not all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in value
    ):
        raise malformed("an embedding is not a list of numbers", url)
    return [float(x) for x in value]


async def probe_base(
    openai_base: str,
    api_key: str | None,
    *,
    ca_bundle: str | Path | None = None,
    timeout: float = 10.0,
) -> BaseProbe:
    """GET `{openai_base}/models` the way Open WebUI composes it, without following redirects.

    Transport failures raise a `GTError`; any HTTP status is returned, not raised.
    """
    import httpx

    url = f"{openai_base.rstrip('/')}/models"
    secrets = (api_key,) if api_key else ()
    async with make_client(ca_bundle=ca_bundle, timeout=timeout, headers=_bearer(api_key)) as http:
        try:
            response = await http.get(url, extensions={BODY_CAP: CAP_LIST})
        except httpx.HTTPError as exc:
            raise to_gt_error(exc, url=url, secrets=secrets) from None
    location = response.headers.get("location") if response.is_redirect else None
    location = visible(redact(location, secrets)) if location is not None else None
    return BaseProbe(url=url, status=response.status_code, location=location)
