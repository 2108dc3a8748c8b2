"""The records a revocation leaves (journal, ledger, audit log) and what `status` offers from them.

The journal and ledger are real files in the test's own state dir; nothing here talks to a tenant
(tests/sandbox/test_revoke_intent.py drives the same records against the sandbox tenant).
"""

from __future__ import annotations

import json

import pytest

from gtwizard.audit import audit_path
from gtwizard.errors import OperationFailed
from gtwizard.gt.keys import KeyRecord
from gtwizard.lifecycle.journal import CRASH_HOOK_ENV, WAITING, Journal, crash_point
from gtwizard.lifecycle.ledger import KeyState, Ledger
from gtwizard.lifecycle.revoke import (
    Intent,
    cancel_intent,
    intent_recorded,
    record_done,
    record_intent,
    settle,
)

P = "--profile web"


@pytest.fixture(autouse=True)
def operator_token_at_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    """These journals are automatic runs; with the operator token at hand their advice is bare
    (without it, the advice names the token: test_advice_names_a_missing_operator_token)."""
    monkeypatch.setenv("GTWIZARD_OPERATOR_TOKEN", "gtop_" + "t" * 32)


def rotation(**fields: object) -> Journal:
    journal = Journal(
        profile="web", old_key_id="key_old", mode="auto", storage_kind="file", **fields
    )
    journal.new_key_id = "key_new"
    journal.steps = [{"step": s, "at": "", "detail": ""} for s in ("preflight", "mint", "apply")]
    return journal


def test_advice_names_a_missing_operator_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """No token in the environment and none kept: an automatic run's advice says it needs one;
    a manual run needs none."""
    monkeypatch.delenv("GTWIZARD_OPERATOR_TOKEN")
    assert rotation(state=WAITING).next_commands() == [
        f"GTWIZARD_OPERATOR_TOKEN=… gtwizard rotate --finish {P}",
        f"GTWIZARD_OPERATOR_TOKEN=… gtwizard rotate --abort {P}",
    ]
    manual = rotation(state=WAITING)
    manual.mode = "manual"
    assert manual.next_commands() == [
        f"gtwizard rotate --finish {P}",
        f"gtwizard rotate --abort {P}",
    ]


def record(key_id: str, *, revoked: bool) -> KeyRecord:
    return KeyRecord(
        id=key_id,
        name="gtwizard-web-open-webui-20260101-000000",
        purpose="inference",
        scopes=("inference:chat",),
        agent_aliases=(),
        raw_models=(),
        prefix="gtak_abcd",
        created_at="2026-01-01T00:00:00Z",
        revoked_at="2026-01-02T00:00:00Z" if revoked else None,
    )


def test_the_old_key_going_leaves_only_the_way_forward() -> None:
    journal = rotation(state=WAITING)
    assert journal.next_commands() == [
        f"gtwizard rotate --finish {P}",
        f"gtwizard rotate --abort {P}",
    ]
    record_intent(Intent("key_old", "revoke-old", "web", journal))
    saved = Journal.load("web")
    assert saved is not None and saved.revoking("key_old")  # on disk before any request
    assert journal.next_commands() == [f"gtwizard rotate --resume {P}"]
    assert "key_old was being revoked" in journal.summary()
    record_done(Intent("key_old", "revoke-old", "web", journal))
    journal.steps.append({"step": "revoke-old", "at": "", "detail": ""})
    assert journal.next_commands() == [f"gtwizard rotate --resume {P}"]
    assert "key_old is revoked" in journal.summary()


def test_an_undo_revoking_the_new_key_leaves_only_the_undo() -> None:
    journal = rotation()
    record_intent(Intent("key_new", "rotate-undo", "web", journal))
    assert journal.new_key_going and journal.next_commands() == [f"gtwizard rotate --abort {P}"]
    assert "being undone" in journal.summary()
    setup = rotation(operation="setup")
    record_intent(Intent("key_new", "setup-undo", "web", setup))
    assert setup.next_commands() == [f"gtwizard setup --abort {P}"]


def test_revoking_a_lost_key_is_no_undo() -> None:
    """A resume revokes the key whose secret was never stored, then mints again: both ways stay."""
    journal = rotation()
    record_intent(Intent("key_new", "rotate-lost", "web", journal))
    assert journal.revoking("key_new") and not journal.new_key_going
    assert journal.next_commands() == [
        f"gtwizard rotate --resume {P}",
        f"gtwizard rotate --abort {P}",
    ]


def test_the_ledger_holds_the_intent_and_counts_it_live() -> None:
    Ledger.load("web").record(KeyState.ACTIVE, name="k", key_id="key_a")
    intent = Intent("key_a", "remove", "web", name="k", detail="profile removed")
    record_intent(intent)
    entry = Ledger.load("web").find(key_id="key_a")
    assert entry is not None and entry.state == KeyState.REVOKING and entry.live
    assert intent_recorded(intent)
    record_done(intent)
    entry = Ledger.load("web").find(key_id="key_a")
    assert entry is not None and entry.state == KeyState.REVOKED and not entry.live
    lines = [json.loads(line) for line in audit_path().read_text().splitlines()]
    assert [(e["action"], e["key_id"], e["detail"]) for e in lines] == [
        ("revoke", "key_a", "profile removed")
    ]


@pytest.mark.parametrize("before", [KeyState.ACTIVE, KeyState.SUPERSEDED])
def test_a_cancelled_intent_gives_the_key_its_state_back(before: KeyState) -> None:
    journal = rotation()
    Ledger.load("web").record(before, name="key_old", key_id="key_old")
    intent = Intent("key_old", "revoke-old", "web", journal)
    record_intent(intent)
    cancel_intent(intent)
    entry = Ledger.load("web").find(key_id="key_old")
    assert entry is not None and entry.state == before
    assert not journal.revoking("key_old") and not intent_recorded(intent)
    assert journal.next_commands()[-1] == f"gtwizard rotate --abort {P}"


def test_keys_settles_an_intent_by_the_tenants_list() -> None:
    Ledger.load("web").record(KeyState.SUPERSEDED, name="k", key_id="key_a")
    record_intent(Intent("key_a", "orphans", "web", name="k"))
    entry = Ledger.load("web").find(key_id="key_a")
    assert entry is not None
    still = settle("web", entry, record("key_a", revoked=False))
    assert still.state == KeyState.REVOKING  # the DELETE never arrived: still an intent
    done = settle("web", still, record("key_a", revoked=True))
    assert done.state == KeyState.REVOKED
    entry = Ledger.load("web").find(key_id="key_a")
    assert entry is not None and entry.state == KeyState.REVOKED


def test_an_unknown_site_is_a_bug() -> None:
    with pytest.raises(ValueError):
        Intent("key_a", "somewhere", "web")


def test_the_crash_hook_takes_several_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CRASH_HOOK_ENV, "store-pending=RAISE,revoke:setup-undo:sent=KILL")
    crash_point("mint")  # not named: nothing happens
    with pytest.raises(OperationFailed, match="store-pending"):
        crash_point("store-pending")
