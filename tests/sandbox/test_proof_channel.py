"""The proof channel's edges on the CLI, against the sandbox tenant and stand-in Open WebUIs.

The stand-ins are real HTTP servers on loopback that answer what gtwizard asks first (/health, who
am I) and log every Authorization header, so the tests see where a credential went. What a real
Open WebUI 0.12.4 proves with the channel is in tests/real/test_proof_channel_openwebui.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.canned_server import CannedServer, Reply, canned_server
from support.checks_helpers import make_profile, write_env_file
from support.cli_helpers import mint_setup_args, run_cli
from support.owui_fixture import free_port
from support.rotation_helpers import tenant_keys

from gtwizard.profiles import get_profile
from gtwizard.secrets import admin_entry, open_store

NAMES = ("helpdesk",)
ADMIN = "owui-admin-credential-0001"
RUNNING = {
    ("GET", "/health"): Reply(200, {"status": True}),
    ("GET", "/api/v1/auths/"): Reply(200, {"id": "1", "email": "a@b.c", "role": "admin"}),
}


@pytest.fixture
def owui() -> Iterator[CannedServer]:
    """An Open WebUI that is running and takes the credential as an admin's."""
    with canned_server(RUNNING) as server:
        yield server


@pytest.fixture
def other() -> Iterator[CannedServer]:
    """A second Open WebUI, which must never see the first one's credential."""
    with canned_server(RUNNING) as server:
        yield server


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def setup(sandbox: Any, tmp: Path, *extra: str, env: dict[str, str] | None = None) -> Any:
    args = mint_setup_args(sandbox.base_url, NAMES, "--env-file", str(tmp / "owui.env"), *extra)
    return run_cli(args, env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token, **(env or {})})


def one_line_refusal(out: Any, code: int = 2) -> str:
    assert out.returncode == code, out.stdout + out.stderr
    assert out.stderr.count("\n") <= 2 and "Traceback" not in out.stderr
    assert ADMIN not in out.stdout + out.stderr
    return " ".join(out.stderr.split())


# --- setup --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "env", "said"),
    [
        (["--prove-url", "http://127.0.0.1:9"], {}, "--prove-url goes with --env-file"),
        (
            [
                "--env-file",
                "X",
                "--prove-url",
                "http://127.0.0.1:9",
                "--openwebui-url",
                "https://a.example",
            ],
            {},
            "name two Open WebUIs",
        ),
        (["--env-file", "X", "--keep-admin-token"], {}, "give Open WebUI's URL with --prove-url"),
        (
            ["--env-file", "X", "--prove-url", "http://127.0.0.1:9", "--keep-admin-token"],
            {},
            "--keep-admin-token needs the admin credential",
        ),
        (
            ["--env-file", "X", "--prove-url", "http://chat.example.invalid"],
            {},
            "--allow-http-openwebui",
        ),
        (
            ["--env-file", "X", "--prove-url", "http://127.0.0.1:9", "--keep-admin-token"],
            {
                "GTWIZARD_OPENWEBUI_TOKEN": ADMIN,
                "GTWIZARD_OPENWEBUI_TOKEN_URL": "https://elsewhere.example",
            },
            "belongs to https://elsewhere.example",
        ),
    ],
)
def test_proof_channel_flags_are_refused_before_minting(
    sandbox: Any, tmp_path: Path, extra: list[str], env: dict[str, str], said: str
) -> None:
    extra = [str(tmp_path / "owui.env") if e == "X" else e for e in extra]
    before = len(tenant_keys(sandbox))
    args = mint_setup_args(sandbox.base_url, NAMES, *extra)
    out = run_cli(args, env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token, **env})
    assert said in one_line_refusal(out)
    assert len(tenant_keys(sandbox)) == before, "nothing may be minted"


def test_setup_keeps_the_credential_it_verified(
    sandbox: Any, tmp_path: Path, owui: CannedServer
) -> None:
    env = {"GTWIZARD_OPENWEBUI_TOKEN": ADMIN}
    flags = ["--prove-url", owui.url, "--keep-admin-token", "--disable-persistent-config"]
    dry = setup(sandbox, tmp_path, *flags, "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert f"proof channel: Open WebUI at {owui.url} (its admin credential kept" in dry.stdout

    out = setup(sandbox, tmp_path, *flags, env=env)
    assert out.returncode == 0, out.stderr
    assert ADMIN not in out.stdout + out.stderr
    assert f"Bearer {ADMIN}" in owui.authorizations  # verified as an admin before the key
    profile = get_profile("default")
    assert profile.openwebui_url == owui.url and profile.admin_token_kept
    store = open_store("file", path=Path(profile.storage_location))
    assert store.get(admin_entry("default")) == ADMIN
    # kept: the next steps' check needs nothing in the environment
    assert "     $ gtwizard check --profile default\n" in out.stdout


def test_a_running_open_webui_refuses_the_env_file_unless_it_wins(
    sandbox: Any, tmp_path: Path, owui: CannedServer
) -> None:
    """An Open WebUI answering at the proof channel has started: its database wins (refused,
    nothing minted), unless the env file says it wins, then the credential is verified."""
    before = len(tenant_keys(sandbox))
    refused = setup(sandbox, tmp_path, "--prove-url", owui.url)
    text = one_line_refusal(refused, 1)
    assert "already started once" in text and "--disable-persistent-config" in text
    assert len(tenant_keys(sandbox)) == before
    (tmp_path / "owui.env").write_text("ENABLE_PERSISTENT_CONFIG=false\n")
    accepted = setup(sandbox, tmp_path, "--prove-url", owui.url)
    assert accepted.returncode == 0, accepted.stderr

    with canned_server(
        {**RUNNING, ("GET", "/api/v1/auths/"): Reply(200, {"id": "2", "role": "user"})}
    ) as plain:
        (tmp_path / "plain").mkdir()  # a profile of its own needs a file of its own
        (tmp_path / "plain" / "owui.env").write_text("ENABLE_PERSISTENT_CONFIG=false\n")
        out = setup(
            sandbox,
            tmp_path / "plain",
            "--prove-url",
            plain.url,
            "--profile",
            "plain",
            env={"GTWIZARD_OPENWEBUI_TOKEN": ADMIN},
        )
    assert "role 'user', not admin" in one_line_refusal(out, 1)


def test_setup_says_when_it_cannot_know_whether_open_webui_started(
    sandbox: Any, tmp_path: Path
) -> None:
    out = setup(sandbox, tmp_path)
    assert out.returncode == 0, out.stderr
    said = " ".join(out.stdout.split())
    assert "Open WebUI may have started before; that is not known here (no DATA_DIR and no " in said
    command = "GTWIZARD_OPENWEBUI_TOKEN=... gtwizard check --profile default --openwebui-url URL"
    assert (
        f"After the restart, this reads the connection it uses and says whether that happened: {command}"
        in said
    )
    assert "Review step" not in out.stdout  # the CLI has none

    url = dead_url()
    (tmp_path / "down").mkdir()  # a profile of its own needs a file of its own
    down = setup(sandbox, tmp_path / "down", "--prove-url", url, "--profile", "down")
    said = " ".join(down.stdout.split())
    assert f"(Open WebUI at {url} did not answer now)" in said
    assert (
        "says whether that happened: GTWIZARD_OPENWEBUI_TOKEN=... gtwizard check --profile down"
        in said
    )

    data = tmp_path / "data"
    data.mkdir()  # a DATA_DIR without webui.db: a first start reads the file
    (tmp_path / "fresh").mkdir()
    fresh = setup(
        sandbox, tmp_path / "fresh", "--openwebui-data-dir", str(data), "--profile", "fresh"
    )
    assert fresh.returncode == 0, fresh.stderr
    assert "may have started before" not in fresh.stdout


# --- check --openwebui-url ----------------------------------------------------------------------


def test_check_with_a_url_nothing_answers_at_is_not_recorded(sandbox: Any, tmp_path: Path) -> None:
    profile, key = make_profile(sandbox, tmp_path)
    write_env_file(profile, key)
    url = dead_url()
    out = run_cli(
        ["check", "--profile", "work", "--openwebui-url", url, "--json"],
        env={"GTWIZARD_OPENWEBUI_TOKEN": ADMIN},
    )
    assert out.returncode == 1, out.stderr  # its Open WebUI checks could not reach it
    data = json.loads(out.stdout)
    assert data["proof_channel"] == {
        "url": url,
        "recorded": False,
        "said": f"proof channel not recorded: nothing answered as Open WebUI at {url}",
    }
    assert get_profile("work").openwebui_url is None
    assert ADMIN not in out.stdout + out.stderr


def test_check_openwebui_url_is_refused_where_it_cannot_be_the_channel(
    sandbox: Any, tmp_path: Path
) -> None:
    make_profile(
        sandbox,
        tmp_path,
        name="live",
        target_kind="admin-api",
        target_place="https://owui.example.com",
    )
    make_profile(
        sandbox, tmp_path, name="aider", product_preset="aider", target_kind="none", target_place=""
    )
    make_profile(
        sandbox, tmp_path, name="kept", openwebui_url="https://a.example", admin_token_kept=True
    )
    cases = {
        ("check", "--profile", "live"): "applies through the admin API of https://owui.example.com",
        ("check", "--profile", "aider"): "only an Open WebUI profile is proven",
        ("check", "--profile", "kept"): "keeps an admin credential for https://a.example",
        ("check", "--all"): "--all and --openwebui-url cannot be combined",
    }
    for args, said in cases.items():
        out = run_cli([*args, "--openwebui-url", "https://b.example"])
        assert said in one_line_refusal(out), args
    assert get_profile("kept").openwebui_url == "https://a.example"


# --- profiles set -------------------------------------------------------------------------------


def test_profiles_set_moves_the_channel_and_drops_a_credential_kept_for_the_old_one(
    sandbox: Any, tmp_path: Path, owui: CannedServer, other: CannedServer
) -> None:
    make_profile(sandbox, tmp_path)
    env = {"GTWIZARD_OPENWEBUI_TOKEN": ADMIN}
    out = run_cli(
        ["profiles", "set", "work", "--prove-url", owui.url, "--keep-admin-token"], env=env
    )
    assert out.returncode == 0, out.stderr
    assert f"acts as an admin of {owui.url}" in out.stdout
    store = open_store("file", path=tmp_path / "secrets" / "secrets.json")
    assert store.get(admin_entry("work")) == ADMIN

    moved = run_cli(["profiles", "set", "work", "--prove-url", other.url, "--json"])
    assert moved.returncode == 0, moved.stderr
    change = json.loads(moved.stdout)
    assert change["prove_url"] == other.url and change["admin_token_kept"] is False
    assert f"the admin credential kept for {owui.url} was deleted" in " ".join(change["said"])
    assert store.get(admin_entry("work")) is None
    assert other.authorizations == []  # the old credential never went to the new place

    refusals = {
        (): "nothing to set",
        ("--prove-url", "none", "--keep-admin-token"): "nothing to keep",
        ("--keep-admin-token",): "needs the admin credential of " + other.url,
        ("--prove-url", "ftp://x.example"): "must start with https://",
    }
    for args, said in refusals.items():
        assert said in one_line_refusal(run_cli(["profiles", "set", "work", *args])), args
    assert get_profile("work").openwebui_url == other.url

    make_profile(sandbox, tmp_path, name="bare", storage_kind="none", storage_location="")
    refused = run_cli(
        ["profiles", "set", "bare", "--prove-url", owui.url, "--keep-admin-token"], env=env
    )
    assert "keeps nothing on this machine" in one_line_refusal(refused)
    make_profile(sandbox, tmp_path, name="live", target_kind="admin-api", target_place=owui.url)
    refused = run_cli(["profiles", "set", "live", "--prove-url", "none"])
    assert "stays its proof channel" in one_line_refusal(refused)


def test_a_kept_credential_never_goes_to_another_open_webui(
    sandbox: Any, tmp_path: Path, owui: CannedServer, other: CannedServer
) -> None:
    """`rotate --finish --openwebui-url B` on a profile that keeps A's credential: B never
    receives it, and the run says that no credential is known for B."""
    out = setup(sandbox, tmp_path, "--disable-persistent-config")
    assert out.returncode == 0, out.stderr
    waiting = run_cli(
        ["rotate", "--profile", "default", "--yes", "--json"],
        env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token},
    )
    assert json.loads(waiting.stdout)["state"] == "waiting", waiting.stderr
    kept = run_cli(
        ["profiles", "set", "default", "--prove-url", owui.url, "--keep-admin-token"],
        env={"GTWIZARD_OPENWEBUI_TOKEN": ADMIN},
    )
    assert kept.returncode == 0, kept.stderr

    finish = run_cli(
        ["rotate", "--profile", "default", "--finish", "--openwebui-url", other.url],
        env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token},
    )
    said = one_line_refusal(finish)
    assert f"no admin credential for Open WebUI at {other.url}" in said
    assert all(ADMIN not in auth for auth in other.authorizations)
    profile = get_profile("default")
    assert profile.admin_token_kept and profile.openwebui_url == owui.url


def test_an_env_file_rotation_with_a_channel_waits_for_the_restart(
    sandbox: Any, tmp_path: Path
) -> None:
    """Open WebUI (reached through the channel, credential kept) never restarts with the new key:
    the rotation waits with both keys live instead of failing, and so does a re-setup's
    retirement of its old key; --finish then says why it cannot prove yet."""
    from support.rotation_helpers import key_status, stored_key

    holds_old = Reply(
        200,
        {
            "ENABLE_OPENAI_API": True,
            "OPENAI_API_BASE_URLS": [sandbox.base_url + "/v1"],
            "OPENAI_API_KEYS": ["sk-not-the-new-key-0000"],
            "OPENAI_API_CONFIGS": {},
        },
    )
    env = {"GTWIZARD_OPENWEBUI_TOKEN": ADMIN}
    with canned_server({**RUNNING, ("GET", "/openai/config"): holds_old}) as owui:
        flags = ["--prove-url", owui.url, "--keep-admin-token", "--disable-persistent-config"]
        for name in ("rot", "resetup"):
            (tmp_path / name).mkdir()
            out = setup(sandbox, tmp_path / name, *flags, "--profile", name, env=env)
            assert out.returncode == 0, out.stderr
        old = stored_key(get_profile("rot"))
        assert old

        operator = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
        rotated = run_cli(
            ["rotate", "--profile", "rot", "--yes", "--wait", "1", "--json"], env=operator
        )
        assert rotated.returncode == 0, rotated.stderr
        result = json.loads(rotated.stdout)
        assert result["state"] == "waiting", result
        steps = {s["name"]: s["detail"] for s in result["steps"]}
        assert "not yet proven in Open WebUI (it has not restarted with it)" in steps["verify"]
        assert key_status(sandbox, old) == 200
        assert f"Bearer {ADMIN}" in owui.authorizations  # it watched through the channel

        before = get_profile("resetup")
        again = setup(
            sandbox, tmp_path / "resetup", *flags, "--profile", "resetup", "--replace", env=env
        )
        assert again.returncode == 0, again.stderr
        assert f"the old key {before.key_id} stays valid for now" in again.stdout
        assert get_profile("resetup").key_id != before.key_id  # kept, not rolled back
        assert key_status(sandbox, stored_key(before) or "") == 200

        finish = run_cli(["rotate", "--profile", "rot", "--finish"], env=operator)
        said = one_line_refusal(finish, 1)
        assert f"Open WebUI at {owui.url} does not use the new key" in said
        assert "docker rm -f open-webui" in said
        assert key_status(sandbox, old) == 200
