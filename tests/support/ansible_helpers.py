"""Helpers for the Ansible collection's tests: real ansible-playbook runs over local "hosts".

Each host is this machine over Ansible's local connection with its own env file, config and state
dirs. The operator token (and any other secret) comes from an Ansible Vault file. Every run's
output is kept, so that a test can assert that no secret appears in any of them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from conftest import missing_service

REPO = Path(__file__).resolve().parents[2]
COLLECTION = REPO / "ansible"
MODULE = "gtwizard.gtwizard.gtwizard_profile"
HOSTS = ("web1", "web2", "web3")
PROFILE = "openwebui"
RECAP = re.compile(
    r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M
)
FULL_KEY = re.compile(r"gtak_[A-Za-z0-9_\-]{12,}")
VERBOSE = "-vvvv"  # the most Ansible says: no secret may appear even there
WARNING = re.compile(r"^\[WARNING\]: (.+?)(?=^\S|\Z)", re.M | re.S)


def tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not os.access(found, os.X_OK):
        missing_service(f"{name} is not installed (ansible-core, a dev dependency: uv sync)")
    return found


def make_fleet(
    sandbox: Any,
    tmp_path: Path,
    hosts: Sequence[str] = HOSTS,
    secrets: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The inventory, a vault with the operator token (and `secrets`), the environment."""
    collections = tmp_path / "collections" / "ansible_collections" / "gtwizard"
    collections.mkdir(parents=True)
    (collections / "gtwizard").symlink_to(COLLECTION)
    inventory_hosts: dict[str, Any] = {}
    for name in hosts:
        home = tmp_path / "hosts" / name
        home.mkdir(parents=True)
        inventory_hosts[name] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "gtwizard_config_dir": str(home / "config"),
            "gtwizard_state_dir": str(home / "state"),
            "openwebui_env_file": str(home / "open-webui.env"),
        }
    inventory = {
        "openwebui": {
            "hosts": inventory_hosts,
            "vars": {
                "gt_tenant_host": sandbox.base_url,
                "gt_aliases": ["helpdesk"],
                "gtwizard_storage": "file",
                "gtwizard_executable": tool("gtwizard"),
            },
        }
    }
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    password = tmp_path / "vault-password"
    password.write_text("not-a-real-vault-password\n")
    vault = tmp_path / "vault.yml"
    values = {"vault_gtwizard_operator_token": sandbox.operator_token, **(secrets or {})}
    vault.write_text(yaml.safe_dump(values))
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
        [tool("ansible-vault"), "encrypt", "--vault-password-file", str(password), str(vault)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert encrypted.returncode == 0, encrypted.stderr
    for secret in values.values():
        assert secret not in vault.read_text()
    return {
        "tmp": tmp_path,
        "hosts": inventory_hosts,
        "env": env,
        "password": password,
        "vault": vault,
        "outputs": [],
        "results": tmp_path / "results",
    }


def fleet_args(fleet: dict[str, Any], verbose: str | None = VERBOSE) -> list[str]:
    """What every Ansible run here is given: the verbosity, the inventory, the vault."""
    inventory = str(fleet["tmp"] / "inventory.json")
    vault = ["-e", f"@{fleet['vault']}", "--vault-password-file", str(fleet["password"])]
    return [*([verbose] if verbose else []), "-i", inventory, *vault]


def run_ansible(fleet: dict[str, Any], argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(list(argv), capture_output=True, text=True, env=fleet["env"], timeout=900)
    fleet["outputs"].append(out.stdout + out.stderr)
    return out


def run_playbook(
    fleet: dict[str, Any], path: Path, *extra: str, verbose: str | None = VERBOSE
) -> tuple[dict[str, tuple[int, int]], str, int]:
    """Run a playbook; return (changed, failed) per host from the recap, the output, the exit."""
    argv = [tool("ansible-playbook"), *fleet_args(fleet, verbose), str(path), *extra]
    out = run_ansible(fleet, argv)
    recap = {m[0]: (int(m[2]), int(m[4])) for m in RECAP.findall(out.stdout)}
    return recap, out.stdout + out.stderr, out.returncode


def playbook(
    fleet: dict[str, Any], name: str | Path, *extra: str, verbose: str | None = VERBOSE
) -> tuple[dict[str, int], str]:
    """Run a playbook (of the collection, by name) that must succeed on every host; return the
    changed tasks per host and the output."""
    path = name if isinstance(name, Path) else COLLECTION / "playbooks" / name
    recap, text, rc = run_playbook(fleet, path, *extra, verbose=verbose)
    assert rc == 0, text[-6000:]
    assert set(recap) == set(fleet["hosts"]), text[-3000:]
    assert all(failed == 0 for _, failed in recap.values()), text[-3000:]
    return {host: changed for host, (changed, _) in recap.items()}, text


def write_play(
    fleet: dict[str, Any], name: str, tasks: list[dict[str, Any]], *, keep: str | None = None
) -> Path:
    """A playbook over every host whose tasks use the module with the host's own dirs (through
    module_defaults, so each task reads as an operator writes it). With `keep`, the task
    registered as `keep` ignores its errors and its result is saved per host (results())."""
    tasks = [dict(task) for task in tasks]
    if keep is not None:
        for task in tasks:
            if task.get("register") == keep:
                task["ignore_errors"] = True
        tasks.append(
            {
                "name": "Keep the result",
                "ansible.builtin.copy": {
                    "content": f"{{{{ {keep} | to_nice_json }}}}",
                    "dest": f"{fleet['results']}/{{{{ inventory_hostname }}}}.json",
                    "mode": "0600",
                },
            }
        )
    play = {
        "name": name,
        "hosts": "openwebui",
        "gather_facts": False,
        "module_defaults": {
            MODULE: {
                "config_dir": "{{ gtwizard_config_dir }}",
                "state_dir": "{{ gtwizard_state_dir }}",
                "executable": "{{ gtwizard_executable }}",
            }
        },
        "tasks": tasks,
    }
    fleet["results"].mkdir(exist_ok=True)
    path = fleet["tmp"] / f"{re.sub(r'[^a-z0-9]+', '-', name.lower())}.yml"
    path.write_text(yaml.safe_dump([play], sort_keys=False))
    return path


def results(fleet: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The results write_play(keep=...) saved, per host (and removed: each run writes anew)."""
    saved = {}
    for path in sorted(fleet["results"].glob("*.json")):
        text = path.read_text()
        fleet["outputs"].append(text)  # searched for secrets like every output
        saved[path.stem] = json.loads(text)
        path.unlink()
    return saved


def warnings(text: str) -> list[str]:
    """Ansible's warnings in an output, each joined into one line."""
    return [" ".join(w.split()) for w in WARNING.findall(text)]


def profile(fleet: dict[str, Any], host: str, name: str = PROFILE) -> dict[str, Any] | None:
    """The host's profile as its config.toml holds it (None: there is none)."""
    config = Path(fleet["hosts"][host]["gtwizard_config_dir"]) / "config.toml"
    if not config.exists():
        return None
    found: dict[str, Any] | None = tomllib.loads(config.read_text())["profiles"].get(name)
    return found


def env_key(fleet: dict[str, Any], host: str) -> str | None:
    path = Path(fleet["hosts"][host]["openwebui_env_file"])
    if not path.exists():
        return None
    found = re.search(r"^OPENAI_API_KEYS?=\"?([^\"\n;]+)", path.read_text(), re.M)
    return found.group(1) if found else None


def no_secret(fleet: dict[str, Any], secrets: Sequence[str], keys: Sequence[str]) -> None:
    """No secret, and no key, in any output of the fleet's runs (saved results included)."""
    # the token did reach the module (from the vault, as a no_log argument), masked
    assert any(
        '"operator_token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' in t for t in fleet["outputs"]
    )
    for text in fleet["outputs"]:
        for secret in secrets:
            assert secret not in text, "a secret is in Ansible's output"
        assert not FULL_KEY.search(text), "a full key is in Ansible's output"
        for key in keys:
            assert key not in text
