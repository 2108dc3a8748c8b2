"""Revocation, the one way gtwizard does it: the intent recorded, then the DELETE, then the outcome.

A revocation cannot be taken back, so it is recorded before it is sent, like a mint (DESIGN §6d,
"intent before every irreversible act"):

1. intent: the run's journal (when a setup or rotation is in progress) lists the key under
   `revocations` with the site that revokes it, and the profile's key ledger moves it to
   `revoking`;
2. the DELETE (or, for a key made by hand, the operator's deletion), with the fault-injection
   points `revoke:<site>:intent` just before it and `revoke:<site>:sent` just after the tenant
   answered (before anything is recorded);
3. the outcome: journal "done", ledger `revoked`, one audit line.

An interruption between 1 and 3 leaves an intent and an open question: the DELETE may or may not
have reached the tenant. Every later path asks the tenant before it assumes (`key_live`): a key
that is gone is never put back into a client (a rotation whose old key is going can only be
finished; an undo whose new key is going can only be completed), and a key the tenant still
lists as live may be kept (`cancel_intent`) or revoked again (the contract's DELETE is idempotent).

Where no run is in progress (`keys --revoke-orphans`, `profiles remove`) the ledger alone holds
the intent: it is kept per key, outlives runs, and is what `keys` and `profiles remove` read anyway
(`revoking` counts as live there until the tenant's list says otherwise; `keys` then records it
`revoked`). A key with no profile at all has no ledger: nothing refers to it, so nothing could be
put back onto it, and the tenant's own list is its only record.

Sites (the `site` of an `Intent`, and the middle of its crash points): revoke-old (a rotation or
re-setup retiring the old key), rotate-undo, rotate-lost, rotate-orphan, setup-undo, setup-lost,
setup-abort, orphans (keys --revoke-orphans), remove (profiles remove).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gtwizard import audit
from gtwizard.errors import GtwizardError
from gtwizard.lifecycle.journal import REVOKED, Journal
from gtwizard.lifecycle.ledger import KeyEntry, KeyState, Ledger
from gtwizard.testhooks import crash_point

if TYPE_CHECKING:
    from gtwizard.gt.keys import KeyManager, KeyRecord

SITES = (
    "revoke-old",
    "rotate-undo",
    "rotate-lost",
    "rotate-orphan",
    "setup-undo",
    "setup-lost",
    "setup-abort",
    "orphans",
    "remove",
)


@dataclass(frozen=True)
class Intent:
    """One revocation: which key, which code path (`site`), and where its intent is recorded."""

    key_id: str
    site: str
    profile: str | None  # whose ledger records it (None: a key no profile refers to)
    journal: Journal | None = None  # the run in progress, when there is one
    name: str | None = None  # the key's name, to find a ledger entry that has no id yet
    operation: str = "setup"
    detail: str = ""  # for the audit log

    def __post_init__(self) -> None:
        if self.site not in SITES:
            raise ValueError(f"unknown revocation site {self.site!r}")


def intent_recorded(intent: Intent) -> bool:
    """A revocation of this key was begun earlier and never confirmed."""
    if intent.journal is not None and intent.journal.revoking(intent.key_id):
        return True
    entry = _entry(intent)
    return entry is not None and entry.state == KeyState.REVOKING


def record_intent(intent: Intent) -> None:
    """Before the DELETE (or before asking the operator to delete a key by hand)."""
    _record(intent, intent.site, KeyState.REVOKING)
    crash_point(f"revoke:{intent.site}:intent")


def record_done(intent: Intent, *, already: bool = False) -> None:
    """Once the tenant confirmed the revocation (its DELETE answer, its list, or a 401)."""
    _record(intent, REVOKED, KeyState.REVOKED)
    detail = intent.detail or intent.site
    if already:
        detail += ": the tenant had revoked it already (before an interruption)"
    audit.record("revoke", profile=intent.profile, key_id=intent.key_id, detail=detail)


def _record(intent: Intent, journaled: str, state: KeyState) -> None:
    if intent.journal is not None:
        intent.journal.revocations[intent.key_id] = journaled
        intent.journal.save()
    if intent.profile:
        Ledger.load(intent.profile).record(
            state,
            name=intent.name or intent.key_id,
            key_id=intent.key_id,
            operation=intent.operation,
        )


def cancel_intent(intent: Intent) -> None:
    """The tenant still lists the key as live (the DELETE never arrived): forget the intent, so
    the key is what it was before (an abort may then put it back)."""
    if intent.journal is not None and intent.journal.revoking(intent.key_id):
        del intent.journal.revocations[intent.key_id]
        intent.journal.save()
    entry = _entry(intent)
    if intent.profile and entry is not None and entry.state == KeyState.REVOKING:
        earlier = [state for state, _ in entry.history[:-1] if state != KeyState.REVOKING]
        Ledger.load(intent.profile).record(
            KeyState(earlier[-1]) if earlier else KeyState.ACTIVE,
            name=entry.name,
            key_id=intent.key_id,
            operation=intent.operation,
        )


def settle(profile: str, entry: KeyEntry, record: KeyRecord) -> KeyEntry:
    """`gtwizard keys`: a revocation begun earlier that the tenant's list shows done is recorded
    as done (the list is the tenant's word); one the tenant shows live stays an intent."""
    if entry.state != KeyState.REVOKING or not record.revoked:
        return entry
    return Ledger.load(profile).record(KeyState.REVOKED, name=entry.name, key_id=record.id)


async def revoke(manager: KeyManager, intent: Intent) -> bool:
    """Revoke with the intent recorded first. True: this call revoked the key; False: an earlier,
    interrupted run had (the tenant is asked first whenever an intent is already recorded)."""
    from gtwizard.fileio import write_off_loop

    if intent_recorded(intent) and await _listed_live(manager, intent.key_id) is False:
        await write_off_loop(record_done, intent, already=True)
        return False
    await write_off_loop(record_intent, intent)
    await manager.revoke(intent.key_id)
    crash_point(f"revoke:{intent.site}:sent")
    await write_off_loop(record_done, intent)
    return True


async def revoke_at(
    gt_base: str, operator_token: str, intent: Intent, *, ca_bundle: str | Path | None = None
) -> bool:
    """`revoke` on one tenant, with a key-management client of its own."""
    from gtwizard.gt.keys import KeyManager

    async with KeyManager(gt_base, operator_token, ca_bundle=ca_bundle) as manager:
        return await revoke(manager, intent)


async def key_live(
    gt_base: str,
    key_id: str,
    *,
    operator_token: str | None,
    secret: str | None,
    ca_bundle: str | Path | None = None,
) -> bool | None:
    """Ask the tenant whether a key still works: True live, False revoked (or unknown to the
    tenant), None when it cannot be asked. With the operator token the key-management API answers
    (GET .../keys/{id}); else, or when that fails, the key itself is tried on /v1/models, where a
    401 means revoked. A key made by hand (`manual-` id) is known to the tenant by its secret only.
    """
    if operator_token and not key_id.startswith("manual-"):
        from gtwizard.gt.keys import KeyManager

        try:
            async with KeyManager(gt_base, operator_token, ca_bundle=ca_bundle) as manager:
                live = await _listed_live(manager, key_id)
        except GtwizardError:
            live = None
        if live is not None:
            return live
    if secret:
        return await secret_live(gt_base, secret, ca_bundle=ca_bundle)
    return None


async def secret_live(
    gt_base: str, secret: str, *, ca_bundle: str | Path | None = None
) -> bool | None:
    """The key tried on /v1/models: True accepted, False refused (401), None no clear answer."""
    from gtwizard.gt.client import GTClient
    from gtwizard.gt.errors import Unauthorized

    try:
        async with GTClient(gt_base, secret, ca_bundle=ca_bundle, max_retries=0) as gt:
            await gt.list_models()
    except Unauthorized:
        return False
    except GtwizardError:
        return None
    return True


async def _listed_live(manager: KeyManager, key_id: str) -> bool | None:
    from gtwizard.gt.errors import NotFound

    try:
        record = await manager.get_key(key_id)
    except NotFound:
        return False
    except GtwizardError:
        return None
    return not record.revoked


def _entry(intent: Intent) -> KeyEntry | None:
    if not intent.profile:
        return None
    ledger = Ledger.load(intent.profile)
    return ledger.find(key_id=intent.key_id) or (
        ledger.find(name=intent.name) if intent.name else None
    )
