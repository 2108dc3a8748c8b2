"""Many profiles in one run: `check --all` and `rotate --due` over 50 profiles on real sandboxes.

One profile's tenant is dead (its sandbox stopped), one key is past the rotation policy and one
is near expiry. The fleet commands run as real processes; the tenant's own key list is the truth.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from support.cli_helpers import mint_setup_args, run_cli
from support.lifecycle_helpers import FULL_KEY, assert_no_orphan, assert_targets_live
from support.rotation_helpers import tenant_keys

from gtwizard.cli import main
from gtwizard.lifecycle.journal import open_journal
from gtwizard.profiles import get_profile, load_profiles, save_profile

COUNT = 50
DEAD, OLD, EXPIRING = "p-dead", "p-old", "p-expiring"

pytestmark = pytest.mark.slow


def _setup(sandbox: Any, name: str, env_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`gtwizard setup --mint` in this process (the real CLI; a child process each is slow)."""
    monkeypatch.setenv("GTWIZARD_OPERATOR_TOKEN", sandbox.operator_token)
    args = mint_setup_args(
        sandbox.base_url,
        "helpdesk",
        "--profile",
        name,
        "--env-file",
        str(env_file),
        "--yes",
        "--json",
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(args)
    assert code == 0, out.getvalue()


def _age(name: str, *, created_days_ago: int = 0, expires_in_days: int | None = None) -> None:
    profile = get_profile(name)
    now = dt.datetime.now(dt.UTC)
    profile.key_created_at = now - dt.timedelta(days=created_days_ago)
    if expires_in_days is not None:
        profile.key_expires_at = now + dt.timedelta(days=expires_in_days, hours=1)
    save_profile(profile)


@pytest.fixture
def earlier(sandbox: Any) -> frozenset[str]:
    """Keys other tests of the module left on the shared tenant."""
    return frozenset(k.id for k in tenant_keys(sandbox))


@pytest.fixture
def fleet(
    sandbox: Any, earlier: frozenset[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Path]:
    """50 profiles: 49 on the module's sandbox, one on a sandbox that is stopped afterwards."""
    from gtwizard.sandbox import start_in_thread

    env_files: dict[str, Path] = {}
    names = [OLD, EXPIRING] + [f"p{i:02d}" for i in range(COUNT - 3)]
    for name in names:
        env_files[name] = tmp_path / f"{name}.env"
        _setup(sandbox, name, env_files[name], monkeypatch)
    dead = start_in_thread(tls=False)
    try:
        env_files[DEAD] = tmp_path / f"{DEAD}.env"
        _setup(dead, DEAD, env_files[DEAD], monkeypatch)
    finally:
        dead.stop()
    monkeypatch.setenv("GTWIZARD_OPERATOR_TOKEN", sandbox.operator_token)
    _age(OLD, created_days_ago=120)
    _age(EXPIRING, created_days_ago=3, expires_in_days=5)
    _age(DEAD, created_days_ago=200)
    assert len(load_profiles()) == COUNT
    return env_files


def _json(out: Any) -> dict[str, Any]:
    assert not FULL_KEY.search(out.stdout + out.stderr), "a full key in the output"
    return json.loads(out.stdout)


def _by_profile(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {record["profile"]: record for record in result["profiles"]}


def test_check_all_reports_every_profile_and_fails_for_the_dead_tenant(
    sandbox: Any, fleet: dict[str, Path]
) -> None:
    out = run_cli(["check", "--all", "--jobs", "8", "--json", "--timeout", "5"])
    assert out.returncode == 1, out.stderr
    result = _json(out)
    assert result["ok"] is False and result["total"] == COUNT and result["jobs"] == 8
    records = _by_profile(result)
    assert set(records) == set(fleet)
    dead = records[DEAD]
    assert dead["ok"] is False
    failed = [c for c in dead["checks"] if c["status"] == "fail"]
    assert failed and failed[0]["id"] == "tenant-reachable"
    others = [r for name, r in records.items() if name != DEAD]
    assert all(r["ok"] for r in others), [r["profile"] for r in others if not r["ok"]]
    assert result["counts"] == {"ok": COUNT - 1, "failed": 1}
    # each result is kept as the profile's last check, as `gtwizard check` does
    profiles = load_profiles()
    assert profiles[DEAD].last_check is not None and profiles[DEAD].last_check.ok is False
    assert all(profiles[n].last_check and profiles[n].last_check.ok for n in fleet if n != DEAD)

    text = run_cli(["check", "--all", "--jobs", "8", "--timeout", "5"])
    assert text.returncode == 1
    assert f"FAILED {DEAD}:" in text.stdout
    assert f"{COUNT - 1} of {COUNT} profile(s) ok, 1 failed" in text.stdout


def test_rotate_due_rotates_the_due_ones_and_leaves_env_files_waiting(
    sandbox: Any, fleet: dict[str, Path], earlier: frozenset[str]
) -> None:
    before = {p.name: p.key_id for p in load_profiles().values()}
    # the fleet spans two tenants: the token is sent only to the one it is bound to
    env = {
        "GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token,
        "GTWIZARD_OPERATOR_TOKEN_HOST": sandbox.base_url,
    }
    out = run_cli(["rotate", "--due", "--jobs", "8", "--json"], env=env, timeout=300)
    assert out.returncode == 1, out.stderr
    result = _json(out)
    records = _by_profile(result)
    assert set(records) == set(fleet)
    assert records[DEAD]["outcome"] == "failed" and records[DEAD]["ok"] is False
    assert records[DEAD]["error"]
    # the failed rotation says what resolves it (the lifecycle keeps a failed mint open)
    dead_left = records[DEAD].get("remaining") or []
    journal = open_journal(DEAD)
    assert (journal is None and not dead_left) or dead_left == journal.next_commands()
    for name in (OLD, EXPIRING):
        record = records[name]
        assert record["due"] is True and record["ok"] is True, record
        # an env-file target with no Open WebUI URL cannot be proven: it waits, never revokes
        assert record["outcome"] == "waiting" and record["state"] == "waiting", record
        assert record["new_key_id"] and record["old_key_id"] == before[name]
        keys = {k.id: k for k in tenant_keys(sandbox)}
        assert not keys[record["old_key_id"]].revoked and not keys[record["new_key_id"]].revoked
    assert records[EXPIRING]["reason"].startswith("the key expires in")
    assert "policy: 90" in records[OLD]["reason"]
    rest = [r for n, r in records.items() if n not in (DEAD, OLD, EXPIRING)]
    assert all(r["outcome"] == "not-due" and r["ok"] for r in rest)
    assert result["counts"] == {"failed": 1, "waiting": 2, "not-due": COUNT - 3}
    assert_targets_live(sandbox, [p for n, p in fleet.items() if n != DEAD], "rotate --due")
    assert_no_orphan(sandbox, "gtwizard-", "rotate --due", earlier)

    # a second run never rotates a profile with work in progress: it names the resolving command
    again = _json(run_cli(["rotate", "--due", "--json"], env=env, timeout=300))
    records = _by_profile(again)
    if journal is not None:
        assert records[DEAD]["outcome"] == "in-progress"
    for name in (OLD, EXPIRING):
        assert records[name]["outcome"] == "in-progress", records[name]
        commands = records[name]["in_progress"]["commands"]
        assert any(f"rotate --finish --profile {name}" in c for c in commands), commands
    live = [k for k in tenant_keys(sandbox) if not k.revoked]
    assert len(live) == len({k.id for k in live})
    assert get_profile(OLD).key_id == before[OLD]  # waiting: the profile keeps its key


def test_rotate_due_with_nothing_due_changes_nothing(
    sandbox: Any, tmp_path: Path, monkeypatch
) -> None:
    _setup(sandbox, "only", tmp_path / "only.env", monkeypatch)
    keys_before = {k.id for k in tenant_keys(sandbox)}
    out = run_cli(["rotate", "--due", "--json"])
    assert out.returncode == 0, out.stderr
    result = _json(out)
    assert result["ok"] and result["counts"] == {"not-due": 1}
    assert {k.id for k in tenant_keys(sandbox)} == keys_before


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["rotate", "--due", "--profile", "x"], "--due and --profile"),
        (["rotate", "--due", "--finish"], "--due and --finish"),
        (["rotate", "--jobs", "2"], "--jobs goes with --due"),
        (["check", "--all", "--profile", "x"], "--all and --profile"),
        (["check", "--jobs", "2"], "--jobs goes with --all"),
        (["check", "--all", "--jobs", "0"], "--jobs must be between"),
    ],
)
def test_fleet_usage_errors(args: list[str], words: str) -> None:
    out = run_cli([*args, "--json"])
    assert out.returncode == 2
    assert words in json.loads(out.stdout)["error"]


def test_check_all_with_no_profiles() -> None:
    out = run_cli(["check", "--all", "--json"])
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["total"] == 0
    assert os.environ.get("GTWIZARD_CONFIG_DIR")


def test_rotate_due_leaves_a_busy_profile_to_the_run_that_holds_it(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gtwizard.lifecycle.lock import profile_lock

    for name in ("held", "free"):
        _setup(sandbox, name, tmp_path / f"{name}.env", monkeypatch)
        _age(name, created_days_ago=100)
    held_key = get_profile("held").key_id
    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    with profile_lock("held", "gtwizard rotate (another run)"):
        out = run_cli(["rotate", "--due", "--json"], env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    records = _by_profile(_json(out))
    assert records["held"]["outcome"] == "busy" and "busy" in records["held"]["detail"]
    assert records["free"]["outcome"] == "waiting"
    assert get_profile("held").key_id == held_key and open_journal("held") is None
