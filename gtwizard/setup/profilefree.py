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


def check_place_free(session: SetupSession) -> None:
    """No other profile's connection to the same tenant lives where this one would be applied:
    the edit would replace that profile's key in the file, leaving its key live with no client
    and its checks failing (two tenants in one Open WebUI env file are two connections: fine)."""
    import os

    from gtwizard.errors import GtwizardError
    from gtwizard.profiles import load_profiles
    from gtwizard.tenant import parse_host

    req = session.request
    target = req.target
    if target is None or not target.applies or not target.place:
        return

    def same(a: str, b: str) -> bool:
        if os.path.isabs(a) and os.path.isabs(b):
            return os.path.realpath(a) == os.path.realpath(b)
        return a.rstrip("/") == b.rstrip("/")

    try:
        profiles = load_profiles()
    except GtwizardError:
        return  # config.toml's own check says what is wrong with it
    for other in profiles.values():
        if other.name == req.profile:
            continue
        if not (other.target_place and same(other.target_place, target.place)):
            continue
        try:
            tenant = parse_host(other.tenant_host).netloc
        except GtwizardError:
            continue
        if tenant == req.host.netloc:
            raise InvalidInput(
                f"{target.place} already holds profile {other.name!r}'s connection to {tenant}: "
                "this setup would replace its key there (nothing was changed)",
                f"set that profile up again instead (gtwizard setup --replace --profile "
                f"{other.name} …), or give profile {req.profile!r} a place of its own",
            )
