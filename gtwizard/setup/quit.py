"""Quitting the TUI mid-run: the key this run made ends in a defined state, and the message says
what exists afterwards (DESIGN §6b, rule 4), instead of a blanket "nothing was written"."""

from __future__ import annotations

from typing import Any


async def end_of_run(session: Any, profile: Any) -> str:
    """Undo a key the client does not hold yet; keep (and name) one it holds. The one-line truth."""
    if session is None or not (session.has_key or session.journal is not None):
        if profile is not None:
            return f"profile {profile.name} was saved earlier in this run; nothing else changed."
        return "nothing was written."
    if profile is not None:
        session.release()
        target = session.request.target
        where = f" and written to {target.place}" if target is not None else ""
        waiting = ""
        if session.journal is not None and session.journal.state == "waiting":
            waiting = (
                f" The old key {session.journal.old_key} stays valid until: "
                + session.journal.next_commands()[0]
            )
        return (
            f"profile {profile.name} is saved with key {session.key_label}, stored in "
            f"{session.storage.location if session.storage else 'nowhere'}{where}.{waiting}"
        )
    notes = await session.rollback()
    if session.applied_to_target:
        return "; ".join(notes) + "."
    if not notes:
        return "nothing was written."
    return "; ".join(notes) + "; nothing else was written."
