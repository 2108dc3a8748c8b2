"""Open WebUI's admin API (0.12.4 routes), as an async client with operator-readable errors.

Why this exists next to the env file: after Open WebUI's first start its database wins over the
env, so the admin API is the only path that takes effect without a reset. Connection lists are
positional (URL i, key i, config "i"), so every update rebuilds the three together by identity and
always sends ENABLE_OPENAI_API (omitting it stores null, which switches OpenAI off).

An Open WebUI is untrusted input like a tenant: every answer is bounded in size (by route, see
gtwizard.gt.http), decoded with a depth limit, and every string it says (messages, versions,
roles, model ids) is made harmless to show (gtwizard.safetext.visible) as it arrives. The one
exception is the connection list (URLs, keys, configs): gtwizard writes it back, so it is kept
byte for byte, and made harmless only where it is shown.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from gtwizard.errors import InvalidInput, OperationFailed, expect_field, expect_shape
from gtwizard.gt.http import BODY_CAP, CAP_CHAT, CAP_DEFAULT, CAP_LIST
from gtwizard.openwebui.envfile import (
    GtConnection,
    normalise_base,
    place_gt_connection,
    rekey_configs,
    validate_connection,
)
from gtwizard.openwebui.url import check_openwebui_url
from gtwizard.redact import redact
from gtwizard.safetext import guard, loads_untrusted, visible

if TYPE_CHECKING:
    import httpx

TESTED_VERSIONS = ("0.12.4",)


class OpenWebUIError(OperationFailed):
    """An Open WebUI call failed; `status` is the HTTP status (0 when there was no answer)."""

    def __init__(self, message: str, hint: str = "", *, status: int = 0) -> None:
        super().__init__(message, hint)
        self.status = status


@dataclass(frozen=True)
class OpenAIConfig:
    """Open WebUI's OpenAI connections: parallel lists bound by position, plus per-index configs."""

    enable: bool
    urls: list[str]
    keys: list[str] = field(repr=False)
    configs: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return {
            "ENABLE_OPENAI_API": self.enable,
            "OPENAI_API_BASE_URLS": self.urls,
            "OPENAI_API_KEYS": self.keys,
            "OPENAI_API_CONFIGS": self.configs,
        }


@dataclass(frozen=True)
class VerifyResult:
    """The upstream's answer to Open WebUI's own `GET <base>/models` (status passed through)."""

    status: int
    model_ids: list[str]
    detail: str

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class ChatResult:
    text: str
    chunks: int


def _strings(value: Any, endpoint: str, what: str) -> list[str]:
    """A JSON list of strings, checked (Open WebUI's positional URL and key lists)."""
    items = expect_shape(value, list, endpoint=endpoint, what=what, error=OpenWebUIError)
    for item in items:
        expect_shape(item, str, endpoint=endpoint, what=f"an entry of {what}", error=OpenWebUIError)
    return list(items)


def _detail_of(body: Any) -> str:
    """A short reason from an error body (Open WebUI's `detail` or an OpenAI-style `error`),
    harmless to show."""
    if isinstance(body, dict):
        if isinstance(body.get("detail"), str):
            return visible(body["detail"])
        err = body.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return visible(err["message"])
        if isinstance(err, str):
            return visible(err)
    return visible(json.dumps(body))


def _detail(resp: httpx.Response) -> str:
    try:
        body = loads_untrusted(resp.content)
    except ValueError:
        return visible(resp.text.strip())
    return _detail_of(body)


class OpenWebUIAdmin:
    """`async with OpenWebUIAdmin(url, token) as owui: ...` — token is an admin JWT or API key.

    The URL must be https, or http to loopback; other plain http needs `allow_http=True` (the
    operator's explicit flag), and `url_warning` then says what that exposes.
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        ca_bundle: str | Path | None = None,
        timeout: float = 30.0,
        allow_http: bool = False,
    ) -> None:
        checked = check_openwebui_url(url, allow_http=allow_http)
        self.url = checked.url
        self.url_warning = checked.warning
        self._token = token
        self._ca_bundle = ca_bundle
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None
        self._secrets: list[str] = [token] if token else []

    def __repr__(self) -> str:
        return f"OpenWebUIAdmin({self.url!r})"

    async def __aenter__(self) -> OpenWebUIAdmin:
        from gtwizard.gt.http import make_client

        self._client = make_client(ca_bundle=self._ca_bundle, timeout=self._timeout)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # ---- plumbing --------------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        auth: bool = True,
        cap: int | None = None,
    ) -> httpx.Response:
        import httpx

        if self._client is None:
            raise RuntimeError("use OpenWebUIAdmin as an async context manager")
        headers = {"Authorization": f"Bearer {self._token}"} if auth and self._token else {}
        try:
            return await self._client.request(
                method,
                self.url + path,
                json=json_body,
                headers=headers,
                extensions={BODY_CAP: cap or CAP_DEFAULT},
            )
        except httpx.ConnectError as exc:
            raise OpenWebUIError(
                f"cannot connect to Open WebUI at {self.url}",
                "check the URL and that Open WebUI is running",
            ) from exc
        except httpx.TimeoutException as exc:
            raise OpenWebUIError(
                f"Open WebUI at {self.url} did not answer {path} in time",
                "check that it is up and not overloaded",
            ) from exc
        except httpx.HTTPError as exc:
            raise OpenWebUIError(
                f"talking to Open WebUI at {self.url} failed ({type(exc).__name__})"
            ) from exc

    def _fail(self, resp: httpx.Response, path: str) -> OpenWebUIError:
        status = resp.status_code
        detail = redact(_detail(resp), self._secrets)
        if status == 401:
            return OpenWebUIError(
                f"Open WebUI rejected the admin credential on {path} (401: {detail})",
                "sign in again, or set GTWIZARD_OPENWEBUI_TOKEN to a valid admin JWT or API key",
                status=status,
            )
        if status == 403:
            return OpenWebUIError(
                f"the Open WebUI credential may not use {path} (403: {detail})",
                "use an account with the admin role",
                status=status,
            )
        low = detail.lower()
        if status == 404 and (low in ("not found", "") or "route" in low or "<html" in low):
            return OpenWebUIError(
                f"{self.url} has no {path} (404): not an Open WebUI, or a version without it",
                f"check the URL (Open WebUI, not the GT tenant); tested: {', '.join(TESTED_VERSIONS)}",
                status=status,
            )
        if 300 <= status < 400:
            return OpenWebUIError(
                f"{self.url}{path} redirects to {visible(resp.headers.get('location', '?'))}",
                "use the final Open WebUI URL",
                status=status,
            )
        return OpenWebUIError(f"Open WebUI {path} failed ({status}: {detail})", status=status)

    def _endpoint(self, path: str) -> str:
        return f"Open WebUI {path}"

    def _shape(self, value: Any, kind: type | tuple[type, ...], path: str, what: str) -> Any:
        return expect_shape(
            value, kind, endpoint=self._endpoint(path), what=what, error=OpenWebUIError
        )

    def _field(self, body: dict[str, Any], name: str, kind: Any, path: str, **default: Any) -> Any:
        return expect_field(
            body, name, kind, endpoint=self._endpoint(path), error=OpenWebUIError, **default
        )

    async def _json(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        auth: bool = True,
        shape: type | tuple[type, ...] = dict,
        cap: int | None = None,
    ) -> Any:
        """The JSON body of a 2xx answer, checked to be of `shape` (an object unless said)."""
        resp = await self._send(method, path, json_body=json_body, auth=auth, cap=cap)
        if not resp.is_success:
            raise self._fail(resp, path)
        return self._body(resp, path, shape)

    def _body(self, resp: httpx.Response, path: str, shape: type | tuple[type, ...]) -> Any:
        """The JSON body of `resp`, checked to be of `shape`."""
        try:
            body = loads_untrusted(resp.content)
        except ValueError as exc:
            raise OpenWebUIError(
                f"bad answer from {self.url}{path}: {exc}; this does not look like Open WebUI",
                "check the URL",
                status=resp.status_code,
            ) from None
        return self._shape(body, shape, path, "the answer")

    # ---- identity --------------------------------------------------------------------------

    async def health(self) -> bool:
        """True when /health says so (no credential needed)."""
        body = await self._json("GET", "/health", auth=False)
        return body.get("status") is True

    async def version(self) -> str:
        body = await self._json("GET", "/api/version", auth=False)
        return visible(self._field(body, "version", str, "/api/version"), 64)

    async def version_note(self) -> str | None:
        """None for a tested version; otherwise a one-line warning to show the operator."""
        found = await self.version()
        if found in TESTED_VERSIONS:
            return None
        return (
            f"Open WebUI {found} has not been tested with gtwizard "
            f"(tested: {', '.join(TESTED_VERSIONS)}); routes may differ"
        )

    async def signin(self, email: str, password: str) -> str:
        """Sign in with email and password; keep and return the session token."""
        path = "/api/v1/auths/signin"
        body = await self._json("POST", path, json_body={"email": email, "password": password})
        token = self._field(body, "token", str, path)
        if not token:
            raise OpenWebUIError("Open WebUI sign-in returned no token")
        self._token = token
        self._secrets.append(token)
        return token

    async def whoami(self) -> dict[str, Any]:
        """The signed-in user (id, email, role)."""
        return await self._json("GET", "/api/v1/auths/")

    async def require_admin(self) -> dict[str, Any]:
        me = await self.whoami()
        role = self._field(me, "role", str, "/api/v1/auths/", default="")
        if role != "admin":
            raise OpenWebUIError(
                f"the Open WebUI account has role '{visible(role, 64)}', not admin",
                "use an admin account or an admin's API key",
                status=403,
            )
        return me

    # ---- OpenAI connections ----------------------------------------------------------------

    async def get_openai_config(self) -> OpenAIConfig:
        path = "/openai/config"
        body = await self._json("GET", path)
        keys = _strings(body.get("OPENAI_API_KEYS") or [], self._endpoint(path), "the key list")
        self._secrets.extend(k for k in keys if k)
        configs = self._field(body, "OPENAI_API_CONFIGS", dict, path, default={})
        for index, conf in configs.items():
            self._shape(conf, dict, path, f"the config of connection {index}")
        return OpenAIConfig(
            enable=bool(self._field(body, "ENABLE_OPENAI_API", (bool, int), path, default=False)),
            urls=_strings(body.get("OPENAI_API_BASE_URLS") or [], self._endpoint(path), "the URLs"),
            keys=keys,
            configs=dict(configs),
        )

    async def update_openai_config(self, config: OpenAIConfig) -> OpenAIConfig:
        """Replace the whole connection list; ENABLE_OPENAI_API is always sent."""
        self._secrets.extend(k for k in config.keys if k)
        await self._json("POST", "/openai/config/update", json_body=config.payload())
        return await self.get_openai_config()

    async def upsert_gt_connection(
        self, openai_base: str, key: str, model_ids: Sequence[str], *, prefix_id: str = ""
    ) -> int:
        """Add or replace the GT connection, keep every other one; return its index.

        If the stored config does not read back as written, the previous config is restored.
        """
        conn = validate_connection(
            GtConnection(openai_base, key, tuple(model_ids), prefix_id=prefix_id)
        )
        self._secrets.append(key)
        before = await self.get_openai_config()
        urls = list(before.urls)
        keys = (list(before.keys) + [""] * len(urls))[: len(urls)]
        configs = rekey_configs(before.configs, urls)
        index = place_gt_connection(urls, keys, configs, conn)
        wanted = OpenAIConfig(
            True, urls, keys, dict(sorted(configs.items(), key=lambda i: int(i[0])))
        )
        after = await self.update_openai_config(wanted)
        if (
            after.urls != urls
            or after.keys != keys
            or after.configs.get(str(index)) != configs[str(index)]
        ):
            await self.update_openai_config(
                OpenAIConfig(True, before.urls, before.keys, before.configs)
            )
            raise OpenWebUIError(
                "Open WebUI did not store the GT connection as sent",
                "the previous connection list was restored; check the Open WebUI log",
            )
        return index

    async def verify_connection(self, url: str, key: str) -> VerifyResult:
        """Ask Open WebUI itself to GET `<url>/models` with `key` (its network, its CA store)."""
        self._secrets.append(key)
        path = "/openai/verify"
        body = {"url": normalise_base(url), "key": key, "config": {}}
        resp = await self._send("POST", path, json_body=body, cap=CAP_LIST)
        detail = redact(_detail(resp), self._secrets)
        if resp.is_success:
            answer = self._body(resp, path, dict)
            data = self._field(answer, "data", list, path, default=[])
            ids = [self._shape(m, dict, path, "a model entry") for m in data]
            return VerifyResult(resp.status_code, [visible(m.get("id", "")) for m in ids], "")
        try:
            parsed = loads_untrusted(resp.content)
        except ValueError:
            parsed = None
        upstream = parsed is None or (isinstance(parsed, dict) and "detail" not in parsed)
        if not upstream and resp.status_code in (401, 403):
            raise self._fail(resp, path)  # our own credential, not the GT key
        return VerifyResult(resp.status_code, [], detail)

    # ---- models and chat -------------------------------------------------------------------

    async def list_models(self) -> list[str]:
        """Model ids this credential's user sees (the admin sees more than ordinary users)."""
        return [entry["id"] for entry in await self.list_model_entries()]

    async def connection_model_ids(self, index: int) -> list[str]:
        """Model ids one connection reports live (`GET /openai/models/{idx}`); [] if it fails."""
        try:
            body = await self._json("GET", f"/openai/models/{index}", cap=CAP_LIST)
        except OperationFailed:
            return []
        data = body.get("data")
        if not isinstance(data, list):
            return []
        return [visible(m.get("id")) for m in data if isinstance(m, dict) and m.get("id")]

    async def list_model_entries(self) -> list[dict[str, Any]]:
        """The /api/models entries this user sees (`id` made harmless to show); `urlIdx` names
        the owning connection."""
        body = await self._json("GET", "/api/models", cap=CAP_LIST)
        data = self._field(body, "data", list, "/api/models", default=[])
        return [{**m, "id": visible(m["id"])} for m in data if isinstance(m, dict) and "id" in m]

    async def chat(self, model: str, text: str, *, stream: bool = False) -> ChatResult:
        """One user turn through Open WebUI's /api/chat/completions; returns the answer text.

        The text may be empty: `chat_proof` is what proves a chat (it requires an answer).
        """
        path = "/api/chat/completions"
        payload = {
            "model": model,
            "stream": stream,
            "messages": [{"role": "user", "content": text}],
        }
        if not stream:
            body = await self._json("POST", path, json_body=payload, cap=CAP_CHAT)
            try:
                content = body["choices"][0]["message"]["content"]
            except (KeyError, IndexError, TypeError):
                content = ...
            if content is not None and not isinstance(content, str):
                raise OpenWebUIError(
                    f"unexpected answer from {self._endpoint(path)}: no choices[0].message.content"
                    f" for {model}",
                    "Open WebUI or the upstream did not answer in the OpenAI shape",
                )
            return ChatResult(guard(content or ""), 1)
        return await self._chat_stream(path, payload, model)

    async def _chat_stream(self, path: str, payload: dict[str, Any], model: str) -> ChatResult:
        """The streamed chat: every event checked, transport failures mapped, text assembled."""
        import httpx

        if self._client is None:
            raise RuntimeError("use OpenWebUIAdmin as an async context manager")
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        parts: list[str] = []
        chunks = 0
        try:
            async with self._client.stream(
                "POST",
                self.url + path,
                json=payload,
                headers=headers,
                extensions={BODY_CAP: CAP_CHAT},
            ) as r:
                if not r.is_success:
                    await r.aread()
                    raise self._fail(r, path)
                async for line in r.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    chunks += 1
                    parts.append(self._delta(data, path, model))
        except httpx.HTTPError as exc:
            raise OpenWebUIError(
                f"the streamed chat with {model} through Open WebUI {path} broke after "
                f"{chunks} event(s) ({type(exc).__name__})",
                "check that Open WebUI is up and that no proxy cuts or buffers the stream",
            ) from None
        return ChatResult(guard("".join(parts)), chunks)

    def _delta(self, data: str, path: str, model: str) -> str:
        """The content of one stream event; an error event or a wrong shape raises."""
        try:
            event = loads_untrusted(data)
        except ValueError as exc:
            raise OpenWebUIError(
                f"unexpected answer from {self._endpoint(path)}: a stream event for {model}: {exc}",
                "a proxy may rewrite the stream",
            ) from None
        event = self._shape(event, dict, path, "a stream event")
        if "error" in event or "detail" in event:
            said = _detail_of(event) or "an error"
            raise OpenWebUIError(
                f"the streamed chat with {model} through Open WebUI reported "
                f"{redact(said, self._secrets)}",
                "check the model's access grant and the GT key Open WebUI holds",
            )
        choices = self._field(event, "choices", list, path, default=[])
        if not choices:
            return ""
        choice = self._shape(choices[0], dict, path, "choices[0] of a stream event")
        delta = self._field(choice, "delta", dict, path, default={})
        content = self._field(delta, "content", str, path, default="")
        return content

    async def chat_proof(self, model: str, prompt: str, *, stream: bool = False) -> ChatResult:
        """A chat that proves something: the answer has text (a stream's assembled deltas).

        Empty deltas, `content: ""` or a stream of only role chunks raise OpenWebUIError.
        Checks and rotation both prove a user's chat with this.
        """
        from gtwizard.gt.client import require_answer

        answer = await self.chat(model, prompt, stream=stream)
        kind = f"streamed chat ({answer.chunks} event(s))" if stream else "chat"
        require_answer(answer.text, what=f"Open WebUI's {kind} with {model}", error=OpenWebUIError)
        return answer

    async def grant_model_access(self, model_id: str, audience: str | Sequence[str] = "*") -> None:
        """Make `model_id` readable by all users ("*") or by the named groups (replaces grants)."""
        names = [audience] if isinstance(audience, str) else list(audience)
        grants: list[dict[str, Any]]
        if names == ["*"]:
            grants = [{"principal_type": "user", "principal_id": "*", "permission": "read"}]
        else:
            groups = await self._json("GET", "/api/v1/groups/", shape=list)
            by_name = {g.get("name"): g.get("id") for g in groups if isinstance(g, dict)}
            missing = [n for n in names if n not in by_name]
            if missing:
                raise InvalidInput(
                    f"Open WebUI has no group named {', '.join(missing)}",
                    "create the group in Open WebUI first, or choose all users",
                )
            grants = [
                {"principal_type": "group", "principal_id": by_name[n], "permission": "read"}
                for n in names
            ]
        await self._json(
            "POST",
            "/api/v1/models/model/access/update",
            json_body={"id": model_id, "name": model_id, "access_grants": grants},
            shape=(dict, type(None)),
        )

    # ---- embeddings, tasks -----------------------------------------------------------------

    async def get_embedding_config(self) -> dict[str, Any]:
        return await self._json("GET", "/api/v1/retrieval/embedding")

    async def update_embedding_config(
        self, openai_base: str, key: str, model: str, *, batch_size: int = 16, concurrency: int = 4
    ) -> dict[str, Any]:
        """Point embeddings at the GT base; bounded concurrency so the tenant is not flooded."""
        self._secrets.append(key)
        body = {
            "RAG_EMBEDDING_ENGINE": "openai",
            "RAG_EMBEDDING_MODEL": model,
            "RAG_EMBEDDING_BATCH_SIZE": batch_size,
            "ENABLE_ASYNC_EMBEDDING": True,
            "RAG_EMBEDDING_CONCURRENT_REQUESTS": concurrency,
            "openai_config": {"url": normalise_base(openai_base), "key": key},
        }
        return await self._json("POST", "/api/v1/retrieval/embedding/update", json_body=body)

    async def process_text(self, name: str, content: str, collection: str) -> dict[str, Any]:
        """Index a text (embeds it through the configured engine): proves RAG reaches GT."""
        body = {"name": name, "content": content, "collection_name": collection}
        return await self._json("POST", "/api/v1/retrieval/process/text", json_body=body)

    async def get_tasks_config(self) -> dict[str, Any]:
        return await self._json("GET", "/api/v1/tasks/config")

    # ---- users (test users for the ordinary-user view) ------------------------------------

    async def add_user(self, name: str, email: str, password: str, role: str = "user") -> str:
        """Create a user as the admin; return its id."""
        body = await self._json(
            "POST",
            "/api/v1/auths/add",
            json_body={"name": name, "email": email, "password": password, "role": role},
        )
        user_id = self._field(body, "id", str, "/api/v1/auths/add")
        if not user_id:
            raise OpenWebUIError("Open WebUI created no user")
        return user_id

    async def delete_user(self, user_id: str) -> None:
        await self._json("DELETE", f"/api/v1/users/{quote(user_id, safe='')}", shape=(bool, dict))
