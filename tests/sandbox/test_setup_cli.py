"""`gtwizard setup` end to end against the sandbox, with a real Secret Service and without one."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import pytest
from support.cli_helpers import files_containing, mint_setup_args, pasted_setup_args, run_cli

from gtwizard.gt.client import GTClient
from gtwizard.gt.keys import KeyManager
from gtwizard.sandbox.catalog import DEMO_AGENT_ALIASES, DEMO_RAW_MODELS
from gtwizard.secrets import key_entry, open_store

NAMES = "helpdesk,llama-3.1-8b-instruct"


def list_keys(sandbox) -> list:
    async def go():
        async with KeyManager(sandbox.base_url, sandbox.operator_token) as manager:
            return await manager.list_keys()

    return asyncio.run(go())


def models_seen(sandbox, secret: str) -> list[str]:
    async def go():
        async with GTClient(sandbox.base_url, secret) as client:
            return sorted(m.id for m in await client.list_models())

    return asyncio.run(go())


def test_mint_into_the_real_keyring_and_the_canary(
    sandbox,
    real_secret_service,
    isolated_dirs: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token, **real_secret_service.env}
    before = {k.id for k in list_keys(sandbox)}
    out = run_cli(
        mint_setup_args(sandbox.base_url, NAMES, "--json", "--profile", "lab", storage=None),
        env=env,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["ok"] and result["storage"]["kind"] == "keyring"
    assert result["key"]["agent_aliases"] == ["helpdesk"]
    assert result["key"]["raw_models"] == ["llama-3.1-8b-instruct"]
    assert result["base"]["form"] == "v1"
    key_id = result["key"]["id"]
    assert key_id not in before

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", real_secret_service.address)
    secret = open_store("keyring").get(key_entry("lab", key_id))
    assert secret and secret.startswith("gtak_")
    assert models_seen(sandbox, secret) == ["helpdesk", "llama-3.1-8b-instruct"]

    status = run_cli(["status", "--json"], env=env)
    assert status.returncode == 0, status.stderr
    profiles = json.loads(status.stdout)
    text = json.dumps(profiles)
    assert "lab" in text and "keyring" in text

    # the canary: the key is in the keyring only
    for stream in (out.stdout, out.stderr, status.stdout, status.stderr):
        assert secret not in stream
    assert files_containing(isolated_dirs / "config", secret) == []
    assert files_containing(isolated_dirs / "state", secret) == []


def test_no_dbus_session_exits_1_and_mints_nothing(sandbox) -> None:
    before = len(list_keys(sandbox))
    out = run_cli(
        mint_setup_args(sandbox.base_url, NAMES, storage=None),
        env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token},
        drop=["DBUS_SESSION_BUS_ADDRESS"],
    )
    assert out.returncode == 1
    assert "keyring" in out.stderr and "--storage" in out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert len(list_keys(sandbox)) == before, "nothing may be minted when storage is unusable"


def test_file_storage_and_env_file_target(sandbox, isolated_dirs: Path) -> None:
    env_file = isolated_dirs / "owui.env"
    env_file.write_text("# my settings\nWEBUI_NAME=Lab\n")
    out = run_cli(
        mint_setup_args(
            sandbox.base_url, NAMES, "--env-file", str(env_file), "--json", storage="file"
        ),
        env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token},
        drop=["DBUS_SESSION_BUS_ADDRESS"],
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    secrets_file = Path(result["storage"]["location"])
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(secrets_file.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    text = env_file.read_text()
    assert text.startswith("# my settings\nWEBUI_NAME=Lab\n"), "unrelated lines stay as they were"
    assert f"OPENAI_API_BASE_URL={sandbox.base_url}/v1\n" in text
    assert (isolated_dirs / "owui.env.bak").read_text() == "# my settings\nWEBUI_NAME=Lab\n"
    stored = open_store("file").get(key_entry("default", result["key"]["id"]))
    assert stored and f"OPENAI_API_KEY={stored}\n" in text, "the stored key is the one applied"
    assert stored not in out.stdout and stored not in out.stderr


def test_pasted_key_twice_changes_nothing_the_second_time(sandbox, isolated_dirs: Path) -> None:
    _, secret = sandbox.seed_key(
        ["inference:chat"], agent_aliases=DEMO_AGENT_ALIASES, raw_models=DEMO_RAW_MODELS
    )
    names = ",".join([*DEMO_AGENT_ALIASES, *DEMO_RAW_MODELS])
    env_file = isolated_dirs / "app.env"
    args = pasted_setup_args(sandbox.base_url, names, env_file)
    first = run_cli(args, stdin=secret + "\n")
    assert first.returncode == 0, first.stderr
    assert "+OPENAI_API_KEY=gtak_…" in first.stdout and secret not in first.stdout
    refused = run_cli(args, stdin=secret + "\n")
    assert refused.returncode == 2 and "--replace" in refused.stderr, refused.stderr
    second = run_cli([*args, "--replace"], stdin=secret + "\n")
    assert second.returncode == 0, second.stderr
    assert "already up to date" in second.stdout
    assert "retire" not in second.stdout.lower()  # the same key: nothing to retire


def test_pasted_key_with_a_wider_allowlist_is_refused(sandbox, isolated_dirs: Path) -> None:
    _, secret = sandbox.seed_key(["inference:chat"], agent_aliases=["helpdesk", "finance-analyst"])
    out = run_cli(
        pasted_setup_args(sandbox.base_url, "helpdesk", isolated_dirs / "x.env"), stdin=secret
    )
    assert out.returncode == 1
    assert "finance-analyst" in out.stderr and secret not in out.stderr
    assert not (isolated_dirs / "x.env").exists()


@pytest.mark.parametrize(
    ("args", "stdin", "fragment"),
    [
        (
            ["--aliases", "helpdesk", "--key-stdin", "--storage", "none", "--env-file", "e.env"],
            "not-a-key",
            "not a GT API key",
        ),
        (["--aliases", "nope", "--mint", "--storage", "file"], "", "not published"),
        (["--aliases", "helpdesk", "--mint", "--storage", "none"], "", "keeps the key nowhere"),
    ],
)
def test_bad_input_exits_2_with_one_line(sandbox, isolated_dirs, args, stdin, fragment) -> None:
    out = run_cli(
        ["setup", "--preset", "open-webui", "--host", sandbox.base_url, "--yes", *args],
        env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token},
        stdin=stdin,
    )
    assert out.returncode == 2, out.stderr
    assert fragment in out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_pasted_key_with_wider_scopes_is_refused_unless_accepted(
    sandbox, isolated_dirs: Path
) -> None:
    """A pasted key is measured, not trusted: image and speech scopes beyond the chat preset are
    refused (nothing stored or written); accepted explicitly, the real scopes are recorded."""
    from gtwizard.profiles import get_profile
    from gtwizard.runbook import render_runbook

    scopes = ["inference:chat", "inference:image", "inference:speech"]
    _, secret = sandbox.seed_key(scopes, agent_aliases=["helpdesk"])
    env_file = isolated_dirs / "wide.env"
    args = [*pasted_setup_args(sandbox.base_url, "helpdesk", env_file), "--json"]
    refused = run_cli(args, stdin=secret + "\n")
    assert refused.returncode == 2, refused.stderr
    failure = json.loads(refused.stdout)
    assert "inference:image" in failure["error"] and "--accept-wider-key" in failure["hint"]
    assert not env_file.exists() and secret not in refused.stdout + refused.stderr
    accepted = run_cli([*args, "--accept-wider-key"], stdin=secret + "\n")
    assert accepted.returncode == 0, accepted.stderr
    result = json.loads(accepted.stdout)
    assert set(result["key"]["scopes"]) == set(scopes)
    assert "inference:image" in result["accepted_wider_key"]
    profile = get_profile("default")
    assert set(profile.scopes) == set(scopes)
    assert "WIDER THAN CHOSEN" in render_runbook(profile)


def test_plain_http_to_a_remote_open_webui_is_refused_before_minting(
    sandbox, isolated_dirs: Path
) -> None:
    from support.rotation_helpers import tenant_keys

    before = len(tenant_keys(sandbox))
    args = mint_setup_args(
        sandbox.base_url, ["helpdesk"], "--openwebui-url", "http://chat.example.invalid:3000"
    )
    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token, "GTWIZARD_OPENWEBUI_TOKEN": "t" * 20}
    out = run_cli([*args, "--json"], env=env)
    assert out.returncode == 2, out.stderr
    assert "--allow-http-openwebui" in json.loads(out.stdout)["hint"]
    allowed = run_cli([*args, "--allow-http-openwebui"], env=env)
    assert "--allow-http-openwebui" not in allowed.stderr  # past the rule: now it is the network
    assert allowed.returncode == 1, allowed.stderr
    assert len(tenant_keys(sandbox)) == before, "nothing minted for a refused target"


def test_dry_run_shows_the_plan_and_mints_nothing(sandbox, isolated_dirs: Path) -> None:
    env_file = isolated_dirs / "owui.env"
    env_file.write_text("WEBUI_NAME=Chat\n")
    before = {k.id for k in list_keys(sandbox)}
    args = mint_setup_args(sandbox.base_url, NAMES, "--env-file", str(env_file), "--dry-run")
    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}

    human = run_cli(args, env=env)
    as_json = run_cli([*args, "--json"], env=env)

    assert human.returncode == 0, human.stderr
    assert "mint a key on" in human.stdout and f"write {env_file}" in human.stdout
    assert "+OPENAI_API_KEY=gtak_…(the new key)" in human.stdout
    assert "/api/tenant/v1" in human.stdout and "checks that would run: " in human.stdout
    preview = json.loads(as_json.stdout)["preview"]
    assert "+OPENAI_API_BASE_URL=" in preview["diff"] and "chat" in preview["checks"]
    assert {k.id for k in list_keys(sandbox)} == before
    assert env_file.read_text() == "WEBUI_NAME=Chat\n"
    assert not (isolated_dirs / "config" / "config.toml").exists()


def test_dry_run_runs_the_real_preflight(sandbox, isolated_dirs: Path) -> None:
    """An env file the real run could not replace (immutable, chattr +i) fails the dry run too."""
    import shutil
    import subprocess

    env_file = isolated_dirs / "owui.env"
    env_file.write_text("WEBUI_NAME=Chat\n")
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(env_file)]).returncode != 0:
        pytest.skip("chattr +i needs root on a file system that supports it")
    before = {k.id for k in list_keys(sandbox)}
    try:
        env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
        base = mint_setup_args(sandbox.base_url, NAMES, "--env-file", str(env_file))
        dry = run_cli([*base, "--dry-run"], env=env)
        real = run_cli(base, env=env)
    finally:
        subprocess.run([chattr, "-i", str(env_file)], check=True)
    for out in (dry, real):
        assert out.returncode == 1, out.stdout + out.stderr
        assert "cannot be replaced (Operation not permitted)" in out.stderr
        assert "Traceback" not in out.stderr
    assert {k.id for k in list_keys(sandbox)} == before, "refused before any mint, both times"
