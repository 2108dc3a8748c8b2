"""A token belongs to one tenant, an admin credential to one Open WebUI (issue 19, part 4).

Two sandbox tenants, each with its own operator token, and one profile on each. The tenants log
the hash of every Authorization credential they receive (the sandbox's opt-in test log), and the
tests assert that neither ever saw the other's token across `keys`, `rotate --due` and `check
--all`: unbound (two tenants, so the token goes to neither), bound with
GTWIZARD_OPERATOR_TOKEN_HOST, and with a token kept per profile. Two Open WebUIs (canned servers on
loopback that log the Authorization header) do the same for GTWIZARD_OPENWEBUI_TOKEN and
GTWIZARD_OPENWEBUI_TOKEN_URL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from support.canned_server import canned_server
from support.cli_helpers import mint_setup_args, run_cli
from support.lifecycle_helpers import FULL_KEY
from support.rotation_helpers import tenant_keys

from gtwizard.profiles import get_profile, save_profile
from gtwizard.sandbox.authlog import credential_hash

pytestmark = pytest.mark.slow


@pytest.fixture
def tenants(tmp_path) -> Iterator[dict[str, Any]]:
    """Tenants A and B, profile `pa` on A and `pb` on B (each set up with its own token), both
    keys past the rotation policy; from then on each tenant logs the credentials it receives."""
    from gtwizard.sandbox import start_in_thread

    a, b = start_in_thread(tls=False), start_in_thread(tls=False)
    try:
        for name, tenant, extra in (("pa", a, []), ("pb", b, [])):
            args = mint_setup_args(tenant.base_url, "helpdesk", "--profile", name, *extra)
            args += ["--env-file", str(tmp_path / f"{name}.env")]
            out = run_cli(args, env={"GTWIZARD_OPERATOR_TOKEN": tenant.operator_token})
            assert out.returncode == 0, out.stderr
            profile = get_profile(name)
            profile.key_created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
            save_profile(profile)
        a.record_authorization()
        b.record_authorization()
        yield {"a": a, "b": b}
    finally:
        a.stop()
        b.stop()


def _run(args: list[str], env: dict[str, str]) -> Any:
    out = run_cli([*args], env=env, timeout=300)
    assert not FULL_KEY.search(out.stdout + out.stderr)
    for name, value in env.items():
        assert not name.endswith("_TOKEN") or value not in out.stdout + out.stderr
    return out


def _seen(tenant: Any) -> set[str]:
    return {h for _, _, h in tenant.authorizations_seen()}


def _never_crossed(a: Any, b: Any) -> None:
    """Neither tenant received the other's operator token."""
    assert credential_hash(a.operator_token) not in _seen(b), "B received A's operator token"
    assert credential_hash(b.operator_token) not in _seen(a), "A received B's operator token"


FLEET = (["keys", "--json"], ["rotate", "--due", "--json"], ["check", "--all", "--json"])


def test_an_unbound_token_goes_to_neither_of_two_tenants(tenants: dict[str, Any]) -> None:
    a, b = tenants["a"], tenants["b"]
    env = {"GTWIZARD_OPERATOR_TOKEN": a.operator_token}
    keys = _run(["keys", "--json"], env)
    assert keys.returncode == 2, keys.stdout  # no tenant may get it: nothing to ask
    said = json.loads(keys.stdout)
    assert "GTWIZARD_OPERATOR_TOKEN_HOST" in said["error"]
    assert "needed by pa" in said["hint"] and "needed by pb" in said["hint"]
    rotate = _run(["rotate", "--due", "--json"], env)
    assert rotate.returncode == 1
    result = json.loads(rotate.stdout)
    for record in result["profiles"]:
        assert record["outcome"] == "failed" and record["error"].startswith("not rotated")
    assert len(result["needs"]) == 2 and all("needed by p" in line for line in result["needs"])
    check = _run(["check", "--all", "--json"], env)
    assert check.returncode in (0, 1), check.stderr
    assert credential_hash(a.operator_token) not in _seen(a) | _seen(b)
    _never_crossed(a, b)


def test_a_bound_token_goes_only_to_its_tenant_and_says_who_needs_which(
    tenants: dict[str, Any],
) -> None:
    a, b = tenants["a"], tenants["b"]
    env = {"GTWIZARD_OPERATOR_TOKEN": a.operator_token, "GTWIZARD_OPERATOR_TOKEN_HOST": a.host}
    before = {k.id for k in tenant_keys(b)}
    keys = _run(["keys", "--json"], env)
    assert keys.returncode == 1  # B could not be asked
    data = json.loads(keys.stdout)
    by_host = {t["host"]: t for t in data["tenants"]}
    (pa_host,) = [h for h in by_host if str(a.port) in h]
    (pb_host,) = [h for h in by_host if str(b.port) in h]
    assert by_host[pa_host]["error"] is None and by_host[pa_host]["keys"]
    assert "GTWIZARD_OPERATOR_TOKEN_HOST" in by_host[pb_host]["error"]
    assert data["needs"] and "needed by pb" in data["needs"][0] and str(b.port) in data["needs"][0]
    human = _run(["keys"], env)
    assert f"not sent: the operator token of 127.0.0.1:{b.port} is needed by pb" in human.stdout
    rotate = _run(["rotate", "--due", "--json"], env)
    records = {r["profile"]: r for r in json.loads(rotate.stdout)["profiles"]}
    assert records["pa"]["outcome"] == "waiting", records["pa"]  # minted on A with A's token
    assert records["pb"]["outcome"] == "failed" and "not rotated" in records["pb"]["error"]
    assert {k.id for k in tenant_keys(b)} == before, "nothing was minted on B"
    human = _run(["rotate", "--due"], {**env})
    assert "IN-PROGRESS pa" in human.stdout and "not sent: the operator token of" in human.stdout
    _run(["check", "--all", "--json"], env)
    assert credential_hash(a.operator_token) in _seen(a), "A's own token reached A"
    _never_crossed(a, b)


def test_a_kept_token_goes_with_its_own_profile_only(tenants: dict[str, Any], tmp_path) -> None:
    a, b = tenants["a"], tenants["b"]
    # pb keeps B's operator token with its key (set up again, keeping it)
    args = mint_setup_args(b.base_url, "helpdesk", "--profile", "pb", "--keep-operator-token")
    args += ["--env-file", str(tmp_path / "pb.env"), "--replace"]
    out = run_cli(args, env={"GTWIZARD_OPERATOR_TOKEN": b.operator_token})
    assert out.returncode == 0, out.stderr
    profile = get_profile("pb")
    profile.key_created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    save_profile(profile)
    b.record_authorization()  # from here on: runs with A's token in the environment
    env = {"GTWIZARD_OPERATOR_TOKEN": a.operator_token}
    for args in FLEET:
        _run(list(args), env)
    keys = json.loads(_run(["keys", "--json"], env).stdout)
    by_host = {t["host"]: t for t in keys["tenants"]}
    assert [t["error"] for h, t in by_host.items() if str(b.port) in h] == [None]
    rotated = json.loads(_run(["rotate", "--due", "--json"], env).stdout)
    records = {r["profile"]: r for r in rotated["profiles"]}
    assert records["pb"]["outcome"] in ("waiting", "in-progress"), records["pb"]
    assert credential_hash(b.operator_token) in _seen(b), "pb's kept token reached B"
    _never_crossed(a, b)


def test_an_open_webui_credential_goes_only_to_its_own_open_webui(
    tenants: dict[str, Any],
) -> None:
    owui_a_token, owui_b_token = "owui-admin-a-" + "x" * 24, "owui-admin-b-" + "y" * 24
    with canned_server({}) as owui_a, canned_server({}) as owui_b:
        for name, server in (("pa", owui_a), ("pb", owui_b)):
            profile = get_profile(name)
            profile.openwebui_url = server.url
            save_profile(profile)
        unbound = {"GTWIZARD_OPENWEBUI_TOKEN": owui_a_token}
        out = _run(["check", "--all", "--json"], unbound)
        data = json.loads(out.stdout)
        assert not owui_a.authorizations and not owui_b.authorizations
        assert len(data["needs"]) == 2 and "Open WebUI admin credential" in data["needs"][0]
        assert all(r.get("withheld") for r in data["profiles"])
        bound = {**unbound, "GTWIZARD_OPENWEBUI_TOKEN_URL": owui_a.url + "/"}
        out = _run(["check", "--all", "--json"], bound)
        data = json.loads(out.stdout)
        assert any(owui_a_token in v for v in owui_a.authorizations), "A's own credential"
        assert not any(owui_a_token in v for v in owui_b.authorizations)
        (need,) = data["needs"]
        assert "needed by pb" in need and owui_b.url in need
        # B's credential, bound to B: only B sees it, also through rotate --due
        owui_a.authorizations.clear()
        other = {
            "GTWIZARD_OPENWEBUI_TOKEN": owui_b_token,
            "GTWIZARD_OPENWEBUI_TOKEN_URL": owui_b.url,
        }
        for args in FLEET[1:]:
            _run(list(args), other)
        assert not any(owui_b_token in v for v in owui_a.authorizations)


def test_a_binding_that_names_no_place_is_refused_in_one_line(tenants: dict[str, Any]) -> None:
    a = tenants["a"]
    env = {"GTWIZARD_OPERATOR_TOKEN": a.operator_token, "GTWIZARD_OPERATOR_TOKEN_HOST": "a b"}
    out = _run(["keys"], env)
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert out.stderr.startswith("gtwizard: GTWIZARD_OPERATOR_TOKEN_HOST does not name a tenant")
    assert not _seen(a)
