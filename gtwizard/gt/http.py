"""The one place an HTTP client is built, so every request gets the same safety settings.

TLS verification is always on: the system trust store, plus an operator-supplied CA bundle that
is *added* to it (for tenants behind a private CA). Proxies come from the environment, redirects
are never followed (a redirect usually means a wrong base URL, and following it could carry the
key elsewhere), and every request has an explicit timeout.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gtwizard import __version__
from gtwizard.errors import InvalidInput

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"gtwizard/{__version__}"
CONNECT_TIMEOUT_CAP = 10.0


def ssl_context(ca_bundle: str | Path | None = None) -> ssl.SSLContext:
    """A verifying client context: system CAs, plus `ca_bundle` (PEM) when given.

    Built once per bundle (and bundle version) and shared: loading the system trust store costs
    tens of ms and about a megabyte each time, and one check run makes a dozen clients.
    """
    if ca_bundle is None:
        return _cached_context(None, 0, 0)
    path = Path(ca_bundle).expanduser()
    if not path.is_file():
        raise InvalidInput(
            f"CA bundle {path} does not exist or is not a file",
            "pass --ca-bundle the path of a PEM file with your tenant's CA certificate",
        )
    stat = path.stat()
    return _cached_context(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _cached_context(path: str | None, mtime_ns: int, size: int) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if path is None:
        return ctx
    try:
        ctx.load_verify_locations(cafile=path)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise InvalidInput(
            f"CA bundle {path} could not be loaded ({type(exc).__name__})",
            "it must be a readable PEM file containing one or more CA certificates",
        ) from None
    return ctx


def timeouts(total: float) -> httpx.Timeout:
    """Per-phase timeouts: connecting never waits longer than reading."""
    import httpx

    return httpx.Timeout(total, connect=min(total, CONNECT_TIMEOUT_CAP))


def _deadline_transport(inner: httpx.AsyncBaseTransport, total: float) -> httpx.AsyncBaseTransport:
    """Wrap `inner` so one exchange, body included, ends within `total` seconds.

    httpx's read timeout applies to each read, so a server that drips a byte now and then would
    otherwise hold a request (and the wizard) forever. Past the deadline: httpx.ReadTimeout.
    """
    import httpx

    def expired(request: httpx.Request) -> httpx.ReadTimeout:
        return httpx.ReadTimeout(f"no complete answer within {total:g} s", request=request)

    class DeadlineStream(httpx.AsyncByteStream):
        def __init__(self, stream: Any, deadline: float, request: httpx.Request) -> None:
            self.stream, self.deadline, self.request = stream, deadline, request

        async def __aiter__(self) -> AsyncIterator[bytes]:
            chunks = self.stream.__aiter__()
            while True:
                try:
                    async with asyncio.timeout_at(self.deadline):
                        chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise expired(self.request) from None
                yield chunk

        async def aclose(self) -> None:
            await self.stream.aclose()

    class DeadlineTransport(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            deadline = asyncio.get_running_loop().time() + total
            try:
                async with asyncio.timeout_at(deadline):
                    response = await inner.handle_async_request(request)
            except TimeoutError:
                raise expired(request) from None
            response.stream = DeadlineStream(response.stream, deadline, request)
            return response

        async def aclose(self) -> None:
            await inner.aclose()

    return DeadlineTransport()


def make_client(
    *,
    ca_bundle: str | Path | None = None,
    timeout: float = 10.0,
    headers: dict[str, str] | None = None,
) -> httpx.AsyncClient:
    """An AsyncClient with verification on, env proxies honoured and redirects not followed."""
    import httpx

    merged = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    merged.update(headers or {})
    context = ssl_context(ca_bundle)
    inner = httpx.AsyncHTTPTransport(verify=context, trust_env=True)
    return httpx.AsyncClient(
        verify=context,
        transport=_deadline_transport(inner, timeout),
        trust_env=True,
        timeout=timeouts(timeout),
        follow_redirects=False,
        headers=merged,
    )
