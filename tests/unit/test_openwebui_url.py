"""The Open WebUI URL rule: https anywhere, plain http to loopback only unless explicitly allowed."""

from __future__ import annotations

import pytest
from support.canned_server import Reply, canned_server

from gtwizard.errors import InvalidInput
from gtwizard.openwebui.admin import OpenWebUIAdmin
from gtwizard.openwebui.url import ALLOW_HTTP_FLAG, check_openwebui_url


@pytest.mark.parametrize(
    "url",
    [
        "https://chat.example.com",
        "https://chat.example.com:8443/",
        "http://127.0.0.1:8080",
        "http://localhost:3000/",
        "http://[::1]:8080",
        "http://owui.localhost",
    ],
)
def test_https_and_loopback_http_are_accepted_without_warning(url: str) -> None:
    checked = check_openwebui_url(url)
    assert checked.warning is None and checked.url == url.rstrip("/")


@pytest.mark.parametrize(
    "url", ["http://chat.example.com", "http://10.0.0.5:8080", "http://open-webui:8080"]
)
def test_plain_http_elsewhere_needs_the_flag(url: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_openwebui_url(url)
    assert ALLOW_HTTP_FLAG in err.value.one_line() and "in clear" in err.value.message
    allowed = check_openwebui_url(url, allow_http=True)
    assert allowed.url == url
    assert (
        allowed.warning and "unencrypted" in allowed.warning and ALLOW_HTTP_FLAG in allowed.warning
    )


@pytest.mark.parametrize(
    "url",
    ["ftp://chat.example.com", "chat.example.com", "", "https://", "https://h:notaport"],
)
def test_what_is_not_an_http_url_is_refused(url: str) -> None:
    with pytest.raises(InvalidInput):
        check_openwebui_url(url, allow_http=True)


def test_credentials_in_the_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(InvalidInput) as err:
        check_openwebui_url("https://admin:s3cr3t-pw@chat.example.com")
    assert "s3cr3t-pw" not in err.value.one_line()


async def test_the_admin_client_refuses_plain_http_to_another_host_before_any_request() -> None:
    with pytest.raises(InvalidInput, match=ALLOW_HTTP_FLAG):
        OpenWebUIAdmin("http://chat.example.com", "owui-token")


async def test_the_admin_client_with_the_flag_talks_and_carries_the_warning() -> None:
    """Loopback is fine as is; with allow_http the same rule's warning rides on the client."""
    with canned_server({("GET", "/api/version"): Reply(200, {"version": "0.12.4"})}) as server:
        async with OpenWebUIAdmin(server.url, "owui-token") as plain:
            assert plain.url_warning is None
            assert await plain.version() == "0.12.4"
    remote = OpenWebUIAdmin("http://chat.example.com/", "owui-token", allow_http=True)
    assert remote.url == "http://chat.example.com"
    assert remote.url_warning and "chat.example.com" in remote.url_warning
