"""Typed failures for everything that can go wrong talking to a GT tenant.

`to_gt_error` turns an httpx exception or a non-success response into one of these, with a message
that says what happened and a hint that says what to do. Nothing here ever contains a key: every
text that could echo one (server messages, exception strings) goes through `gtwizard.redact`.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from gtwizard.errors import OperationFailed
from gtwizard.redact import redact
from gtwizard.safetext import loads_untrusted, visible

if TYPE_CHECKING:
    import httpx


class GTError(OperationFailed):
    """Base of every GT API failure; `status` is the HTTP status when there was one."""

    status: int | None = None

    def __init__(self, message: str, hint: str = "", *, status: int | None = None) -> None:
        super().__init__(message, hint)
        if status is not None:
            self.status = status


class DNSFailure(GTError):
    """The tenant host name does not resolve."""


class ConnectionRefused(GTError):
    """The host resolved but nothing accepts connections on that port."""


class TLSVerificationFailed(GTError):
    """The server's certificate could not be verified (unknown CA, expired, wrong host)."""


class TLSHandshakeFailed(GTError):
    """TLS failed for a reason other than the certificate (e.g. https to a plain-http port)."""


class RequestTimeout(GTError):
    """The server did not answer within the timeout."""


class Unauthorized(GTError):
    """401: the key (or operator token) is missing, wrong, revoked or expired."""

    status = 401


class Forbidden(GTError):
    """403: the key is valid but lacks the scope the route needs (`scope`)."""

    status = 403

    def __init__(self, message: str, hint: str = "", *, scope: str | None = None) -> None:
        super().__init__(message, hint)
        self.scope = scope


class NotFound(GTError):
    """404: wrong base form, unknown route, or a model that is unknown or not allowlisted."""

    status = 404

    def __init__(self, message: str, hint: str = "", *, model: str | None = None) -> None:
        super().__init__(message, hint)
        self.model = model


class BadRequest(GTError):
    """400: the server rejected the request body (`param` names the field when known)."""

    status = 400

    def __init__(self, message: str, hint: str = "", *, param: str | None = None) -> None:
        super().__init__(message, hint)
        self.param = param


class RateLimited(GTError):
    """429 that persisted through our bounded retries."""

    status = 429


class ServerError(GTError):
    """5xx that persisted through our bounded retries."""


class BadResponse(GTError):
    """The answer broke the protocol: not JSON, malformed, cut off, or a redirect."""


class BodyTooLarge(BadResponse):
    """The answer was larger than anything its route needs (see gtwizard.gt.http)."""


def _tls_hint(reason: str) -> str:
    """What to do depends on why: a CA bundle helps only when the issuer is unknown."""
    lowered = reason.lower()
    if "expired" in lowered or "not yet valid" in lowered:
        return (
            "the tenant's certificate is out of its validity period: ask its operator to renew it"
        )
    if "hostname" in lowered or "ip address mismatch" in lowered:
        return (
            "the certificate is for another name: use the host name the certificate names, "
            "or ask the tenant's operator for a matching certificate"
        )
    return (
        "if the tenant uses a private CA, pass its certificate with --ca-bundle FILE; "
        "verification is never turned off"
    )


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it was raised from (httpx wraps httpcore wraps OSError)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            for inner in current.exceptions:
                yield from _chain(inner)
        current = current.__cause__ or current.__context__


def _where(url: str | None) -> str:
    return f" ({url})" if url else ""


NOT_TLS_HINT = "check that the port speaks HTTPS (use http:// only for a loopback sandbox)"


def tls_handshake_hint(reason: str, origin_if_plain: str | None = None) -> str:
    """What to do when a TLS handshake fails; `origin_if_plain` is the http:// origin to suggest
    when the host is loopback (the sandbox prints its host without a scheme)."""
    plain = "WRONG_VERSION_NUMBER" in reason.upper() or "HTTP_REQUEST" in reason.upper()
    if plain and origin_if_plain:
        return f"this port speaks plain http; use {origin_if_plain} for a loopback sandbox"
    return NOT_TLS_HINT


def transport_error(
    exc: BaseException, *, url: str | None = None, secrets: Iterable[str] = ()
) -> GTError:
    """Classify a transport-level failure; DNS vs refused vs TLS is decided from the cause chain."""
    import httpx

    chain = list(_chain(exc))
    where = _where(redact(url, secrets) if url else None)
    for cause in chain:
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = visible(cause.verify_message or "certificate verify failed")
            return TLSVerificationFailed(
                f"TLS certificate verification failed{where}: {reason}", _tls_hint(reason)
            )
    for cause in chain:
        if isinstance(cause, socket.gaierror):
            return DNSFailure(
                f"the host name does not resolve{where}",
                "check the spelling of the tenant host and your DNS/VPN",
            )
        if isinstance(cause, ConnectionRefusedError):
            return ConnectionRefused(
                f"connection refused{where}",
                "nothing listens there: check the host, the port and whether the tenant is up",
            )
        if isinstance(cause, ssl.SSLError):
            return TLSHandshakeFailed(
                f"TLS handshake failed{where}: {visible(cause.reason or type(cause).__name__)}",
                NOT_TLS_HINT,
            )
    if any(isinstance(c, httpx.TimeoutException | TimeoutError) for c in chain):
        return RequestTimeout(
            f"no answer within the timeout{where}",
            "the tenant may be overloaded or unreachable; retry later",
        )
    if isinstance(exc, httpx.ConnectError):
        detail = visible(redact(str(exc), secrets) or type(exc).__name__)
        return ConnectionRefused(
            f"could not connect{where}: {detail}", "check the host, port, proxy and network"
        )
    detail = visible(redact(str(exc), secrets) or type(exc).__name__)
    return BadResponse(
        f"the connection broke before a complete answer arrived{where}: {detail}",
        "the server or a proxy dropped the connection; retry, and check proxies in between",
    )


def error_body(response: httpx.Response) -> dict[str, Any] | None:
    """The OpenAI-style `error` object of a response, or None when the body is not that shape."""
    try:
        data = loads_untrusted(response.content or b"null")
    except ValueError:
        return None
    err = data.get("error") if isinstance(data, dict) else None
    return err if isinstance(err, dict) else None


def response_error(
    response: httpx.Response,
    *,
    model: str | None = None,
    secrets: Iterable[str] = (),
    operator: bool = False,
) -> GTError:
    """Map a non-2xx response to a typed error; `operator`: the credential was an operator token."""
    secrets = tuple(secrets)
    status = response.status_code
    try:
        url: str | None = redact(str(response.request.url), secrets)
    except RuntimeError:  # httpx raises it for a response built without a request
        url = None
    where = _where(url)
    err = error_body(response) or {}
    code = str(err.get("code") or "")
    param = visible(err["param"], 64) if isinstance(err.get("param"), str) else None
    server_says = visible(redact(str(err.get("message") or ""), secrets))
    said = f": {server_says}" if server_says else ""

    if 300 <= status < 400:
        location = visible(redact(response.headers.get("location", "?"), secrets))
        return BadResponse(
            f"the server answered {status} redirecting to {location}{where}",
            "use the final address as the tenant host (redirects are not followed, to keep the key "
            "from being sent elsewhere)",
            status=status,
        )
    if status == 401:
        if operator:
            return Unauthorized(
                f"the operator token was rejected{where}",
                "use a valid operator token, wherever this one came from (typed, kept with the "
                "profile, or GTWIZARD_OPERATOR_TOKEN); a gtak_ key is not one",
            )
        if code == "key_expired":
            return Unauthorized(
                f"the GT API key has expired{where}", "mint a new key (or rotate) and store it"
            )
        return Unauthorized(
            f"the GT API key was rejected (missing, wrong or revoked){where}",
            "check the key in the tenant app at /gt-api, or mint a new one",
        )
    if status == 403:
        scope = param if code == "insufficient_scope" or param else None
        what = f"the key lacks the scope {scope}" if scope else "the key is not allowed to do this"
        return Forbidden(
            f"{what}{where}",
            f"mint a key that includes {scope}" if scope else "check the key's scopes in /gt-api",
            scope=scope,
        )
    if status == 404:
        if code == "model_not_found" or (model and param == "model"):
            name = f" '{model}'" if model else ""
            return NotFound(
                f"model{name} not found: unknown, unpublished, or not on this key's allowlist",
                "publish the name and add it to the key's allowlist, then check GET /v1/models",
                model=model,
            )
        return NotFound(
            f"no such route{where}",
            "this may be the wrong base form: GT routes live under /api/tenant/v1 (try the other "
            "OpenAI base form), or the tenant does not offer this route",
            model=model,
        )
    if status == 429:
        return RateLimited(
            f"rate limited by the tenant{where}, still after retrying",
            "wait a minute and try again, or ask the tenant operator about quotas",
        )
    if status >= 500:
        return ServerError(
            f"the tenant answered {status} (server error){where}{said}",
            "the failure is on the server side; retry later or ask the tenant operator",
            status=status,
        )
    if status == 400:
        return BadRequest(
            f"the tenant rejected the request{where}{said}",
            f"fix the field '{param}'" if param else "check the request values",
            param=param,
        )
    return BadResponse(
        f"unexpected HTTP {status}{where}{said}",
        "the server does not behave like a GT API; check the host",
        status=status,
    )


def to_gt_error(
    thing: BaseException | httpx.Response,
    *,
    model: str | None = None,
    secrets: Iterable[str] = (),
    operator: bool = False,
    url: str | None = None,
) -> GTError:
    """The one mapping: an httpx exception or an error response becomes a typed `GTError`."""
    if isinstance(thing, BaseException):
        return transport_error(thing, url=url, secrets=secrets)
    return response_error(thing, model=model, secrets=secrets, operator=operator)


def malformed(what: str, url: str | None = None, secrets: Iterable[str] = ()) -> BadResponse:
    """A 2xx whose body is not what the protocol promises: a bad answer from the tenant."""
    where = _where(redact(url, secrets) if url else None)
    return BadResponse(
        f"bad answer from the tenant{where}: {what}",
        "the server does not behave like a GT API, or a proxy rewrote the answer",
    )


# A request that ended with one of these created nothing on the tenant: it never arrived (DNS,
# connection, TLS) or the tenant refused it before acting (4xx). Any other ending of a mint
# (a timeout, a 5xx, an answer of the wrong shape) may have made the key.
NOTHING_CREATED: tuple[type[GTError], ...] = (
    DNSFailure,
    ConnectionRefused,
    TLSVerificationFailed,
    TLSHandshakeFailed,
    Unauthorized,
    Forbidden,
    NotFound,
    BadRequest,
    RateLimited,
)
