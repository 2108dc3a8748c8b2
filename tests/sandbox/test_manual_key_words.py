"""A guided manual setup and rotation (keys made "by hand" on the sandbox, pasted on stdin, no
operator token anywhere) names every key the way the tenant's /gt-api page shows it: the name the
operator gave it and its prefix (`gtak_n8EY…`), never gtwizard's internal `manual-…` id.

Every line the CLI prints along the way is collected and checked: setup, the rotation's first
lines, status, profiles list, the finish that waits for the operator's revocation, an abort, a
setup undo, check and the runbook.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from support.cli_helpers import on_terminal, setup_args
from support.lifecycle_helpers import FULL_KEY
from support.rotation_helpers import NAMES, command_line, gtwizard, journal, key_status

from gtwizard.lifecycle.ledger import Ledger
from gtwizard.profiles import get_profile
from gtwizard.rotation import CRASH_HOOK_ENV
from gtwizard.tenant import parse_host

NO_TOKEN = ["GTWIZARD_OPERATOR_TOKEN"]


def shown(secret: str) -> str:
    """How the sandbox's /gt-api page shows a key: gtak_ and four characters."""
    return secret[:9] + "…"


def made_by_hand(sandbox, name: str) -> tuple[str, str]:
    """What the operator does at /gt-api: a key named `name` with the profile's scopes and names."""
    return sandbox.seed_key(["inference:chat"], agent_aliases=list(NAMES), name=name)


def test_manual_setup_and_rotation_name_keys_as_the_tenant_shows_them(
    sandbox, tmp_path: Path
) -> None:
    outputs: list[str] = []

    def run(args: list[str], stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        out = gtwizard(args, drop=NO_TOKEN, stdin=stdin, env=env)
        outputs.extend([out.stdout, out.stderr])
        return out

    env_file = tmp_path / "owui.env"
    first_id, first = made_by_hand(sandbox, "desk-first")
    setup = run(
        setup_args(
            sandbox.base_url,
            NAMES,
            "--key-stdin",
            "--key-name",
            "desk-first",
            "--profile",
            "words",
            "--env-file",
            str(env_file),
        ),
        stdin=first + "\n",
    )
    assert setup.returncode == 0, setup.stderr
    assert f"key desk-first ({shown(first)}) verified" in setup.stdout
    profile = get_profile("words")
    assert profile.key_name == "desk-first" and profile.key_prefix == first[5:9]
    assert Ledger.load("words").find(key_id=profile.key_id).name == "desk-first"

    listed = run(["profiles", "list"])
    assert f"key desk-first ({shown(first)})" in listed.stdout

    # no token and no key: the refusal suggests the name to give the key at /gt-api
    no_key = run(["rotate", "--profile", "words", "--yes"])
    assert no_key.returncode == 2
    suggested = re.search(r"name it (\S+)\)", no_key.stderr)
    assert suggested, no_key.stderr
    name = suggested.group(1)
    assert name.startswith("gtwizard-words-open-webui-") and f"--key-name {name}" in no_key.stderr

    _, second = made_by_hand(sandbox, name)
    rotate = run(
        ["rotate", "--profile", "words", "--key-stdin", "--key-name", name, "--yes"],
        stdin=second + "\n",
    )
    assert rotate.returncode == 0, rotate.stderr
    first_lines = rotate.stdout.split("[preflight]")[0]
    console = parse_host(sandbox.base_url).gt_api_console
    old_words = f"revoke the old key desk-first ({shown(first)}) by hand at {console}"
    assert old_words in first_lines.replace("\n", " "), first_lines  # said before anything runs
    assert f"pasted key {name} ({shown(second)}) accepted" in rotate.stdout
    assert f"has the new key {name} ({shown(second)})" in rotate.stdout
    saved = journal("words")
    assert saved["new_key_name"] == name and saved["new_key_prefix"] == second[5:9]
    assert saved["old_key_name"] == "desk-first"

    status = run(["status"])
    assert f"new key {name} ({shown(second)})" in status.stdout, status.stdout

    # the finish asks the operator to revoke the old key at /gt-api, by its name and prefix,
    # and waits for the tenant's 401
    finish = subprocess.Popen(
        command_line(["rotate", "--profile", "words", "--finish", "--revoke-without-proof"]),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_without_token(),
    )
    try:
        assert finish.stdout is not None
        asked = []
        for line in finish.stdout:  # flushed line by line; blocks until the operator is asked
            asked.append(line)
            if "Now revoke the old key" in line:
                break
        assert finish.poll() is None, "".join(asked)
        assert key_status(sandbox, first) == 200
        sandbox.revoke(first_id)  # what the operator does at /gt-api
        rest, err = finish.communicate(timeout=120)
        out = "".join(asked) + rest
    finally:
        if finish.poll() is None:
            finish.kill()
    outputs += [out, err]
    assert finish.returncode == 0, err
    assert f"Now revoke the old key desk-first ({shown(first)}) at {console}" in out
    assert f"now uses key {name} ({shown(second)})" in out
    after = get_profile("words")
    assert after.key_name == name and after.key_prefix == second[5:9]

    # an abort of a guided rotation: the key made for it is named for deletion at /gt-api
    _, third = made_by_hand(sandbox, "desk-third")
    rotate = run(
        ["rotate", "--profile", "words", "--key-stdin", "--key-name", "desk-third", "--yes"],
        stdin=third + "\n",
    )
    assert rotate.returncode == 0, rotate.stderr
    abort = on_terminal(["rotate", "--profile", "words", "--abort"], b"n\n", {})
    outputs += [abort.stdout, abort.stderr]
    assert abort.returncode == 0, abort.stderr
    assert f"keeps key {name} ({shown(second)})" in abort.stdout
    assert f"delete the key you made (desk-third ({shown(third)}))" in abort.stdout

    # without --key-name a pasted key goes by its prefix alone
    _, fourth = made_by_hand(sandbox, "anything")
    rotate = run(["rotate", "--profile", "words", "--key-stdin", "--yes"], stdin=fourth + "\n")
    assert rotate.returncode == 0, rotate.stderr
    assert f"pasted key {shown(fourth)} accepted" in rotate.stdout
    abort = on_terminal(["rotate", "--profile", "words", "--abort"], b"n\n", {})
    outputs += [abort.stdout, abort.stderr]
    assert f"delete the key you made ({shown(fourth)})" in abort.stdout

    checked = run(["check", "--profile", "words"])
    assert f"key {name} ({shown(second)}) is readable" in checked.stdout, checked.stdout
    runbook = run(["runbook", "--profile", "words"])
    assert runbook.returncode == 0, runbook.stderr
    written = Path(runbook.stdout.rsplit(" written to ", 1)[1].strip()).read_text()
    outputs.append(written)
    assert f"- Key: `{name} ({shown(second)})`" in written

    # a setup undone after the pasted key was stored names it for deletion, too
    _, fifth = made_by_hand(sandbox, "desk-fifth")
    undone = run(
        setup_args(
            sandbox.base_url,
            NAMES,
            "--key-stdin",
            "--key-name",
            "desk-fifth",
            "--profile",
            "undone",
            "--env-file",
            str(tmp_path / "undone.env"),
        ),
        stdin=fifth + "\n",
        **{CRASH_HOOK_ENV: "store-pending:written=RAISE"},
    )
    assert undone.returncode == 1, undone.stdout + undone.stderr
    assert f"delete the key you made (desk-fifth ({shown(fifth)}))" in undone.stderr
    assert key_status(sandbox, fifth) == 200, "a key made by hand is the operator's to delete"

    for text in outputs:
        assert "manual-" not in text, text
        assert not FULL_KEY.search(text), "a full key in the output"


def test_gtwizard_keys_counts_a_hand_made_key_by_its_name(sandbox, tmp_path: Path) -> None:
    """A key made by hand with the suggested name (gtwizard's own form) is in use, not an
    orphan that `keys --revoke-orphans` would revoke."""
    import json

    name = "gtwizard-named-open-webui-20260101-000000-0a1b"
    key_id, secret = made_by_hand(sandbox, name)
    setup = gtwizard(
        setup_args(
            sandbox.base_url,
            NAMES,
            "--key-stdin",
            "--key-name",
            name,
            "--profile",
            "named",
            "--env-file",
            str(tmp_path / "named.env"),
        ),
        drop=NO_TOKEN,
        stdin=secret + "\n",
    )
    assert setup.returncode == 0, setup.stderr
    op = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    listed = gtwizard(["keys", "--profile", "named", "--json"], env=op)  # 1: other tests' orphans
    rows = [k for t in json.loads(listed.stdout)["tenants"] for k in t["keys"] if k["id"] == key_id]
    assert rows and rows[0]["status"] == "active" and rows[0]["profile"] == "named", rows
    cleaned = gtwizard(["keys", "--profile", "named", "--revoke-orphans", "--yes"], env=op)
    revoked = [line for line in cleaned.stdout.splitlines() if "orphan key(s)" in line]
    assert key_id not in " ".join(revoked), cleaned.stdout
    assert key_status(sandbox, secret) == 200


def _without_token() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "GTWIZARD_OPERATOR_TOKEN"}
