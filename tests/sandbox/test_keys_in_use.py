"""`keys --revoke-key` refuses a key a profile uses, with a hint that works: the rotation's own
commands while one is in progress (a plain `rotate` is refused then), else `rotate`. Real CLI
processes against a tenant of the test's own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.cli_helpers import run_cli
from support.rotation_helpers import setup_profile

from gtwizard.profiles import get_profile


def test_revoking_a_key_of_a_waiting_rotation_names_finish_and_abort(
    own_sandbox: Any, tmp_path: Path
) -> None:
    setup_profile(own_sandbox, "p", ["--env-file", str(tmp_path / "p.env")], {})
    op = {"GTWIZARD_OPERATOR_TOKEN": own_sandbox.operator_token}
    old = get_profile("p").key_id
    rotated = json.loads(run_cli(["rotate", "--profile", "p", "--yes", "--json"], env=op).stdout)
    assert rotated["state"] == "waiting"
    for key in (rotated["new_key_id"], old):
        out = run_cli(["keys", "--revoke-key", key, "--yes"], env=op)
        assert out.returncode == 2, out.stderr
        assert len(out.stderr.splitlines()) == 1 and "Traceback" not in out.stderr
        assert "gtwizard rotate --finish --profile p" in out.stderr, out.stderr
        assert "gtwizard rotate --abort --profile p" in out.stderr, out.stderr
        assert "(gtwizard rotate --profile p)" not in out.stderr
    # the command it names works (a plain rotate would be refused)
    assert "resolve it" in run_cli(["rotate", "--profile", "p", "--yes"], env=op).stderr
    finish = ["rotate", "--finish", "--profile", "p", "--revoke-without-proof"]
    done = run_cli(finish, env=op)
    assert done.returncode == 0, done.stderr
    # with nothing in progress, rotating is the way
    out = run_cli(["keys", "--revoke-key", rotated["new_key_id"], "--yes"], env=op)
    assert out.returncode == 2 and "(gtwizard rotate --profile p)" in out.stderr, out.stderr
