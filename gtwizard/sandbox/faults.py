"""Fault injection: latency, error statuses, 429 with Retry-After, dropped connections, slow and
garbage bodies, and a hostile tenant (gtwizard.sandbox.hostile). Clients must survive all of these,
so tests switch them on at run time (or at start: `gtwizard sandbox --hostile MODE`).

The injector is a plain ASGI middleware in front of the whole app. The control routes themselves
(`/_sandbox/...`) are exempt, otherwise a fault could lock the tests out of clearing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
from typing import Any

from gtwizard.sandbox import responses
from gtwizard.sandbox.hostile import HOSTILE_MODES, hostile
from gtwizard.sandbox.responses import FieldError

BASE_PATH = "/api/tenant"
CONTROL_PREFIX = BASE_PATH + "/_sandbox"
TRANSPORT_EXTENSION = "gtwizard.transport"
DRIP_PIECE = 16
GARBAGE_BODY = b"<html><body>sandbox: this is not JSON</body></html>"


@dataclasses.dataclass(frozen=True)
class FaultConfig:
    """The active faults; every field has the contract's name and meaning."""

    latency_ms: int = 0
    error_status: int | None = None
    error_rate: float = 0.0
    retry_after: int | None = None
    drop_rate: float = 0.0
    drip_ms: int = 0
    garbage_rate: float = 0.0
    path_prefix: str | None = None
    hostile: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def matches(self, path: str) -> bool:
        """Match the prefix against the full path or the path below the GT base."""
        if not self.path_prefix:
            return True
        below = path[len(BASE_PATH) :] if path.startswith(BASE_PATH) else path
        return path.startswith(self.path_prefix) or below.startswith(self.path_prefix)


def _int(name: str, value: Any, *, optional: bool = False, low: int = 0, high: int = 10**7) -> Any:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FieldError(name, f"{name} must be an integer from {low} to {high}")
    return value


def _rate(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise FieldError(name, f"{name} must be a number from 0 to 1")
    return float(value)


def parse_faults(fields: dict[str, Any], baseline: FaultConfig) -> FaultConfig:
    """Build a config from `fields`; unspecified fields take the baseline (start) values.

    `error_status` without `error_rate` means every matching request fails: that is what someone
    who names a status almost always wants.
    """
    known = {f.name for f in dataclasses.fields(FaultConfig)}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise FieldError(unknown[0], f"unknown fault field {unknown[0]!r}")
    merged = {**baseline.as_dict(), **fields}
    if fields.get("error_status") is not None and "error_rate" not in fields:
        merged["error_rate"] = 1.0
    prefix = merged["path_prefix"]
    if prefix is not None and not isinstance(prefix, str):
        raise FieldError("path_prefix", "path_prefix must be a string or null")
    mode = merged["hostile"]
    if mode is not None and mode not in HOSTILE_MODES:
        raise FieldError("hostile", f"hostile must be null or one of {', '.join(HOSTILE_MODES)}")
    return FaultConfig(
        latency_ms=_int("latency_ms", merged["latency_ms"], high=600_000),
        error_status=_int("error_status", merged["error_status"], optional=True, low=400, high=599),
        error_rate=_rate("error_rate", merged["error_rate"]),
        retry_after=_int("retry_after", merged["retry_after"], optional=True, high=86_400),
        drop_rate=_rate("drop_rate", merged["drop_rate"]),
        drip_ms=_int("drip_ms", merged["drip_ms"], high=60_000),
        garbage_rate=_rate("garbage_rate", merged["garbage_rate"]),
        path_prefix=prefix or None,
        hostile=mode,
    )


class FaultHolder:
    """The current config, swapped as a whole (safe to set from another thread)."""

    def __init__(self, latency_ms: int = 0, hostile: str | None = None) -> None:
        self.baseline = parse_faults({"latency_ms": latency_ms, "hostile": hostile}, FaultConfig())
        self.current = self.baseline
        self.hostile_sent = 0  # body bytes the `huge` mode handed to connections

    def set(self, **fields: Any) -> FaultConfig:
        self.current = parse_faults(fields, self.baseline)
        return self.current

    def clear(self) -> FaultConfig:
        """Back to the start configuration (the start latency stays)."""
        self.current = self.baseline
        return self.current


def _roll(rate: float) -> bool:
    return rate >= 1.0 or (rate > 0.0 and random.random() < rate)


class FaultInjector:
    """ASGI middleware that applies the holder's current faults to each request."""

    def __init__(self, app: Any, holder: FaultHolder) -> None:
        self.app = app
        self.holder = holder

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        faults = self.holder.current
        if not faults.matches(path):
            await self.app(scope, receive, send)
            return
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if _roll(faults.drop_rate):
            await _drop(scope, receive)
            return
        if faults.error_status is not None and _roll(faults.error_rate):
            await self._answer(_injected_error(faults), faults, scope, receive, send)
            return
        if _roll(faults.garbage_rate):
            await _garbage(send)
            return
        if faults.drip_ms:
            send = _dripping(send, faults.drip_ms / 1000)
        await self._answer(self.app, faults, scope, receive, send)

    async def _answer(
        self, app: Any, faults: FaultConfig, scope: dict[str, Any], receive: Any, send: Any
    ) -> None:
        """`app` answers, through the hostile tenant when that mode is on."""
        if faults.hostile:
            await hostile(faults.hostile, app, scope, receive, send, self.holder)
        else:
            await app(scope, receive, send)


def _injected_error(faults: FaultConfig) -> Any:
    status = faults.error_status or 500
    headers = None
    if status == 429:
        headers = {"Retry-After": str(faults.retry_after if faults.retry_after is not None else 1)}
    return responses.for_status(status, f"injected fault: HTTP {status}", headers)


async def _garbage(send: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(GARBAGE_BODY)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": GARBAGE_BODY})


async def _drop(scope: dict[str, Any], receive: Any) -> None:
    """Close the connection without a single response byte.

    The server's protocol class puts the connection's transport into the scope extensions (see
    server.py); closing it and then waiting for the disconnect event keeps uvicorn from trying to
    answer with a 500 of its own.
    """
    transport = scope.get("extensions", {}).get(TRANSPORT_EXTENSION)
    if transport is None:
        raise RuntimeError("drop fault needs the sandbox server's protocol class")
    transport.close()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5):
            while (await receive())["type"] != "http.disconnect":
                pass


def _dripping(send: Any, pause: float) -> Any:
    """Wrap `send` so response bodies leave in small pieces with a pause between them."""

    async def dripping_send(message: dict[str, Any]) -> None:
        if message["type"] != "http.response.body":
            await send(message)
            return
        body = message.get("body", b"")
        more = message.get("more_body", False)
        pieces = [body[i : i + DRIP_PIECE] for i in range(0, len(body), DRIP_PIECE)] or [b""]
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            await send({"type": "http.response.body", "body": piece, "more_body": more or not last})
            if not last:
                await asyncio.sleep(pause)

    return dripping_send
