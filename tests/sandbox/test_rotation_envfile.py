"""Rotation and the runbook against the real sandbox with an env-file target (no Open WebUI URL).

Nothing can prove the new key where Open WebUI uses it, so the rotation waits with both keys live
until `--finish` (here on the operator's word, `--revoke-without-proof`). Crashes are real: the
rotation kills itself with SIGKILL after a named step (GTWIZARD_TEST_CRASH_AFTER), then --resume
or --finish must complete it, and at every point the env file holds a key the tenant accepts.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from support.cli_helpers import files_containing
from support.owui_fixture import docker_env_file
from support.rotation_helpers import (
    command_line,
    gtwizard,
    journal,
    key_status,
    setup_profile,
    stored_key,
    tenant_key,
    tenant_keys,
)

from gtwizard.profiles import get_profile
from gtwizard.rotation import CRASH_HOOK_ENV, STEPS


def env_key(path: Path) -> str:
    """The GT key in the env file (singular form for a single connection, plural otherwise)."""
    values = docker_env_file(path)
    return values.get("OPENAI_API_KEY") or values["OPENAI_API_KEYS"]


@pytest.fixture
def op_env(sandbox) -> dict[str, str]:
    return {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}


FINISH = ["--finish", "--revoke-without-proof"]


def test_rotate_env_file_without_openwebui_waits_then_finishes(
    sandbox, tmp_path: Path, op_env
) -> None:
    """No Open WebUI URL: nothing can prove the new key where Open WebUI uses it, so the old key
    stays valid (the rotation waits, visibly) until --finish; never revoked in the same run."""
    env_file = tmp_path / "owui.env"
    before = setup_profile(sandbox, "lab", ["--env-file", str(env_file)], op_env)
    old_secret = stored_key(before)
    assert old_secret and env_key(env_file) == old_secret

    out = gtwizard(["rotate", "--profile", "lab", "--yes", "--json"], env=op_env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["ok"] is True and result["profile"] == "lab"
    assert result["state"] == "waiting" and result["complete"] is False
    assert result["old_key_id"] == before.key_id != result["new_key_id"]
    statuses = {s["name"]: s["status"] for s in result["steps"]}
    assert [statuses[s] for s in STEPS[:5]] == ["done"] * 5
    assert statuses["revoke-old"] == "waiting" and statuses["promote"] == "pending"
    assert any("--finish" in line for line in result["remaining"])
    apply_detail = next(s["detail"] for s in result["steps"] if s["name"] == "apply")
    assert "must restart" in apply_detail
    new_secret = env_key(env_file)
    assert new_secret != old_secret and stored_key(before, result["new_key_id"]) == new_secret
    # both keys live: a running Open WebUI that still holds the old key keeps working
    assert key_status(sandbox, old_secret) == 200 and key_status(sandbox, new_secret) == 200
    assert get_profile("lab").key_id == before.key_id
    assert journal("lab")["state"] == "waiting"
    status = json.loads(gtwizard(["status", "--json"]).stdout)
    work = status["profiles"][0]["in_progress"]
    # asked from a shell without the operator token: the advice names the token it needs
    finish = "GTWIZARD_OPERATOR_TOKEN=… gtwizard rotate --finish --profile lab"
    assert work["state"] == "waiting" and finish in work["commands"]
    with_token = json.loads(gtwizard(["status", "--json"], env=op_env).stdout)
    assert (
        "gtwizard rotate --finish --profile lab"
        in with_token["profiles"][0]["in_progress"]["commands"]
    )

    checked = json.loads(gtwizard(["check", "--profile", "lab", "--json"], env=op_env).stdout)
    config = next(c for c in checked["checks"] if c["id"] == "openwebui-config")
    assert config["status"] == "warn" and "rotate --finish" in config["hint"]  # not drift

    again = gtwizard(["rotate", "--profile", "lab", "--yes"], env=op_env)
    assert again.returncode == 2 and "--finish" in again.stderr, again.stderr
    unproven = gtwizard(["rotate", "--profile", "lab", "--finish"], env=op_env)
    assert unproven.returncode == 2 and "--revoke-without-proof" in unproven.stderr
    assert key_status(sandbox, old_secret) == 200

    done = gtwizard(["rotate", "--profile", "lab", *FINISH, "--json"], env=op_env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["state"] == "done"
    after = get_profile("lab")
    assert after.key_id == result["new_key_id"] and stored_key(after) == new_secret
    assert key_status(sandbox, old_secret) == 401 and key_status(sandbox, new_secret) == 200
    assert stored_key(after, before.key_id) is None  # the old entry is gone
    record = tenant_key(sandbox, after.key_id)
    assert sorted(record.agent_aliases) == sorted(before.agent_aliases)
    assert list(record.scopes) == before.scopes
    assert journal("lab")["state"] == "done"
    state_dir = tmp_path / "state"
    leaks = files_containing(state_dir, new_secret) + files_containing(state_dir, old_secret)
    assert all(p.name == "secrets.json" for p in leaks), leaks
    assert new_secret not in out.stdout + out.stderr + done.stdout + done.stderr


def test_abort_a_waiting_rotation_puts_the_old_key_back(sandbox, tmp_path: Path, op_env) -> None:
    """The env file holds the new key: the abort asks whether Open WebUI was restarted since
    (tests/sandbox/test_abort_restarted.py has the refusals); "no" puts the old key back."""
    from support.cli_helpers import on_terminal

    env_file = tmp_path / "owui.env"
    before = setup_profile(sandbox, "undo", ["--env-file", str(env_file)], op_env)
    old_secret = env_key(env_file)
    out = gtwizard(["rotate", "--profile", "undo", "--yes", "--json"], env=op_env)
    new_id = json.loads(out.stdout)["new_key_id"]
    aborted = on_terminal(["rotate", "--profile", "undo", "--abort"], b"n\n", op_env)
    assert aborted.returncode == 0, aborted.stderr
    assert "Did you restart Open WebUI" in aborted.stdout
    assert env_key(env_file) == old_secret and key_status(sandbox, old_secret) == 200
    assert tenant_key(sandbox, new_id).revoked
    assert get_profile("undo").key_id == before.key_id
    assert journal("undo")["state"] == "rolled-back"
    assert stored_key(before, new_id) is None


def test_crash_after_each_step_then_resume(sandbox, tmp_path: Path, op_env) -> None:
    env_file = tmp_path / "owui.env"
    setup_profile(sandbox, "crashy", ["--env-file", str(env_file)], op_env)
    for step in STEPS:
        before = get_profile("crashy")
        old_secret = stored_key(before)
        assert old_secret
        finishing = step in ("revoke-old", "promote")
        if finishing:  # these run in --finish, after the rotation waited
            waited = gtwizard(["rotate", "--profile", "crashy", "--yes"], env=op_env)
            assert waited.returncode == 0, waited.stderr
        args = ["rotate", "--profile", "crashy", *(FINISH if finishing else ["--yes"])]
        crashed = gtwizard([*args, "--json"], env={**op_env, CRASH_HOOK_ENV: step})
        assert crashed.returncode == -signal.SIGKILL, (step, crashed.stderr)
        record = journal("crashy")
        assert record["steps"][-1]["step"] == step
        # invariant at rest: the target holds a key the tenant accepts
        assert key_status(sandbox, env_key(env_file)) == 200, step
        if step != "promote":
            again = gtwizard(["rotate", "--profile", "crashy", "--yes"], env=op_env)
            assert again.returncode == 2, again.stderr
            assert "--resume" in again.stderr or "--finish" in again.stderr, again.stderr

        if finishing:
            resumed = gtwizard(["rotate", "--profile", "crashy", *FINISH, "--json"], env=op_env)
        else:
            resumed = gtwizard(["rotate", "--profile", "crashy", "--resume", "--json"], env=op_env)
            assert resumed.returncode == 0, (step, resumed.stderr)
            assert json.loads(resumed.stdout)["state"] == "waiting", step
            assert key_status(sandbox, old_secret) == 200, step
            resumed = gtwizard(["rotate", "--profile", "crashy", *FINISH, "--json"], env=op_env)
        assert resumed.returncode == 0, (step, resumed.stderr)
        result = json.loads(resumed.stdout)
        statuses = {s["name"]: s["status"] for s in result["steps"]}
        if step == "mint":  # minted but never stored: that key is revoked, a new one minted
            assert tenant_key(sandbox, record["new_key_id"]).revoked
            assert result["new_key_id"] != record["new_key_id"]
        elif not finishing:
            done_before = STEPS[1 : STEPS.index(step) + 1]
            assert all(statuses[s] == "resumed" for s in done_before), (step, statuses)
        after = get_profile("crashy")
        assert after.key_id == result["new_key_id"] != before.key_id
        assert env_key(env_file) == stored_key(after)
        assert key_status(sandbox, old_secret) == 401
        assert key_status(sandbox, env_key(env_file)) == 200
    # every key gtwizard minted for this profile, except the current one, is revoked
    current = get_profile("crashy").key_id
    ours = [k for k in tenant_keys(sandbox) if k.name.startswith("gtwizard-crashy-")]
    assert len(ours) == len(STEPS) + 2  # setup, one per rotation, and the lost one
    assert all(k.revoked for k in ours if k.id != current)


def test_storage_none_interrupted_before_apply_rolls_back(sandbox, tmp_path: Path, op_env) -> None:
    env_file = tmp_path / "owui.env"
    before = setup_profile(sandbox, "bare", ["--env-file", str(env_file)], op_env, storage="none")
    old_secret = env_key(env_file)
    crashed = gtwizard(
        ["rotate", "--profile", "bare", "--yes"], env={**op_env, CRASH_HOOK_ENV: "store-pending"}
    )
    assert crashed.returncode == -signal.SIGKILL
    record = journal("bare")
    assert record["resumable"] is False and "rolled back" in record["note"]
    new_id = record["new_key_id"]

    resumed = gtwizard(["rotate", "--profile", "bare", "--resume", "--json"], env=op_env)
    assert resumed.returncode == 1
    assert "cannot be resumed" in resumed.stderr and "rolled back" in resumed.stderr
    assert json.loads(resumed.stdout)["ok"] is False
    assert tenant_key(sandbox, new_id).revoked
    assert env_key(env_file) == old_secret and key_status(sandbox, old_secret) == 200
    assert get_profile("bare").key_id == before.key_id
    assert journal("bare")["state"] == "rolled-back"
    # a fresh rotation works afterwards, reading the current key from the target
    again = gtwizard(["rotate", "--profile", "bare", "--yes"], env=op_env)
    assert again.returncode == 0, again.stderr
    assert key_status(sandbox, old_secret) == 200  # waiting: not revoked without a proof
    done = gtwizard(["rotate", "--profile", "bare", *FINISH], env=op_env)
    assert done.returncode == 0, done.stderr
    assert key_status(sandbox, old_secret) == 401
    assert key_status(sandbox, env_key(env_file)) == 200


def test_guided_rotation_with_pasted_key_waits_for_manual_revoke(
    sandbox, tmp_path: Path, op_env
) -> None:
    env_file = tmp_path / "owui.env"
    before = setup_profile(sandbox, "manual", ["--env-file", str(env_file)], op_env)
    old_secret = stored_key(before)
    assert old_secret
    _, new_secret = sandbox.seed_key(before.scopes, agent_aliases=before.agent_aliases)

    # no operator token: the operator made the key by hand and revokes the old one by hand
    import os

    env = {k: v for k, v in os.environ.items() if k != "GTWIZARD_OPERATOR_TOKEN"}
    first = gtwizard(
        ["rotate", "--profile", "manual", "--key-stdin", "--yes"],
        drop=["GTWIZARD_OPERATOR_TOKEN"],
        stdin=new_secret + "\n",
    )
    assert first.returncode == 0, first.stderr
    assert "waiting" in first.stdout and env_key(env_file) == new_secret
    assert key_status(sandbox, old_secret) == 200
    proc = subprocess.Popen(
        command_line(["rotate", "--profile", "manual", *FINISH, "--wait", "120"]),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        # the finish asks the operator to revoke the old key (a flushed line) and waits for the
        # tenant's 401: read up to that line, so the old key is revoked only while it waits
        asked = _read_until(proc, "Now revoke the old key", timeout=120)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert key_status(sandbox, old_secret) == 200
        sandbox.revoke(before.key_id)  # what the operator does at /gt-api
        proc.wait(timeout=120)
        assert proc.stdout is not None and proc.stderr is not None
        out, err = asked + proc.stdout.read(), proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "revoke the old key" in out.lower() and "/gt-api" in out
    after = get_profile("manual")
    assert after.key_id.startswith("manual-") and env_key(env_file) == new_secret
    assert new_secret not in out + err + first.stdout + first.stderr


def _read_until(proc: subprocess.Popen[str], text: str, *, timeout: float) -> str:
    """The child's stdout up to the first `text` (fails on timeout or on the child's end first).

    Reads the pipe's descriptor itself: a buffered readline could hold the line that matters
    while select waits for more."""
    import os
    import select

    assert proc.stdout is not None
    fd, seen = proc.stdout.fileno(), b""
    deadline = time.monotonic() + timeout
    while text.encode() not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"no {text!r} within {timeout} s; stdout so far: {seen!r}"
        if select.select([fd], [], [], left)[0]:
            chunk = os.read(fd, 65536)
            assert chunk, f"the child ended before {text!r}; stdout: {seen!r}"
            seen += chunk
    return seen.decode()


def test_bad_usage(sandbox, tmp_path: Path, op_env) -> None:
    env_file = tmp_path / "owui.env"
    setup_profile(sandbox, "usage", ["--env-file", str(env_file)], op_env)
    nothing = gtwizard(["rotate", "--profile", "usage", "--resume"], env=op_env)
    assert nothing.returncode == 2 and "no rotation of profile" in nothing.stderr
    no_way = gtwizard(["rotate", "--profile", "usage", "--yes"], drop=["GTWIZARD_OPERATOR_TOKEN"])
    assert no_way.returncode == 2 and "--key-stdin" in no_way.stderr
    not_a_key = gtwizard(
        ["rotate", "--profile", "usage", "--yes", "--key-stdin"],
        drop=["GTWIZARD_OPERATOR_TOKEN"],
        stdin="sk-not-a-gt-key\n",
    )
    assert not_a_key.returncode == 2 and "sk-not-a-gt-key" not in not_a_key.stderr
    unknown = gtwizard(["rotate", "--profile", "nope", "--yes"], env=op_env)
    assert unknown.returncode == 2 and "no profile named" in unknown.stderr


def test_runbook_names_base_and_why_without_secrets(sandbox, tmp_path: Path, op_env) -> None:
    env_file = tmp_path / "owui.env"
    profile = setup_profile(sandbox, "docs", ["--env-file", str(env_file)], op_env)
    secret = stored_key(profile)
    assert secret
    recorded = get_profile("docs").runbook_path  # setup writes the default runbook

    printed = gtwizard(["runbook", "--profile", "docs", "-o", "-"])
    assert printed.returncode == 0, printed.stderr
    text = printed.stdout
    assert profile.openai_base in text and profile.base_reason in text
    assert profile.key_id in text and profile.key_preset in text
    for name in [*profile.scopes, *profile.agent_aliases, str(env_file), "/gt-api"]:
        assert name in text
    assert "gtwizard rotate --profile docs" in text and "Connections" in text
    assert secret not in text and "gtak_" not in text
    assert get_profile("docs").runbook_path == recorded  # printing records nothing

    out_file = tmp_path / "docs-runbook.md"
    written = gtwizard(["runbook", "--profile", "docs", "-o", str(out_file)])
    assert written.returncode == 0, written.stderr
    assert out_file.read_text() == text
    recorded = get_profile("docs")
    assert recorded.runbook_path == str(out_file) and recorded.runbook_key_id == profile.key_id

    rotated = gtwizard(["rotate", "--profile", "docs", "--yes"], env=op_env)
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.startswith("Open WebUI reads the env file only when it starts")
    finished = gtwizard(["rotate", "--profile", "docs", *FINISH], env=op_env)
    assert finished.returncode == 0, finished.stderr
    after = get_profile("docs")
    fresh = out_file.read_text()
    assert after.key_id in fresh and profile.key_id not in fresh.split("## Rotate")[0]
    assert after.runbook_key_id == after.key_id
    assert stored_key(after) not in fresh

    default = gtwizard(["runbook", "--profile", "docs"])
    assert default.returncode == 0
    assert (tmp_path / "state" / "runbooks" / "docs.md").exists()
    missing_dir = gtwizard(["runbook", "--profile", "docs", "-o", str(tmp_path / "no" / "x.md")])
    assert missing_dir.returncode == 2


def test_kept_operator_token_lets_rotate_mint_without_the_environment(
    sandbox, tmp_path: Path, op_env
) -> None:
    """`setup --keep-operator-token`: the token is stored with the key; rotate then needs no env."""
    from gtwizard.secrets import open_store, operator_entry

    env_file = tmp_path / "kept.env"
    profile = setup_profile(
        sandbox, "kept", ["--env-file", str(env_file), "--keep-operator-token"], op_env
    )
    assert profile.operator_token_kept is True
    store = open_store("file")
    assert store.get(operator_entry("kept")) == sandbox.operator_token
    out = gtwizard(
        ["rotate", "--profile", "kept", "--yes", "--json"], drop=["GTWIZARD_OPERATOR_TOKEN"]
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["ok"] is True
    assert sandbox.operator_token not in out.stdout + out.stderr
    removed = gtwizard(["profiles", "remove", "kept", "--yes"])
    assert removed.returncode == 0, removed.stderr
    assert store.get(operator_entry("kept")) is None, "remove deletes the kept token too"
