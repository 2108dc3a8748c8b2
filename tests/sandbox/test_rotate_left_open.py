"""A single `gtwizard rotate` that fails part-way leaves its journal open: its text output names
the exact commands that resolve it after the error line (as `--json` gives them in `remaining`),
and no hint names an option the command does not have. Real CLI processes, sandbox tenant."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.cli_helpers import run_cli
from support.lifecycle_helpers import FULL_KEY
from support.rotation_helpers import setup_profile


@pytest.fixture
def op(own_sandbox: Any, tmp_path: Path) -> dict[str, str]:
    setup_profile(own_sandbox, "p", ["--env-file", str(tmp_path / "p.env")], {})
    return {"GTWIZARD_OPERATOR_TOKEN": own_sandbox.operator_token}


def test_a_rotation_cut_short_by_the_tenant_names_the_commands_that_resolve_it(
    own_sandbox: Any, op: dict[str, str]
) -> None:
    own_sandbox.set_faults(error_status=500, path_prefix="/manage/v1/keys")
    out = run_cli(["rotate", "--profile", "p", "--yes"], env=op)
    assert out.returncode == 1, out.stderr
    assert not FULL_KEY.search(out.stdout + out.stderr)
    lines = out.stderr.splitlines()
    assert lines[0].startswith("gtwizard: the tenant answered 500"), out.stderr
    assert "Traceback" not in out.stderr
    said = "\n".join(lines[1:])
    assert "gtwizard rotate --resume --profile p" in said, out.stderr
    assert "gtwizard rotate --abort --profile p" in said, out.stderr
    commands = [line.strip() for line in lines[1:] if line.strip().startswith("gtwizard rotate")]
    assert len(commands) == 2 and all(" or " not in c for c in commands), out.stderr  # one each

    # status names the same commands
    status = json.loads(run_cli(["status", "--json"], env=op).stdout)
    assert status["profiles"][0]["in_progress"]["commands"] == commands
    # and the first command it named resolves it
    own_sandbox.clear_faults()
    done = run_cli(commands[0].split()[1:], env=op)
    assert done.returncode == 0, done.stderr


def test_a_rotation_refused_before_it_began_names_no_commands(
    own_sandbox: Any, op: dict[str, str]
) -> None:
    """Nothing left open (refused in the preflight): the error line alone."""
    own_sandbox.set_faults(error_status=500, path_prefix="/v1/models")
    out = run_cli(["rotate", "--profile", "p", "--yes"], env=op)
    own_sandbox.clear_faults()
    assert out.returncode == 1, out.stderr
    assert len(out.stderr.splitlines()) == 1, out.stderr
    assert json.loads(run_cli(["status", "--json"]).stdout)["in_progress"] == []


@pytest.mark.slow
def test_a_mint_that_times_out_names_no_option_rotate_lacks(
    own_sandbox: Any, op: dict[str, str]
) -> None:
    own_sandbox.set_faults(latency_ms=15_000, path_prefix="/manage/v1/keys")
    out = run_cli(["rotate", "--profile", "p", "--yes"], env=op, timeout=200)
    own_sandbox.clear_faults()
    assert out.returncode == 1, out.stderr
    first = out.stderr.splitlines()[0]
    assert "no answer within the timeout" in first, out.stderr
    assert "--timeout" not in out.stderr, out.stderr  # rotate has no --timeout
    assert "gtwizard rotate --resume --profile p" in out.stderr


def test_rotate_due_text_names_what_resolves_a_rotation_it_left_open(
    own_sandbox: Any, op: dict[str, str]
) -> None:
    import datetime as dt

    from gtwizard.profiles import get_profile, save_profile

    profile = get_profile("p")
    profile.key_created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=120)
    save_profile(profile)
    own_sandbox.set_faults(error_status=500, path_prefix="/manage/v1/keys")
    out = run_cli(["rotate", "--due"], env=op)
    own_sandbox.clear_faults()
    assert out.returncode == 1, out.stderr
    line = next(line for line in out.stdout.splitlines() if line.startswith("FAILED"))
    assert "the tenant answered 500" in line, line
    assert "resolve: gtwizard rotate --resume --profile p or gtwizard rotate --abort" in line, line
