"""Tenant host rules: turn what an operator types into the canonical GT base URL.

Accepted: `host`, `host:port`, `https://host`, `https://host/`, `https://host/api/tenant`,
`https://host/api/tenant/v1` (trailing slash allowed), IDN names (stored as punycode), IPv4 and
bracketed IPv6 literals with ports, surrounding whitespace. Everything else is refused with one
line that says what is wrong and how to write it instead. Plain `http` is allowed for loopback
addresses only (the sandbox and local tests); TLS is never optional anywhere else.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from gtwizard.errors import InvalidInput

GT_PATH = "/api/tenant"
V1_SUFFIX = "/v1"
_ALLOWED_PATHS = {"", "/", GT_PATH, GT_PATH + "/", GT_PATH + V1_SUFFIX, GT_PATH + V1_SUFFIX + "/"}
_DEFAULT_PORTS = {"https": 443, "http": 80}
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_MAX_NAME = 253
_MAX_LABEL = 63
_HINT = "Enter the tenant host, e.g. tenant.example.com or https://tenant.example.com/api/tenant"


class HostError(InvalidInput):
    """The tenant host cannot be used as typed."""


@dataclass(frozen=True)
class TenantHost:
    """A validated tenant host and the base URLs derived from it."""

    scheme: str
    hostname: str
    port: int | None = None

    @property
    def is_ip(self) -> bool:
        try:
            ipaddress.ip_address(self.hostname)
        except ValueError:
            return False
        return True

    @property
    def is_loopback(self) -> bool:
        return _is_loopback(self.hostname)

    @property
    def netloc(self) -> str:
        host = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
        return f"{host}:{self.port}" if self.port is not None else host

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    @property
    def gt_base(self) -> str:
        """The canonical GT base every runbook documents: `<origin>/api/tenant`."""
        return self.origin + GT_PATH

    @property
    def openai_base_v1(self) -> str:
        return self.gt_base + V1_SUFFIX

    @property
    def openai_bases(self) -> tuple[str, str]:
        """Both OpenAI base candidates, documented form first."""
        return (self.gt_base, self.openai_base_v1)

    @property
    def gt_api_console(self) -> str:
        """The tenant app page where keys are made by hand."""
        return self.origin + "/gt-api"

    def __str__(self) -> str:
        return self.netloc


def _without_userinfo(text: str) -> str:
    """The host as typed, with anything before an '@' (a user name, a password, a key pasted
    into the URL) cut out: it is never echoed in a message, a log or JSON."""
    if "@" not in text:
        return text
    start = text.find("://")
    start = start + 3 if start >= 0 else (2 if text.startswith("//") else 0)
    return text[:start] + "…@" + text.rsplit("@", 1)[1]


def _fail(text: str, why: str, hint: str = _HINT) -> HostError:
    text = _without_userinfo(text)
    shown = text if len(text) <= 60 else text[:57] + "..."
    return HostError(f"Tenant host {shown!r} {why}", hint)


def _is_loopback(hostname: str) -> bool:
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def _parse_port(text: str, raw: str) -> int:
    if not raw:
        raise _fail(text, "has an empty port after ':'", "Write the port as digits, e.g. host:8443")
    if not raw.isascii() or not raw.isdigit():
        raise _fail(
            text,
            f"has a port that is not a number ({raw!r})",
            "Write the port as digits, e.g. host:8443",
        )
    port = int(raw)
    if not 1 <= port <= 65535:
        raise _fail(text, f"has port {port}, outside 1-65535", "Use a port between 1 and 65535")
    return port


def _split_authority(text: str, authority: str) -> tuple[str, int | None]:
    """Split `host[:port]` or `[v6][:port]`; return (host text, port)."""
    if not authority:
        raise _fail(text, "has no host name")
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise _fail(
                text,
                "has an unclosed '[' around an IPv6 address",
                "Write IPv6 as [2001:db8::1]:8443",
            )
        host, rest = authority[1:end], authority[end + 1 :]
        if "%" in host:
            raise _fail(
                text, "has an IPv6 zone id ('%...')", "Use a global IPv6 address or a host name"
            )
        if rest and not rest.startswith(":"):
            raise _fail(text, "has text after the IPv6 address", "Write IPv6 as [2001:db8::1]:8443")
        port = _parse_port(text, rest[1:]) if rest else None
        try:
            addr = ipaddress.IPv6Address(host)
        except ValueError:
            raise _fail(
                text, f"has an invalid IPv6 address ({host!r})", "Write IPv6 as [2001:db8::1]:8443"
            ) from None
        return addr.compressed, port
    if authority.count(":") > 1:
        raise _fail(
            text, "looks like an IPv6 address without brackets", "Write IPv6 as [2001:db8::1]:8443"
        )
    host, sep, port_text = authority.partition(":")
    port = _parse_port(text, port_text) if sep else None
    return host, port


def _normalise_name(text: str, host: str) -> str:
    """Validate a DNS name or IPv4 literal; IDN labels become punycode."""
    if host.endswith(".") and not host.endswith(".."):
        host = host[:-1]
    if not host:
        raise _fail(text, "has no host name")
    if not host.isascii():
        try:
            import idna

            host = idna.encode(host, uts46=True).decode("ascii")
        except Exception:  # idna raises several types; any failure means the name is unusable
            raise _fail(
                text, "is not a valid internationalised host name", "Check the spelling of the name"
            ) from None
    labels = host.split(".")
    if all(label.isascii() and label.isdigit() for label in labels if label) and all(labels):
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            raise _fail(
                text,
                f"is not a valid IPv4 address ({host!r})",
                "Check the address, e.g. 192.0.2.10",
            ) from None
    host = host.lower()
    last = host.rsplit(".", 1)[-1]
    if last.isdigit() or re.fullmatch(r"0x[0-9a-f]*", last):
        raise _fail(
            text,
            "looks like a numeric address in an unusual form (resolvers may read it as an IP)",
            "Write an IPv4 address as four decimal numbers, e.g. 192.0.2.10, or use the host name",
        )
    if len(host) > _MAX_NAME:
        raise _fail(
            text, f"is {len(host)} characters long; a host name may have at most {_MAX_NAME}"
        )
    for label in host.split("."):
        if not label:
            raise _fail(text, "has an empty label (two dots in a row, or a leading dot)")
        if len(label) > _MAX_LABEL:
            raise _fail(
                text, f"has a label of {len(label)} characters; at most {_MAX_LABEL} are allowed"
            )
        if not _LABEL.match(label):
            raise _fail(
                text,
                f"has an invalid label {label!r}",
                "Host names use letters, digits and inner hyphens only",
            )
    return host


def parse_host(raw: str) -> TenantHost:
    """Parse what the operator typed, or raise `HostError` with one clear line."""
    if not isinstance(raw, str):
        raise HostError("Tenant host must be text", _HINT)
    text = raw.strip()
    if not text:
        raise HostError("Tenant host is empty", _HINT)
    for ch in text:
        if ch.isspace() or not ch.isprintable():
            raise _fail(
                text,
                "contains whitespace or a control character",
                "Remove spaces and paste it again",
            )

    scheme_sep = text.find("://")
    if scheme_sep >= 0:
        scheme = text[:scheme_sep].lower()
        rest = text[scheme_sep + 3 :]
        if scheme not in _DEFAULT_PORTS:
            raise _fail(
                text, f"uses the scheme {scheme!r}; only https is supported", "Use https://"
            )
    elif text.startswith("//"):
        scheme, rest = "https", text[2:]
    else:
        scheme, rest = "https", text

    cut = len(rest)
    for marker in "/?#":
        pos = rest.find(marker)
        if 0 <= pos < cut:
            cut = pos
    authority, tail = rest[:cut], rest[cut:]
    if "@" in authority:
        raise _fail(
            text,
            "contains a user name or password ('user@')",
            "Remove the part before '@'; keys never go in the URL",
        )
    if "?" in tail.split("#", 1)[0]:
        raise _fail(text, "contains a query string ('?...')", "Remove everything from '?' on")
    if "#" in tail:
        raise _fail(text, "contains a fragment ('#...')", "Remove everything from '#' on")
    path = tail
    if path not in _ALLOWED_PATHS:
        raise _fail(
            text,
            f"has the path {path!r}; only /api/tenant or /api/tenant/v1 may follow the host",
            "Give just the host, or the GT base https://host/api/tenant",
        )

    host_text, port = _split_authority(text, authority)
    hostname = host_text if ":" in host_text else _normalise_name(text, host_text)
    if scheme == "http" and not _is_loopback(hostname):
        raise _fail(
            text, "uses plain http; that is allowed only for loopback addresses", "Use https://"
        )
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    return TenantHost(scheme=scheme, hostname=hostname, port=port)
