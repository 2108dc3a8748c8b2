"""Ctrl-C during `rotate --due`: the run stops, each rotation in flight is left as a single
rotation's Ctrl-C leaves it (its journal keeps the place), and the output lists every profile with
what happened to it and, for each interrupted one, the exact command that resolves it. Real CLI
processes and a real SIGINT against a tenant of the test's own (its key-management API slowed
down, so the Ctrl-C lands inside the mints)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from support.cli_helpers import run_cli
from support.lifecycle_helpers import FULL_KEY, assert_no_orphan, assert_targets_live
from support.rotation_helpers import setup_profile

from gtwizard.lifecycle.journal import open_journal
from gtwizard.profiles import get_profile, save_profile

NAMES = [f"d{i}" for i in range(5)]

pytestmark = pytest.mark.slow


@pytest.fixture
def due(own_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Five profiles whose keys are past the rotation policy (the token is in the test's
    environment too, so the journal's commands read here as the child names them)."""
    monkeypatch.setenv("GTWIZARD_OPERATOR_TOKEN", own_sandbox.operator_token)
    env_files = {}
    for name in NAMES:
        env_files[name] = tmp_path / f"{name}.env"
        setup_profile(own_sandbox, name, ["--env-file", str(env_files[name])], {})
        profile = get_profile(name)
        profile.key_created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=120)
        save_profile(profile)
    return env_files


def _interrupted(own_sandbox: Any, *extra: str) -> subprocess.CompletedProcess[str]:
    """`rotate --due --jobs 2 EXTRA` with every mint answered after 3 s, Ctrl-C after 1.5 s."""
    own_sandbox.set_faults(latency_ms=3000, path_prefix="/manage/v1/keys")
    env = {**os.environ, "GTWIZARD_OPERATOR_TOKEN": own_sandbox.operator_token}
    child = subprocess.Popen(
        [sys.executable, "-m", "gtwizard", "rotate", "--due", "--jobs", "2", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.5)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
        own_sandbox.clear_faults()
    assert "Traceback" not in err and not FULL_KEY.search(out + err)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def _resolve_each(own_sandbox: Any, commands: dict[str, list[str]]) -> None:
    """Run the first command named for each interrupted profile: it resolves it."""
    op = {"GTWIZARD_OPERATOR_TOKEN": own_sandbox.operator_token}
    for name, named in commands.items():
        assert named, name
        words = named[0].split()
        assert words[:2] == ["gtwizard", "rotate"], named
        out = run_cli(words[1:], env=op, timeout=120)
        assert out.returncode == 0, (name, out.stderr)
        assert open_journal(name) is None or open_journal(name).state == "waiting"


def test_ctrl_c_during_rotate_due_json_lists_every_profile_and_what_resolves_it(
    own_sandbox: Any, due: dict[str, Path]
) -> None:
    out = _interrupted(own_sandbox, "--json")
    assert out.returncode == 130, (out.returncode, out.stdout, out.stderr)
    result = json.loads(out.stdout)  # one object
    assert result["ok"] is False and result["interrupted"] is True
    records = {r["profile"]: r for r in result["profiles"]}
    assert list(records) == NAMES  # every profile, in config order
    flying = [n for n, r in records.items() if r["outcome"] == "interrupted"]
    assert flying == ["d0", "d1"], records  # --jobs 2: the first two were minting
    commands = {}
    for name in flying:
        record = records[name]
        journal = open_journal(name)
        assert journal is not None and journal.state == "running", name
        # the same words a single rotation's Ctrl-C gives: the journal's own next commands
        assert record["remaining"] == journal.next_commands() and record["remaining"]
        assert record["ok"] is False and record["error"] == "interrupted"
        commands[name] = record["remaining"]
    for name in NAMES[2:]:  # never begun: nothing changed, nothing to resolve
        assert records[name]["outcome"] == "skipped" and open_journal(name) is None
        assert get_profile(name).key_id and "rotate --due" in records[name]["hint"]
    assert result["counts"] == {"interrupted": 2, "skipped": 3}
    assert "d0" in result["error"] and "d1" in result["error"]
    assert "rotate --resume --profile d0" in out.stderr  # and said on stderr too

    _resolve_each(own_sandbox, commands)
    assert_no_orphan(own_sandbox, "gtwizard-", "rotate --due interrupted, then resolved")
    assert_targets_live(own_sandbox, due.values(), "rotate --due interrupted")


def test_ctrl_c_during_rotate_due_text_names_each_resolving_command(
    own_sandbox: Any, due: dict[str, Path]
) -> None:
    out = _interrupted(own_sandbox)
    assert out.returncode == 130, (out.returncode, out.stdout, out.stderr)
    lines = {
        line.split()[1].rstrip(":"): line
        for line in out.stdout.splitlines()
        if line[:1].isupper() and ": " in line and line.split()[0] in ("INTERRUPTED", "SKIPPED")
    }
    assert set(lines) == set(NAMES), out.stdout
    commands = {}
    for name in ("d0", "d1"):
        line = lines[name]
        named = open_journal(name).next_commands()
        assert line.startswith("INTERRUPTED") and all(c in line for c in named), line
        commands[name] = named
    assert all(lines[n].startswith("SKIPPED") for n in NAMES[2:])
    assert "interrupted" in out.stderr.lower()
    _resolve_each(own_sandbox, commands)
    assert_no_orphan(own_sandbox, "gtwizard-", "rotate --due interrupted (text), then resolved")
