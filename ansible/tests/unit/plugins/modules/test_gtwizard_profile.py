# SPDX-License-Identifier: MIT
"""Argument handling of gtwizard_profile, run by `ansible-test units` (see ansible/README.md).

The module's argument checks run for real (AnsibleModule with the module's own argument spec,
required_if, required_by, mutually_exclusive and its own checks); where a case gets past them the
module runs a real program (/bin/echo, /bin/true) and must refuse its output. How the module reads
and compares profiles is tested on its plain functions; what it does with a real gtwizard is
tests/sandbox/test_ansible.py's part.
"""

from __future__ import annotations

import contextlib
import itertools
import json

import pytest
from ansible.module_utils import basic
from ansible_collections.gtwizard.gtwizard.plugins.modules import gtwizard_profile as mod

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core 2.18

    @contextlib.contextmanager
    def patch_module_args(args):
        old = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = old


SECRET = "gtop_unit_test_operator_token_value"
PRESENT = {"name": "webui", "host": "tenant.example.com", "aliases": ["helpdesk"]}


def run_module(capsys, args):
    """Run the module's main() with `args`; return its JSON answer (it always exits)."""
    with patch_module_args(args), pytest.raises(SystemExit):
        mod.main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "args, said",
    [
        ({"name": "webui"}, "state is present but all of the following are missing: host, aliases"),
        (PRESENT, "state is present but any of the following are missing: env_file, openwebui_url"),
        (
            dict(PRESENT, openwebui_url="https://chat.example.com", env_dialect="systemd"),
            "missing parameter(s) required by 'env_dialect': env_file",
        ),
        (
            dict(PRESENT, env_file="/srv/owui.env", audience="group:staff"),
            "parameters are mutually exclusive: audience|env_file",
        ),
        (
            dict(
                PRESENT, env_file="/srv/owui.env", audience="all", openwebui_url="https://c.example"
            ),
            "parameters are mutually exclusive: audience|env_file",
        ),
        (
            {"name": "webui", "state": "absent", "audience": "all"},
            "missing parameter(s) required by 'audience': openwebui_url",
        ),
        (
            {"name": "webui", "state": "rotated", "revoke_without_proof": True},
            "revoke_without_proof goes with finish=true",
        ),
        (
            dict(PRESENT, env_file="/srv/owui.env", storage="none", keep_operator_token=True),
            "keep_operator_token needs a storage that keeps something",
        ),
        (
            {"name": "webui", "state": "gone"},
            "value of state must be one of: present, rotated, absent",
        ),
        (
            dict(PRESENT, env_file="/srv/owui.env", env_dialect="podman"),
            "value of env_dialect must be one of",
        ),
    ],
)
def test_bad_arguments_fail_before_gtwizard_runs(capsys, args, said):
    # the executable does not exist: a case that got past the checks would fail on it instead
    answer = run_module(capsys, dict(args, executable="/nonexistent/gtwizard"))
    assert answer["failed"] and said in answer["msg"], answer["msg"]
    assert answer.get("changed") in (None, False)


def test_missing_gtwizard_names_where_it_looked(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".local" / "bin").mkdir(parents=True)
    answer = run_module(
        capsys, dict(PRESENT, env_file="/srv/owui.env", executable="gtwizard-not-installed")
    )
    assert answer["failed"]
    assert 'Failed to find required executable "gtwizard-not-installed"' in answer["msg"]
    assert str(tmp_path / ".local" / "bin") in answer["msg"]  # where pipx and uv put tools


@pytest.mark.parametrize(
    "program, said", [("/bin/echo", ": status --json;"), ("/bin/true", " (no output);")]
)
def test_output_that_is_not_json_fails_the_task(capsys, program, said):
    answer = run_module(capsys, dict(PRESENT, env_file="/srv/owui.env", executable=program))
    assert answer["failed"] and not answer["changed"]
    assert (
        answer["msg"]
        == f"gtwizard status failed: printed no JSON object{said} is {program} gtwizard?"
    )


def test_the_tokens_are_no_log_and_never_echoed(capsys):
    answer = run_module(
        capsys,
        dict(
            PRESENT,
            env_file="/srv/owui.env",
            executable="/bin/echo",
            operator_token=SECRET,
            openwebui_token=SECRET,
        ),
    )
    assert answer["failed"]
    assert SECRET not in json.dumps(answer)
    spec = mod.argument_spec()
    assert spec["operator_token"]["no_log"] and spec["openwebui_token"]["no_log"]
    assert spec["key_preset"]["no_log"] is False  # a preset's name, said explicitly


# --- what gtwizard is given -----------------------------------------------------------------


def params(**given):
    p = {name: spec.get("default") for name, spec in mod.argument_spec().items()}
    p.update(given)
    return p


def test_secrets_go_to_the_environment_never_to_argv():
    p = params(
        **PRESENT,
        env_file="/srv/owui.env",
        operator_token=SECRET,
        openwebui_token=SECRET,
        config_dir="/c",
    )
    env = mod.gtwizard_environment(p)
    assert env == {
        "GTWIZARD_CONFIG_DIR": "/c",
        "GTWIZARD_OPERATOR_TOKEN": SECRET,
        "GTWIZARD_OPENWEBUI_TOKEN": SECRET,
        # bound to this task's tenant: gtwizard sends the token to no other
        "GTWIZARD_OPERATOR_TOKEN_HOST": PRESENT["host"],
    }
    with_url = mod.gtwizard_environment(dict(p, openwebui_url="https://chat.example.com"))
    assert with_url["GTWIZARD_OPENWEBUI_TOKEN_URL"] == "https://chat.example.com"
    alone = mod.gtwizard_environment(dict(p, operator_token=None, openwebui_token=None))
    assert "GTWIZARD_OPERATOR_TOKEN_HOST" not in alone, "no binding without a token to bind"
    values = mod._effective(mod._task_values(p), None)
    argv = mod._setup_args(p, values, replace=False) + mod._finish_args(dict(p, finish=True))
    assert SECRET not in " ".join(argv)


def flags(argv):
    """Each `--flag value` of an argv (flags without a value left out)."""
    return {
        a: b for a, b in itertools.pairwise(argv) if a.startswith("--") and not b.startswith("--")
    }


def test_setup_gets_every_option_the_task_names():
    p = params(
        **PRESENT,
        env_file="/srv/owui.env",
        env_dialect="systemd",
        openwebui_url="https://chat.example.com/",
        storage="file",
        key_preset="chat-client",
        ca_bundle="/etc/ssl/ca.pem",
        keep_operator_token=True,
    )
    argv = mod._setup_args(p, mod._effective(mod._task_values(p), None), replace=True)
    pairs = flags(argv)
    assert pairs["--env-file"] == "/srv/owui.env"
    assert pairs["--env-dialect"] == "systemd"
    assert pairs["--openwebui-url"] == "https://chat.example.com"  # kept beside the env file
    assert pairs["--storage"] == "file" and pairs["--key-preset"] == "chat-client"
    assert pairs["--ca-bundle"] == "/etc/ssl/ca.pem" and pairs["--aliases"] == "helpdesk"
    assert "--keep-operator-token" in argv and "--replace" in argv and "--mint" in argv


def test_finish_proves_through_the_url_without_an_env_file():
    p = params(name="webui", state="rotated", finish=True, openwebui_url="https://chat.example.com")
    assert mod._finish_args(p) == [
        "rotate",
        "--finish",
        "--profile",
        "webui",
        "--openwebui-url",
        "https://chat.example.com",
    ]


# --- comparing the task with the profile ----------------------------------------------------

SHOWN = {
    "name": "webui",
    "tenant_host": "tenant.example.com",
    "product_preset": "open-webui",
    "key_preset": "chat-client",
    "agent_aliases": ["helpdesk"],
    "raw_models": [],
    "storage_kind": "file",
    "target_kind": "env-file",
    "target_place": "/srv/owui.env",
    "env_dialect": "docker",
    "openwebui_url": None,
    "audience": None,
    "ca_bundle": None,
    "operator_token_kept": False,
}


def compare(shown, **given):
    p = params(**{**PRESENT, "env_file": "/srv/owui.env", **given})
    return mod._compare(mod._task_values(p), mod._profile_values(shown))


def test_a_matching_profile_has_no_differences():
    assert compare(SHOWN, host="https://tenant.example.com/api/tenant", storage="file") == ([], [])


@pytest.mark.parametrize(
    "given, option",
    [
        ({"host": "other.example.com"}, "host"),
        ({"aliases": ["helpdesk", "research-assistant"]}, "aliases"),
        ({"key_preset": "agent-client"}, "key_preset"),
        ({"storage": "keyring"}, "storage"),
        ({"env_file": "/srv/other.env"}, "target"),
        ({"env_dialect": "systemd"}, "env_dialect"),
        ({"openwebui_url": "https://chat.example.com"}, "openwebui_url"),
        ({"ca_bundle": "/etc/ssl/ca.pem"}, "ca_bundle"),
        ({"keep_operator_token": True}, "keep_operator_token"),
        ({"preset": "librechat"}, "preset"),
    ],
)
def test_each_setup_option_is_compared(given, option):
    assert compare(SHOWN, **given) == ([option], [])


def test_audience_is_compared_for_an_admin_api_target():
    shown = dict(
        SHOWN, target_kind="admin-api", target_place="https://chat.example.com", audience="all"
    )
    shown["openwebui_url"] = "https://chat.example.com"
    p = params(**PRESENT, openwebui_url="https://chat.example.com/", audience="group:staff")
    assert mod._compare(mod._task_values(p), mod._profile_values(shown)) == (["audience"], [])


def test_an_option_gtwizard_does_not_report_is_unverified_not_ok():
    older = {k: v for k, v in SHOWN.items() if k not in ("env_dialect", "operator_token_kept")}
    assert compare(older, env_dialect="systemd", keep_operator_token=True) == (
        [],
        ["env_dialect", "keep_operator_token"],
    )
    assert compare(older) == ([], [])  # what the task leaves out is not compared


def test_a_re_setup_keeps_what_the_task_leaves_out():
    shown = dict(
        SHOWN, env_dialect="systemd", ca_bundle="/etc/ssl/ca.pem", operator_token_kept=True
    )
    shown["openwebui_url"] = "https://chat.example.com"
    p = params(
        **{**PRESENT, "env_file": "/srv/owui.env", "aliases": ["helpdesk", "research-assistant"]}
    )
    values = mod._effective(mod._task_values(p), mod._profile_values(shown))
    argv = mod._setup_args(p, values, replace=True)
    pairs = flags(argv)
    assert pairs["--env-dialect"] == "systemd" and pairs["--ca-bundle"] == "/etc/ssl/ca.pem"
    assert pairs["--openwebui-url"] == "https://chat.example.com" and pairs["--storage"] == "file"
    assert "--keep-operator-token" in argv and pairs["--aliases"] == "helpdesk,research-assistant"
    # an admin-API task does not inherit the env file's dialect
    admin = params(**dict(PRESENT, openwebui_url="https://chat.example.com"))
    values = mod._effective(mod._task_values(admin), mod._profile_values(shown))
    assert values["env_dialect"] is None and "--env-dialect" not in mod._setup_args(
        admin, values, replace=True
    )
