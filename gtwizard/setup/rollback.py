"""Setup's rollback: undo what this run created, unless its client already holds the key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gtwizard.lifecycle.journal import ROLLED_BACK

if TYPE_CHECKING:
    from gtwizard.setup.session import SetupSession


async def rollback(session: SetupSession) -> list[str]:
    """Undo what this run created: its stored copy and its key (revoked) — unless the client
    already holds the key. Then the key stays live and the journal keeps the run, so that
    `gtwizard setup --resume` can finish it: a client is never left on a revoked key."""
    done: list[str] = []
    req = session.request
    if session.journal is not None and not session.journal.open:
        session.release()
        return list(session.journal.rollback)  # undone (or finished) already
    if await session._target_holds_key():
        where = req.target.place if req.target else "the target"
        if session.journal is not None and not session.journal.done("apply"):
            session.journal.mark("apply", f"found in {where} after an error")
        session.release()
        return [
            f"the key {session.key_label} is already in {where} and stays live; finish with "
            f"gtwizard setup --resume --profile {req.profile}"
        ]
    journal = session.journal
    revoked = journal is None or not (journal.new_key_id or journal.new_key_name)
    if journal is not None and not revoked:
        from gtwizard.keyrun.undo import retract_new_key

        retracted = await retract_new_key(
            journal,
            gt_base=req.host.gt_base,
            operator_token=session._operator_token,
            store=session.storage.store if session.storage is not None else None,
            console=req.host.gt_api_console,
            site="setup-undo",
            lost_site="setup-lost",
            detail="rollback",
            ca_bundle=req.ca_bundle,
            by_name=not session.minted,
        )
        revoked = retracted.revoked
        done += retracted.lines
    if session.journal is not None:
        # the ledger says what became of the key (gtwizard.keyrun.undo records it)
        if revoked:
            session.journal.state = ROLLED_BACK
        session.journal.rollback = done
        session.journal.save()
    session.minted = False
    session._secret = None
    session.release()
    return done
