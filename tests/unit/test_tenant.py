"""Tenant host rules: accepted forms, refused forms with one clear line, and properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gtwizard.errors import InvalidInput
from gtwizard.tenant import HostError, TenantHost, parse_host

ACCEPTED = {
    "tenant.example.com": "https://tenant.example.com/api/tenant",
    "  tenant.example.com\t": "https://tenant.example.com/api/tenant",
    "Tenant.Example.COM": "https://tenant.example.com/api/tenant",
    "tenant.example.com:8443": "https://tenant.example.com:8443/api/tenant",
    "https://tenant.example.com": "https://tenant.example.com/api/tenant",
    "https://tenant.example.com/": "https://tenant.example.com/api/tenant",
    "https://tenant.example.com/api/tenant": "https://tenant.example.com/api/tenant",
    "https://tenant.example.com/api/tenant/": "https://tenant.example.com/api/tenant",
    "https://tenant.example.com/api/tenant/v1": "https://tenant.example.com/api/tenant",
    "https://tenant.example.com/api/tenant/v1/": "https://tenant.example.com/api/tenant",
    "HTTPS://tenant.example.com:443/api/tenant": "https://tenant.example.com/api/tenant",
    "bücher.example": "https://xn--bcher-kva.example/api/tenant",
    "https://münchen.example:8443/api/tenant": "https://xn--mnchen-3ya.example:8443/api/tenant",
    "192.0.2.10": "https://192.0.2.10/api/tenant",
    "192.0.2.10:9443": "https://192.0.2.10:9443/api/tenant",
    "[2001:db8::1]": "https://[2001:db8::1]/api/tenant",
    "[2001:DB8:0::1]:8443": "https://[2001:db8::1]:8443/api/tenant",
    "https://[2001:db8::1]:8443/api/tenant/v1": "https://[2001:db8::1]:8443/api/tenant",
    "http://127.0.0.1:8080": "http://127.0.0.1:8080/api/tenant",
    "http://localhost:8080/api/tenant": "http://localhost:8080/api/tenant",
    "http://[::1]:8080": "http://[::1]:8080/api/tenant",
    "tenant.example.com.": "https://tenant.example.com/api/tenant",
}

REFUSED = {
    "": "empty",
    "   ": "empty",
    "exa mple.com": "whitespace",
    "https://exa mple.com": "whitespace",
    "tenant\x00.example.com": "control",
    "tenant.example.com\u200b": "control",
    "https://user:pw@tenant.example.com": "user name or password",
    "user@tenant.example.com": "user name or password",
    "https://tenant.example.com/?x=1": "query",
    "https://tenant.example.com/api/tenant?x": "query",
    "https://tenant.example.com/#top": "fragment",
    "https://tenant.example.com/other": "path",
    "https://tenant.example.com/api/tenant/v2": "path",
    "https://tenant.example.com/api/tenant/v1/models": "path",
    "tenant.example.com:0": "outside 1-65535",
    "tenant.example.com:65536": "outside 1-65535",
    "tenant.example.com:-1": "not a number",
    "tenant.example.com:８０": "not a number",
    "tenant.example.com:": "empty port",
    "ftp://tenant.example.com": "scheme",
    "wss://tenant.example.com": "scheme",
    "http://tenant.example.com": "plain http",
    "http://192.0.2.10": "plain http",
    "a" * 64 + ".example.com": "label of 64",
    ".".join(["a" * 60] * 5): "at most 253",
    "tenant..example.com": "empty label",
    "-tenant.example.com": "invalid label",
    "tenant_x.example.com": "invalid label",
    "2001:db8::1": "without brackets",
    "[2001:db8::1": "unclosed",
    "[not-v6]:443": "invalid IPv6",
    "[::1]x": "after the IPv6",
    "[fe80::1%eth0]:443": "zone id",
    "1.2.3.999": "IPv4",
    "0x7f.1": "unusual form",
    "tenant.123": "unusual form",
    "https://": "no host",
}


@pytest.mark.parametrize(("raw", "canonical"), sorted(ACCEPTED.items()))
def test_accepted_forms(raw: str, canonical: str) -> None:
    host = parse_host(raw)
    assert host.gt_base == canonical
    assert host.openai_bases == (canonical, canonical + "/v1")
    assert not host.gt_base.endswith("/")


@pytest.mark.parametrize(("raw", "fragment"), sorted(REFUSED.items()))
def test_refused_forms_give_one_clear_line(raw: str, fragment: str) -> None:
    with pytest.raises(HostError) as caught:
        parse_host(raw)
    line = caught.value.one_line()
    assert "\n" not in line
    assert fragment.lower() in line.lower()
    assert caught.value.hint, "every refusal says what to do"
    assert caught.value.exit_code == 2


def test_host_error_is_invalid_input() -> None:
    assert issubclass(HostError, InvalidInput)


def test_loopback_and_console() -> None:
    assert parse_host("http://127.0.0.1:1234").is_loopback
    assert parse_host("localhost:1").is_loopback
    remote = parse_host("tenant.example.com")
    assert not remote.is_loopback
    assert remote.gt_api_console == "https://tenant.example.com/gt-api"
    assert parse_host("[::1]:5").is_ip and not remote.is_ip


@settings(max_examples=600, deadline=None)
@given(st.text(max_size=80))
def test_any_text_parses_or_raises_our_error(raw: str) -> None:
    try:
        host = parse_host(raw)
    except HostError as exc:
        assert "\n" not in exc.one_line()
        return
    assert isinstance(host, TenantHost)
    assert parse_host(host.gt_base) == host


_label = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
_names = (
    st.lists(_label, min_size=2, max_size=4)
    .map(".".join)
    # a numeric last label reads as an address to many resolvers: refused on purpose
    .filter(lambda name: not re.fullmatch(r"[0-9]+|0x[0-9a-f]*", name.rsplit(".", 1)[-1]))
)


@settings(max_examples=300, deadline=None)
@given(
    name=_names,
    port=st.one_of(st.none(), st.integers(1, 65535)),
    form=st.sampled_from(
        [
            "{h}",
            "https://{h}",
            "https://{h}/",
            "https://{h}/api/tenant",
            "https://{h}/api/tenant/v1/",
        ]
    ),
)
def test_canonical_forms_round_trip(name: str, port: int | None, form: str) -> None:
    netloc = name if port is None else f"{name}:{port}"
    host = parse_host(form.format(h=netloc))
    assert parse_host(host.gt_base) == host
    assert parse_host(host.openai_base_v1) == host
    assert parse_host(host.netloc) == host
    assert host.hostname == name


@settings(max_examples=200, deadline=None)
@given(st.ip_addresses(), st.one_of(st.none(), st.integers(1, 65535)))
def test_ip_literals_round_trip(addr, port: int | None) -> None:
    literal = f"[{addr}]" if addr.version == 6 else str(addr)
    netloc = literal if port is None else f"{literal}:{port}"
    host = parse_host(netloc)
    assert host.is_ip
    assert parse_host(host.gt_base) == host


@pytest.mark.parametrize(
    "raw",
    [
        "https://gtak_SECRETSECRETSECRETSECRET@tenant.example.com",
        "https://admin:hunter2-SECRET@tenant.example.com/api/tenant",
        "gtak_SECRET@tenant.example.com",
        "https://gtak_SECRET/with/slash@tenant.example.com",
        "https://gtak SECRET@tenant.example.com",
        "ftp://user:SECRET@tenant.example.com",
    ],
)
def test_user_info_is_never_echoed(raw: str) -> None:
    with pytest.raises(HostError) as caught:
        parse_host(raw)
    said = f"{caught.value.message} {caught.value.hint}"
    assert "SECRET" not in said, said
    assert "tenant.example.com" in said, "the host itself is still named"
