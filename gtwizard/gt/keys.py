"""Automatic key minting through the key-management API (see `gtwizard.gt.contract`).

The operator token authenticates; the minted secret is returned exactly once and kept out of
every repr, so logging a `MintedKey` cannot leak it. Minting is never retried on a server error
(that could create two keys); reads and revocation are idempotent, so they are retried.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gtwizard.errors import InvalidInput
from gtwizard.gt.contract import (
    DEFAULT_PATHS,
    KEY_PREFIX,
    KINDS,
    OPERATOR_TOKEN_ENV,
    PURPOSES,
    KeyApiPaths,
)
from gtwizard.gt.errors import GTError, NotFound, malformed
from gtwizard.gt.http import make_client
from gtwizard.gt.transport import RetryHook, RetryPolicy, send

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class PublishedName:
    name: str
    kind: str


@dataclass(frozen=True)
class MintRequest:
    """What to mint: the allowlists are separate (an alias never grants a raw model, or back)."""

    name: str
    purpose: str = "inference"
    scopes: tuple[str, ...] = ("inference:chat",)
    agent_aliases: tuple[str, ...] = ()
    raw_models: tuple[str, ...] = ()
    expires_at: datetime | str | None = None
    datasets: tuple[str, ...] = ()

    def body(self) -> dict[str, Any]:
        if not self.name.strip():
            raise InvalidInput("a key needs a name", "name it after the integration it serves")
        if self.purpose not in PURPOSES:
            raise InvalidInput(
                f"unknown key purpose '{self.purpose}'", f"use one of {', '.join(PURPOSES)}"
            )
        expires = self.expires_at
        if isinstance(expires, datetime):
            if expires.tzinfo is None:
                raise InvalidInput("the expiry needs a time zone", "give it in UTC, e.g. ...Z")
            expires = expires.isoformat()
        body = {
            "name": self.name,
            "purpose": self.purpose,
            "scopes": list(self.scopes),
            "agent_aliases": list(self.agent_aliases),
            "raw_models": list(self.raw_models),
            "expires_at": expires,
        }
        if self.datasets:  # only upload keys have targets; older tenants need not know the field
            body["datasets"] = list(self.datasets)
        return body


@dataclass(frozen=True, kw_only=True)
class KeyRecord:
    """A key as the tenant lists it (never with its secret)."""

    id: str
    name: str
    purpose: str
    scopes: tuple[str, ...]
    agent_aliases: tuple[str, ...]
    raw_models: tuple[str, ...]
    prefix: str
    created_at: str
    expires_at: str | None = None
    revoked_at: str | None = None
    last_used_at: str | None = None
    datasets: tuple[str, ...] = ()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, kw_only=True)
class MintedKey(KeyRecord):
    """A freshly minted key; `secret` is shown once and excluded from repr and equality."""

    secret: str = field(repr=False, compare=False)


@dataclass(frozen=True)
class Revocation:
    id: str
    revoked_at: str


def _strs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ValueError("not a list of strings")
    return tuple(value)


def _opt_str(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError("not a string")
    return value


def _record_fields(data: Any) -> dict[str, Any]:
    """The KeyRecord fields of one JSON key record; ValueError when malformed."""
    if not isinstance(data, dict):
        raise ValueError("not an object")
    try:
        fields: dict[str, Any] = {
            k: data[k] for k in ("id", "name", "purpose", "prefix", "created_at")
        }
    except KeyError as exc:
        raise ValueError(f"missing '{exc.args[0]}'") from None
    if not all(isinstance(v, str) for v in fields.values()):
        raise ValueError("a required field is not a string")
    for k in ("scopes", "agent_aliases", "raw_models", "datasets"):
        fields[k] = _strs(data.get(k, []))
    for k in ("expires_at", "revoked_at", "last_used_at"):
        fields[k] = _opt_str(data.get(k))
    return fields


class KeyManager:
    """Mint, list, inspect and revoke keys on one tenant; use as `async with`."""

    def __init__(
        self,
        gt_base: str,
        operator_token: str,
        *,
        ca_bundle: str | Path | None = None,
        timeout: float = 10.0,
        paths: KeyApiPaths = DEFAULT_PATHS,
        max_retries: int = 2,
        on_retry: RetryHook | None = None,
    ) -> None:
        if not operator_token:
            raise InvalidInput(
                "automatic minting needs an operator token",
                f"set {OPERATOR_TOKEN_ENV}, or mint the key by hand in the tenant app at /gt-api",
            )
        if operator_token.startswith(KEY_PREFIX):
            raise InvalidInput(
                "a gtak_ key is not an operator token",
                f"set {OPERATOR_TOKEN_ENV} to the tenant's operator token",
            )
        self.gt_base = gt_base.rstrip("/")
        self.paths = paths
        self._token = operator_token
        self._secrets: tuple[str, ...] = (operator_token,)
        self._max_retries = max_retries
        self._on_retry = on_retry
        self._http = make_client(
            ca_bundle=ca_bundle,
            timeout=timeout,
            headers={"Authorization": f"Bearer {operator_token}"},
        )

    def __repr__(self) -> str:  # never show the token
        return f"KeyManager({self.gt_base!r})"

    async def __aenter__(self) -> KeyManager:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def _call(
        self, method: str, url: str, body: Any = None, *, idempotent: bool = True
    ) -> tuple[httpx.Response, Any]:
        policy = RetryPolicy(
            max_retries=self._max_retries, retry_server_errors=idempotent, on_retry=self._on_retry
        )
        try:
            response = await send(
                self._http,
                method,
                url,
                policy=policy,
                json=body,
                secrets=self._secrets,
                operator=True,
            )
        except NotFound as exc:
            raise self._not_found(exc, url) from None
        try:
            return response, response.json()
        except ValueError:
            raise malformed("the body is not JSON", url) from None

    def _not_found(self, exc: NotFound, url: str) -> GTError:
        if "/keys/" in url:
            return NotFound(
                "no such key on this tenant", "list keys with their ids, then try again"
            )
        return NotFound(
            f"this tenant offers no key-management API at {url}",
            "GT documents none: mint the key by hand in the tenant app at /gt-api and paste it",
        )

    async def published(self) -> list[PublishedName]:
        """The names an operator may put on a key's allowlists."""
        url = self.paths.published_url(self.gt_base)
        _, data = await self._call("GET", url)
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise malformed("'data' is not a list", url)
        names = []
        for item in items:
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("name"), str)
                or item.get("kind") not in KINDS
            ):
                raise malformed("a published entry lacks a name or a known kind", url)
            names.append(PublishedName(item["name"], item["kind"]))
        return names

    async def mint(self, request: MintRequest) -> MintedKey:
        """Create a key; the secret in the answer is the only copy there will ever be."""
        url = self.paths.keys_url(self.gt_base)
        body = request.body()
        _, data = await self._call("POST", url, body, idempotent=False)
        secret = data.get("secret") if isinstance(data, dict) else None
        if not isinstance(secret, str) or not secret.startswith(KEY_PREFIX):
            raise malformed("the answer carries no gtak_ secret", url)
        self._secrets = (*self._secrets, secret)
        try:
            return MintedKey(**_record_fields(data), secret=secret)
        except ValueError as exc:
            raise malformed(f"key record: {exc}", url) from None

    async def list_keys(self) -> list[KeyRecord]:
        url = self.paths.keys_url(self.gt_base)
        _, data = await self._call("GET", url)
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise malformed("'data' is not a list", url)
        try:
            return [KeyRecord(**_record_fields(item)) for item in items]
        except ValueError as exc:
            raise malformed(f"key record: {exc}", url) from None

    async def get_key(self, key_id: str) -> KeyRecord:
        url = self.paths.key_url(self.gt_base, key_id)
        _, data = await self._call("GET", url)
        try:
            return KeyRecord(**_record_fields(data))
        except ValueError as exc:
            raise malformed(f"key record: {exc}", url) from None

    async def update_allowlists(
        self,
        key_id: str,
        *,
        agent_aliases: Sequence[str] | None = None,
        raw_models: Sequence[str] | None = None,
    ) -> KeyRecord:
        """Replace a key's allowlists (None leaves a list as it is); scopes cannot change."""
        body: dict[str, list[str]] = {}
        if agent_aliases is not None:
            body["agent_aliases"] = list(agent_aliases)
        if raw_models is not None:
            body["raw_models"] = list(raw_models)
        url = self.paths.key_url(self.gt_base, key_id)
        _, data = await self._call("PATCH", url, body)
        try:
            return KeyRecord(**_record_fields(data))
        except ValueError as exc:
            raise malformed(f"key record: {exc}", url) from None

    async def revoke(self, key_id: str) -> Revocation:
        """Revoke at once; revoking an already revoked key succeeds again."""
        url = self.paths.key_url(self.gt_base, key_id)
        _, data = await self._call("DELETE", url)
        if (
            not isinstance(data, dict)
            or data.get("revoked") is not True
            or not isinstance(data.get("revoked_at"), str)
        ):
            raise malformed("the answer does not confirm the revocation", url)
        return Revocation(id=str(data.get("id") or key_id), revoked_at=data["revoked_at"])
