"""Probe a tenant host step by step: DNS, TCP, TLS, and whether a GT API answers there.

No key is needed: a GT API answers a keyless `GET /api/tenant/v1/models` with 401 and an
OpenAI-style error body, which tells it apart from a web server that merely exists. Each step says
in words what it found, so an operator can see where a connection breaks.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gtwizard.gt.errors import GTError, error_body, tls_handshake_hint, to_gt_error
from gtwizard.gt.http import BODY_CAP, CAP_LIST, make_client, ssl_context
from gtwizard.safetext import visible
from gtwizard.tenant import TenantHost, parse_host

_DEFAULT_PORT = {"https": 443, "http": 80}


@dataclass(frozen=True)
class Step:
    name: str
    ok: bool
    detail: str


@dataclass
class ProbeReport:
    host: TenantHost
    steps: list[Step] = field(default_factory=list)
    gt_api: bool = False

    def failure(self) -> tuple[str, str] | None:
        """(error, hint) when no GT API answered: the step where it broke and what to do."""
        if self.gt_api:
            return None
        failed = next((s for s in self.steps if not s.ok), None)
        name = failed.name if failed else "gt_api"
        detail = failed.detail if failed else "no answer"
        error = f"no GT API answers at {self.host.netloc}: the {name} step failed ({detail})"
        return error, _FAILURE_HINTS.get(name, _FAILURE_HINTS["gt_api"])

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ok": self.gt_api,
            "host": self.host.netloc,
            "gt_base": self.host.gt_base,
            "openai_bases": list(self.host.openai_bases),
            "steps": [{"name": s.name, "ok": s.ok, "detail": s.detail} for s in self.steps],
            "gt_api": self.gt_api,
        }
        failure = self.failure()
        if failure is not None:
            out["error"], out["hint"] = failure
        return out


# what to do when the probe stops at a step (the step's detail says what it found)
_FAILURE_HINTS = {
    "dns": "check the host name for a typo, and that this machine's DNS knows it",
    "tcp": "check the host and port, and that this machine may reach it (firewall, proxy)",
    "tls": "a private CA needs --ca-bundle FILE; otherwise check the tenant's certificate",
    "gt_api": "check that this is the tenant's host (its GT API lives under /api/tenant)",
}


def _proxied(host: TenantHost) -> bool:
    """Whether env proxies carry this host's traffic (then direct steps may fail harmlessly)."""
    proxies = urllib.request.getproxies_environment()
    if host.scheme not in proxies and "all" not in proxies:
        return False
    # present in urllib.request since Python 3.0, but not declared in typeshed
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    return not bypass(host.hostname, proxies)


async def _dns(host: TenantHost, port: int) -> Step:
    if host.is_ip:
        return Step("dns", True, f"{host.hostname} is an IP address; no lookup needed")
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return Step("dns", False, f"{host.hostname} does not resolve ({exc.strerror or exc})")
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    shown = ", ".join(addresses[:3]) + (" ..." if len(addresses) > 3 else "")
    return Step("dns", True, f"{host.hostname} resolves to {shown}")


async def _tcp(host: TenantHost, port: int) -> Step:
    try:
        _, writer = await asyncio.open_connection(host.hostname, port)
    except OSError as exc:
        reason = "refused" if isinstance(exc, ConnectionRefusedError) else (exc.strerror or exc)
        return Step("tcp", False, f"cannot connect to port {port}: {reason}")
    peer = writer.get_extra_info("peername")
    writer.close()
    where = f"{peer[0]}:{peer[1]}" if peer else f"port {port}"
    return Step("tcp", True, f"connected to {where}")


async def _tls(host: TenantHost, port: int, ctx: ssl.SSLContext) -> Step:
    try:
        _, writer = await asyncio.open_connection(
            host.hostname, port, ssl=ctx, server_hostname=host.hostname
        )
    except ssl.SSLCertVerificationError as exc:
        reason = visible(exc.verify_message or "certificate verify failed")
        return Step(
            "tls",
            False,
            f"certificate not trusted: {reason}; for a private CA pass --ca-bundle FILE",
        )
    except ssl.SSLError as exc:
        reason = visible(exc.reason or exc)
        plain = f"http://{host.netloc}" if host.is_loopback else None
        hint = tls_handshake_hint(reason, plain)
        return Step("tls", False, f"TLS handshake failed: {reason}; {hint}")
    except OSError as exc:
        return Step("tls", False, f"connection failed during TLS: {exc.strerror or exc}")
    sslobj = writer.get_extra_info("ssl_object")
    version = sslobj.version() if sslobj else "TLS"
    cert = writer.get_extra_info("peercert") or {}
    until = cert.get("notAfter")
    writer.close()
    valid = f", valid until {visible(until)}" if until else ""
    return Step("tls", True, f"{version}, certificate verified for {host.hostname}{valid}")


async def _gt_api(host: TenantHost, ca_bundle: str | Path | None, timeout: float) -> Step:
    """Keyless GET of the versioned models route: 401 in OpenAI error shape means a GT API."""
    import httpx

    versioned = host.openai_base_v1 + "/models"
    unversioned = host.gt_base + "/models"
    async with make_client(ca_bundle=ca_bundle, timeout=timeout) as http:
        try:
            # both forms at once: a check run's critical path starts here
            capped = {BODY_CAP: CAP_LIST}  # the model list's cap, whatever answers there
            answer, other = await asyncio.gather(
                http.get(versioned, extensions=capped), http.get(unversioned, extensions=capped)
            )
        except httpx.HTTPError as exc:
            error: GTError = to_gt_error(exc, url=versioned)
            return Step("gt_api", False, error.message)
        except GTError as exc:  # an answer too large, or compressed although asked not to be
            return Step("gt_api", False, exc.message)
    err = error_body(answer)
    if answer.status_code == 401 and err is not None and isinstance(err.get("message"), str):
        form = (
            "unversioned paths are served too"
            if other.status_code == 401
            else f"{unversioned} answers {other.status_code}, so clients need the /v1 base"
        )
        return Step("gt_api", True, f"GT API answered 401 without a key, as expected; {form}")
    if answer.is_redirect:
        where = visible(answer.headers.get("location", "?"))
        return Step("gt_api", False, f"{versioned} redirects ({answer.status_code}) to {where}")
    if answer.is_success:
        return Step("gt_api", False, f"{versioned} answered without a key: not a GT API")
    shape = "an OpenAI-style error" if err is not None else "no OpenAI-style error body"
    return Step("gt_api", False, f"{versioned} answered {answer.status_code} with {shape}")


async def probe_host(
    text: str, *, ca_bundle: str | Path | None = None, timeout: float = 5.0
) -> ProbeReport:
    """Parse `text` (HostError on invalid input) and probe it; never raises for network failures."""
    host = parse_host(text)
    ctx = ssl_context(ca_bundle)  # a bad --ca-bundle is invalid input, reported before probing
    report = ProbeReport(host)
    port = host.port or _DEFAULT_PORT[host.scheme]
    direct: list[tuple[str, Callable[[], Awaitable[Step]]]] = [
        ("dns", lambda: _dns(host, port)),
        ("tcp", lambda: _tcp(host, port)),
    ]
    if host.scheme == "https":
        direct.append(("tls", lambda: _tls(host, port, ctx)))
    for name, run_step in direct:
        step = await _within(name, run_step(), timeout)
        report.steps.append(step)
        if not step.ok:
            if not _proxied(host):
                return report
            report.steps.append(Step("proxy", True, "a proxy is configured; trying through it"))
            break
    step = await _gt_api(host, ca_bundle, timeout)
    report.steps.append(step)
    report.gt_api = step.ok
    return report


async def _within(name: str, step: Awaitable[Step], timeout: float) -> Step:
    """Run one step with a deadline; a timeout is a failed step, not an exception."""
    try:
        return await asyncio.wait_for(step, timeout)
    except TimeoutError:
        return Step(name, False, f"no answer within {timeout:g} s")
