#!/usr/bin/python
# SPDX-License-Identifier: MIT
# Copyright: the gtwizard authors
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
  - Idempotent. C(present) compares every setup option the task names with what
    C(gtwizard profiles show --json) reports for the profile, and runs a re-setup
    (C(setup --replace)) only when one differs; C(rotated) rotates (or, with I(only_if_due), only
    when the key is past its policy or near expiry); C(absent) removes the profile and revokes
    its keys.
  - Truthful results. C(changed) is true once anything was written, also when the task then
    fails (the failure carries the result so far); the profile returned and the diff's C(after)
    are read back from the host; every warning gtwizard gives (setup, rotation, checks, removal)
    is shown as an Ansible warning.
  - Secrets are never task arguments that Ansible logs. I(operator_token) and I(openwebui_token)
    are C(no_log) and default to the environment (C(GTWIZARD_OPERATOR_TOKEN),
    C(GTWIZARD_OPENWEBUI_TOKEN)); give them from Ansible Vault, never in clear in a playbook.
    They reach gtwizard through its environment, never its command line, bound to this task's
    I(host) and I(openwebui_url) (C(GTWIZARD_OPERATOR_TOKEN_HOST), C(GTWIZARD_OPENWEBUI_TOKEN_URL))
    when given, so gtwizard sends them to no other tenant or Open WebUI.
version_added: "0.1.0"
author:
  - gtwizard maintainers (!UNKNOWN)
requirements:
  - gtwizard 0.1.0 or later on the managed host (C(pipx install gtwizard) or C(uv tool install gtwizard)),
    with the Python it was installed with. Earlier versions of C(gtwizard profiles show) do not report every
    setup option; the module then warns that it cannot verify those options instead of claiming they match.
  - Over SSH the login is not interactive and its C(PATH) is short. The module looks for I(executable) in
    C(PATH) and in C(~/.local/bin) (where pipx and uv install tools), and fails naming every directory it
    searched when gtwizard is in none of them; give I(executable) as an absolute path otherwise.
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: partial
    details:
      - Nothing is written in check mode. C(present) and C(absent) predict C(changed) exactly (the same
        comparison as a real run).
      - With I(state=rotated) whether a rotation would end C(done) or C(waiting) cannot be predicted (it
        depends on what the rotation proves where Open WebUI uses the key); I(rotation_state) is then
        C(would-rotate) or C(would-finish).
      - I(run_checks) is not run in check mode, because C(gtwizard check) records its result on the host
        and may create a temporary Open WebUI user; the task says so in a warning and in I(checks).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode).
    support: partial
    details:
      - The profile before and after, never a secret (key ids only). After a change, C(after) is read
        back from the host.
      - In check mode C(after) is the prediction made from the task; the id of a key that is not minted
        yet is shown as C((a new key)), and a rotation's outcome (done or waiting) is not known.
options:
  name:
    description: The profile name.
    type: str
    required: true
  state:
    description:
      - C(present) sets the profile up (a re-setup with C(--replace) when a setup option differs).
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
    description:
      - The key preset (a name such as C(chat-client), not a key).
      - Left out, a new profile gets the product's recommended preset and an existing one keeps its own.
    type: str
  aliases:
    description: The published names the key may use (required for C(present)).
    type: list
    elements: str
  env_file:
    description:
      - Open WebUI's env file to write. With I(state=present) one of I(env_file) and I(openwebui_url) is
        required.
    type: path
  env_dialect:
    description:
      - Who reads the env file (only with I(env_file)).
      - Left out, a new profile gets C(docker) and an existing env-file profile keeps its own.
    type: str
    choices: [docker, compose, systemd]
  openwebui_url:
    description:
      - Without I(env_file), the Open WebUI to configure through its admin API (I(openwebui_token) needed).
      - With I(env_file), the Open WebUI that reads that file; gtwizard records it and uses it to check
        Open WebUI and to watch it pick up a rotated key.
      - With I(state=rotated) and I(finish), the Open WebUI through which the new key is proven (an
        ordinary user chats with it), whatever the target.
    type: str
  storage:
    description:
      - Where gtwizard keeps the key on the host.
      - Left out, a new profile uses the OS keyring and an existing one keeps its storage.
    type: str
    choices: [keyring, file, none]
  audience:
    description:
      - Who may use the models in Open WebUI (C(all), C(group:NAME), C(none)); only with an admin-API target
        (I(openwebui_url) without I(env_file)), for gtwizard grants access through Open WebUI's admin API.
      - Left out, a new profile gets C(all) and an existing one keeps its own.
    type: str
  ca_bundle:
    description:
      - PEM file with extra CA certificates to trust.
      - Left out, an existing profile keeps the one it has.
    type: path
  keep_operator_token:
    description:
      - Keep the operator token beside the key so that timers can rotate unattended (not with
        C(storage=none), which keeps nothing).
      - Left out, a new profile does not keep it and an existing one stays as it is.
    type: bool
  operator_token:
    description: The tenant's operator token, to mint keys. From Vault or the environment.
    type: str
  openwebui_token:
    description: Open WebUI's admin credential. From Vault or the environment.
    type: str
  only_if_due:
    description: With C(rotated), rotate only when the key is past its policy or near expiry.
    type: bool
    default: false
  finish:
    description:
      - With C(rotated), finish a rotation that is waiting for proof (an env-file target) in the same run,
        proving the new key through Open WebUI (I(openwebui_url) and I(openwebui_token)) and then revoking
        the old key.
      - Without it a rotation of an env-file target stops C(waiting) with both keys live (restart Open
        WebUI, then run again with I(finish)); the task reports that state and warns.
      - A rotation started in the same run cannot be proven through Open WebUI before Open WebUI restarts;
        the task then fails, reporting C(changed) and the waiting rotation.
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
    description:
      - After the change (or none), run C(gtwizard check) and fail if a check failed; checks that warn
        become Ansible warnings.
      - Not run in check mode (see the check_mode attribute) nor with I(state=absent).
    type: bool
    default: false
  config_dir:
    description: gtwizard's config dir on the host (C(GTWIZARD_CONFIG_DIR)).
    type: path
  state_dir:
    description: gtwizard's state dir on the host (C(GTWIZARD_STATE_DIR)).
    type: path
  executable:
    description:
      - The gtwizard command on the host, a name looked up as the requirements say, or an absolute path.
    type: path
    default: gtwizard
notes:
  - The module runs gtwizard on the managed host; it never talks to the tenant or Open WebUI itself.
  - Options a task leaves out are not compared. For an existing profile a re-setup passes them as the profile
    has them, so changing one option changes only that one.
  - An env-file target reads a new key only when Open WebUI restarts. A rotation therefore ends C(waiting)
    (both keys live) unless gtwizard can watch Open WebUI pick the key up; restart Open WebUI, then finish
    with I(finish) (see the examples).
  - A re-setup of an env-file profile (C(present) after a change) leaves the old key live the same way until
    a rotation is finished; the task warns with the commands that resolve it.
  - Interrupted work on a profile (a setup or rotation that did not finish) fails C(present) and C(rotated)
    with the commands that resolve it, except a rotation waiting for proof, which I(finish) completes.
seealso:
  - module: ansible.builtin.systemd_service
    description: Restart Open WebUI between a rotation that waits and the task that finishes it.
  - name: Ansible Vault
    description: Where I(operator_token) and I(openwebui_token) belong, never in clear in a playbook.
    link: https://docs.ansible.com/ansible/latest/vault_guide/index.html
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

# An env-file target: the new key is written and both keys stay live ("waiting") until Open WebUI
# restarts and reads it. Restart Open WebUI between these two tasks (a handler, or your own way).
- name: Rotate the key
  gtwizard.gtwizard.gtwizard_profile:
    name: webui
    state: rotated
    operator_token: "{{ vault_gtwizard_operator_token }}"
  register: rotation

- name: Once Open WebUI has restarted, finish with a proof through Open WebUI, and check
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
name:
  description: The profile's name, as the task gave it.
  returned: always
  type: str
  sample: webui
state:
  description: The state the task asked for.
  returned: always
  type: str
  sample: present
profile:
  description:
    - The profile after the task, read back from the host (C(gtwizard status) and C(profiles show)); never
      a secret. In check mode, the profile as it is. While a rotation waits for proof, C(key_id) is the new
      key (the one the target holds) and C(old_key_id) the old one, live until the rotation finishes.
  returned: when the profile exists
  type: dict
  sample:
    name: webui
    tenant_host: tenant.example.com
    product_preset: open-webui
    key_preset: chat-client
    aliases: [helpdesk, research-assistant]
    key_id: key_1a2b3c4d5e6f7a8b
    storage: file
    target: {kind: env-file, place: /etc/open-webui/env}
    env_dialect: docker
    openwebui_url: null
    audience: null
    ca_bundle: null
    keep_operator_token: false
    rotation_due: false
differences:
  description:
    - With I(state=present), the options in which the host differs from the task (C(absent) when there is
      no profile yet); empty when it matches.
  returned: with state present
  type: list
  elements: str
  sample: [env_dialect, keep_operator_token]
unverified:
  description:
    - Options the task names that gtwizard on the host does not report (an older gtwizard), so they could
      not be compared; the task warns for each.
  returned: with state present, when there are some
  type: list
  elements: str
  sample: [openwebui_url]
rotation:
  description:
    - The last C(gtwizard rotate --json) of the task (state C(done), C(waiting) or C(rolled-back); its
      steps; what remains to do). On failure, what gtwizard reported.
  returned: when a rotation ran
  type: dict
  sample:
    profile: webui
    old_key_id: key_1a2b3c4d5e6f7a8b
    new_key_id: key_9f8e7d6c5b4a3f2e
    state: waiting
    complete: false
    ok: true
    steps: [{name: mint, status: done, detail: "minted key_9f8e7d6c5b4a3f2e with preset chat-client"}]
    remaining: ["restart Open WebUI so it reads /etc/open-webui/env (docker restart open-webui)"]
rotation_state:
  description:
    - C(done) the old key is revoked and the profile uses the new one.
    - C(waiting) a new key is in place and both keys are live until the new one is proven (see I(finish)).
    - C(rolled-back) the rotation failed and was undone; the old key stays in use.
    - C(not-started) gtwizard refused the rotation before any key existed (the task fails with why).
    - C(none) nothing was rotated (not due with I(only_if_due)).
    - C(would-rotate) and C(would-finish) in check mode, where the outcome cannot be predicted.
  returned: with state rotated
  type: str
  sample: done
setup:
  description: The C(gtwizard setup --json) result of a (re-)setup; on failure, what gtwizard reported.
  returned: when a setup ran
  type: dict
  sample:
    profile: webui
    key: {id: key_1a2b3c4d5e6f7a8b, minted: true, preset: chat-client, agent_aliases: [helpdesk]}
    target: {kind: env-file, place: /etc/open-webui/env, changed: true}
    warnings: ["ordinary Open WebUI users see none of helpdesk until access is granted"]
    ok: true
removed:
  description: The C(gtwizard profiles remove --json) result (keys revoked, secrets deleted).
  returned: when a profile was removed
  type: dict
  sample:
    removed: webui
    revoked: [key_1a2b3c4d5e6f7a8b]
    not_revoked: []
    deleted_secrets: [webui/key_1a2b3c4d5e6f7a8b]
    secrets_kept: false
    target: {kind: env-file, place: /etc/open-webui/env}
    ok: true
checks:
  description:
    - The C(gtwizard check --json) result; in check mode a dict whose C(skipped) says why it did not run.
  returned: with run_checks
  type: dict
  sample:
    ok: true
    profile: webui
    checks: [{id: key-accepted, status: pass, detail: "the tenant accepts key ...wNHH", hint: ""}]
in_progress:
  description: Work in progress on the profile (a waiting rotation or setup) and the commands that resolve it.
  returned: when there is some
  type: dict
  sample:
    operation: rotate
    state: waiting
    summary: "a rotation is waiting (Open WebUI to use the new key from /etc/open-webui/env)"
    commands: [gtwizard rotate --finish --profile webui, gtwizard rotate --abort --profile webui]
"""

import json
import os
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule, env_fallback

NOT_REPORTED = object()  # a profile field gtwizard on the host does not report
NEW_KEY = "(a new key)"
NOTHING_KEPT = (
    "keep_operator_token needs a storage that keeps something: storage=none keeps nothing; "
    "choose storage=file or storage=keyring"
)


def gtwizard_environment(params):
    """What gtwizard runs with beyond the module's own environment: its dirs and the secrets.

    Secrets reach gtwizard through its environment, never its command line (argv is visible to
    every user of the host and in Ansible's -vvv output)."""
    env = {}
    for option, variable in (
        ("config_dir", "GTWIZARD_CONFIG_DIR"),
        ("state_dir", "GTWIZARD_STATE_DIR"),
        ("operator_token", "GTWIZARD_OPERATOR_TOKEN"),
        ("openwebui_token", "GTWIZARD_OPENWEBUI_TOKEN"),
    ):
        if params[option]:
            env[variable] = params[option]
    # each secret is bound to the place of this task it belongs to: gtwizard sends it nowhere else
    for secret, place, variable in (
        ("operator_token", "host", "GTWIZARD_OPERATOR_TOKEN_HOST"),
        ("openwebui_token", "openwebui_url", "GTWIZARD_OPENWEBUI_TOKEN_URL"),
    ):
        if params[secret] and params[place]:
            env[variable] = params[place]
    return env


def _tool_dirs():
    """Where pipx and `uv tool install` put gtwizard: a non-interactive SSH login's PATH often
    lacks it."""
    home = os.environ.get("HOME")
    return [os.path.join(home, ".local", "bin")] if home else []


class Gtwizard:
    """gtwizard's JSON interface on this host."""

    def __init__(self, module):
        self.module = module
        self.command = module.get_bin_path(
            module.params["executable"], required=True, opt_dirs=_tool_dirs()
        )
        self.env = gtwizard_environment(module.params)

    def run(self, *args):
        """Run `gtwizard ARGS --json`; return (exit code, its JSON object or None, the error)."""
        argv = [self.command, *args, "--json"]
        rc, out, err = self.module.run_command(argv, environ_update=self.env, data="")
        data = None
        if out.strip():
            try:
                data = json.loads(out)
            except ValueError:
                data = None
        if not isinstance(data, dict):
            first = (out.strip().splitlines() or [""])[0][:200]
            said = f": {first}" if first else " (no output)"
            return rc, None, f"printed no JSON object{said}; is {self.command} gtwizard?"
        error = data.get("error") if data.get("ok") is False or rc != 0 else None
        if rc != 0 and not error:
            error = (err.strip().splitlines() or [f"exit code {rc}"])[-1]
        return rc, data, error


class Task:
    """One run of the module: what gtwizard says about the profile, and the result so far."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.name = module.params["name"]
        self.gt = Gtwizard(module)
        self.result = {"changed": False, "name": self.name, "state": module.params["state"]}
        self.warned = []
        self.record = self.work = self.shown = None
        self.reload()
        self.before = _summary(self.record, self.shown)
        self.first_look = self.snapshot()

    # --- reading -------------------------------------------------------------------------

    def read(self, *args, **kwargs):
        """A command that writes nothing (status, profiles show, check); fail on any error."""
        ok_codes = kwargs.get("ok_codes", (0,))
        rc, data, error = self.gt.run(*args)
        if data is None or rc not in ok_codes:
            self.fail(_failed(args, error, data), rc=rc, gtwizard=data or {})
        return rc, data

    def reload(self):
        """The profile as the host has it now: its status record, in-progress work, and show."""
        self.record, self.work, self.shown = self._look(self.read)

    def _look(self, read):
        data = read("status")[1]
        record = next((r for r in data.get("profiles", []) if r.get("name") == self.name), None)
        work = record.get("in_progress") if record else None
        if record is None:
            work = next(
                (w for w in data.get("in_progress", []) if w.get("profile") == self.name), None
            )
        shown = read("profiles", "show", self.name)[1] if record else None
        return record, work, shown

    def snapshot(self):
        """What would tell that the host changed: the profile and its work in progress."""
        shown = dict(self.shown or {})
        shown.pop("last_check", None)  # `gtwizard check` records it; not a change the task made
        return {"profile": shown if self.record else None, "work": self.work}

    # --- writing -------------------------------------------------------------------------

    def write(self, key, *args):
        """A command that writes (setup, rotate, profiles remove); its JSON goes to result[key].

        On failure the host is read back: the task reports changed when anything differs from
        what it found at its start (or when an earlier command of the task wrote), with the
        profile and the work in progress as they are now."""
        rc, data, error = self.gt.run(*args)
        if data is not None:
            self.result[key] = data
            if key == "rotation" and data.get("state"):
                self.result["rotation_state"] = data["state"]
        self.warn_all(data.get("warnings") if data else None)
        if data is not None and rc == 0 and data.get("ok") is not False:
            self.result["changed"] = True
            return data
        differs = self._host_changed()
        self.result["changed"] = self.result["changed"] or differs
        if self.record is not None:
            self.result["profile"] = _summary(self.record, self.shown)
        if self.module._diff:
            self.result["diff"] = {
                "before": self.before,
                "after": _summary(self.record, self.shown),
            }
        self.report_work()
        self.fail(
            _failed(args, error, data),
            hint=(data or {}).get("hint", ""),
            rc=rc,
        )
        return data  # not reached: fail() exits

    def _host_changed(self):
        def read(*args):
            rc, data, error = self.gt.run(*args)
            if data is None or rc != 0:
                raise LookupError(error)
            return rc, data

        try:
            self.record, self.work, self.shown = self._look(read)
        except LookupError as exc:
            self.warn(
                f"could not read the profile back after the failure ({exc}); reporting changed"
            )
            return True
        return self.snapshot() != self.first_look

    # --- reporting -----------------------------------------------------------------------

    def warn(self, text):
        if text and text not in self.warned:
            self.warned.append(text)
            self.module.warn(text)

    def warn_all(self, texts):
        for text in texts or []:
            self.warn(str(text))

    def report_work(self):
        """Say what is still to do on the profile (a waiting rotation or setup), as a warning."""
        work = self.work
        if not work:
            return
        self.result["in_progress"] = work
        rotation = self.result.get("rotation") or {}
        if rotation.get("state") == "waiting" and rotation.get("remaining"):
            todo = "; ".join(rotation["remaining"])
        else:
            todo = " or ".join(work.get("commands") or []) or "see gtwizard status"
        said = f"profile {self.name}: {work.get('summary')}. Still to do: {todo}"
        if work.get("state") == "waiting":
            said += (
                " (with this module: state=rotated, finish=true, once Open WebUI uses the new key)"
            )
        self.warn(said)

    def fail(self, msg, **extra):
        """Fail the task with the result so far (changed included): never a bare failure."""
        result = dict(self.result)
        result.update(extra)
        result.pop("msg", None)
        self.module.fail_json(msg=msg, **result)


def _failed(args, error, data):
    """The one line a failed gtwizard command ends the task with: which, why, what to do."""
    words = " ".join(args[:2]) if args[0] == "profiles" or args[1:2] == ("--finish",) else args[0]
    hint = (data or {}).get("hint")
    return f"gtwizard {words} failed: {error}" + (f" ({hint})" if hint else "")


# --- comparing the task with the profile ------------------------------------------------------


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


def _url(value):
    return (value or "").strip().rstrip("/")


def _path(value):
    return os.path.abspath(value) if value else value


def _target(kind, place):
    return {"kind": kind, "place": _path(place) if kind == "env-file" else _url(place)}


# How each setup option is compared with what `gtwizard profiles show --json` reports.
SAME = {
    "host": lambda want, have: _host(want) == _host(have),
    "openwebui_url": lambda want, have: _url(want) == _url(have),
    "ca_bundle": lambda want, have: _path(want) == _path(have),
}


def _task_values(p):
    """Each setup option as the task names it (None: left out), in the form gtwizard records."""
    if p["env_file"]:
        target = _target("env-file", p["env_file"])
    elif p["openwebui_url"]:
        target = _target("admin-api", p["openwebui_url"])
    else:
        target = None
    return {
        "host": p["host"],
        "preset": p["preset"],
        "key_preset": p["key_preset"],
        "aliases": sorted(set(p["aliases"])) if p["aliases"] is not None else None,
        "storage": p["storage"],
        "target": target,
        "env_dialect": p["env_dialect"],
        "openwebui_url": _url(p["openwebui_url"]) if p["openwebui_url"] else None,
        "audience": p["audience"],
        "ca_bundle": _path(p["ca_bundle"]),
        "keep_operator_token": p["keep_operator_token"],
    }


def _profile_values(shown):
    """The same options as the host's profile records them (NOT_REPORTED where gtwizard does
    not report the field: an older gtwizard)."""

    def field(key):
        return shown.get(key, NOT_REPORTED)

    kind = shown.get("target_kind")
    dialect = field("env_dialect")
    if dialect is None and kind == "env-file":
        dialect = "docker"  # what gtwizard reads an env file as when the profile names none
    if "agent_aliases" in shown and "raw_models" in shown:
        aliases = sorted(set(shown["agent_aliases"] or []) | set(shown["raw_models"] or []))
    else:
        aliases = NOT_REPORTED
    kept = field("operator_token_kept")
    return {
        "host": field("tenant_host"),
        "preset": field("product_preset"),
        "key_preset": field("key_preset"),
        "aliases": aliases,
        "storage": field("storage_kind"),
        "target": _target(kind, shown.get("target_place"))
        if "target_kind" in shown
        else NOT_REPORTED,
        "env_dialect": dialect,
        "openwebui_url": field("openwebui_url"),
        "audience": field("audience"),
        "ca_bundle": field("ca_bundle"),
        "keep_operator_token": kept if kept is NOT_REPORTED else bool(kept),
    }


def _compare(want, have):
    """(options that differ, options the task names that the host does not report)."""
    differs, unverified = [], []
    for option, wanted in want.items():
        if wanted is None:
            continue  # left out: not compared
        found = have[option]
        if found is NOT_REPORTED:
            unverified.append(option)
        elif not SAME.get(option, lambda a, b: a == b)(wanted, found):
            differs.append(option)
    return differs, unverified


def _effective(want, have):
    """The values a (re-)setup is given: the task's, and for what it leaves out, the profile's,
    where that means the same with the task's target (so a re-setup changes only what the task
    names)."""
    values = dict(want)
    if have is None:
        return values
    had = have["target"] if isinstance(have["target"], dict) else {}
    same_kind = had.get("kind") == (want["target"] or {}).get("kind")
    carried = ["key_preset", "storage", "ca_bundle", "keep_operator_token"]
    if same_kind:
        carried += ["env_dialect", "openwebui_url", "audience"]
    for option in carried:
        if values[option] is None and have[option] not in (None, NOT_REPORTED):
            values[option] = have[option]
    return values


def _setup_args(p, values, replace):
    """`gtwizard setup` for these values (never a secret: those go in the environment)."""
    args = ["setup", "--profile", p["name"], "--preset", values["preset"], "--host", values["host"]]
    args += ["--aliases", ",".join(values["aliases"] or []), "--mint", "--yes"]
    target = values["target"] or {}
    if target.get("kind") == "env-file":
        args += ["--env-file", target["place"]]
    for option, flag in (
        ("key_preset", "--key-preset"),
        ("env_dialect", "--env-dialect"),
        ("openwebui_url", "--openwebui-url"),
        ("storage", "--storage"),
        ("audience", "--audience"),
        ("ca_bundle", "--ca-bundle"),
    ):
        if values[option]:
            args += [flag, values[option]]
    if values["keep_operator_token"]:
        args.append("--keep-operator-token")
    if replace:
        args.append("--replace")
    return args


def _finish_args(p):
    args = ["rotate", "--finish", "--profile", p["name"]]
    if p["openwebui_url"]:
        args += ["--openwebui-url", p["openwebui_url"]]
    if p["revoke_without_proof"]:
        args.append("--revoke-without-proof")
    return args


def _summary(record, shown):
    """The profile as the diff and the return values show it (neither source holds a secret)."""
    if record is None:
        return {}
    shown = shown or {}
    aliases = list(shown.get("agent_aliases") or []) + list(shown.get("raw_models") or [])
    # a rotation waiting for proof: the target already holds the new key (the profile is
    # promoted to it only when the rotation finishes); the old one stays live until then
    work = record.get("in_progress") or {}
    waiting = work.get("state") == "waiting" and work.get("new_key_id")
    live = {"old_key_id": work.get("old_key_id")} if waiting else {}
    return {
        "name": record.get("name"),
        "tenant_host": shown.get("tenant_host", record.get("tenant_host")),
        "product_preset": shown.get("product_preset", record.get("product_preset")),
        "key_preset": shown.get("key_preset"),
        "aliases": sorted(aliases),
        "key_id": work["new_key_id"] if waiting else record.get("key_id"),
        **live,
        "storage": (record.get("storage") or {}).get("kind"),
        "target": record.get("target"),
        "env_dialect": shown.get("env_dialect"),
        "openwebui_url": shown.get("openwebui_url"),
        "audience": shown.get("audience"),
        "ca_bundle": shown.get("ca_bundle"),
        "keep_operator_token": bool(shown.get("operator_token_kept")),
        "rotation_due": record.get("rotation_due"),
    }


def _predicted(before, name, values):
    """Check mode: the profile a (re-)setup with these values would leave (a new key)."""
    after = dict(before) if before else {"name": name}
    for option, field in (
        ("host", "tenant_host"),
        ("preset", "product_preset"),
        ("key_preset", "key_preset"),
        ("aliases", "aliases"),
        ("storage", "storage"),
        ("target", "target"),
        ("env_dialect", "env_dialect"),
        ("openwebui_url", "openwebui_url"),
        ("audience", "audience"),
        ("ca_bundle", "ca_bundle"),
        ("keep_operator_token", "keep_operator_token"),
    ):
        if values[option] is not None and not (
            option == "host" and _host(values[option]) == _host(after.get(field))
        ):
            after[field] = values[option]
    after["key_id"] = NEW_KEY
    return after


# --- the three states -------------------------------------------------------------------------


def _present(task):
    p, result = task.params, task.result
    if task.work and task.record is None:
        task.fail(
            f"profile {p['name']}: {task.work.get('summary', 'a setup is in progress')}",
            commands=task.work.get("commands", []),
        )
    want = _task_values(p)
    have = _profile_values(task.shown) if task.record else None
    if have is None:
        differs, unverified = ["absent"], []
    else:
        differs, unverified = _compare(want, have)
    result["differences"] = differs
    if unverified:
        result["unverified"] = unverified
    for option in unverified:
        task.warn(
            f"cannot verify {option}: gtwizard on this host does not report it in "
            "'gtwizard profiles show --json' (upgrade gtwizard); it was not compared"
        )
    if not differs:
        return
    if task.work:  # gtwizard refuses a re-setup until it is resolved: say so before writing
        task.fail(
            f"profile {p['name']} differs from the task ({', '.join(differs)}), but "
            f"{task.work.get('summary')}; resolve it first: "
            + " or ".join(task.work.get("commands") or ["see gtwizard status"])
            + (
                " (with this module: state=rotated, finish=true)"
                if task.work.get("state") == "waiting"
                else ""
            ),
            commands=task.work.get("commands", []),
        )
    values = _effective(want, have)
    if values["keep_operator_token"] and values["storage"] == "none":
        task.fail(NOTHING_KEPT)
    if task.module.check_mode:  # a real run: changed once a write succeeded (Task.write)
        result["changed"] = True
        if task.module._diff:
            result["diff"] = {
                "before": task.before,
                "after": _predicted(task.before, p["name"], values),
            }
        return
    task.write("setup", *_setup_args(p, values, replace=task.record is not None))


def _rotated(task):
    p, result = task.params, task.result
    record = task.record
    if record is None:
        task.fail(f"no profile named {p['name']} to rotate (state=present first)")
    work = task.work
    waiting = bool(work and work.get("state") == "waiting")
    if work and not waiting:
        task.fail(
            f"profile {p['name']}: {work.get('summary')}; resolve it first",
            commands=work.get("commands", []),
        )
    rotate = not waiting and bool(record.get("rotation_due") or not p["only_if_due"])
    finish = p["finish"] and (waiting or rotate)
    result["rotation_state"] = "waiting" if waiting else "none"
    if not (rotate or finish):
        return
    if task.module.check_mode:  # a real run: changed once a write succeeded (Task.write)
        result["changed"] = True
        result["rotation_state"] = "would-rotate" if rotate else "would-finish"
        if task.module._diff:
            result["diff"] = {"before": task.before, "after": dict(task.before, key_id=NEW_KEY)}
        return
    if rotate:
        task.write("rotation", "rotate", "--profile", p["name"], "--yes")
    if p["finish"] and result["rotation_state"] == "waiting":
        task.write("rotation", *_finish_args(p))


def _absent(task):
    p, result = task.params, task.result
    if task.record is None:
        if task.work:
            task.fail(
                f"profile {p['name']}: {task.work.get('summary')}; resolve it first",
                commands=task.work.get("commands", []),
            )
        return
    if task.module.check_mode:  # a real run: changed once a write succeeded (Task.write)
        result["changed"] = True
        if task.module._diff:
            result["diff"] = {"before": task.before, "after": {}}
        return
    removed = task.write("removed", "profiles", "remove", p["name"], "--yes")
    for line in removed.get("not_revoked") or []:
        task.warn(
            f"not revoked: {line} (revoke it later: gtwizard keys --host HOST --revoke-orphans)"
        )
    if removed.get("secrets_kept"):
        task.warn("the profile's stored secrets could not be reached and remain in its storage")
    target = removed.get("target") or {}
    if removed.get("revoked") and target.get("kind") not in (None, "none"):
        task.warn(f"{target.get('place')} still names a revoked key: remove that connection")


def _checks(task):
    p, result = task.params, task.result
    if task.module.check_mode:
        reason = (
            "run_checks is not run in check mode: gtwizard check records its result on the host "
            "and may create a temporary Open WebUI user"
        )
        result["checks"] = {"skipped": reason}
        task.warn(reason)
        return
    if task.record is None:
        return
    rc, checks = task.read("check", "--profile", p["name"], ok_codes=(0, 1))
    result["checks"] = checks
    failed = []
    for check in checks.get("checks", []):
        said = f"check {check.get('id')}: {check.get('detail')}"
        if check.get("hint"):
            said += f" ({check['hint']})"
        if check.get("status") == "warn":
            task.warn(said)
        elif check.get("status") == "fail":
            failed.append(said)
    if rc != 0 or failed:
        task.fail("gtwizard check failed: " + ("; ".join(failed) or f"exit code {rc}"))


def _validate(module):
    """What the argument spec cannot say."""
    p = module.params
    if p["revoke_without_proof"] and not p["finish"]:
        module.fail_json(
            msg="revoke_without_proof goes with finish=true (it decides how a rotation is finished)"
        )
    if p["keep_operator_token"] and p["storage"] == "none":
        module.fail_json(msg=NOTHING_KEPT)


def argument_spec():
    return dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "rotated", "absent"]),
        host=dict(type="str"),
        preset=dict(type="str", default="open-webui"),
        key_preset=dict(type="str", no_log=False),  # a preset's name, not a key
        aliases=dict(type="list", elements="str"),
        env_file=dict(type="path"),
        env_dialect=dict(type="str", choices=["docker", "compose", "systemd"]),
        openwebui_url=dict(type="str"),
        storage=dict(type="str", choices=["keyring", "file", "none"]),
        audience=dict(type="str"),
        ca_bundle=dict(type="path"),
        keep_operator_token=dict(type="bool"),
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
    )


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_if=[
            ("state", "present", ("host", "aliases")),
            ("state", "present", ("env_file", "openwebui_url"), True),
        ],
        required_by={"env_dialect": "env_file", "audience": "openwebui_url"},
        mutually_exclusive=[("audience", "env_file")],
        supports_check_mode=True,
    )
    _validate(module)
    task = Task(module)
    p, result = module.params, task.result
    {"present": _present, "rotated": _rotated, "absent": _absent}[p["state"]](task)
    if result["changed"] and not module.check_mode:
        task.reload()  # what the host has now, not what the task asked for
        if module._diff:
            result["diff"] = {"before": task.before, "after": _summary(task.record, task.shown)}
    elif module._diff and "diff" not in result:
        result["diff"] = {"before": task.before, "after": task.before}
    if task.record is not None:
        result["profile"] = _summary(task.record, task.shown)
    task.report_work()
    if p["run_checks"] and p["state"] != "absent":
        _checks(task)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
