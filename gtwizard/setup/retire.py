"""A re-setup's last step: the old key goes only after the new one is proven where the client
uses it (the rotation's own steps do it: verify, prove, revoke, tidy up)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gtwizard.lifecycle.journal import Journal

if TYPE_CHECKING:
    from gtwizard.setup.session import SetupSession


async def retire_old_key(session: SetupSession, say: Any = None) -> dict[str, Any] | None:
    """Re-setup: the old key goes only after the new one is proven where the client uses it.

    The rotation machinery does this (verify, prove in Open WebUI, revoke, tidy up); where no
    proof is possible, the journal waits with both keys live (`gtwizard rotate --finish`).
    """
    journal = session.journal
    if journal is None or not journal.old_key_id or not journal.done("save"):
        return None
    from gtwizard.rotation import Rotation, RotationOptions

    req = session.request
    rotation = Rotation(
        RotationOptions(
            profile=req.profile,
            operator_token=session._operator_token,
            openwebui_url=req.target.proof_url if req.target else None,
            openwebui_token=req.target.credential if req.target else None,
            say=say or (lambda text: None),
            adopt_setup=True,
            lock_held=session._lock is not None,
        )
    )
    try:
        session.retire = await rotation.run()
    finally:
        session.journal = Journal.load(req.profile)
        session.release()
    return session.retire


# --- results -----------------------------------------------------------------------------
