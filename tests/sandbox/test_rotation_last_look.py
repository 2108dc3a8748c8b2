"""A rotation never leaves the client on a dead key because the world changed while it waited.

Between `rotate` (both keys live, waiting for the proof) and `rotate --finish` or `--abort`, the
operator may revoke a key at /gt-api, empty or delete the env file, or put another key in it, and
the secret store may lose its copy. Each case against the real sandbox, with the tenant's own key
list and the env file read after every command: the old key is revoked only while the target
holds a new key the tenant accepts; an abort puts the old key back only while the tenant accepts
it; a key gtwizard did not write is never overwritten.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.owui_fixture import docker_env_file
from support.rotation_helpers import (
    gtwizard,
    journal,
    key_status,
    setup_profile,
    stored_key,
    tenant_keys,
)

from gtwizard.profiles import get_profile
from gtwizard.secrets import key_entry, open_store

pytestmark = pytest.mark.slow

FINISH = ["rotate", "--finish", "--revoke-without-proof", "--profile", "lab"]
ABORT = ["rotate", "--abort", "--profile", "lab"]


def env_key(path: Path) -> str | None:
    values = docker_env_file(path) if path.exists() else {}
    return values.get("OPENAI_API_KEY") or values.get("OPENAI_API_KEYS")


@pytest.fixture
def waiting(sandbox, tmp_path: Path) -> dict:
    """Profile `lab` with an env file, rotated once: waiting, both keys live."""
    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    env_file = tmp_path / "owui.env"
    before = setup_profile(sandbox, "lab", ["--env-file", str(env_file)], env)
    old = stored_key(before)
    out = gtwizard(["rotate", "--profile", "lab", "--yes", "--json"], env=env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["state"] == "waiting"
    new = env_key(env_file)
    assert old and new and new != old
    assert key_status(sandbox, old) == key_status(sandbox, new) == 200
    return {
        "env": env,
        "file": env_file,
        "old": old,
        "new": new,
        "old_id": before.key_id,
        "new_id": result["new_key_id"],
        "profile": before,
    }


def _one_line_error(out) -> str:
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.startswith("gtwizard:")]
    assert lines, out.stderr
    return lines[0]


def test_finish_refuses_to_revoke_the_old_key_when_the_new_one_was_revoked(
    sandbox, waiting
) -> None:
    """The operator revoked the new key at /gt-api meanwhile: --finish on the operator's word
    would leave the env file on a dead key with the old one revoked too. It refuses, and the
    abort it names puts the old (live) key back."""
    sandbox.revoke(waiting["new_id"])
    out = gtwizard(FINISH, env=waiting["env"])
    assert out.returncode == 1, out.stdout + out.stderr
    line = _one_line_error(out)
    assert "refuses the new key" in line and "stays live" in line
    assert "gtwizard rotate --abort --profile lab" in out.stderr
    assert key_status(sandbox, waiting["old"]) == 200  # not revoked
    assert get_profile("lab").key_id == waiting["old_id"]

    undo = gtwizard(ABORT, env=waiting["env"])
    assert undo.returncode == 0, undo.stdout + undo.stderr
    assert env_key(waiting["file"]) == waiting["old"]
    assert key_status(sandbox, waiting["old"]) == 200
    assert journal("lab")["state"] == "rolled-back"


def test_finish_refuses_when_the_env_file_was_removed(sandbox, waiting) -> None:
    """The env file is gone: nothing holds the new key, so the old one must stay."""
    waiting["file"].unlink()
    out = gtwizard(FINISH, env=waiting["env"])
    assert out.returncode == 1, out.stdout + out.stderr
    line = _one_line_error(out)
    assert "no longer holds a GT key" in line and "stays live" in line
    assert key_status(sandbox, waiting["old"]) == 200
    assert key_status(sandbox, waiting["new"]) == 200
    assert get_profile("lab").key_id == waiting["old_id"]
    assert not waiting["file"].exists()  # not silently re-created either


def test_finish_refuses_when_the_env_file_holds_another_key(sandbox, waiting) -> None:
    """Someone put a key gtwizard did not make in the file: the old key stays, the file too."""
    _, foreign_secret = sandbox.seed_key(["inference:chat"], ["helpdesk"], name="someone-else")
    text = waiting["file"].read_text().replace(waiting["new"], foreign_secret)
    waiting["file"].write_text(text)
    out = gtwizard(FINISH, env=waiting["env"])
    assert out.returncode == 1, out.stdout + out.stderr
    assert "holds a key this rotation did not write" in _one_line_error(out)
    assert key_status(sandbox, waiting["old"]) == 200
    assert env_key(waiting["file"]) == foreign_secret


def test_abort_refuses_to_put_back_an_old_key_the_tenant_refuses(sandbox, waiting) -> None:
    """The old key was revoked at /gt-api (it leaked: the reason to rotate): undoing would write
    a dead key into the file and revoke the live one. The abort refuses and names --finish."""
    sandbox.revoke(waiting["old_id"])
    out = gtwizard(ABORT, env=waiting["env"], stdin="n\n")
    assert out.returncode == 2, out.stdout + out.stderr
    line = _one_line_error(out)
    assert "cannot abort" in line and "refuses the old key" in line
    assert "gtwizard rotate --finish --profile lab" in out.stderr
    assert env_key(waiting["file"]) == waiting["new"]
    assert key_status(sandbox, waiting["new"]) == 200  # the only live key stays live
    assert journal("lab")["state"] == "waiting"

    done = gtwizard(FINISH, env=waiting["env"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert get_profile("lab").key_id == waiting["new_id"]
    assert key_status(sandbox, waiting["new"]) == 200


def test_finish_uses_the_new_key_from_the_target_when_the_store_lost_it(sandbox, waiting) -> None:
    """The secret file lost the pending key's entry: the env file still holds it, and that is
    the same key (its prefix and the journal say so), so --finish completes the rotation."""
    profile = waiting["profile"]
    store = open_store("file", path=Path(profile.storage_location))
    assert store.delete(key_entry("lab", waiting["new_id"]))
    out = gtwizard(FINISH, env=waiting["env"])
    assert out.returncode == 0, out.stdout + out.stderr
    assert get_profile("lab").key_id == waiting["new_id"]
    assert key_status(sandbox, waiting["old"]) == 401
    assert key_status(sandbox, waiting["new"]) == 200
    assert env_key(waiting["file"]) == waiting["new"]


def test_rotate_refuses_to_overwrite_a_key_it_did_not_write(sandbox, tmp_path: Path) -> None:
    """Before any mint: the env file holds a key other than the profile's (edited by hand, or
    shared with another profile). The rotation stops, mints nothing and leaves the file alone."""
    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    env_file = tmp_path / "owui.env"
    before = setup_profile(sandbox, "lab", ["--env-file", str(env_file)], env)
    old = stored_key(before)
    assert old
    _, foreign = sandbox.seed_key(["inference:chat"], ["helpdesk"], name="by-hand")
    env_file.write_text(env_file.read_text().replace(old, foreign))
    keys_before = {k.id for k in tenant_keys(sandbox)}
    out = gtwizard(["rotate", "--profile", "lab", "--yes"], env=env)
    assert out.returncode == 2, out.stdout + out.stderr
    line = _one_line_error(out)
    assert "holds a key other than profile 'lab'" in line and "nothing was changed" in line
    assert env_key(env_file) == foreign
    assert {k.id for k in tenant_keys(sandbox)} == keys_before  # nothing minted
    assert key_status(sandbox, old) == 200
    assert journal("lab")["state"] == "not-started"


def test_abort_says_which_orphan_of_an_interrupted_mint_it_revoked(sandbox, tmp_path: Path) -> None:
    """Killed as the mint's answer came (the key exists, its id never reached the journal):
    `--abort` finds it by name, revokes it, and says so instead of "nothing to undo"."""
    import signal

    from gtwizard.rotation import CRASH_HOOK_ENV

    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    before = setup_profile(sandbox, "lab", ["--env-file", str(tmp_path / "owui.env")], env)
    known = {k.id for k in tenant_keys(sandbox)}
    out = gtwizard(
        ["rotate", "--profile", "lab", "--yes"], env={**env, CRASH_HOOK_ENV: "mint:answered"}
    )
    assert out.returncode == -signal.SIGKILL, out.stderr
    (orphan,) = [k for k in tenant_keys(sandbox) if k.id not in known]
    assert orphan.revoked_at is None

    undo = gtwizard([*ABORT, "--json"], env=env)
    assert undo.returncode == 0, undo.stdout + undo.stderr
    said = json.loads(undo.stdout)
    abort = next(s for s in said["steps"] if s["name"] == "abort")
    assert f"revoked {orphan.id}" in abort["detail"] and "nothing to undo" not in abort["detail"]
    assert {k.id: k for k in tenant_keys(sandbox)}[orphan.id].revoked_at is not None
    assert get_profile("lab").key_id == before.key_id
