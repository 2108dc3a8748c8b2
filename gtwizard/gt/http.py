"""The one place an HTTP client is built, so every request gets the same safety settings.

TLS verification is always on: the system trust store, plus an operator-supplied CA bundle that
is *added* to it (for tenants behind a private CA). Proxies come from the environment, redirects
are never followed (a redirect usually means a wrong base URL, and following it could carry the
key elsewhere), and every request has an explicit timeout.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TYPE_CHECKING

from gtwizard import __version__
from gtwizard.errors import InvalidInput

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"gtwizard/{__version__}"
CONNECT_TIMEOUT_CAP = 10.0


def ssl_context(ca_bundle: str | Path | None = None) -> ssl.SSLContext:
    """A verifying client context: system CAs, plus `ca_bundle` (PEM) when given."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if ca_bundle is None:
        return ctx
    path = Path(ca_bundle).expanduser()
    if not path.is_file():
        raise InvalidInput(
            f"CA bundle {path} does not exist or is not a file",
            "pass --ca-bundle the path of a PEM file with your tenant's CA certificate",
        )
    try:
        ctx.load_verify_locations(cafile=str(path))
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
    return httpx.AsyncClient(
        verify=ssl_context(ca_bundle),
        trust_env=True,
        timeout=timeouts(timeout),
        follow_redirects=False,
        headers=merged,
    )
