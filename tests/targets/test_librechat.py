"""The LibreChat target through the real CLI, against a sandbox tenant of the test's own, with
LibreChat's own config schema (npm librechat-data-provider, run with node) as the judge of what
was written. LibreChat's server cannot run here (it needs MongoDB): the check list says "not
proven in LibreChat" (a warning) and a rotation waits, both keys live, for `rotate --finish`.
"""

from __future__ import annotations

import difflib
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from support.cli_helpers import run_cli
from support.librechat_fixture import librechat_parse, require_schema
from support.owui_fixture import docker_env_file
from support.rotation_helpers import key_status, stored_key, tenant_keys

from gtwizard.profiles import get_profile

NAMES = ["helpdesk", "research-assistant"]
OPERATOR_YAML = """\
# LibreChat, configured by hand
version: 1.3.17
cache: true

endpoints:
  custom:
    # Mistral: keep this comment and the quoting below
    - name: 'Mistral'
      apiKey: '${MISTRAL_API_KEY}'
      baseURL: 'https://api.mistral.ai/v1'
      models:
        default: ['mistral-tiny', 'mistral-small']   # two of them
        fetch: false
      dropParams: ['stop', 'user']

# the interface, after the endpoints
interface:
  privacyPolicy:
    externalUrl: 'https://example.org/privacy'
"""
OPERATOR_ENV = "# LibreChat's .env\nMISTRAL_API_KEY=mk-operator-own\nMONGO_URI=mongodb://mongodb:27017/LibreChat\n"


def setup_args(sandbox: Any, yaml_path: Path, *extra: str) -> list[str]:
    """`gtwizard setup --mint` of NAMES for LibreChat, as an operator runs it."""
    fixed = "setup --preset librechat --mint --yes --storage file --profile lc --target librechat"
    where = ["--host", sandbox.base_url, "--aliases", ",".join(NAMES)]
    return [*fixed.split(), *where, "--librechat-yaml", str(yaml_path), *extra]


def live_keys(sandbox: Any) -> set[str]:
    """The ids of the keys the tenant itself lists as not revoked."""
    return {k.id for k in tenant_keys(sandbox) if not k.revoked_at}


def only_inserted(old: str, new: str) -> list[str]:
    """The lines `new` adds to `old`; fails when any line of `old` changed or went away."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    added: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        assert op in ("equal", "insert"), f"{op} of the operator's lines {a[i1:i2]!r}"
        added += b[j1:j2] if op == "insert" else []
    return added


@pytest.fixture
def librechat_dir(tmp_path: Path) -> Path:
    require_schema()  # LibreChat's own schema judges every file here (skip/fail when missing)
    folder = tmp_path / "LibreChat"
    folder.mkdir()
    (folder / "librechat.yaml").write_text(OPERATOR_YAML)
    (folder / ".env").write_text(OPERATOR_ENV)
    return folder


@pytest.fixture
def op_env(own_sandbox: Any) -> dict[str, str]:
    return {"GTWIZARD_OPERATOR_TOKEN": own_sandbox.operator_token}


def test_setup_writes_an_endpoint_librechat_accepts(
    own_sandbox: Any, librechat_dir: Path, op_env: dict[str, str]
) -> None:
    """setup --mint writes the endpoint into librechat.yaml and the key into its .env; LibreChat's
    own loader and schema accept the file, and the endpoint it parses points at the tenant with
    the minted key once `${GT_API_KEY}` is resolved through that .env."""
    yaml_path, env_path = librechat_dir / "librechat.yaml", librechat_dir / ".env"
    out = run_cli(setup_args(own_sandbox, yaml_path, "--json"), env=op_env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    profile = get_profile("lc")
    secret = stored_key(profile)
    assert secret and secret.startswith("gtak_")
    openai_base = own_sandbox.base_url + "/v1"
    target = result["target"]
    assert target["kind"] == "librechat" and target["yaml"] == str(yaml_path)
    assert target["env"] == str(env_path) and target["variable"] == "GT_API_KEY"
    assert target["endpoint"] == "GT API" and target["models"] == NAMES

    env_values = docker_env_file(env_path)  # an independent reader of the .env
    assert env_values["GT_API_KEY"] == secret
    parsed = librechat_parse(yaml_path, "GT API", env_values)
    assert parsed["success"] is True, parsed["errors"]
    endpoint = parsed["endpoint"]
    assert endpoint["baseURL"] == openai_base
    assert endpoint["apiKey"] == "${GT_API_KEY}"  # a reference in the YAML, never the key
    assert endpoint["resolvedApiKey"] == secret  # LibreChat's extractEnvVariable
    assert endpoint["models"] == {"default": NAMES, "fetch": False}
    assert parsed["endpoints"] == ["Mistral", "GT API"]
    # without the .env LibreChat would send the literal reference: the .env is what holds it
    assert librechat_parse(yaml_path, "GT API")["endpoint"]["resolvedApiKey"] == "${GT_API_KEY}"

    # the operator's bytes: every old line is still there, unchanged and in order
    added = only_inserted(OPERATOR_YAML, yaml_path.read_text())
    assert added and added[0].strip() == "- name: GT API"
    assert only_inserted(OPERATOR_ENV, env_path.read_text()) == [f"GT_API_KEY={secret}\n"]
    assert secret not in yaml_path.read_text()
    assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
    assert (librechat_dir / "librechat.yaml.bak").read_text() == OPERATOR_YAML
    assert (librechat_dir / ".env.bak").read_text() == OPERATOR_ENV
    assert secret not in out.stdout + out.stderr

    # the tenant's own list: exactly the profile's key is live
    assert live_keys(own_sandbox) == {profile.key_id}
    assert profile.target_kind == "librechat" and profile.target_place == str(yaml_path)

    # the same setup again changes nothing in librechat.yaml (only the key in .env is new)
    before = yaml_path.read_bytes()
    again = run_cli(setup_args(own_sandbox, yaml_path, "--replace", "--json"), env=op_env)
    assert again.returncode == 0, again.stderr
    assert yaml_path.read_bytes() == before


def test_check_warns_not_proven_in_librechat(
    own_sandbox: Any, librechat_dir: Path, op_env: dict[str, str]
) -> None:
    """The check from LibreChat's side cannot run here: a warning, never a pass; a .env that
    holds another key is a failure."""
    yaml_path, env_path = librechat_dir / "librechat.yaml", librechat_dir / ".env"
    assert run_cli(setup_args(own_sandbox, yaml_path), env=op_env).returncode == 0

    shown = run_cli(["check", "--profile", "lc"])
    line = next(x for x in shown.stdout.splitlines() if "product-proof" in x)
    assert line.startswith("WARN") and "not proven in LibreChat" in line, shown.stdout
    checked = json.loads(run_cli(["check", "--profile", "lc", "--json"]).stdout)
    proof = next(c for c in checked["checks"] if c["id"] == "product-proof")
    assert proof["status"] == "warn" and "not proven in LibreChat" in proof["detail"]
    assert "docker compose down" in proof["hint"]

    env_path.write_text(OPERATOR_ENV + "GT_API_KEY=gtak_" + "x" * 40 + "\n")
    drifted = json.loads(run_cli(["check", "--profile", "lc", "--json"]).stdout)
    proof = next(c for c in drifted["checks"] if c["id"] == "product-proof")
    assert proof["status"] == "fail" and "not the profile's" in proof["detail"]


@pytest.mark.slow
def test_rotation_waits_for_the_operators_word(
    own_sandbox: Any, librechat_dir: Path, op_env: dict[str, str]
) -> None:
    """rotate writes the new key and waits with both keys live (LibreChat may still hold the
    old one until it restarts); rotate --finish is the operator's word and revokes the old one."""
    yaml_path, env_path = librechat_dir / "librechat.yaml", librechat_dir / ".env"
    assert run_cli(setup_args(own_sandbox, yaml_path), env=op_env).returncode == 0
    before = get_profile("lc")
    old_secret = stored_key(before)
    assert old_secret
    yaml_before = yaml_path.read_bytes()

    out = run_cli(["rotate", "--profile", "lc", "--yes", "--json"], env=op_env, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["state"] == "waiting" and result["complete"] is False
    new_id = result["new_key_id"]
    new_secret = docker_env_file(env_path)["GT_API_KEY"]
    assert new_secret != old_secret and stored_key(before, new_id) == new_secret
    parsed = librechat_parse(yaml_path, "GT API", docker_env_file(env_path))
    assert parsed["success"] and parsed["endpoint"]["resolvedApiKey"] == new_secret
    assert yaml_path.read_bytes() == yaml_before  # the reference stays, only the .env changes
    assert live_keys(own_sandbox) == {before.key_id, new_id}  # both live: nothing revoked yet
    assert key_status(own_sandbox, old_secret) == 200
    assert any("docker compose down" in line for line in result["remaining"]), result
    assert old_secret not in out.stdout and new_secret not in out.stdout

    # meanwhile the check warns (the new key is the waiting rotation's), it does not fail
    checked = json.loads(run_cli(["check", "--profile", "lc", "--json"]).stdout)
    proof = next(c for c in checked["checks"] if c["id"] == "product-proof")
    assert proof["status"] == "warn" and "waiting rotation" in proof["detail"]

    done = run_cli(["rotate", "--profile", "lc", "--finish", "--json"], env=op_env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["state"] == "done"
    assert live_keys(own_sandbox) == {new_id}
    assert key_status(own_sandbox, old_secret) == 401
    assert key_status(own_sandbox, new_secret) == 200
    assert get_profile("lc").key_id == new_id


BAD = {
    "unparseable": OPERATOR_YAML.replace("cache: true", "cache: [true"),
    "flow-style": "version: 1.3.17\nendpoints:\n  custom: [{name: Mistral, apiKey: x}]\n",
    "shared-variable": OPERATOR_YAML.replace("${MISTRAL_API_KEY}", "${GT_API_KEY}"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_librechat_yaml_is_refused_before_any_mint(
    case: str, own_sandbox: Any, librechat_dir: Path, op_env: dict[str, str]
) -> None:
    yaml_path, env_path = librechat_dir / "librechat.yaml", librechat_dir / ".env"
    yaml_path.write_text(BAD[case])
    out = run_cli(setup_args(own_sandbox, yaml_path), env=op_env)
    assert out.returncode == 2, out.stdout + out.stderr
    assert str(yaml_path) in out.stderr and "Traceback" not in out.stderr
    assert not [k for k in tenant_keys(own_sandbox)]  # the tenant's list: no key was minted
    assert yaml_path.read_text() == BAD[case] and env_path.read_text() == OPERATOR_ENV


def test_a_new_librechat_yaml_gets_the_version_librechat_needs(
    own_sandbox: Any, tmp_path: Path, op_env: dict[str, str]
) -> None:
    """No librechat.yaml and no .env yet: both are made, and LibreChat's schema (which requires
    `version`) accepts the new file."""
    require_schema()
    folder = tmp_path / "fresh"
    folder.mkdir()
    yaml_path = folder / "librechat.yaml"
    out = run_cli(setup_args(own_sandbox, yaml_path, "--librechat-endpoint", "GT prod"), env=op_env)
    assert out.returncode == 0, out.stderr
    env_values = docker_env_file(folder / ".env")
    assert list(env_values) == ["GT_PROD_KEY"]
    parsed = librechat_parse(yaml_path, "GT prod", env_values)
    assert parsed["success"] is True, parsed["errors"]
    assert parsed["endpoint"]["apiKey"] == "${GT_PROD_KEY}"
    assert parsed["endpoint"]["resolvedApiKey"] == stored_key(get_profile("lc"))
    assert stat.S_IMODE(yaml_path.stat().st_mode) == 0o644  # no secret in it
