"""A kill inside every revocation gtwizard makes, between "the tenant revoked" and "recorded".

Each revocation records its intent before the DELETE (gtwizard.lifecycle.revoke). Here gtwizard is
killed right after the tenant answered the DELETE and before anything was written, at every site
that revokes: a rotation or re-setup retiring its old key, a rotation's undo, the key a rotation
lost or an interrupted mint left, a setup's undo (minted, or its answer lost), `setup --abort`,
`keys --revoke-orphans` and `profiles remove`. Then the operator runs each of `--abort`,
`--resume`, `--finish`, `status` and `keys`, and finally resolves what is left the way `status`
says. After each, DESIGN §6b holds against the tenant's own key list: every client target holds
a live key, no live key is left that nothing refers to, and what gtwizard says is true (`status`
offers no way back once the old key may be gone, and a run says "revoked" only of revoked keys).
"""

from __future__ import annotations

import json
import signal
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.cli_helpers import mint_setup_args, on_terminal, run_cli
from support.lifecycle_helpers import (
    assert_no_orphan,
    assert_no_secret,
    assert_targets_live,
    assert_truthful,
    env_key,
    resolve,
)
from support.rotation_helpers import key_status, setup_profile, tenant_keys

from gtwizard.lifecycle.journal import CRASH_HOOK_ENV, Journal, open_journal
from gtwizard.lifecycle.ledger import Ledger
from gtwizard.profiles import load_profiles

NAMES = ["helpdesk"]
FINISH = ["--finish", "--revoke-without-proof"]
FOLLOW_UPS = ["abort", "resume", "finish", "status", "keys"]


@dataclass
class Case:
    """One profile driven to a kill inside a revocation."""

    site: str
    name: str
    env_file: Path
    operation: str  # whose commands the follow-ups are: "rotate", "setup" or "none"
    before: frozenset[str]  # the tenant's key ids before the test (other tests share it)
    texts: list[str]
    old_secret: str | None = None


@pytest.fixture
def tenant(request):
    """The module's sandbox; for `keys --revoke-orphans` a tenant of the test's own, where every
    orphan is this test's (on a shared tenant the other tests' keys look like orphans too)."""
    callspec = getattr(request.node, "callspec", None)
    if (callspec.params.get("site") if callspec else None) != "orphans":
        yield request.getfixturevalue("sandbox")
        return
    yield request.getfixturevalue("own_sandbox")


@pytest.fixture
def op_env(tenant) -> dict[str, str]:
    return {"GTWIZARD_OPERATOR_TOKEN": tenant.operator_token}


def killed(
    args: list[str], env: dict[str, str], points: str, answer: bytes | None = None
) -> list[str]:
    """`answer`: run on a terminal that answers so (an abort asks whether Open WebUI was
    restarted on the new key: there is none here, so "n")."""
    env = {**env, CRASH_HOOK_ENV: points}
    out = run_cli(args, env=env) if answer is None else on_terminal(args, answer, env)
    assert out.returncode == -signal.SIGKILL, (points, out.returncode, out.stderr)
    assert "Traceback" not in out.stderr
    return [out.stdout, out.stderr]


def setup_args(sandbox, case: Case, *extra: str) -> list[str]:
    return mint_setup_args(
        sandbox.base_url,
        NAMES,
        "--profile",
        case.name,
        "--env-file",
        str(case.env_file),
        "--yes",
        *extra,
        storage="file",
    )


def start(sandbox, tmp_path: Path, site: str, follow: str, operation: str) -> Case:
    name = f"k{abs(hash((site, follow))) % 10**8}"
    before = frozenset(k.id for k in tenant_keys(sandbox))
    return Case(site, name, tmp_path / f"{name}.env", operation, before, [])


def with_profile(sandbox, case: Case, op_env) -> None:
    setup_profile(sandbox, case.name, ["--env-file", str(case.env_file)], op_env, names=NAMES)
    case.old_secret = env_key(case.env_file)


def waiting_rotation(case: Case, op_env) -> None:
    out = run_cli(["rotate", "--profile", case.name, "--yes"], env=op_env)
    assert out.returncode == 0 and open_journal(case.name) is not None, out.stderr


# ---- the kills, one per revocation site -------------------------------------------------------


def kill_revoke_old(sandbox, case: Case, op_env) -> None:
    """`rotate --finish` retiring the old key of a waiting rotation."""
    with_profile(sandbox, case, op_env)
    waiting_rotation(case, op_env)
    case.texts += killed(
        ["rotate", "--profile", case.name, *FINISH], op_env, "revoke:revoke-old:sent"
    )


def kill_resetup_retire(sandbox, case: Case, op_env) -> None:
    """`rotate --finish` retiring the old key of a re-setup (`setup --replace`) that waits."""
    with_profile(sandbox, case, op_env)
    out = run_cli(setup_args(sandbox, case, "--replace"), env=op_env)
    assert out.returncode == 0 and "stays valid" in out.stdout, out.stderr
    case.texts += killed(
        ["rotate", "--profile", case.name, *FINISH], op_env, "revoke:revoke-old:sent"
    )


def kill_rotate_undo(sandbox, case: Case, op_env) -> None:
    """`rotate --abort` of a waiting rotation: the old key is back, the new one being revoked."""
    with_profile(sandbox, case, op_env)
    waiting_rotation(case, op_env)
    case.texts += killed(
        ["rotate", "--profile", case.name, "--abort"], op_env, "revoke:rotate-undo:sent", b"n\n"
    )


def kill_rotate_lost(sandbox, case: Case, op_env) -> None:
    """A rotation killed between its mint and the store: `--resume` revokes the lost key."""
    with_profile(sandbox, case, op_env)
    killed(["rotate", "--profile", case.name, "--yes"], op_env, "mint")
    case.texts += killed(
        ["rotate", "--profile", case.name, "--resume"], op_env, "revoke:rotate-lost:sent"
    )


def kill_rotate_orphan(sandbox, case: Case, op_env) -> None:
    """A rotation killed as its mint answer came: `--resume` finds the key by name, revokes it."""
    with_profile(sandbox, case, op_env)
    killed(["rotate", "--profile", case.name, "--yes"], op_env, "mint:answered")
    case.texts += killed(
        ["rotate", "--profile", case.name, "--resume"], op_env, "revoke:rotate-orphan:sent"
    )


def kill_setup_undo(sandbox, case: Case, op_env) -> None:
    """A setup that fails after its mint undoes itself: killed inside that undo."""
    case.texts += killed(
        setup_args(sandbox, case), op_env, "store-pending=RAISE,revoke:setup-undo:sent=KILL"
    )


def kill_setup_lost(sandbox, case: Case, op_env) -> None:
    """A setup whose mint answer is lost undoes itself by the key's name: killed inside."""
    case.texts += killed(
        setup_args(sandbox, case), op_env, "mint:answered=RAISE,revoke:setup-lost:sent=KILL"
    )


def kill_setup_abort(sandbox, case: Case, op_env) -> None:
    """A setup killed after its mint, then `setup --abort`: killed inside the abort."""
    killed(setup_args(sandbox, case), op_env, "mint")
    case.texts += killed(
        ["setup", "--abort", "--profile", case.name], op_env, "revoke:setup-abort:sent"
    )


def kill_orphans(sandbox, case: Case, op_env) -> None:
    """`keys --revoke-orphans`: the orphan is a key of this installation (in its ledger) whose
    rotation's journal the operator moved away."""
    with_profile(sandbox, case, op_env)
    killed(["rotate", "--profile", case.name, "--yes"], op_env, "mint")
    journal = open_journal(case.name)
    assert journal is not None and journal.new_key_id
    from gtwizard.lifecycle.journal import journal_path

    journal_path(case.name).rename(journal_path(case.name).with_suffix(".moved"))
    listed = json.loads(run_cli(["keys", "--json"], env=op_env).stdout)
    assert journal.new_key_id in listed["orphans"]
    case.texts += killed(["keys", "--revoke-orphans", "--yes"], op_env, "revoke:orphans:sent")
    assert key_status_by_id(sandbox, journal.new_key_id) == "revoked"


def kill_remove(sandbox, case: Case, op_env) -> None:
    """`profiles remove`: killed after the tenant revoked the profile's key."""
    with_profile(sandbox, case, op_env)
    case.texts += killed(["profiles", "remove", case.name, "--yes"], op_env, "revoke:remove:sent")


SITES = {
    "revoke-old": (kill_revoke_old, "rotate"),
    "resetup-retire": (kill_resetup_retire, "setup"),
    "rotate-undo": (kill_rotate_undo, "rotate"),
    "rotate-lost": (kill_rotate_lost, "rotate"),
    "rotate-orphan": (kill_rotate_orphan, "rotate"),
    "setup-undo": (kill_setup_undo, "setup"),
    "setup-lost": (kill_setup_lost, "setup"),
    "setup-abort": (kill_setup_abort, "setup"),
    "orphans": (kill_orphans, "none"),
    "remove": (kill_remove, "none"),
}


# ---- what the operator runs next, and what must hold ------------------------------------------


def follow_up_args(case: Case, follow: str) -> list[str]:
    if follow == "status":
        return ["status", "--json"]
    if follow == "keys":
        return ["keys", "--json"]
    p = ["--profile", case.name]
    if case.operation == "setup" and follow in ("abort", "resume"):
        return ["setup", f"--{follow}", *p]
    return ["rotate", *p, *(FINISH if follow == "finish" else [f"--{follow}"])]


def key_status_by_id(sandbox, key_id: str) -> str:
    record = next(k for k in tenant_keys(sandbox) if k.id == key_id)
    return "revoked" if record.revoked else "live"


def in_progress(status: dict, name: str) -> dict | None:
    for record in status["profiles"]:
        if record["name"] == name:
            return record["in_progress"]
    return next((w for w in status["in_progress"] if w["profile"] == name), None)


def assert_holds(sandbox, case: Case, where: str) -> None:
    """DESIGN §6b against the tenant's list, and the truth of what gtwizard reports now."""
    if case.site != "remove":  # removal revokes the key its client uses, as the operator asked
        assert_targets_live(sandbox, [case.env_file], where)
    assert_no_orphan(sandbox, "", where, earlier=case.before)
    assert_no_secret(case.texts, case.env_file.parent / "state", where)
    for text in case.texts:
        assert_truthful(sandbox, text, where)
    status = json.loads(run_cli(["status", "--json"]).stdout)
    work = in_progress(status, case.name)
    journal = open_journal(case.name)
    if journal is not None:
        assert work is not None and work["commands"] == journal.next_commands(), where
        check_offered(sandbox, journal, work["commands"], where)
    for entry in Ledger.load(case.name).keys:  # no ledger entry claims a revoked key is live
        if entry.id and entry.id not in case.before and entry.state == "revoked":
            assert key_status_by_id(sandbox, entry.id) == "revoked", (where, entry)


def check_offered(sandbox, journal: Journal, commands: list[str], where: str) -> None:
    """Once the old key may be gone no way back is offered; once the new key may be gone, only
    the undo is."""
    revoked = {k.id for k in tenant_keys(sandbox) if k.revoked}
    if journal.old_key_id in revoked or journal.revoking(journal.old_key_id):
        assert not any("--abort" in c for c in commands), (where, commands)
    if journal.new_key_going:
        assert all("--abort" in c for c in commands), (where, commands)


@pytest.mark.slow
@pytest.mark.parametrize("follow", FOLLOW_UPS)
@pytest.mark.parametrize("site", list(SITES))
def test_kill_inside_a_revocation_then(tenant, tmp_path, op_env, site, follow) -> None:
    sandbox = tenant
    kill, operation = SITES[site]
    case = start(sandbox, tmp_path, site, follow, operation)
    kill(sandbox, case, op_env)
    where = f"{site}: killed after the DELETE"
    assert_holds(sandbox, case, where)
    out = run_cli(follow_up_args(case, follow), env=op_env)
    case.texts += [out.stdout, out.stderr]
    where += f", then {follow}"
    assert "Traceback" not in out.stderr, out.stderr
    assert out.returncode in (0, 1, 2), out.stderr
    assert out.stderr.count("\n") <= 1, out.stderr  # at most one clear line
    assert_holds(sandbox, case, where)
    if follow == "keys":
        rows = [row for t in json.loads(out.stdout)["tenants"] for row in t["keys"]]
        for row in rows:  # the ledger beside each key agrees with the tenant
            if row["revoked"] and row["ledger_state"]:
                assert row["ledger_state"] == "revoked", (where, row)
    case.texts += resolve(case.name, op_env, prefer_abort=True, finish=FINISH)
    if site == "remove" and case.name in load_profiles():
        again = run_cli(["profiles", "remove", case.name, "--yes"], env=op_env)
        assert again.returncode == 0, again.stderr
        case.texts += [again.stdout, again.stderr]
    where += ", then resolved"
    assert open_journal(case.name) is None, where
    assert_holds(sandbox, case, where)
    profile = load_profiles().get(case.name)
    if profile is not None:  # the client is on the profile's key, and it is live
        held = env_key(case.env_file)
        assert held is not None and key_status(sandbox, held) == 200, where


# ---- the DELETE that never arrived, and asking without an operator token ----------------------


def status_commands(name: str) -> list[str]:
    """What `status` offers, asked from a shell without the operator token: each command that
    revokes names the token it needs in front of it (`GTWIZARD_OPERATOR_TOKEN=… gtwizard …`)."""
    work = in_progress(json.loads(run_cli(["status", "--json"]).stdout), name)
    return [c.replace("GTWIZARD_OPERATOR_TOKEN=… ", "") for c in work["commands"]] if work else []


def test_killed_before_the_delete_abort_asks_and_puts_the_old_key_back(
    sandbox, tmp_path, op_env
) -> None:
    """The intent is recorded but the DELETE never went out: `status` offers only the way
    forward (it cannot know), yet `--abort` asks the tenant, hears the old key is live, and undoes
    the rotation: the old key back in the target, the new one revoked."""
    case = start(sandbox, tmp_path, "revoke-old", "intent", "rotate")
    with_profile(sandbox, case, op_env)
    waiting_rotation(case, op_env)
    new_secret = env_key(case.env_file)
    case.texts += killed(
        ["rotate", "--profile", case.name, *FINISH], op_env, "revoke:revoke-old:intent"
    )
    assert case.old_secret and new_secret and key_status(sandbox, case.old_secret) == 200
    assert status_commands(case.name) == [f"gtwizard rotate --resume --profile {case.name}"]
    out = on_terminal(["rotate", "--profile", case.name, "--abort"], b"n\n", op_env)
    case.texts += [out.stdout, out.stderr]
    assert out.returncode == 0, out.stderr
    assert "still live" in out.stdout
    assert env_key(case.env_file) == case.old_secret
    assert key_status(sandbox, case.old_secret) == 200
    assert key_status(sandbox, new_secret) == 401
    assert open_journal(case.name) is None
    assert_holds(sandbox, case, "killed before the DELETE, then abort")


def test_the_issue_case_abort_refused_and_resume_finishes(sandbox, tmp_path, op_env) -> None:
    """Issue 19's reproduction: killed inside `rotate --finish` after the DELETE; `status` offers
    no abort; `--abort` refuses with one line; `--resume` finishes on the new key."""
    case = start(sandbox, tmp_path, "revoke-old", "issue", "rotate")
    with_profile(sandbox, case, op_env)
    waiting_rotation(case, op_env)
    new_secret = env_key(case.env_file)
    case.texts += killed(
        ["rotate", "--profile", case.name, *FINISH], op_env, "revoke:revoke-old:sent"
    )
    assert case.old_secret and key_status(sandbox, case.old_secret) == 401
    assert status_commands(case.name) == [f"gtwizard rotate --resume --profile {case.name}"]
    human = run_cli(["status"]).stdout
    assert "--abort" not in human and "can only be finished" in human
    refused = run_cli(["rotate", "--profile", case.name, "--abort"], env=op_env)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert "cannot abort" in refused.stderr and "rotate --resume" in refused.stderr
    assert env_key(case.env_file) == new_secret and key_status(sandbox, new_secret) == 200
    done = run_cli(["rotate", "--profile", case.name, "--resume"], env=op_env)
    assert done.returncode == 0, done.stderr
    assert "revoked before an interruption" in done.stdout  # said as it happened
    assert load_profiles()[case.name].key_id == tenant_key_id(sandbox, new_secret)
    case.texts += [refused.stderr, done.stdout, done.stderr]
    assert_holds(sandbox, case, "the issue's case")


def tenant_key_id(sandbox, secret: str) -> str:
    """The id of the key whose secret this is (the tenant's list knows its prefix)."""
    return next(k.id for k in tenant_keys(sandbox) if secret.startswith(k.prefix))


@pytest.mark.parametrize("revoked_by_hand", [True, False], ids=["revoked", "still-live"])
def test_guided_revocation_killed_then_abort_without_operator_token(
    sandbox, tmp_path, op_env, revoked_by_hand
) -> None:
    """No operator token: the operator revokes the old key by hand. Killed once the intent is
    recorded; then `--abort` can only ask with the old key itself (401: revoked). Revoked: refused,
    and `--resume` finishes. Still live: the abort puts it back."""
    case = start(sandbox, tmp_path, "revoke-old", f"guided-{revoked_by_hand}", "rotate")
    with_profile(sandbox, case, op_env)
    profile = load_profiles()[case.name]
    _, new_secret = sandbox.seed_key(profile.scopes, agent_aliases=profile.agent_aliases)
    no_token = ["GTWIZARD_OPERATOR_TOKEN"]
    first = run_cli(
        ["rotate", "--profile", case.name, "--key-stdin", "--yes"],
        drop=no_token,
        stdin=new_secret + "\n",
    )
    assert first.returncode == 0 and env_key(case.env_file) == new_secret, first.stderr
    finish = run_cli(
        ["rotate", "--profile", case.name, *FINISH],
        env={CRASH_HOOK_ENV: "revoke:revoke-old:intent"},
        drop=no_token,
    )
    assert finish.returncode == -signal.SIGKILL, finish.stderr
    if revoked_by_hand:
        sandbox.revoke(profile.key_id)  # what the operator does at /gt-api
    out = on_terminal(["rotate", "--profile", case.name, "--abort"], b"n\n", {})
    case.texts += [first.stdout, out.stdout, out.stderr]
    assert case.old_secret
    if revoked_by_hand:
        assert out.returncode == 2 and "cannot abort" in out.stderr, out.stderr
        assert env_key(case.env_file) == new_secret
        done = run_cli(["rotate", "--profile", case.name, "--resume"], drop=no_token)
        assert done.returncode == 0, done.stderr
        assert load_profiles()[case.name].key_id != profile.key_id
        assert env_key(case.env_file) == new_secret and key_status(sandbox, new_secret) == 200
    else:
        assert out.returncode == 0, out.stderr
        assert env_key(case.env_file) == case.old_secret
        assert key_status(sandbox, case.old_secret) == 200
    assert open_journal(case.name) is None
    case.before |= {tenant_key_id(sandbox, new_secret)}  # made by the operator, theirs to keep
    assert_holds(sandbox, case, f"guided, {'revoked' if revoked_by_hand else 'live'}, abort")
