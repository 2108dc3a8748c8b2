"""The Ansible collection: real ansible-playbook runs of the example playbooks over three hosts.

Each "host" is this machine over Ansible's local connection with its own env file, config and
state dirs, all against the sandbox tenant. The operator token comes from an Ansible Vault file.
Every run is -vvv, and no secret (the token, any key) may appear in its output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import missing_service
from support.rotation_helpers import key_status, tenant_keys

REPO = Path(__file__).resolve().parents[2]
COLLECTION = REPO / "ansible"
HOSTS = ("web1", "web2", "web3")
PROFILE = "openwebui"
RECAP = re.compile(
    r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M
)
FULL_KEY = re.compile(r"gtak_[A-Za-z0-9_\-]{12,}")

pytestmark = pytest.mark.slow


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not os.access(found, os.X_OK):
        missing_service(f"{name} is not installed (ansible-core, a dev dependency: uv sync)")
    return found


@pytest.fixture
def fleet(sandbox: Any, tmp_path: Path) -> dict[str, Any]:
    """The inventory, the vault with the operator token, and the environment for Ansible."""
    collections = tmp_path / "collections" / "ansible_collections" / "gtwizard"
    collections.mkdir(parents=True)
    (collections / "gtwizard").symlink_to(COLLECTION)
    hosts: dict[str, Any] = {}
    for name in HOSTS:
        home = tmp_path / "hosts" / name
        home.mkdir(parents=True)
        hosts[name] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "gtwizard_config_dir": str(home / "config"),
            "gtwizard_state_dir": str(home / "state"),
            "openwebui_env_file": str(home / "open-webui.env"),
        }
    inventory = {
        "openwebui": {
            "hosts": hosts,
            "vars": {
                "gt_tenant_host": sandbox.base_url,
                "gt_aliases": ["helpdesk"],
                "gtwizard_storage": "file",
                "gtwizard_executable": _tool("gtwizard"),
            },
        }
    }
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    password = tmp_path / "vault-password"
    password.write_text("not-a-real-vault-password\n")
    vault = tmp_path / "vault.yml"
    vault.write_text(f"vault_gtwizard_operator_token: {sandbox.operator_token}\n")
    env = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(tmp_path / "collections"),
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_REMOTE_TEMP": str(tmp_path / "ansible-remote-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_HOST_KEY_CHECKING": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
    }
    env.pop("GTWIZARD_OPERATOR_TOKEN", None)  # the vault is the only source of the token
    encrypted = subprocess.run(
        [_tool("ansible-vault"), "encrypt", "--vault-password-file", str(password), str(vault)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert encrypted.returncode == 0, encrypted.stderr
    assert sandbox.operator_token not in vault.read_text()
    return {"tmp": tmp_path, "hosts": hosts, "env": env, "password": password, "vault": vault}


def _fleet_args(fleet: dict[str, Any]) -> list[str]:
    """What every Ansible run here is given: -vvv (its output is searched for secrets), the
    inventory and the vault with its password file."""
    inventory = str(fleet["tmp"] / "inventory.json")
    vault = ["-e", f"@{fleet['vault']}", "--vault-password-file", str(fleet["password"])]
    return ["-vvv", "-i", inventory, *vault]


def _playbook(fleet: dict[str, Any], name: str, *extra: str) -> tuple[dict[str, int], str]:
    """Run a playbook of the collection with -vvv; return changed tasks per host and the output."""
    out = subprocess.run(
        [
            _tool("ansible-playbook"),
            *_fleet_args(fleet),
            str(COLLECTION / "playbooks" / name),
            *extra,
        ],
        capture_output=True,
        text=True,
        env=fleet["env"],
        timeout=600,
    )
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-6000:]
    recap = {m[0]: (int(m[2]), int(m[4])) for m in RECAP.findall(out.stdout)}
    assert set(recap) == set(HOSTS), out.stdout[-3000:]
    assert all(failed == 0 for _, failed in recap.values())
    fleet.setdefault("outputs", []).append(text)
    return {host: changed for host, (changed, _) in recap.items()}, text


def _profile(fleet: dict[str, Any], host: str) -> dict[str, Any] | None:
    config = Path(fleet["hosts"][host]["gtwizard_config_dir"]) / "config.toml"
    if not config.exists():
        return None
    import tomllib

    return tomllib.loads(config.read_text())["profiles"].get(PROFILE)


def _env_key(fleet: dict[str, Any], host: str) -> str | None:
    path = Path(fleet["hosts"][host]["openwebui_env_file"])
    if not path.exists():
        return None
    found = re.search(r"^OPENAI_API_KEYS?=\"?([^\"\n;]+)", path.read_text(), re.M)
    return found.group(1) if found else None


def _no_secret(fleet: dict[str, Any], token: str, keys: list[str]) -> None:
    # the token did reach the module (from the vault, as a no_log argument), masked
    assert any(
        '"operator_token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' in t for t in fleet["outputs"]
    )
    for text in fleet["outputs"]:
        assert token not in text, "the operator token is in Ansible's output"
        assert not FULL_KEY.search(text), "a full key is in Ansible's output"
        for key in keys:
            assert key not in text


def test_playbooks_set_up_rotate_and_check_three_hosts(sandbox: Any, fleet: dict[str, Any]) -> None:
    keys_before = {k.id for k in tenant_keys(sandbox)}

    # --check on fresh hosts: would change each, changes nothing
    changed, _ = _playbook(fleet, "setup.yml", "--check", "--diff")
    assert changed == dict.fromkeys(HOSTS, 1)
    assert all(_profile(fleet, h) is None and _env_key(fleet, h) is None for h in HOSTS)
    assert {k.id for k in tenant_keys(sandbox)} == keys_before

    # first run changes every host; second none
    changed, _ = _playbook(fleet, "setup.yml", "--diff")
    assert changed == dict.fromkeys(HOSTS, 1)
    first = {h: _profile(fleet, h) for h in HOSTS}
    assert all(first[h] and first[h]["key_id"] for h in HOSTS)
    assert len({first[h]["key_id"] for h in HOSTS}) == 3  # a key of its own per host
    secrets = {h: _env_key(fleet, h) for h in HOSTS}
    assert all(secrets[h] and key_status(sandbox, secrets[h]) == 200 for h in HOSTS)
    changed, text = _playbook(fleet, "setup.yml", "--diff")
    assert changed == dict.fromkeys(HOSTS, 0), re.findall(r'"differences": \[[^\]]*\]', text)
    changed, _ = _playbook(fleet, "setup.yml", "--check", "--diff")
    assert changed == dict.fromkeys(HOSTS, 0)

    # rotation --check: would rotate each, rotates none
    changed, _ = _playbook(fleet, "rotate.yml", "--check")
    assert changed == dict.fromkeys(HOSTS, 1)
    assert {h: _profile(fleet, h)["key_id"] for h in HOSTS} == {
        h: first[h]["key_id"] for h in HOSTS
    }

    # rotation, one host at a time: env-file targets wait for proof, both keys live
    changed, text = _playbook(fleet, "rotate.yml")
    assert changed == dict.fromkeys(HOSTS, 1)
    assert text.count("TASK [The key is rotated, then checked]") == 3  # serial: 1
    said = re.findall(r'"msg": "(web\d): rotation (\w+)', text)
    assert said == [(h, "waiting") for h in HOSTS]  # one host after the other
    waiting = {h: _env_key(fleet, h) for h in HOSTS}
    for h in HOSTS:
        assert waiting[h] != secrets[h]
        assert key_status(sandbox, waiting[h]) == 200 and key_status(sandbox, secrets[h]) == 200

    # the play says explicitly to revoke without a proof: each rotation finishes, then is checked
    changed, text = _playbook(
        fleet,
        "rotate.yml",
        "-e",
        "gtwizard_finish=true",
        "-e",
        "gtwizard_revoke_without_proof=true",
    )
    assert changed == dict.fromkeys(HOSTS, 1)
    assert re.findall(r'"msg": "(web\d): rotation (\w+)', text) == [(h, "done") for h in HOSTS]
    for h in HOSTS:
        profile = _profile(fleet, h)
        assert profile["key_id"] != first[h]["key_id"]
        assert key_status(sandbox, secrets[h]) == 401  # the old key is revoked
        assert key_status(sandbox, _env_key(fleet, h)) == 200
    revoked = {k.id for k in tenant_keys(sandbox) if k.revoked}
    assert {first[h]["key_id"] for h in HOSTS} <= revoked

    # the profiles still match the play: nothing to change
    changed, _ = _playbook(fleet, "setup.yml")
    assert changed == dict.fromkeys(HOSTS, 0)

    _no_secret(fleet, sandbox.operator_token, [*secrets.values(), *waiting.values()])


def test_absent_removes_and_revokes_then_changes_nothing(
    sandbox: Any, fleet: dict[str, Any]
) -> None:
    _playbook(fleet, "setup.yml")
    keys = {h: _profile(fleet, h)["key_id"] for h in HOSTS}
    adhoc = [
        _tool("ansible"),
        "openwebui",
        *_fleet_args(fleet),
        "-m",
        "gtwizard.gtwizard.gtwizard_profile",
        "-a",
        f"name={PROFILE} state=absent config_dir={{{{ gtwizard_config_dir }}}} "
        "state_dir={{ gtwizard_state_dir }} executable={{ gtwizard_executable }} "
        "operator_token={{ vault_gtwizard_operator_token }}",
    ]
    for check, expect in ((["--check"], True), ([], True), ([], False)):
        out = subprocess.run(
            [*adhoc, *check], capture_output=True, text=True, env=fleet["env"], timeout=300
        )
        assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
        fleet["outputs"].append(out.stdout + out.stderr)
        assert out.stdout.count('"changed": true') == (3 if expect else 0), out.stdout[-3000:]
        if check:
            assert all(_profile(fleet, h) for h in HOSTS)
    assert all(_profile(fleet, h) is None for h in HOSTS)
    revoked = {k.id for k in tenant_keys(sandbox) if k.revoked}
    assert set(keys.values()) <= revoked
    _no_secret(fleet, sandbox.operator_token, [])
