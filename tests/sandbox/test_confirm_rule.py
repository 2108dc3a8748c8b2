"""One rule for every command that changes something: on a terminal it asks (or `--yes`);
without a terminal, or with `--json`, it needs `--yes` and otherwise changes nothing (exit 2)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from support.cli_helpers import mint_setup_args, on_terminal, run_cli
from support.rotation_helpers import NAMES, setup_profile, tenant_keys

from gtwizard.profiles import get_profile, load_profiles


def without_yes(args: list[str]) -> list[str]:
    return [a for a in args if a != "--yes"]


def refused(out: subprocess.CompletedProcess[str], what: str) -> None:
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert what in out.stderr and "--yes" in out.stderr, out.stderr
    assert "nothing was changed" in out.stderr


def test_setup_without_yes_and_without_a_terminal_mints_and_writes_nothing(
    sandbox, isolated_dirs: Path
) -> None:
    env_file = isolated_dirs / "owui.env"
    before = {k.id for k in tenant_keys(sandbox)}
    args = without_yes(
        mint_setup_args(sandbox.base_url, NAMES, "--profile", "nope", "--env-file", str(env_file))
    )
    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    refused(run_cli(args, env=env), "refusing to set up profile 'nope' without a terminal")
    as_json = run_cli([*args, "--json"], env=env)
    refused(as_json, "with --json")
    failure = json.loads(as_json.stdout)
    assert failure["ok"] is False and "--yes" in failure["hint"]
    assert {k.id for k in tenant_keys(sandbox)} == before, "no key minted"
    assert not env_file.exists() and load_profiles() == {}
    dry = run_cli([*args, "--dry-run"], env=env)  # a dry run changes nothing: no --yes needed
    assert dry.returncode == 0, dry.stderr


def test_rotate_and_remove_without_yes_change_nothing(sandbox, isolated_dirs: Path) -> None:
    env_file = isolated_dirs / "owui.env"
    op_env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    profile = setup_profile(sandbox, "kept", ["--env-file", str(env_file)], op_env)
    text = env_file.read_text()
    refused(run_cli(["rotate", "--profile", "kept"], env=op_env), "rotate the key of profile")
    refused(run_cli(["rotate", "--profile", "kept", "--json"], env=op_env), "with --json")
    assert get_profile("kept").key_id == profile.key_id and env_file.read_text() == text
    out = run_cli(["profiles", "remove", "kept", "--json"], env=op_env)
    refused(out, "refusing to remove profile 'kept' with --json")
    assert json.loads(out.stdout)["ok"] is False
    assert "kept" in load_profiles()
    active = [k for k in tenant_keys(sandbox) if k.id == profile.key_id and not k.revoked]
    assert active, "the key stays live"


def test_setup_on_a_terminal_asks_before_minting_and_no_makes_nothing(
    sandbox, isolated_dirs: Path
) -> None:
    """stdin a terminal: the plan and the question come before any key; 'n' leaves the tenant's
    key list as it was (no mint followed by a revoke)."""
    env_file = isolated_dirs / "owui.env"
    args = without_yes(
        mint_setup_args(sandbox.base_url, NAMES, "--profile", "asked", "--env-file", str(env_file))
    )
    every_key_before = {k.id for k in tenant_keys(sandbox)}
    out = on_terminal(args, b"n\n", {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token})
    assert "About to set up profile 'asked'" in out.stdout, out.stdout
    assert f"write {env_file}" in out.stdout and "Go ahead? [y/N]" in out.stdout
    assert "minted key" not in out.stdout
    assert out.returncode == 1 and "nothing was minted, stored or written" in out.stderr
    assert not env_file.exists() and load_profiles() == {}
    assert {k.id for k in tenant_keys(sandbox)} == every_key_before, "no key was ever made"


def test_setup_on_a_terminal_yes_goes_through_without_a_second_question(
    sandbox, isolated_dirs: Path
) -> None:
    env_file = isolated_dirs / "owui.env"
    args = without_yes(
        mint_setup_args(sandbox.base_url, NAMES, "--profile", "yes", "--env-file", str(env_file))
    )
    out = on_terminal(args, b"y\n", {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token})
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("[y/N]") == 1
    assert out.stdout.index("Go ahead?") < out.stdout.index("minted key")
    assert "yes" in load_profiles() and "gtak_" in env_file.read_text()
