"""Sending one request with bounded retries, shared by the inference and key-management clients.

Only failures that are safe and likely to pass are retried: 429 (honouring Retry-After, capped),
5xx when the request is idempotent or stateless, and connections that were refused before anything
was sent. Everything else fails at once; nothing is retried forever.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gtwizard.gt.errors import ConnectionRefused, to_gt_error
from gtwizard.gt.http import BODY_CAP, CAP_DEFAULT

if TYPE_CHECKING:
    import httpx

MAX_RETRY_AFTER = 10.0
BACKOFF_BASE = 0.25
BACKOFF_CAP = 4.0

# on_retry(attempt, delay, reason): a UI shows "retrying in 2 s"; tests use it to clear faults.
RetryHook = Callable[[int, float, str], Awaitable[None] | None]


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry and which failures count as retryable."""

    max_retries: int = 2
    retry_server_errors: bool = True
    on_retry: RetryHook | None = None


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After in seconds (delta-seconds form only), capped; None if absent or unparsable."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def backoff(attempt: int) -> float:
    """Exponential backoff for attempt 0, 1, 2, ...: 0.25 s, 0.5 s, 1 s ... capped."""
    return min(BACKOFF_BASE * (2.0**attempt), BACKOFF_CAP)


async def _notify(policy: RetryPolicy, attempt: int, delay: float, reason: str) -> None:
    if policy.on_retry is None:
        return
    result = policy.on_retry(attempt, delay, reason)
    if inspect.isawaitable(result):
        await result


def _retry_delay(response: httpx.Response, attempt: int, policy: RetryPolicy) -> float | None:
    """The wait before the next attempt, or None when this response is final."""
    if response.status_code == 429:
        after = retry_after_seconds(response)
        return backoff(attempt) if after is None else after
    if response.status_code >= 500 and policy.retry_server_errors:
        return backoff(attempt)
    return None


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    policy: RetryPolicy,
    json: Any = None,
    headers: dict[str, str] | None = None,
    model: str | None = None,
    secrets: Iterable[str] = (),
    operator: bool = False,
    stream: bool = False,
    cap: int = CAP_DEFAULT,
) -> httpx.Response:
    """Send with retries; return a 2xx response or raise the mapped `GTError`.

    With `stream=True` the returned response is open and unread: the caller must close it.
    `cap` bounds the body (gtwizard.gt.http); past it BodyTooLarge is raised, never retried.
    """
    import httpx

    secrets = tuple(secrets)
    attempt = 0
    while True:
        try:
            request = client.build_request(
                method, url, json=json, headers=headers, extensions={BODY_CAP: cap}
            )
            response = await client.send(request, stream=stream)
            if stream and not response.is_success:
                try:
                    await response.aread()
                finally:
                    await response.aclose()
        except httpx.HTTPError as exc:
            error = to_gt_error(exc, url=url, secrets=secrets)
            # Refused means nothing was sent: always safe to try again, boundedly.
            if isinstance(error, ConnectionRefused) and attempt < policy.max_retries:
                pause = backoff(attempt)
                await _notify(policy, attempt + 1, pause, "connection refused")
                await asyncio.sleep(pause)
                attempt += 1
                continue
            raise error from None
        if response.is_success:
            return response
        delay = _retry_delay(response, attempt, policy)
        if delay is None or attempt >= policy.max_retries:
            raise to_gt_error(response, model=model, secrets=secrets, operator=operator)
        await _notify(policy, attempt + 1, delay, f"HTTP {response.status_code}")
        await asyncio.sleep(delay)
        attempt += 1
