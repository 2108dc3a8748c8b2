"""Checks that run before a key is minted, so a refusal never leaves a key behind.

Whatever can be checked without the key is checked first: the env file's content and
writability (by planning the edit with a placeholder key), config.toml, the profile name against
every writer, and a canary write to the secret store.
"""

from __future__ import annotations

import os
import secrets as pyrandom
from pathlib import Path
from typing import Any

from gtwizard.errors import InvalidInput, OperationFailed

PLACEHOLDER_KEY = "gtak_" + "0" * 40  # the shape of a key, never a real one


def check_env_file(path: Path, dialect: str, choice: Any, openai_base: str) -> None:
    """Plan the env-file edit with a placeholder key: every refusal happens here, before a mint."""
    from gtwizard.fileio import real_path
    from gtwizard.openwebui.targets import EnvFileTarget, connection_for, plan_env

    real = real_path(path)  # a link another user controls is refused here, before any mint
    plan_env(EnvFileTarget(path, dialect), connection_for(choice, openai_base, PLACEHOLDER_KEY))
    check_replaceable(real)


def check_replaceable(path: Path) -> None:
    """The file at `path` can be replaced as an atomic write replaces it, tried for real.

    `os.access` answers yes to root for an immutable (chattr +i) or append-only file, and the
    rename would then fail after a key was minted. So: a temp file made and removed in the
    folder, and the file itself opened for writing (nothing written, nothing truncated).
    """
    import tempfile

    if not path.parent.is_dir():
        return  # the plan already said the folder is missing
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        os.unlink(probe)
        if path.exists():
            os.close(os.open(path, os.O_WRONLY))
    except OSError as exc:
        raise OperationFailed(
            f"{path} cannot be replaced ({exc.strerror})",
            "run as the file's owner, lift an immutable or append-only attribute "
            "(lsattr shows it), or pick another path",
        ) from None


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
