"""Checks that run before a key is minted, so a refusal never leaves a key behind.

Whatever can be checked without the key is checked first: the target's edit (each target's
`check_edit`, with PLACEHOLDER_KEY), config.toml, the profile name against every writer, and a
canary write to the secret store.
"""

from __future__ import annotations

import secrets as pyrandom
from typing import Any

from gtwizard.errors import InvalidInput, OperationFailed


def prove_store(store: Any, profile: str) -> None:
    """Write, read back and delete a canary entry: a key that cannot be stored is never minted."""
    from gtwizard.errors import GtwizardError

    entry = f"{profile}/.gtwizard-canary"
    value = "canary-" + pyrandom.token_hex(8)
    try:
        store.put(entry, value)
        back = store.get(entry)
        store.delete(entry)
    except GtwizardError as exc:
        raise OperationFailed(
            f"the secret store ({store.location}) refused a test write: {exc.message}",
            exc.hint or "make it usable (see gtwizard check), or choose another storage",
        ) from None
    if back != value:
        raise OperationFailed(
            f"the secret store ({store.location}) did not give back what was written",
            "make it usable (see gtwizard check), or choose another storage",
        )


def check_profile_name(name: str) -> str:
    """The name must suit every writer: config.toml, the journal, the ledger, keyring entries."""
    from gtwizard.profiles import validate_profile_name
    from gtwizard.redact import redact

    validate_profile_name(name)
    if redact(name) != name:
        raise InvalidInput(
            f"the profile name {name!r} looks like a secret, so gtwizard would refuse to save it",
            "pick a plain name, e.g. the tenant host",
        )
    return name


def check_config() -> None:
    """config.toml must parse before anything is created (its errors name the path and line)."""
    from gtwizard.profiles import load_profiles

    load_profiles()
