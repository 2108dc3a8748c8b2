#!/usr/bin/python
"""Ansible module: a gtwizard profile present, rotated or absent, through gtwizard's JSON CLI."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: gtwizard_profile
short_description: Make a gtwizard profile present, rotated or absent on a host
description:
  - Connects a client product (Open WebUI) on the host to a tenant's GT API with C(gtwizard),
    by running gtwizard's own commands with C(--json) (C(status), C(profiles show), C(setup),
    C(rotate), C(check), C(profiles remove)); it never re-implements them.
  - Idempotent. C(present) changes nothing when the profile already matches; C(rotated) rotates
    (or, with I(only_if_due), only when the key is past its policy or near expiry); C(absent)
    removes the profile and revokes its keys.
  - Supports check mode (nothing is run that writes) and diff mode (the profile before and after,
    never a secret).
  - Secrets are never task arguments that Ansible logs. I(operator_token) and I(openwebui_token)
    are C(no_log) and default to the environment (C(GTWIZARD_OPERATOR_TOKEN),
    C(GTWIZARD_OPENWEBUI_TOKEN)); give them from Ansible Vault, never in clear in a playbook.
    They reach gtwizard through its environment, never its command line, bound to this task's
    I(host) and I(openwebui_url) (C(GTWIZARD_OPERATOR_TOKEN_HOST), C(GTWIZARD_OPENWEBUI_TOKEN_URL))
    when given, so gtwizard sends them to no other tenant or Open WebUI.
version_added: "0.1.0"
author: gtwizard
options:
  name:
    description: The profile name.
    type: str
    required: true
  state:
    description:
      - C(present) sets the profile up (a re-setup with C(--replace) when it differs).
      - C(rotated) rotates its key with no downtime (gtwizard's journaled rotation).
      - C(absent) removes it, revoking its keys.
    type: str
    choices: [present, rotated, absent]
    default: present
  host:
    description: The tenant host (required for C(present)).
    type: str
  preset:
    description: The product preset.
    type: str
    default: open-webui
  key_preset:
    description: The key preset (default the product's).
    type: str
  aliases:
    description: The published names the key may use (required for C(present)).
    type: list
    elements: str
  env_file:
    description: Open WebUI's env file to write (one of I(env_file), I(openwebui_url)).
    type: path
  env_dialect:
    description: Who reads the env file.
    type: str
    choices: [docker, compose, systemd]
  openwebui_url:
    description:
      - The Open WebUI to configure through its admin API (I(openwebui_token) needed); with
        I(env_file), the Open WebUI that proves a rotation when I(finish) is true.
    type: str
  storage:
    description: Where gtwizard keeps the key on the host.
    type: str
    choices: [keyring, file, none]
  audience:
    description: Who may use the models in Open WebUI (all, group:NAME, none).
    type: str
  ca_bundle:
    description: PEM file with extra CA certificates to trust.
    type: path
  keep_operator_token:
    description: Keep the operator token beside the key so that timers can rotate unattended.
    type: bool
    default: false
  operator_token:
    description: The tenant's operator token, to mint keys. From Vault or the environment.
    type: str
    no_log: true
  openwebui_token:
    description: Open WebUI's admin credential. From Vault or the environment.
    type: str
    no_log: true
  only_if_due:
    description: With C(rotated), rotate only when the key is past its policy or near expiry.
    type: bool
    default: false
  finish:
    description:
      - With C(rotated), finish a rotation that is waiting for proof (an env-file target) by
        proving the new key through Open WebUI (I(openwebui_url) and I(openwebui_token)) and
        then revoking the old key.
      - Without it a rotation of an env-file target stops C(waiting) with both keys live
        (restart Open WebUI, then run again with I(finish)); the task reports that state.
    type: bool
    default: false
  revoke_without_proof:
    description:
      - With I(finish), revoke the old key although Open WebUI's use of the new one is not
        proven (gtwizard's C(--revoke-without-proof)); chats fail if Open WebUI still holds
        the old key. Only when the play says so explicitly.
    type: bool
    default: false
  run_checks:
    description: After the change (or none), run C(gtwizard check) and fail if a check failed.
    type: bool
    default: false
  config_dir:
    description: gtwizard's config dir on the host (C(GTWIZARD_CONFIG_DIR)).
    type: path
  state_dir:
    description: gtwizard's state dir on the host (C(GTWIZARD_STATE_DIR)).
    type: path
  executable:
    description: The gtwizard command on the host.
    type: path
    default: gtwizard
"""

EXAMPLES = r"""
- name: Open WebUI on this host talks to the GT tenant
  gtwizard.gtwizard.gtwizard_profile:
    name: webui
    host: tenant.example.com
    aliases: [helpdesk, research-assistant]
    env_file: /etc/open-webui/env
    storage: file
    operator_token: "{{ vault_gtwizard_operator_token }}"

- name: Rotate, finish with a proof through Open WebUI, and check
  gtwizard.gtwizard.gtwizard_profile:
    name: webui
    state: rotated
    finish: true
    openwebui_url: https://chat.example.com
    openwebui_token: "{{ vault_openwebui_admin_token }}"
    operator_token: "{{ vault_gtwizard_operator_token }}"
    run_checks: true
"""

RETURN = r"""
profile:
  description: The profile after the task (gtwizard status), never a secret.
  returned: when the profile exists
  type: dict
rotation:
  description: gtwizard rotate's JSON (state done, waiting or rolled-back; steps; remaining).
  returned: when a rotation ran
  type: dict
rotation_state:
  description: done, waiting (both keys live until proven), or none.
  returned: with state rotated
  type: str
setup:
  description: gtwizard setup's JSON.
  returned: when a setup ran
  type: dict
checks:
  description: gtwizard check's JSON.
  returned: with run_checks
  type: dict
in_progress:
  description: Work in progress on the profile and the commands that resolve it.
  returned: when there is some
  type: dict
"""

import json
import os
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule, env_fallback

SECRET_ENV = {
    "operator_token": "GTWIZARD_OPERATOR_TOKEN",
    "openwebui_token": "GTWIZARD_OPENWEBUI_TOKEN",
}
# each secret is bound to the place of this task it belongs to: gtwizard sends it nowhere else
BOUND_ENV = {
    "operator_token": ("host", "GTWIZARD_OPERATOR_TOKEN_HOST"),
    "openwebui_token": ("openwebui_url", "GTWIZARD_OPENWEBUI_TOKEN_URL"),
}


class Gtwizard:
    """gtwizard's JSON interface on this host."""

    def __init__(self, module):
        self.module = module
        p = module.params
        found = module.get_bin_path(p["executable"]) if "/" not in p["executable"] else None
        self.command = found or p["executable"]
        self.env = {}
        for option, variable in (
            ("config_dir", "GTWIZARD_CONFIG_DIR"),
            ("state_dir", "GTWIZARD_STATE_DIR"),
        ):
            if p[option]:
                self.env[variable] = p[option]
        for option, variable in SECRET_ENV.items():
            if p[option]:
                self.env[variable] = p[option]  # the environment, never argv
                place, bound = BOUND_ENV[option]
                if p[place]:
                    self.env[bound] = p[place]

    def run(self, *args, ok_codes=(0,)):
        """Run `gtwizard ARGS --json`; return (exit code, the JSON object)."""
        argv = [self.command, *args, "--json"]
        rc, out, err = self.module.run_command(argv, environ_update=self.env, data="")
        try:
            data = json.loads(out) if out.strip() else {}
        except ValueError:
            data = {}
        if rc not in ok_codes:
            error = data.get("error") or err.strip() or out.strip() or f"exit code {rc}"
            self.module.fail_json(
                msg=f"gtwizard {args[0]} failed: {error}",
                hint=data.get("hint", ""),
                rc=rc,
                gtwizard=data,
            )
        return rc, data

    def status(self, name):
        _, data = self.run("status")
        for record in data.get("profiles", []):
            if record.get("name") == name:
                return record, None
        for work in data.get("in_progress", []):
            if work.get("profile") == name:
                return None, work
        return None, None

    def show(self, name):
        return self.run("profiles", "show", name)[1]


def _summary(record, shown):
    """The profile as diff and return values show it (no secret exists in either source)."""
    if record is None:
        return {}
    shown = shown or {}
    return {
        "name": record.get("name"),
        "tenant_host": record.get("tenant_host"),
        "product_preset": record.get("product_preset"),
        "key_preset": shown.get("key_preset"),
        "aliases": sorted((shown.get("agent_aliases") or []) + (shown.get("raw_models") or [])),
        "key_id": record.get("key_id"),
        "storage": (record.get("storage") or {}).get("kind"),
        "target": record.get("target"),
        "rotation_due": record.get("rotation_due"),
    }


def _host(value):
    """(scheme, host, port) for comparing a task's host with the profile's (gtwizard keeps
    `host[:port]` for https and the origin for plain http; a path such as /api/tenant is not
    part of it)."""
    text = (value or "").strip()
    parts = urlsplit(text if "://" in text else "https://" + text)
    scheme = (parts.scheme or "https").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port == {"https": 443, "http": 80}.get(scheme):
        port = None
    return scheme, (parts.hostname or "").lower(), port


def _wanted(p):
    if p["env_file"]:
        target = {"kind": "env-file", "place": os.path.abspath(p["env_file"])}
    elif p["openwebui_url"]:
        target = {"kind": "admin-api", "place": p["openwebui_url"].rstrip("/")}
    else:
        target = None
    return {
        "name": p["name"],
        "tenant_host": p["host"],
        "product_preset": p["preset"],
        "key_preset": p["key_preset"],
        "aliases": sorted(p["aliases"] or []),
        "storage": p["storage"],
        "target": target,
    }


def _differences(have, want):
    """What differs between the profile and the task (only what the task names)."""
    out = []
    if _host(have.get("tenant_host")) != _host(want["tenant_host"]):
        out.append("tenant_host")
    if have.get("product_preset") != want["product_preset"]:
        out.append("product_preset")
    if want["key_preset"] and have.get("key_preset") != want["key_preset"]:
        out.append("key_preset")
    if have.get("aliases") != want["aliases"]:
        out.append("aliases")
    if want["storage"] and have.get("storage") != want["storage"]:
        out.append("storage")
    target = have.get("target") or {}
    if want["target"] and (
        target.get("kind") != want["target"]["kind"]
        or (target.get("place") or "").rstrip("/") != want["target"]["place"]
    ):
        out.append("target")
    return out


def _setup_args(p, replace):
    args = ["setup", "--profile", p["name"], "--preset", p["preset"], "--host", p["host"]]
    args += ["--aliases", ",".join(p["aliases"]), "--mint", "--yes"]
    for option, flag in (
        ("key_preset", "--key-preset"),
        ("env_file", "--env-file"),
        ("env_dialect", "--env-dialect"),
        ("storage", "--storage"),
        ("audience", "--audience"),
        ("ca_bundle", "--ca-bundle"),
    ):
        if p[option]:
            args += [flag, p[option]]
    if p["openwebui_url"] and not p["env_file"]:
        args += ["--openwebui-url", p["openwebui_url"]]
    if p["keep_operator_token"]:
        args.append("--keep-operator-token")
    if replace:
        args.append("--replace")
    return args


def _finish_args(p):
    args = ["rotate", "--finish", "--profile", p["name"]]
    if p["openwebui_url"] and p["env_file"]:
        args += ["--openwebui-url", p["openwebui_url"]]
    if p["revoke_without_proof"]:
        args.append("--revoke-without-proof")
    return args


def _present(module, gt, record, work, result):
    p = module.params
    if not p["host"] or not p["aliases"] or not (p["env_file"] or p["openwebui_url"]):
        module.fail_json(msg="state=present needs host, aliases and env_file or openwebui_url")
    if work and record is None:
        module.fail_json(
            msg=f"profile {p['name']}: {work.get('summary', 'a setup is in progress')}",
            commands=work.get("commands", []),
        )
    want = _wanted(p)
    before = _summary(record, gt.show(p["name"]) if record else None)
    differs = _differences(before, want) if record else ["absent"]
    result["differences"] = differs
    if module._diff:
        after = dict(before or {}, **{k: v for k, v in want.items() if v})
        if differs:
            after["key_id"] = "(a new key)"
        result["diff"] = {"before": before, "after": after}
    if not differs:
        return
    result["changed"] = True
    if module.check_mode:
        return
    _, result["setup"] = gt.run(*_setup_args(p, replace=record is not None))


def _rotated(module, gt, record, result):
    p = module.params
    if record is None:
        module.fail_json(msg=f"no profile named {p['name']} to rotate (state=present first)")
    work = record.get("in_progress")
    before = _summary(record, None)
    waiting = bool(work and work.get("state") == "waiting")
    if work and not waiting:
        module.fail_json(
            msg=f"profile {p['name']}: {work.get('summary')}; resolve it first",
            commands=work.get("commands", []),
        )
    run_rotation = not waiting and (record.get("rotation_due") or not p["only_if_due"])
    run_finish = p["finish"] and (waiting or run_rotation)
    result["rotation_state"] = "waiting" if waiting else "none"
    if waiting:
        result["in_progress"] = work
    if not (run_rotation or run_finish):
        return
    result["changed"] = True
    if module._diff:
        result["diff"] = {"before": before, "after": dict(before, key_id="(a new key)")}
    if module.check_mode:
        return
    if run_rotation:
        _, result["rotation"] = gt.run("rotate", "--profile", p["name"], "--yes")
        result["rotation_state"] = result["rotation"].get("state") or "none"
    if p["finish"] and result["rotation_state"] == "waiting":
        _, result["rotation"] = gt.run(*_finish_args(p))
        result["rotation_state"] = result["rotation"].get("state") or "none"
    result.pop("in_progress", None)


def _absent(module, gt, record, work, result):
    p = module.params
    if record is None:
        if work:
            module.fail_json(
                msg=f"profile {p['name']}: {work.get('summary')}; resolve it first",
                commands=work.get("commands", []),
            )
        return
    result["changed"] = True
    if module._diff:
        result["diff"] = {"before": _summary(record, gt.show(p["name"])), "after": {}}
    if module.check_mode:
        return
    _, result["removed"] = gt.run("profiles", "remove", p["name"], "--yes")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "rotated", "absent"]),
            host=dict(type="str"),
            preset=dict(type="str", default="open-webui"),
            key_preset=dict(type="str"),
            aliases=dict(type="list", elements="str"),
            env_file=dict(type="path"),
            env_dialect=dict(type="str", choices=["docker", "compose", "systemd"]),
            openwebui_url=dict(type="str"),
            storage=dict(type="str", choices=["keyring", "file", "none"]),
            audience=dict(type="str"),
            ca_bundle=dict(type="path"),
            keep_operator_token=dict(type="bool", default=False),
            operator_token=dict(
                type="str", no_log=True, fallback=(env_fallback, ["GTWIZARD_OPERATOR_TOKEN"])
            ),
            openwebui_token=dict(
                type="str", no_log=True, fallback=(env_fallback, ["GTWIZARD_OPENWEBUI_TOKEN"])
            ),
            only_if_due=dict(type="bool", default=False),
            finish=dict(type="bool", default=False),
            revoke_without_proof=dict(type="bool", default=False),
            run_checks=dict(type="bool", default=False),
            config_dir=dict(type="path"),
            state_dir=dict(type="path"),
            executable=dict(type="path", default="gtwizard"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    gt = Gtwizard(module)
    record, work = gt.status(p["name"])
    result = {"changed": False, "name": p["name"], "state": p["state"]}
    if record is not None and record.get("in_progress"):
        result["in_progress"] = record["in_progress"]
    if p["state"] == "present":
        _present(module, gt, record, work, result)
    elif p["state"] == "rotated":
        _rotated(module, gt, record, result)
    else:
        _absent(module, gt, record, work, result)
    if result["changed"] and not module.check_mode and p["state"] != "absent":
        record, _ = gt.status(p["name"])
    if record is not None and p["state"] != "absent":
        result["profile"] = _summary(record, None)
        if record.get("in_progress"):
            result["in_progress"] = record["in_progress"]
    if p["run_checks"] and p["state"] != "absent" and not module.check_mode:
        rc, result["checks"] = gt.run("check", "--profile", p["name"], ok_codes=(0, 1))
        failed = [c["id"] for c in result["checks"].get("checks", []) if c["status"] == "fail"]
        if rc != 0:
            module.fail_json(msg=f"gtwizard check failed: {', '.join(failed)}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
