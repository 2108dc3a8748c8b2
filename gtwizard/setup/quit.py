"""Quitting the TUI mid-run: the key this run made ends in a defined state, and the message says
what exists afterwards (DESIGN §6b, rule 4), instead of a blanket "nothing was written"."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any


async def end_of_run(session: Any, profile: Any, touched: Collection[str] = ()) -> str:
    """Undo a key the client does not hold yet; keep (and name) one it holds. The one-line truth.

    `touched` names the saved profiles that rotations (or their aborts) acted on in this run:
    each is described as it stands now, read back from config.toml and its journal."""
    now = [profile_now(name) for name in touched]
    if profile is not None and profile.name in touched:
        session = None  # a later rotation acted on the profile this run saved: say what is now
        profile = None
    first = await _setup_end(session, profile)
    if now and first == "nothing was written.":
        return " ".join(now)
    return " ".join([first, *now])


def profile_now(name: str) -> str:
    """One sentence: the key a saved profile uses now, and its work in progress if any."""
    from gtwizard.errors import GtwizardError
    from gtwizard.lifecycle.journal import open_journal
    from gtwizard.profiles import get_profile

    try:
        key = f"uses key {get_profile(name).key_label}"
    except GtwizardError:
        key = "is not saved"
    try:
        journal = open_journal(name)
    except GtwizardError as exc:
        return f"Profile {name} {key}; {exc.one_line()}."
    if journal is None:
        return f"Profile {name} {key}; nothing is in progress."
    held = ""  # promoted or waiting: the summary says where the new key is
    settled = journal.done("promote") or journal.state == "waiting"
    if not settled and journal.done("apply"):
        held = "; the new key is already written to its target"
    elif not settled and journal.last_step == "store-pending":  # stopped while it was written
        held = "; its target may already hold the new key"
    return (
        f"Profile {name} {key}; {journal.summary()}{held}; resolve: {journal.next_commands()[0]}."
    )


async def _setup_end(session: Any, profile: Any) -> str:
    """The setup flow's part: what its key and profile are once this run ends."""
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
