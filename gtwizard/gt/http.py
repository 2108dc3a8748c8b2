"""The one place an HTTP client is built, so every request gets the same safety settings.

TLS verification is always on: the system trust store, plus an operator-supplied CA bundle that
is *added* to it (for tenants behind a private CA). Proxies come from the environment, redirects
are never followed (a redirect usually means a wrong base URL, and following it could carry the
key elsewhere), and every request has an explicit timeout.

Every answer is also bounded in size, by route (`BODY_CAP` below): the body is counted while it
streams in and the request stops at the cap, so a tenant (or an Open WebUI, or whatever answers
in their place) cannot make gtwizard's memory grow with what it sends. Compressed answers are not
asked for and not accepted: a few kilobytes of gzip can unpack to gigabytes.
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
from gtwizard.gt.errors import BadResponse, BodyTooLarge
from gtwizard.redact import redact

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"gtwizard/{__version__}"
CONNECT_TIMEOUT_CAP = 10.0

# The size caps, by what a route answers. A model list of a few thousand names is a few hundred
# kilobytes; the list caps leave room for ten times that. The request extension BODY_CAP carries
# a request's cap to the transport (`send(..., cap=...)`, or `extensions={BODY_CAP: ...}`).
KB = 1024
MB = 1024 * KB
BODY_CAP = "gtwizard.body_cap"
CAP_LIST = 8 * MB  # /v1/models, /manage/v1/published, /manage/v1/keys, Open WebUI model lists
CAP_RECORD = 64 * KB  # one key record, a revocation, a probe answer
CAP_CHAT = 4 * MB  # a chat answer, plain or streamed (a check asks for a few words)
CAP_EMBED = 16 * MB  # embedding vectors (a check embeds a few short texts)
CAP_DEFAULT = 1 * MB  # any other route (Open WebUI settings, health, version)
# An error answer is only read for its message: past this it is cut, and the status speaks.
CAP_ERROR = 64 * KB


def size_text(size: int) -> str:
    """`64 KB`, `8 MB`, `210 MB`: a size as a person reads it."""
    if size >= MB:
        return f"{size / MB:.3g} MB"
    if size >= KB:
        return f"{size / KB:.3g} KB"
    return f"{size} bytes"


def _route(request: httpx.Request) -> str:
    return f"{request.method} {redact(str(request.url.copy_with(query=None)))}"


def too_large(request: httpx.Request, cap: int, announced: int | None = None) -> BodyTooLarge:
    """The one line for an answer over its route's cap: which route, how large, what to fix."""
    size = (
        f"announces {size_text(announced)}"
        if announced is not None
        else f"went on past {size_text(cap)} before gtwizard stopped reading"
    )
    return BodyTooLarge(
        f"the answer to {_route(request)} is too large: it {size}, and this route is capped at "
        f"{size_text(cap)}",
        f"the server at {request.url.host} must answer {request.url.path} with less (no GT "
        "tenant or Open WebUI needs more there): check the address, and ask its operator what "
        "answers in its place",
    )


def _compressed(request: httpx.Request, encoding: str) -> BadResponse:
    return BadResponse(
        f"the answer to {_route(request)} is compressed ({redact(encoding)[:40]!r}) although "
        "gtwizard asked for none",
        f"the server at {request.url.host} (or a proxy in front of it) must honour "
        "'Accept-Encoding: identity'",
    )


def _announced(response: httpx.Response) -> int | None:
    try:
        return int(response.headers.get("content-length", ""))
    except ValueError:
        return None


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
    """Wrap `inner` so one exchange, body included, ends within `total` seconds and its body
    stays within its cap.

    httpx's read timeout applies to each read, so a server that drips a byte now and then would
    otherwise hold a request (and the wizard) forever. Past the deadline: httpx.ReadTimeout.
    A success body past its cap raises BodyTooLarge as soon as the cap is passed (or at once, when
    Content-Length announces more); an error body is cut at CAP_ERROR.
    """
    import httpx

    def expired(request: httpx.Request) -> httpx.ReadTimeout:
        return httpx.ReadTimeout(f"no complete answer within {total:g} s", request=request)

    class DeadlineStream(httpx.AsyncByteStream):
        def __init__(
            self, stream: Any, deadline: float, request: httpx.Request, cap: int, cut: bool
        ) -> None:
            self.stream, self.deadline, self.request = stream, deadline, request
            self.cap, self.cut = cap, cut

        async def __aiter__(self) -> AsyncIterator[bytes]:
            chunks = self.stream.__aiter__()
            left = self.cap
            while True:
                try:
                    async with asyncio.timeout_at(self.deadline):
                        chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise expired(self.request) from None
                if len(chunk) > left:
                    if not self.cut:
                        raise too_large(self.request, self.cap)
                    yield chunk[:left]
                    return
                left -= len(chunk)
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
            cap = int(request.extensions.get(BODY_CAP, CAP_DEFAULT))
            cut = not 200 <= response.status_code < 300
            if cut:
                cap = min(cap, CAP_ERROR)
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            announced = _announced(response)
            if encoding not in ("", "identity"):
                await response.aclose()
                raise _compressed(request, encoding)
            if not cut and announced is not None and announced > cap:
                await response.aclose()
                raise too_large(request, cap, announced)
            response.stream = DeadlineStream(response.stream, deadline, request, cap, cut)
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

    merged = {"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "identity"}
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
