"""The one rule for an Open WebUI URL: https, or plain http to a loopback address.

gtwizard sends Open WebUI an admin credential and, in the connection it writes, the GT key itself.
Over plain http to another machine both cross the network in clear, so that needs the operator's
explicit say-so (`--allow-http-openwebui`) and is then warned about every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from gtwizard.errors import InvalidInput
from gtwizard.tenant import _is_loopback as is_loopback_host  # the tenant's own loopback rule

ALLOW_HTTP_FLAG = "--allow-http-openwebui"


@dataclass(frozen=True)
class OpenWebUIUrl:
    """An accepted Open WebUI URL (no trailing slash) and the warning to show, if any."""

    url: str
    warning: str | None = None


def check_openwebui_url(
    url: str, *, allow_http: bool = False, profile: str | None = None
) -> OpenWebUIUrl:
    """Accept `url` for Open WebUI or raise InvalidInput saying why and what to do.

    https anywhere; http only to loopback unless `allow_http` (then with a warning). No user or
    password in the URL (it would end up in logs and messages): use the admin credential instead.
    `profile`: the command in use has no --allow-http-openwebui (check, rotate); the refusal then
    names the command that allows plain http for that profile (`profiles set`), not the flag.
    """
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        hostname = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise InvalidInput(
            "the Open WebUI URL cannot be parsed", "give it as https://chat.example.com"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not hostname:
        raise InvalidInput(
            "the Open WebUI URL must start with https:// (or http:// for loopback) and name a host",
            "give it as https://chat.example.com",
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(
            "the Open WebUI URL carries a user name or password",
            "remove it from the URL; the admin credential goes in GTWIZARD_OPENWEBUI_TOKEN",
        )
    clean = text.rstrip("/")
    if scheme == "https" or is_loopback_host(hostname):
        return OpenWebUIUrl(clean)
    if not allow_http:
        allow = (
            f"pass {ALLOW_HTTP_FLAG}"
            if profile is None
            else f"allow it for the profile first: gtwizard profiles set {profile} --prove-url "
            f"{clean} {ALLOW_HTTP_FLAG}"
        )
        raise InvalidInput(
            f"Open WebUI at {hostname} over plain http would carry the admin credential and the "
            "GT key in clear",
            f"use https://, or, if the network in between is trusted, {allow}",
        )
    return OpenWebUIUrl(
        clean,
        f"Open WebUI at {hostname} is reached over plain http ({ALLOW_HTTP_FLAG}): the admin "
        "credential and the GT key cross the network unencrypted",
    )
