"""The Ansible collection: real ansible-playbook runs over three hosts against the sandbox tenant.

Each "host" is this machine over Ansible's local connection with its own env file, config and
state dirs (tests/support/ansible_helpers.py). The operator token comes from an Ansible Vault
file. Runs are -vvvv, and no secret (the token, any key) may appear in any output; where a test
looks at what an operator sees by default, the run has no -v at all.
"""

from __future__ import annotations

import re
import socket
from typing import Any

import certifi
import pytest
from support.ansible_helpers import (
    HOSTS,
    MODULE,
    PROFILE,
    env_key,
    make_fleet,
    no_secret,
    playbook,
    profile,
    results,
    run_ansible,
    run_playbook,
    tool,
    warnings,
    write_play,
)
from support.rotation_helpers import key_status, tenant_keys

pytestmark = pytest.mark.slow

SAID = r'"msg": "(web\d): rotation ([\w-]+)'


@pytest.fixture
def fleet(sandbox: Any, tmp_path) -> dict[str, Any]:
    return make_fleet(sandbox, tmp_path)


def present(**options: Any) -> dict[str, Any]:
    """A present task as setup.yml has it, with `options` on top."""
    return {
        "name": PROFILE,
        "host": "{{ gt_tenant_host }}",
        "aliases": "{{ gt_aliases }}",
        "env_file": "{{ openwebui_env_file }}",
        "storage": "file",
        "operator_token": "{{ vault_gtwizard_operator_token }}",
        **options,
    }


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_playbooks_set_up_rotate_and_check_three_hosts(sandbox: Any, fleet: dict[str, Any]) -> None:
    keys_before = {k.id for k in tenant_keys(sandbox)}

    # --check on fresh hosts: would change each, changes nothing
    changed, _ = playbook(fleet, "setup.yml", "--check", "--diff")
    assert changed == dict.fromkeys(HOSTS, 1)
    assert all(profile(fleet, h) is None and env_key(fleet, h) is None for h in HOSTS)
    assert {k.id for k in tenant_keys(sandbox)} == keys_before

    # first run changes every host; second none
    changed, _ = playbook(fleet, "setup.yml", "--diff")
    assert changed == dict.fromkeys(HOSTS, 1)
    first = {h: profile(fleet, h) for h in HOSTS}
    assert all(first[h] and first[h]["key_id"] for h in HOSTS)
    assert len({first[h]["key_id"] for h in HOSTS}) == 3  # a key of its own per host
    secrets = {h: env_key(fleet, h) for h in HOSTS}
    assert all(secrets[h] and key_status(sandbox, secrets[h]) == 200 for h in HOSTS)
    changed, text = playbook(fleet, "setup.yml", "--diff")
    assert changed == dict.fromkeys(HOSTS, 0), text[-3000:]
    changed, _ = playbook(fleet, "setup.yml", "--check", "--diff")
    assert changed == dict.fromkeys(HOSTS, 0)

    # rotation --check: would rotate each (the outcome cannot be known), rotates none, and says
    # that the checks did not run
    changed, text = playbook(fleet, "rotate.yml", "--check")
    assert changed == dict.fromkeys(HOSTS, 1)
    assert _said(text) == [(h, "would-rotate") for h in HOSTS]
    # (Ansible shows a warning once however many hosts give it)
    assert any("run_checks is not run in check mode" in w for w in warnings(text)), text[-3000:]
    assert {h: profile(fleet, h)["key_id"] for h in HOSTS} == {h: first[h]["key_id"] for h in HOSTS}

    # rotation, one host at a time: env-file targets wait for proof, both keys live, and the
    # play says so in a warning per host naming what is left to do
    changed, text = playbook(fleet, "rotate.yml")
    assert changed == dict.fromkeys(HOSTS, 1)
    assert text.count("TASK [The key is rotated, then checked]") == 3  # serial: 1
    assert _said(text) == [(h, "waiting") for h in HOSTS]  # one host after the other
    waiting = [
        w for w in warnings(text) if w.startswith(f"profile {PROFILE}: a rotation is waiting")
    ]
    assert len(waiting) == 3 and all("Still to do: restart Open WebUI" in w for w in waiting)
    # and gtwizard check's own warning (run_checks) says the same, in its words
    assert sum(w.startswith("check openwebui-config:") for w in warnings(text)) == 3
    assert all("state=rotated, finish=true" in w for w in waiting)
    newer = {h: env_key(fleet, h) for h in HOSTS}
    for h in HOSTS:
        assert newer[h] != secrets[h]
        assert key_status(sandbox, newer[h]) == 200 and key_status(sandbox, secrets[h]) == 200

    # the play says explicitly to revoke without a proof: each rotation finishes, then is checked
    changed, text = playbook(
        fleet,
        "rotate.yml",
        "-e",
        "gtwizard_finish=true",
        "-e",
        "gtwizard_revoke_without_proof=true",
    )
    assert changed == dict.fromkeys(HOSTS, 1)
    assert _said(text) == [(h, "done") for h in HOSTS]
    for h in HOSTS:
        assert profile(fleet, h)["key_id"] != first[h]["key_id"]
        assert key_status(sandbox, secrets[h]) == 401  # the old key is revoked
        assert key_status(sandbox, env_key(fleet, h)) == 200
    revoked = {k.id for k in tenant_keys(sandbox) if k.revoked}
    assert {first[h]["key_id"] for h in HOSTS} <= revoked

    # the profiles still match the play: nothing to change
    changed, _ = playbook(fleet, "setup.yml")
    assert changed == dict.fromkeys(HOSTS, 0)

    no_secret(fleet, [sandbox.operator_token], [*secrets.values(), *newer.values()])


def _said(text: str) -> list[tuple[str, str]]:
    return re.findall(SAID, text)


def test_a_changed_setup_option_is_changed_and_read_back(
    sandbox: Any, fleet: dict[str, Any]
) -> None:
    """Every setup option the task changes is found (not "ok"), the re-setup runs, and the
    diff's after and the returned profile are what the host has afterwards."""
    playbook(fleet, "setup.yml")
    first = {h: profile(fleet, h) for h in HOSTS}
    url = f"http://127.0.0.1:{closed_port()}"  # the Open WebUI beside the env file (not running)
    changes = {
        "env_dialect": "systemd",
        "keep_operator_token": True,
        "openwebui_url": url,
        "ca_bundle": certifi.where(),
        "aliases": ["helpdesk", "research-assistant"],
    }
    task = {"name": "Changed", MODULE: present(**changes), "register": "outcome"}
    play = write_play(fleet, "drift", [task], keep="outcome")

    # at normal verbosity, as an operator runs it: the warnings are there
    recap, text, rc = run_playbook(fleet, play, "--diff", verbose=None)
    assert rc == 0 and all(failed == 0 for _, failed in recap.values()), text[-4000:]
    said = warnings(text)
    assert any("ordinary Open WebUI users see none of" in w for w in said), said
    # the old key stays live until the re-setup is finished: each host says so
    assert sum(w.startswith(f"profile {PROFILE}: a setup is waiting") for w in said) == 3, said
    for host, result in results(fleet).items():
        assert result["changed"] and not result.get("failed"), result
        assert sorted(result["differences"]) == sorted(changes), result["differences"]
        before, after = result["diff"]["before"], result["diff"]["after"]
        assert before["env_dialect"] == "docker" and before["keep_operator_token"] is False
        assert before["openwebui_url"] is None and before["aliases"] == ["helpdesk"]
        now = profile(fleet, host)
        assert now is not None and now["key_id"] != first[host]["key_id"]
        # "after" is the host's profile, read back (not the task's input)
        assert after["key_id"] == now["key_id"] == result["profile"]["key_id"]
        assert after["tenant_host"] == now["tenant_host"] == first[host]["tenant_host"]
        assert after["env_dialect"] == now["env_dialect"] == "systemd"
        assert after["keep_operator_token"] is now["operator_token_kept"] is True
        assert after["openwebui_url"] == now["openwebui_url"] == url
        assert after["ca_bundle"] == now["ca_bundle"] == certifi.where()
        assert after["aliases"] == sorted(now["agent_aliases"]) == changes["aliases"]
        assert result["in_progress"]["operation"] == "setup"

    # the same task again: the host matches it now
    recap, text, rc = run_playbook(fleet, play, "--diff")
    assert rc == 0, text[-4000:]
    for result in results(fleet).values():
        assert not result["changed"] and result["differences"] == [], result

    # one option alone: found as well, but the re-setup above still waits (its old key live),
    # so the task fails before writing anything and names what resolves it
    one = present(env_dialect="compose", aliases=changes["aliases"])
    play = write_play(
        fleet, "one option", [{"name": "One", MODULE: one, "register": "outcome"}], keep="outcome"
    )
    recap, text, rc = run_playbook(fleet, play)
    assert rc == 0, text[-4000:]
    for host, result in results(fleet).items():
        assert result["failed"] and not result["changed"], result
        assert "differs from the task (env_dialect)" in result["msg"], result["msg"]
        assert "state=rotated, finish=true" in result["msg"]
        assert profile(fleet, host)["env_dialect"] == "systemd"

    # resolved as the message says, the one option changes and the others stay as they were
    finish = {
        "name": PROFILE,
        "state": "rotated",
        "finish": True,
        "revoke_without_proof": True,
        "operator_token": "{{ vault_gtwizard_operator_token }}",
    }
    tasks = [
        {"name": "Finish", MODULE: finish},
        {"name": "One", MODULE: one, "register": "outcome"},
    ]
    recap, text, rc = run_playbook(
        fleet, write_play(fleet, "finish then one", tasks, keep="outcome")
    )
    assert rc == 0, text[-4000:]
    for host, result in results(fleet).items():
        assert result["changed"] and result["differences"] == ["env_dialect"], result
        now = profile(fleet, host)
        assert now["env_dialect"] == "compose" and now["openwebui_url"] == url
        assert now["operator_token_kept"] is True and now["ca_bundle"] == certifi.where()
        assert sorted(now["agent_aliases"]) == changes["aliases"]

    no_secret(fleet, [sandbox.operator_token], [])


def test_a_failure_after_a_write_reports_changed(sandbox: Any, fleet: dict[str, Any]) -> None:
    """`rotated` with `finish` and nothing that can prove the new key: the rotation writes (a new
    key in the env file, both live), the finish fails, and the task says changed, with the
    rotation as gtwizard left it. Run again, the failure writes nothing and says so."""
    playbook(fleet, "setup.yml")
    old = {h: env_key(fleet, h) for h in HOSTS}
    old_ids = {h: profile(fleet, h)["key_id"] for h in HOSTS}
    task = {
        "name": "Rotate and finish",
        MODULE: {
            "name": PROFILE,
            "state": "rotated",
            "finish": True,
            "operator_token": "{{ vault_gtwizard_operator_token }}",
        },
        "register": "outcome",
    }
    play = write_play(fleet, "rotate and finish", [task], keep="outcome")

    recap, text, rc = run_playbook(fleet, play, verbose=None)
    assert rc == 0, text[-4000:]  # the failure is ignored, to keep the result
    assert set(recap) == set(HOSTS), text[-3000:]
    said = warnings(text)
    assert sum(w.startswith(f"profile {PROFILE}: a rotation is waiting") for w in said) == 3, said
    for host, result in results(fleet).items():
        assert result["failed"] and result["changed"], result
        assert "cannot be proven" in result["msg"], result["msg"]
        assert result["rotation_state"] == "waiting"
        assert result["in_progress"]["state"] == "waiting"
        assert result["rotation"]["new_key_id"] == result["in_progress"]["new_key_id"]
        # the new key is the one the target holds; the old one stays live until finished
        assert result["profile"]["key_id"] == result["rotation"]["new_key_id"] != old_ids[host]
        assert result["profile"]["old_key_id"] == old_ids[host]
        # the profile is the host's, read back whole (not the rotation task's few options)
        assert result["profile"]["aliases"] == ["helpdesk"]
        assert result["profile"]["key_preset"] == profile(fleet, host)["key_preset"] != ""
        new = env_key(fleet, host)
        assert new != old[host]
        assert key_status(sandbox, new) == 200 and key_status(sandbox, old[host]) == 200

    _recap, text, rc = run_playbook(fleet, play)
    assert rc == 0, text[-4000:]
    for result in results(fleet).values():
        assert result["failed"] and not result["changed"], result  # nothing written this time
        assert result["rotation_state"] == "waiting"

    no_secret(fleet, [sandbox.operator_token], [*old.values()])


def test_absent_removes_and_revokes_then_changes_nothing(
    sandbox: Any, fleet: dict[str, Any]
) -> None:
    from support.ansible_helpers import fleet_args

    playbook(fleet, "setup.yml")
    keys = {h: profile(fleet, h)["key_id"] for h in HOSTS}
    adhoc = [
        tool("ansible"),
        "openwebui",
        *fleet_args(fleet),
        "-m",
        MODULE,
        "-a",
        f"name={PROFILE} state=absent config_dir={{{{ gtwizard_config_dir }}}} "
        "state_dir={{ gtwizard_state_dir }} executable={{ gtwizard_executable }} "
        "operator_token={{ vault_gtwizard_operator_token }}",
    ]
    for check, expect in ((["--check"], True), ([], True), ([], False)):
        out = run_ansible(fleet, [*adhoc, *check])
        assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
        assert out.stdout.count('"changed": true') == (3 if expect else 0), out.stdout[-3000:]
        if check:
            assert all(profile(fleet, h) for h in HOSTS)
        elif expect:  # the env file still names the revoked key: the operator is told
            said = warnings(out.stdout + out.stderr)
            assert sum("still names a revoked key" in w for w in said) == 3, said  # its own file
    assert all(profile(fleet, h) is None for h in HOSTS)
    revoked = {k.id for k in tenant_keys(sandbox) if k.revoked}
    assert set(keys.values()) <= revoked
    no_secret(fleet, [sandbox.operator_token], [])
