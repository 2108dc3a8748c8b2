"""The secret canary: known keys go through setup (successes and failures), status and profiles;
afterwards each key is only where its storage kind puts it, and in no output and no log.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

from support.resilience_helpers import assert_one_line_failure, gw, setup_args

from gtwizard.secrets import default_secrets_file


def setup(host: str, secret: str, profile: str, *extra: str):
    return gw(setup_args(host, "--profile", profile, *extra), stdin=secret + "\n")


def files_with(root: Path, needle: str) -> set[Path]:
    data = needle.encode()
    return {p for p in root.rglob("*") if p.is_file() and data in p.read_bytes()}


def test_keys_stay_where_their_storage_kind_says(sandbox, tls_sandbox, isolated_dirs) -> None:
    _, kept = sandbox.seed_key(["inference:chat"], agent_aliases=["helpdesk"])
    _, target_only = sandbox.seed_key(["inference:chat"], agent_aliases=["helpdesk"])
    revoked_id, revoked = sandbox.seed_key(["inference:chat"], agent_aliases=["helpdesk"])
    sandbox.revoke(revoked_id)
    _, tls_key = tls_sandbox.seed_key(["inference:chat"], agent_aliases=["helpdesk"])
    unknown = "gtak_" + "canary" * 8
    work = isolated_dirs / "owui"
    work.mkdir()
    file_env, none_env = work / "file.env", work / "none.env"
    failed_env = work / "failed.env"

    runs = [
        (
            setup(
                sandbox.base_url, kept, "filep", "--storage", "file", "--env-file", str(file_env)
            ),
            0,
        ),
        (
            setup(
                sandbox.base_url,
                target_only,
                "nonep",
                "--storage",
                "none",
                "--env-file",
                str(none_env),
                "--json",
            ),
            0,
        ),
        (
            setup(
                sandbox.base_url, unknown, "bad", "--storage", "file", "--env-file", str(failed_env)
            ),
            1,
        ),
        (
            setup(
                sandbox.base_url,
                revoked,
                "revoked",
                "--storage",
                "file",
                "--env-file",
                str(failed_env),
            ),
            1,
        ),
        (
            setup(
                tls_sandbox.base_url,
                tls_key,
                "tls",
                "--storage",
                "file",
                "--env-file",
                str(failed_env),
            ),
            1,
        ),
        (
            setup(
                sandbox.base_url, kept, "malformed", "--storage", "none", "--env-file", str(work)
            ),
            2,
        ),
        (gw(["status"]), 0),
        (gw(["status", "--json"]), 0),
        (gw(["profiles", "list"]), 0),
        (gw(["profiles", "show", "filep"]), 0),
        (gw(["profiles", "show", "nonep"]), 0),
    ]
    for out, code in runs:
        if code:
            assert_one_line_failure(out, [code])
        else:
            assert out.returncode == 0, out.stderr
    assert json.loads(runs[1][0].stdout)["ok"] is True
    assert not failed_env.exists(), "a failed setup writes no env file"

    secrets_file = default_secrets_file()
    assert isolated_dirs in secrets_file.parents, "the scan below must cover the secrets file"
    allowed = {
        kept: {secrets_file, file_env},
        target_only: {none_env},
        revoked: set(),
        unknown: set(),
        tls_key: set(),
    }
    for secret, places in allowed.items():
        for out, _ in runs:
            assert secret not in out.stdout and secret not in out.stderr
        found = files_with(isolated_dirs, secret)
        assert found == places, f"a key is in {sorted(map(str, found - places))}"
    for place in (secrets_file, file_env, none_env):
        assert stat.S_IMODE(place.stat().st_mode) == 0o600, place
