"""Automatic key minting through the key-management API (see `gtwizard.gt.contract`).

The operator token authenticates; the minted secret is returned exactly once and kept out of
every repr, so logging a `MintedKey` cannot leak it. Minting is never retried on a server error
(that could create two keys); reads and revocation are idempotent, so they are retried.

Every record is checked against the contract's shapes as it arrives (gtwizard.gt.contract): a key
id, a key name, a prefix and a minted secret that do not fit are refused as a bad answer from the
tenant, before anything stores or shows them; every other string is made harmless to show
(gtwizard.safetext.visible). In a key list, a record whose id does not fit is left out and
counted in `KeyListing.left_out` (it cannot be a key gtwizard holds: every id gtwizard keeps
passed the same check); a record with a usable id but another field that does not fit refuses
the whole list, naming the id, because it may be one of gtwizard's own keys, and acting on a list
without it could take the key for gone.
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
    FIELD_MAX,
    KEY_PREFIX,
    KINDS,
    OPERATOR_TOKEN_ENV,
    PREFIX_SHAPE,
    PURPOSES,
    KeyApiPaths,
    is_key_form,
    is_operator_token_form,
    key_id_problem,
    key_name_problem,
)
from gtwizard.gt.errors import GTError, NotFound, malformed
from gtwizard.gt.http import CAP_LIST, CAP_RECORD, make_client
from gtwizard.gt.transport import RetryHook, RetryPolicy, send
from gtwizard.safetext import loads_untrusted, visible

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


def _strs(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ValueError(f"'{name}' is not a list of strings")
    return tuple(visible(x, FIELD_MAX) for x in value)


def _opt_str(value: Any, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"'{name}' is not a string")
    return None if value is None else visible(value, FIELD_MAX)


class RecordError(ValueError):
    """A key record that does not fit the contract; `key_id` is its id when that one fits."""

    def __init__(self, problem: str, key_id: str | None = None) -> None:
        super().__init__(problem)
        self.key_id = key_id


def _record_fields(data: Any) -> dict[str, Any]:
    """The KeyRecord fields of one JSON key record, checked; RecordError when it does not fit.

    The id, the name and the prefix are held to the contract's shapes (never repaired); the other
    strings are made harmless to show. No message quotes what the tenant sent.
    """
    if not isinstance(data, dict):
        raise RecordError("a record is not an object")
    problem = key_id_problem(data.get("id")) if "id" in data else "a record has no 'id'"
    if problem:
        raise RecordError(problem)
    key_id: str = data["id"]
    try:
        raw = {k: data[k] for k in ("name", "purpose", "prefix", "created_at")}
    except KeyError as exc:
        raise RecordError(f"key {key_id} has no '{exc.args[0]}'", key_id) from None
    wrong = next((k for k, v in raw.items() if not isinstance(v, str)), None)
    if wrong:
        raise RecordError(f"the '{wrong}' of key {key_id} is not a string", key_id)
    problem = key_name_problem(raw["name"])
    if problem:
        raise RecordError(f"{problem.replace('the name', f'the name of key {key_id}')}", key_id)
    if not PREFIX_SHAPE.fullmatch(raw["prefix"]):
        raise RecordError(f"the prefix of key {key_id} is not part of a GT key's form", key_id)
    fields: dict[str, Any] = {
        "id": key_id,
        "name": raw["name"],
        "prefix": raw["prefix"],
        "purpose": visible(raw["purpose"], FIELD_MAX),
        "created_at": visible(raw["created_at"], FIELD_MAX),
    }
    try:
        for k in ("scopes", "agent_aliases", "raw_models", "datasets"):
            fields[k] = _strs(data.get(k, []), k)
        for k in ("expires_at", "revoked_at", "last_used_at"):
            fields[k] = _opt_str(data.get(k), k)
    except ValueError as exc:
        raise RecordError(f"key {key_id}: {exc}", key_id) from None
    return fields


class KeyListing(list[KeyRecord]):
    """The records of `GET /keys` that fit the contract; `left_out` says which did not (by
    position and reason, never with their bytes)."""

    def __init__(self, records: Sequence[KeyRecord], left_out: Sequence[str] = ()) -> None:
        super().__init__(records)
        self.left_out: tuple[str, ...] = tuple(left_out)


def check_operator_token(token: str | None, *, typed: bool = False) -> str:
    """The operator token, or InvalidInput (never repeating it): none given, or a gtak_ key.

    `typed`: a token typed by hand (not from the environment or kept with a profile) must also
    have the contract's form, `gtop_` and 16-256 URL-safe characters: a stray keystroke or a
    half-pasted token is never sent to the tenant, nor taken as a secret to redact."""
    if not token:
        raise InvalidInput(
            "automatic minting needs an operator token",
            f"set {OPERATOR_TOKEN_ENV}, or mint the key by hand in the tenant app at /gt-api",
        )
    if token.startswith(KEY_PREFIX):
        raise InvalidInput(
            "a gtak_ key is not an operator token",
            f"set {OPERATOR_TOKEN_ENV} to the tenant's operator token",
        )
    if typed and not is_operator_token_form(token):
        raise InvalidInput(
            "that is not an operator token (they start with gtop_ and are at least 21 "
            "characters, no spaces)",
            "paste the whole operator token of this tenant",
        )
    return token


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
        check_operator_token(operator_token)
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
        self,
        method: str,
        url: str,
        body: Any = None,
        *,
        idempotent: bool = True,
        cap: int = CAP_RECORD,
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
                cap=cap,
            )
        except NotFound as exc:
            raise self._not_found(exc, url) from None
        try:
            return response, loads_untrusted(response.content)
        except ValueError as exc:
            raise malformed(str(exc), url) from None

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
        _, data = await self._call("GET", url, cap=CAP_LIST)
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
            names.append(PublishedName(visible(item["name"]), item["kind"]))
        return names

    async def mint(self, request: MintRequest) -> MintedKey:
        """Create a key; the secret in the answer is the only copy there will ever be."""
        url = self.paths.keys_url(self.gt_base)
        body = request.body()
        _, data = await self._call("POST", url, body, idempotent=False)
        secret = data.get("secret") if isinstance(data, dict) else None
        if isinstance(secret, str) and secret:
            self._secrets = (*self._secrets, secret)  # masked in every message from here on
        if not isinstance(secret, str) or not is_key_form(secret):
            raise malformed(
                "the answer carries no secret of a GT key's form (gtak_ and 16-256 letters, "
                "digits, '_' or '-')",
                url,
            )
        fields = self._record(data, url)
        if not secret.startswith(fields["prefix"]):
            raise malformed(f"the prefix of key {fields['id']} is not the start of its secret", url)
        return MintedKey(**fields, secret=secret)

    def _record(self, data: Any, url: str) -> dict[str, Any]:
        try:
            return _record_fields(data)
        except RecordError as exc:
            raise malformed(f"key record: {exc}", url) from None

    async def list_keys(self) -> KeyListing:
        """Every key record that fits the contract (see the module's note on the others)."""
        url = self.paths.keys_url(self.gt_base)
        _, data = await self._call("GET", url, cap=CAP_LIST)
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise malformed("'data' is not a list", url)
        records: list[KeyRecord] = []
        left_out: list[str] = []
        for index, item in enumerate(items, start=1):
            try:
                records.append(KeyRecord(**_record_fields(item)))
            except RecordError as exc:
                if exc.key_id is not None:
                    raise malformed(
                        f"key record {index}: {exc}; fix or revoke that key in the tenant app",
                        url,
                    ) from None
                left_out.append(f"record {index}: {exc}")
        return KeyListing(records, left_out)

    async def get_key(self, key_id: str) -> KeyRecord:
        url = self.paths.key_url(self.gt_base, key_id)
        _, data = await self._call("GET", url)
        return KeyRecord(**self._record(data, url))

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
        return KeyRecord(**self._record(data, url))

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
        answered = data.get("id")
        if answered is not None and answered != key_id:
            problem = key_id_problem(answered) or f"it names another key than {key_id}"
            raise malformed(f"the revocation answer does not fit: {problem}", url)
        return Revocation(id=key_id, revoked_at=visible(data["revoked_at"], FIELD_MAX))
