"""`rotate --abort` never breaks a running Open WebUI (sandbox tenant, real env files).

Once the env file holds the new key, an Open WebUI restarted since runs on it: writing the old
key back and revoking the new one would break its chats. So the abort finds out first. Without
an Open WebUI URL (tests/real/test_abort_openwebui.py has the real Open WebUI) it asks on a
terminal; without a terminal it refuses, changes nothing, and offers `--finish`. Before the file
holds the new key there is nothing to ask: the abort goes ahead unasked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli_helpers import on_terminal
from support.owui_fixture import docker_env_file
from support.rotation_helpers import (
    gtwizard,
    journal,
    key_status,
    setup_profile,
    stored_key,
    tenant_key,
)

from gtwizard.profiles import get_profile
from gtwizard.rotation import CRASH_HOOK_ENV


def env_key(path: Path) -> str:
    values = docker_env_file(path)
    return values.get("OPENAI_API_KEY") or values["OPENAI_API_KEYS"]


@pytest.fixture
def op_env(sandbox) -> dict[str, str]:
    return {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}


def waiting_rotation(sandbox, tmp_path: Path, op_env, profile: str) -> tuple[str, str, str]:
    """A profile whose rotation waits with the new key in its env file: (old, new secret, new id)."""
    env_file = tmp_path / f"{profile}.env"
    before = setup_profile(sandbox, profile, ["--env-file", str(env_file)], op_env)
    old = env_key(env_file)
    out = gtwizard(["rotate", "--profile", profile, "--yes", "--json"], env=op_env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["state"] == "waiting"
    new = env_key(env_file)
    assert new != old and stored_key(before, result["new_key_id"]) == new
    return old, new, result["new_key_id"]


def assert_unchanged(sandbox, profile: str, old: str, new: str, new_id: str) -> None:
    """Nothing the refused abort could have touched changed: both keys live, the file on the
    new key, the rotation still waiting, the new key still stored."""
    env_file = Path(get_profile(profile).target_place)
    assert env_key(env_file) == new
    assert key_status(sandbox, old) == 200 and key_status(sandbox, new) == 200
    assert not tenant_key(sandbox, new_id).revoked
    assert journal(profile)["state"] == "waiting"
    assert stored_key(get_profile(profile), new_id) == new


def test_without_a_terminal_the_abort_refuses_and_offers_finish(
    sandbox, tmp_path: Path, op_env
) -> None:
    old, new, new_id = waiting_rotation(sandbox, tmp_path, op_env, "headless")
    refused = gtwizard(["rotate", "--profile", "headless", "--abort"], env=op_env)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stderr.count("\n") == 1, refused.stderr  # one line
    assert "cannot abort" in refused.stderr and "nothing was changed" in refused.stderr
    assert "gtwizard rotate --finish --profile headless" in refused.stderr
    assert_unchanged(sandbox, "headless", old, new, new_id)

    as_json = gtwizard(["rotate", "--profile", "headless", "--abort", "--json"], env=op_env)
    assert as_json.returncode == 2
    failure = json.loads(as_json.stdout)
    assert failure["ok"] is False and "cannot abort" in failure["error"]
    assert "rotate --finish --profile headless" in failure["hint"]
    assert_unchanged(sandbox, "headless", old, new, new_id)

    # what it offered works: the rotation finishes (no Open WebUI here: on the operator's word)
    done = gtwizard(
        ["rotate", "--profile", "headless", "--finish", "--revoke-without-proof"], env=op_env
    )
    assert done.returncode == 0, done.stderr
    assert key_status(sandbox, old) == 401 and key_status(sandbox, new) == 200
    assert get_profile("headless").key_id == new_id


def test_on_a_terminal_restarted_means_refused_and_nothing_revoked(
    sandbox, tmp_path: Path, op_env
) -> None:
    old, new, new_id = waiting_rotation(sandbox, tmp_path, op_env, "restarted")
    out = on_terminal(["rotate", "--profile", "restarted", "--abort"], b"y\n", op_env)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Did you restart Open WebUI since the new key was written to" in out.stdout
    assert "[y/N]" in out.stdout
    assert "restarted on the new key" in out.stderr and "would break its chats" in out.stderr
    assert "gtwizard rotate --finish --profile restarted" in out.stderr
    assert_unchanged(sandbox, "restarted", old, new, new_id)


def test_an_abort_before_the_file_holds_the_new_key_asks_nothing(
    sandbox, tmp_path: Path, op_env
) -> None:
    """Interrupted right after storing the new key: the file still holds the old one, so no
    Open WebUI can run on the new key and the abort goes ahead without a terminal."""
    env_file = tmp_path / "early.env"
    setup_profile(sandbox, "early", ["--env-file", str(env_file)], op_env)
    old = env_key(env_file)
    crashed = gtwizard(
        ["rotate", "--profile", "early", "--yes"], env={**op_env, CRASH_HOOK_ENV: "store-pending"}
    )
    assert crashed.returncode != 0
    new_id = journal("early")["new_key_id"]
    assert new_id and env_key(env_file) == old
    aborted = gtwizard(["rotate", "--profile", "early", "--abort"], env=op_env)
    assert aborted.returncode == 0, aborted.stderr
    assert "Did you restart" not in aborted.stdout
    assert tenant_key(sandbox, new_id).revoked and key_status(sandbox, old) == 200
    assert journal("early")["state"] == "rolled-back"
