"""The proof channel of an env-file profile, against the sandbox tenant and a real Open WebUI 0.12.4.

An env-file profile is proven from Open WebUI's side once gtwizard knows Open WebUI's URL and an
admin credential (issue 20, items 1 and 2): `check` chats as an ordinary user and reads the picker
(chat and no-leak PASS, as on the admin API), rotation proves the new key there before it revokes
the old one, and an Open WebUI whose database kept its old connection (PersistentConfig) is caught
after the restart, with both ways out.

Open WebUI runs on a port chosen before setup, so that the URL gtwizard records is the one it is
restarted on, with the env file gtwizard wrote (read as docker reads it). The tests of the first
instance run in file order and share one gtwizard home: each says what it relies on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.cli_helpers import mint_setup_args, run_cli
from support.owui_fixture import Site, admin_token, docker_env_file, grant_users
from support.rotation_helpers import key_status, stored_key

from gtwizard.profiles import get_profile
from gtwizard.secrets import admin_entry, open_store

pytestmark = pytest.mark.openwebui

NAMES = ("helpdesk", "research-assistant")
PROFILE = "chat"
OTHER_URL = "http://127.0.0.1:9/v1"  # a connection from before gtwizard (nothing listens)
OTHER_KEY = "sk-other-connection-0000"
CHECK_TIMEOUT = "60"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gtwizard-proof")


@pytest.fixture(autouse=True)
def shared_home(home: Path, isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One gtwizard home for the module (its tests build on each other); the CLI inherits it."""
    monkeypatch.setenv("GTWIZARD_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("GTWIZARD_STATE_DIR", str(home / "state"))


@pytest.fixture(scope="module")
def site(sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    place = Site(tmp_path_factory.mktemp("owui-proof"))
    try:
        yield place
    finally:
        place.stop()


def cli(args: list[str], env: dict[str, str] | None = None, drop: tuple[str, ...] = ()) -> Any:
    return run_cli(args, env=env, drop=drop, timeout=300)


def check(profile: str, env: dict[str, str], *extra: str) -> dict[str, Any]:
    """`gtwizard check --json`, every result by id (secrets never in what it prints)."""
    out = cli(["check", "--profile", profile, "--json", "--timeout", CHECK_TIMEOUT, *extra], env)
    assert out.returncode in (0, 1), out.stderr
    for secret in env.values():
        assert secret not in out.stdout + out.stderr
    data = json.loads(out.stdout)
    data["by_id"] = {c["id"]: c for c in data["checks"]}
    return data


def assert_proven_as_user(result: dict[str, Any]) -> None:
    by_id = result["by_id"]
    for check_id in ("chat", "no-leak", "openwebui-config", "openwebui-reach"):
        assert by_id[check_id]["status"] == "pass", by_id[check_id]
    assert (
        "a temporary ordinary user chatted with each through Open WebUI" in by_id["chat"]["detail"]
    )
    assert "a temporary ordinary user's picker shows 2 GT model(s)" in by_id["no-leak"]["detail"]
    assert "the connection in" in by_id["openwebui-config"]["detail"]


# --- one Open WebUI beside its env file ---------------------------------------------------------


def test_setup_with_prove_url_then_restart_passes_chat_and_no_leak_as_a_user(
    site: Site, sandbox: Any
) -> None:
    """(a) setup --env-file --prove-url; Open WebUI restarted on that file; check PASSes chat and
    no-leak as an ordinary user, as an admin-API profile does."""
    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    args = mint_setup_args(
        sandbox.base_url,
        NAMES,
        "--profile",
        PROFILE,
        "--env-file",
        str(site.env_file),
        "--prove-url",
        site.url,
        "--disable-persistent-config",
    )
    out = cli(args, env)
    assert out.returncode == 0, out.stderr
    profile = get_profile(PROFILE)
    assert profile.target_kind == "env-file" and profile.openwebui_url == site.url
    assert not profile.admin_token_kept
    # the next steps name the check that proves it, with the URL known and no credential kept
    assert f"GTWIZARD_OPENWEBUI_TOKEN=... gtwizard check --profile {PROFILE}\n" in out.stdout

    owui = site.start()
    token = admin_token(owui)
    grant_users(owui, token, NAMES)
    result = check(PROFILE, {"GTWIZARD_OPENWEBUI_TOKEN": token})
    assert result["ok"] is True
    assert_proven_as_user(result)
    # without a credential the channel is known but cannot act: warned, never passed
    alone = check(PROFILE, {})
    assert alone["by_id"]["chat"]["status"] == "warn"
    assert "no Open WebUI admin credential" in alone["by_id"]["chat"]["detail"]
    assert f"profiles set {PROFILE} --keep-admin-token" in alone["by_id"]["chat"]["hint"]


def test_check_openwebui_url_records_the_channel(site: Site, sandbox: Any) -> None:
    """(c) Relies on the previous test (profile, running Open WebUI, grants). Without a channel
    the user-side checks warn and say the command; that command proves it and records the URL."""
    assert site.owui is not None
    token = admin_token(site.owui)
    removed = cli(["profiles", "set", PROFILE, "--prove-url", "none"])
    assert removed.returncode == 0, removed.stderr
    assert get_profile(PROFILE).openwebui_url is None

    before = check(PROFILE, {"GTWIZARD_OPENWEBUI_TOKEN": token})
    chat = before["by_id"]["chat"]
    assert chat["status"] == "warn" and "no Open WebUI URL" in chat["detail"]
    command = f"GTWIZARD_OPENWEBUI_TOKEN=... gtwizard check --profile {PROFILE} --openwebui-url URL"
    assert command in chat["hint"]
    config = before["by_id"]["openwebui-config"]
    assert config["status"] == "skip"  # ENABLE_PERSISTENT_CONFIG=false: the file wins at start
    assert "ENABLE_PERSISTENT_CONFIG=false in it" in config["detail"]

    # the printed command, with the URL and the credential filled in
    out = cli(
        ["check", "--profile", PROFILE, "--openwebui-url", site.url, "--timeout", CHECK_TIMEOUT],
        {"GTWIZARD_OPENWEBUI_TOKEN": token},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"recorded {site.url} as the proof channel of profile '{PROFILE}'" in out.stdout
    assert token not in out.stdout + out.stderr
    assert get_profile(PROFILE).openwebui_url == site.url
    assert_proven_as_user(check(PROFILE, {"GTWIZARD_OPENWEBUI_TOKEN": token}))


def test_rotate_finish_proves_through_the_channel_and_revokes(site: Site, sandbox: Any) -> None:
    """(e) Relies on the profile with its channel recorded. A rotation run without the admin
    credential cannot prove: it waits with both keys live; after the restart, --finish proves
    through the recorded channel as an ordinary user, then revokes the old key."""
    assert site.owui is not None
    before = get_profile(PROFILE)
    old_secret = stored_key(before)
    assert old_secret
    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    waiting = cli(["rotate", "--profile", PROFILE, "--yes", "--json"], env)
    assert waiting.returncode == 0, waiting.stderr
    result = json.loads(waiting.stdout)
    assert result["state"] == "waiting"
    finish = f"GTWIZARD_OPENWEBUI_TOKEN=... gtwizard rotate --finish --profile {PROFILE}"
    assert any(line == f"prove and revoke: {finish}" for line in result["remaining"])
    assert key_status(sandbox, old_secret) == 200
    new_secret = stored_key(before, result["new_key_id"])
    assert new_secret and docker_env_file(site.env_file)["OPENAI_API_KEY"] == new_secret

    token = admin_token(site.start())  # the restart the rotation waits for
    done = cli(
        ["rotate", "--profile", PROFILE, "--finish"], {**env, "GTWIZARD_OPENWEBUI_TOKEN": token}
    )
    assert done.returncode == 0, done.stdout + done.stderr
    proof = "[proof] an ordinary Open WebUI user chatted with helpdesk, research-assistant"
    assert proof in done.stdout
    assert f"rotation done: profile '{PROFILE}' now uses key {result['new_key_id']}" in done.stdout
    assert key_status(sandbox, old_secret) == 401
    assert get_profile(PROFILE).key_id == result["new_key_id"]
    assert token not in done.stdout + done.stderr and new_secret not in done.stdout


def test_profiles_set_keeps_the_credential_and_none_removes_it(site: Site, sandbox: Any) -> None:
    """(d) Relies on the running Open WebUI and the profile. `profiles set --keep-admin-token`
    keeps the credential beside the key: check then proves with nothing in the environment."""
    assert site.owui is not None
    token = admin_token(site.owui)
    kept = cli(
        ["profiles", "set", PROFILE, "--prove-url", site.url, "--keep-admin-token", "--json"],
        {"GTWIZARD_OPENWEBUI_TOKEN": token},
    )
    assert kept.returncode == 0, kept.stderr
    change = json.loads(kept.stdout)
    assert change["ok"] and change["prove_url"] == site.url and change["admin_token_kept"]
    assert f"acts as an admin of {site.url}" in " ".join(change["said"])
    assert token not in kept.stdout + kept.stderr
    profile = get_profile(PROFILE)
    store = open_store("file", path=Path(profile.storage_location))
    assert store.get(admin_entry(PROFILE)) == token
    assert profile.admin_token_kept

    assert_proven_as_user(check(PROFILE, {}))

    # a credential that is not an admin's is refused, and the kept one stays
    refused = cli(
        ["profiles", "set", PROFILE, "--keep-admin-token"],
        {"GTWIZARD_OPENWEBUI_TOKEN": "not-a-valid-credential"},
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "rejected the admin credential" in refused.stderr
    assert refused.stderr.count("\n") == 1 and "not-a-valid-credential" not in refused.stderr
    assert store.get(admin_entry(PROFILE)) == token

    removed = cli(["profiles", "set", PROFILE, "--prove-url", "none"])
    assert removed.returncode == 0, removed.stderr
    assert "deleted" in removed.stdout
    assert store.get(admin_entry(PROFILE)) is None
    profile = get_profile(PROFILE)
    assert profile.openwebui_url is None and not profile.admin_token_kept
    site.stop()


# --- an Open WebUI that started before: PersistentConfig ----------------------------------------


def test_persistent_config_mismatch_is_found_after_the_restart(
    sandbox: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """(b) Open WebUI started before with another connection and persistence on (the default);
    setup rewrites its env file while it is stopped (so setup cannot see that it started); after
    the restart check reads the connection Open WebUI uses, finds the old one, and says so with
    both ways out. The second way, done as printed, makes Open WebUI take the file."""
    place = Site(tmp_path_factory.mktemp("owui-persistent"))
    before = {
        "OPENAI_API_BASE_URLS": OTHER_URL,
        "OPENAI_API_KEYS": OTHER_KEY,
        "WEBUI_NAME": "Started before",
    }
    try:
        place.start(before)
        place.stop()
        place.env_file.write_text("".join(f"{k}={v}\n" for k, v in before.items()))
        env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
        args = mint_setup_args(
            sandbox.base_url,
            NAMES,
            "--profile",
            "started",
            "--env-file",
            str(place.env_file),
            "--prove-url",
            place.url,
        )
        out = cli(args, env)
        assert out.returncode == 0, out.stderr
        # setup cannot know (Open WebUI is down, no DATA_DIR): it says so and what tells it
        said = " ".join(out.stdout.split())
        assert f"Open WebUI at {place.url} did not answer now" in said
        assert "says whether that happened: " in said
        assert "gtwizard check --profile started" in said
        assert "the Review step" not in out.stdout

        token = admin_token(place.start())
        result = check("started", {"GTWIZARD_OPENWEBUI_TOKEN": token})
        config = result["by_id"]["openwebui-config"]
        assert config["status"] == "fail", config
        assert "its database still holds the old connection" in config["detail"]
        assert f"no connection to {sandbox.base_url}" in config["detail"]
        hint = config["hint"]
        assert "--openwebui-url " + place.url in hint and "gtwizard setup --replace" in hint
        assert f"add the line ENABLE_PERSISTENT_CONFIG=false to {place.env_file}" in hint
        assert result["ok"] is False

        # the second way out, as printed: the line added, Open WebUI restarted
        with place.env_file.open("a") as f:
            f.write("ENABLE_PERSISTENT_CONFIG=false\n")
        owui = place.start()
        token = admin_token(owui)
        grant_users(owui, token, NAMES)
        fixed = check("started", {"GTWIZARD_OPENWEBUI_TOKEN": token})
        assert fixed["ok"] is True, [c for c in fixed["checks"] if c["status"] == "fail"]
        assert_proven_as_user(fixed)
    finally:
        place.stop()
