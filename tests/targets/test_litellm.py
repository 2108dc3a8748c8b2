"""The LiteLLM proxy target end to end: `gtwizard setup --target litellm` against the sandbox
tenant, the real proxy (scripts/install-litellm.sh) restarted as an operator would, the chats
through it seen from the tenant's side, and a rotation that revokes the old key only after the
proxy proved the new one."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml
from support.cli_helpers import files_containing, run_cli
from support.litellm_fixture import require_litellm, start_proxy, stop_proxy
from support.owui_fixture import free_port
from support.rotation_helpers import command_line, stored_key, tenant_keys

from gtwizard.profiles import get_profile
from gtwizard.sandbox.authlog import credential_hash

NAMES = "helpdesk,llama-3.1-8b-instruct"
EMBED = "text-embedding-small"
MASTER = "sk-litellm-test-master-1"
OPERATOR_CONFIG = """\
# the operator's proxy: their own model first, with a comment that must survive
model_list:
  - model_name: local-echo   # their own upstream
    litellm_params:
      model: openai/echo
      api_base: http://127.0.0.1:9/v1
      api_key: "os.environ/LOCAL_KEY"

general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY   # from the env file

litellm_settings:
  drop_params: true
"""
OPERATOR_ENV = f"# the proxy's environment\nLITELLM_MASTER_KEY={MASTER}\nLOCAL_KEY=sk-local\n"


def setup_args(
    sandbox, config: Path, *extra: str, names: str = NAMES, key_preset: str = "chat-client"
) -> list[str]:
    return [
        "setup",
        "--preset",
        "litellm",
        "--key-preset",
        key_preset,
        "--target",
        "litellm",
        "--litellm-config",
        str(config),
        "--host",
        sandbox.base_url,
        "--aliases",
        names,
        "--mint",
        "--yes",
        "--storage",
        "file",
        *extra,
    ]


def chat(url: str, model: str) -> str:
    reply = httpx.post(
        f"{url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {MASTER}"},
        json={"model": model, "messages": [{"role": "user", "content": "ping"}]},
        timeout=60,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["choices"][0]["message"]["content"]


def without_ours(text: str) -> str:
    """The config with gtwizard's block (from its first entry to the blank line) cut out."""
    start = text.index("  - model_name: helpdesk")
    return text[:start] + text[text.index("\ngeneral_settings") :]


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ("model_list:\n  - model_name: [unclosed\n", "not valid YAML"),
        ("model_list: [{model_name: x}]\n", "flow style"),
        (
            "model_list:\n  - model_name: helpdesk\n    litellm_params: {model: openai/x}\n",
            "already has a model_list entry named helpdesk",
        ),
    ],
)
def test_bad_config_is_refused_before_any_mint(
    sandbox, isolated_dirs: Path, config: str, fragment: str
) -> None:
    path = isolated_dirs / "config.yaml"
    path.write_text(config)
    before = {k.id for k in tenant_keys(sandbox)}
    out = run_cli(
        setup_args(sandbox, path), env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    )
    assert out.returncode == 2, out.stdout + out.stderr
    assert fragment in out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert {k.id for k in tenant_keys(sandbox)} == before, "nothing may be minted"
    assert path.read_text() == config and not (isolated_dirs / ".env").exists()


@pytest.mark.slow
def test_setup_prove_and_rotate_through_the_real_proxy(sandbox, isolated_dirs: Path) -> None:
    require_litellm()
    folder = isolated_dirs / "proxy"
    folder.mkdir()
    config, env_file = folder / "config.yaml", folder / ".env"
    config.write_text(OPERATOR_CONFIG)
    env_file.write_text(OPERATOR_ENV)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    op_env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}

    # setup: the entries by reference, the key in the env file (0600, previous kept)
    out = run_cli(
        setup_args(
            sandbox,
            config,
            "--profile",
            "lab",
            "--litellm-url",
            url,
            "--litellm-restart",
            "systemctl restart litellm",
            "--embeddings",
            "--embedding-model",
            EMBED,
            "--json",
            names=f"{NAMES},{EMBED}",
            key_preset="chat-embeddings",
        ),
        env=op_env,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    result = json.loads(out.stdout)
    assert result["ok"] and result["target"]["kind"] == "litellm"
    profile = get_profile("lab")
    first_id = profile.key_id
    first = stored_key(profile)
    assert first and first.startswith("gtak_") and first not in out.stdout + out.stderr
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    env_text = env_file.read_text()
    assert env_text.startswith(OPERATOR_ENV) and f"GT_API_KEY={first}\n" in env_text
    assert (folder / ".env.bak").read_text() == OPERATOR_ENV
    assert without_ours(config.read_text()) == OPERATOR_CONFIG, "the operator's bytes are kept"
    assert first not in config.read_text(), "the config holds a reference, never the key"
    data = yaml.safe_load(config.read_text())
    ours = [m for m in data["model_list"] if m["model_name"] != "local-echo"]
    assert [m["model_name"] for m in ours] == [*NAMES.split(","), EMBED]
    for entry in ours:
        assert entry["litellm_params"] == {
            "model": f"openai/{entry['model_name']}",
            "api_base": f"{sandbox.base_url}/v1",
            "api_key": "os.environ/GT_API_KEY",
        }
        assert entry["model_info"]["gtwizard"] == "managed"
    assert ours[-1]["model_info"]["mode"] == "embedding"

    # the proxy as the operator runs it: a chat with its master key reaches GT with the GT key
    proxy = start_proxy(config, env_file, port=port)
    try:
        sandbox.record_authorization()
        assert chat(url, "helpdesk").strip()
        used = {
            h
            for method, path, h in sandbox.authorizations_seen()
            if path.endswith("/chat/completions")
        }
        assert used == {credential_hash(first)}, "the proxy called GT with the key gtwizard wrote"
        checked = run_cli(["check", "--profile", "lab", "--json"], env=op_env)
        proof = [c for c in json.loads(checked.stdout)["checks"] if c["id"] == "product-proof"]
        assert proof and proof[0]["status"] == "pass", checked.stdout
        assert f"{EMBED} an embedding" in proof[0]["detail"]

        # rotation: the new key is written; the proxy still runs on the old one, so nothing is
        # proven and the old key stays live
        rotated = run_cli(
            ["rotate", "--profile", "lab", "--yes", "--wait", "3", "--json"], env=op_env
        )
        assert rotated.returncode == 0, rotated.stdout + rotated.stderr
        waiting = json.loads(rotated.stdout)
        assert any("--finish" in line for line in waiting["remaining"]), waiting
        second = stored_key(get_profile("lab"), waiting["new_key_id"])
        assert second and f"GT_API_KEY={second}\n" in env_file.read_text()
        live = {k.id: k for k in tenant_keys(sandbox)}
        assert live[first_id].revoked_at is None, "the proxy still uses it: it must stay live"
        early = run_cli(["rotate", "--profile", "lab", "--finish", "--json"], env=op_env)
        assert early.returncode != 0, early.stdout
        assert "still runs with another key" in early.stdout + early.stderr
        assert (
            tenant_keys(sandbox)
            and {k.id: k for k in tenant_keys(sandbox)}[first_id].revoked_at is None
        ), "a proxy on the old key never proves the new one"
    finally:
        stop_proxy(proxy)

    # the operator restarts the proxy; --finish proves through it, then revokes the old key
    proxy = start_proxy(config, env_file, port=port)
    try:
        done = run_cli(["rotate", "--profile", "lab", "--finish", "--json"], env=op_env)
        assert done.returncode == 0, done.stdout + done.stderr
        keys = {k.id: k for k in tenant_keys(sandbox)}
        assert keys[first_id].revoked_at is not None
        assert keys[waiting["new_key_id"]].revoked_at is None
        sandbox.record_authorization()
        assert chat(url, "llama-3.1-8b-instruct").strip()
        used = {
            h
            for method, path, h in sandbox.authorizations_seen()
            if path.endswith("/chat/completions")
        }
        assert used == {credential_hash(second)}

        # an attended rotation: gtwizard watches the proxy while the operator restarts it, then
        # proves and revokes in the same run
        attended = subprocess.Popen(
            command_line(["rotate", "--profile", "lab", "--yes", "--wait", "150", "--json"]),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **op_env},
        )
        try:
            while f"GT_API_KEY={second}\n" in env_file.read_text():
                assert attended.poll() is None, attended.communicate()
                time.sleep(0.5)
            stop_proxy(proxy)
            proxy = start_proxy(config, env_file, port=port)
            stdout, stderr = attended.communicate(timeout=240)
        finally:
            if attended.poll() is None:
                attended.kill()
        assert attended.returncode == 0, stdout + stderr
        third_id = json.loads(stdout)["new_key_id"]
        keys = {k.id: k for k in tenant_keys(sandbox)}
        assert keys[waiting["new_key_id"]].revoked_at is not None
        assert keys[third_id].revoked_at is None
        assert second not in stdout + stderr
    finally:
        stop_proxy(proxy)
    assert without_ours(config.read_text()) == OPERATOR_CONFIG
    # the canary: the keys live in the store and the proxy's env file only; the master key nowhere
    for secret in (first, second, MASTER):
        assert files_containing(isolated_dirs / "config", secret) == []
        for run in (out, checked, rotated, early, done):
            assert secret not in run.stdout + run.stderr
    assert files_containing(isolated_dirs / "state", MASTER) == []


def test_without_the_proxy_url_rotation_waits_for_the_operators_word(
    sandbox, isolated_dirs: Path
) -> None:
    """No --litellm-url: nothing here reaches the proxy. Setup warns, the product proof is
    unavailable (not failed, not the operator's word by itself), a rotation writes the new key and
    waits with both keys live, and only `--finish --revoke-without-proof` revokes the old one."""
    config, env_file = isolated_dirs / "config.yaml", isolated_dirs / ".env"
    config.write_text(OPERATOR_CONFIG)
    env_file.write_text(OPERATOR_ENV)
    op_env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    out = run_cli(setup_args(sandbox, config, "--profile", "blind", "--json"), env=op_env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert any("--litellm-url" in w for w in json.loads(out.stdout)["warnings"]), out.stdout
    first_id = get_profile("blind").key_id

    checked = json.loads(run_cli(["check", "--profile", "blind", "--json"], env=op_env).stdout)
    proof = next(c for c in checked["checks"] if c["id"] == "product-proof")
    assert proof["status"] in ("warn", "skip") and "its URL is not known" in proof["detail"]

    rotated = run_cli(["rotate", "--profile", "blind", "--yes", "--json"], env=op_env)
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    new_id = json.loads(rotated.stdout)["new_key_id"]
    second = stored_key(get_profile("blind"), new_id)
    assert second and f"GT_API_KEY={second}\n" in env_file.read_text()
    unproven = run_cli(["rotate", "--profile", "blind", "--finish"], env=op_env)
    assert unproven.returncode != 0
    assert {k.id: k for k in tenant_keys(sandbox)}[first_id].revoked_at is None
    done = run_cli(
        ["rotate", "--profile", "blind", "--finish", "--revoke-without-proof", "--json"],
        env=op_env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    keys = {k.id: k for k in tenant_keys(sandbox)}
    assert keys[first_id].revoked_at is not None and keys[new_id].revoked_at is None


def test_the_master_key_is_read_where_the_proxy_has_it(
    isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gtwizard.targets.litellm_proxy import LiteLLMTarget

    config, env_file = isolated_dirs / "config.yaml", isolated_dirs / "proxy.env"
    target = LiteLLMTarget(config, env_file, url="http://127.0.0.1:4000")
    config.write_text("general_settings:\n  master_key: sk-inline\n")
    assert target.master_key() == "sk-inline" and target.can_prove
    config.write_text("general_settings:\n  master_key: os.environ/LITELLM_MASTER_KEY\n")
    env_file.write_text('# systemd strips the quotes\nLITELLM_MASTER_KEY="sk-from-env"\n')
    assert target.master_key() == "sk-from-env"
    monkeypatch.setenv("GTWIZARD_LITELLM_MASTER_KEY", "sk-given")
    assert target.master_key() == "sk-given"
    monkeypatch.delenv("GTWIZARD_LITELLM_MASTER_KEY")
    config.write_text("model_list: []\n")
    assert target.master_key() is None and not target.can_prove
    assert "sk-" not in repr(target)


def test_a_narrower_key_drops_gtwizards_entries_for_names_it_no_longer_reaches(
    tmp_path: Path,
) -> None:
    """Re-set up with fewer names: the proxy must not keep routing a name with GT_API_KEY that
    the new key gets 403s for. Only entries carrying gtwizard's marker go; the operator's own
    entry and settings stay byte for byte."""
    from gtwizard.presets.catalog import load_catalog
    from gtwizard.setup.keys import KeyChoice
    from gtwizard.targets.litellm_proxy import LiteLLMTarget
    from gtwizard.targets.openwebui import connection_for

    config = tmp_path / "config.yaml"
    config.write_text(OPERATOR_CONFIG, encoding="utf-8")
    (tmp_path / ".env").write_text(OPERATOR_ENV, encoding="utf-8")
    target = LiteLLMTarget(config)
    preset = load_catalog().key_preset("chat-client")
    texts = []
    for names in (("helpdesk", "llama-3.1-8b-instruct"), ("helpdesk",)):
        choice = KeyChoice(preset, ("inference:chat",), ("helpdesk",), names)
        connection = connection_for(choice, "https://gt.example/api/tenant/v1", "gtak_" + "d" * 40)
        asyncio.run(target.apply(connection, ca_bundle=None, plan=target.plan(connection, choice)))
        texts.append(config.read_text(encoding="utf-8"))
    first, second = (yaml.safe_load(text)["model_list"] for text in texts)
    assert [m["model_name"] for m in first] == ["local-echo", "helpdesk", "llama-3.1-8b-instruct"]
    assert [m["model_name"] for m in second] == ["local-echo", "helpdesk"]
    assert without_ours(texts[1]) == OPERATOR_CONFIG
