"""The one undo of a key run's new key: revoked (or given back to the operator), then its stored
copy deleted.

Setup's rollback, rotation's rollback and `setup --abort` all end here, once their caller has
made sure the client does not hold the new key (a client is never left on a revoked key: that
part differs, because only the caller knows its target). A minted key is revoked with its intent
recorded first; a mint whose answer never came is looked for by its unique name; a key made by
hand at /gt-api is the operator's to delete, and the line says where.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gtwizard.errors import GtwizardError, OperationFailed
from gtwizard.lifecycle.ledger import KeyState, Ledger

if TYPE_CHECKING:
    from gtwizard.gt.keys import KeyManager
    from gtwizard.lifecycle.journal import Journal
    from gtwizard.lifecycle.revoke import Intent
    from gtwizard.secrets import SecretStore


@dataclass
class Retraction:
    """What the undo of a new key did, as facts and as lines for the operator."""

    revoked: bool = False  # the tenant confirmed (or there was nothing gtwizard could revoke)
    left: str = ""  # why the new key may still be live, when it may
    lines: list[str] = field(default_factory=list)


def new_key_intent(journal: Journal, key_id: str, site: str, detail: str) -> Intent:
    """A revocation of this run's new key (or of a key its interrupted mint made)."""
    from gtwizard.lifecycle.revoke import Intent

    return Intent(
        key_id,
        site,
        journal.profile,
        journal,
        name=journal.new_key_name,
        operation=journal.operation,
        detail=detail,
    )


async def retract_new_key(
    journal: Journal,
    *,
    gt_base: str | None,
    operator_token: str | None,
    store: SecretStore | None,
    console: str,
    site: str,
    detail: str,
    ca_bundle: str | None = None,
    by_name: bool = False,
    lost_site: str | None = None,
) -> Retraction:
    """Undo `journal`'s new key. `by_name`: the mint's answer may have been lost, so the tenant's
    list is searched for a key named for this run as well (revoked at `lost_site`, default
    `site`: each revocation site is a journaled point of its own)."""
    done = Retraction()
    made = bool(journal.new_key_id or journal.new_key_name)
    if journal.mode == "auto" and made:
        if not (operator_token and gt_base):
            done.left = f"{journal.new_key} needs the operator token to be revoked"
            done.lines.append(done.left)
            return done
        try:
            sites = (site, lost_site or site)
            found = await _revoke_minted(
                journal, gt_base, operator_token, ca_bundle, sites, detail, by_name
            )
        except GtwizardError as exc:
            done.left = f"could not revoke {journal.new_key}: {exc.one_line()}"
            done.lines.append(done.left)
            return done
        done.revoked = True
        done.lines += found
        if not found and not journal.new_key_id:  # the lost mint made nothing: nothing to keep
            Ledger.load(journal.profile).record(
                KeyState.FORGOTTEN, name=journal.new_key_name or "", key_id=None
            )
    elif journal.new_key_id:
        done.revoked = True  # nothing gtwizard can revoke: the operator made it by hand
        Ledger.load(journal.profile).record(
            KeyState.FORGOTTEN,
            name=journal.new_key_name or journal.new_key_id,
            key_id=journal.new_key_id,
        )
        done.lines.append(f"delete the key you made ({journal.new_key}) at {console}")
    if journal.new_key_id and store is not None and journal.storage_kind != "none":
        from gtwizard.secrets import key_entry

        try:
            if await asyncio.to_thread(
                store.delete, key_entry(journal.profile, journal.new_key_id)
            ):
                done.lines.append("deleted its stored copy")
        except GtwizardError as exc:
            done.lines.append(f"its stored copy was not deleted: {exc.one_line()}")
    return done


async def _revoke_minted(
    journal: Journal,
    gt_base: str,
    token: str,
    ca_bundle: str | None,
    sites: tuple[str, str],
    detail: str,
    by_name: bool,
) -> list[str]:
    from gtwizard.gt.keys import KeyManager

    async with KeyManager(gt_base, token, ca_bundle=ca_bundle) as manager:
        lines = []
        if journal.new_key_id:
            lines += await _revoke_one(manager, journal, journal.new_key_id, sites[0], detail)
        if by_name and journal.new_key_name:
            lines += await _revoke_lost(manager, journal, sites[1], detail)
        return lines


async def _revoke_one(
    manager: KeyManager, journal: Journal, key_id: str, site: str, detail: str
) -> list[str]:
    from gtwizard.gt.errors import NotFound
    from gtwizard.lifecycle.revoke import record_done, revoke

    intent = new_key_intent(journal, key_id, site, detail)
    try:
        fresh = await revoke(manager, intent)
    except NotFound:  # the tenant does not know it (any more): nothing is live to revoke
        record_done(intent, already=True)
        return [f"the new key {key_id} is not on the tenant (nothing to revoke)"]
    if fresh:
        return [f"revoked the new key {key_id}"]
    return [f"the new key {key_id} was revoked before an interruption"]


async def _revoke_lost(manager: KeyManager, journal: Journal, site: str, detail: str) -> list[str]:
    """A mint whose answer never came may still have made the key: find it by its unique name."""
    from gtwizard.lifecycle.identity import lost_mint_matches
    from gtwizard.lifecycle.revoke import record_done, revoke

    lines = []
    listing = await manager.list_keys()
    found = False
    for record in listing:
        if record.id == journal.new_key_id or not lost_mint_matches(
            record.name, journal.new_key_name
        ):
            continue
        found = True
        intent = new_key_intent(journal, record.id, site, detail)
        if not record.revoked:
            await revoke(manager, intent)
            lines.append(f"revoked the key {record.id} whose mint answer was lost")
        elif journal.revoking(record.id):
            record_done(intent, already=True)  # an earlier undo's DELETE did arrive
    if not found and not journal.new_key_id and listing.left_out:
        # a list that left records out cannot show the key is not there: it may be one of them
        raise OperationFailed(
            f"the tenant's key list left out {len(listing.left_out)} record(s) it could not "
            "read, so the mint may have made the key and it may be live",
            "see gtwizard keys; once the tenant lists its keys readably, undo again",
        )
    return lines
