"""Before any key: the profile's name, config.toml, an existing profile and work in progress."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gtwizard.errors import InvalidInput
from gtwizard.lifecycle.journal import open_journal

if TYPE_CHECKING:
    from gtwizard.setup.session import SetupSession


def check_profile_free(session: SetupSession) -> None:
    """The name suits every writer, config.toml parses, the profile is new (or --replace is
    given), and no other setup or rotation of it is in progress."""
    from gtwizard.lifecycle.canary import check_config, check_profile_name
    from gtwizard.lifecycle.lock import ensure_free
    from gtwizard.profiles import load_profiles

    req = session.request
    check_profile_name(req.profile)
    if session._lock is None:
        ensure_free(req.profile)
    check_config()
    existing = load_profiles().get(req.profile)
    if existing is not None and not req.replace:
        raise InvalidInput(
            f"profile {req.profile!r} already exists (key {existing.key_label}, "
            f"{existing.target_kind} {existing.target_place or ''})".rstrip(),
            "rerun with --replace to set up a new key and retire the old one once the new one "
            "is verified, or pick another --profile name",
        )
    pending = open_journal(req.profile)
    if pending is not None:
        raise InvalidInput(
            f"profile {req.profile!r}: {pending.summary()}",
            "resolve it first: " + " or ".join(pending.next_commands()),
        )
    session._replacing = existing
