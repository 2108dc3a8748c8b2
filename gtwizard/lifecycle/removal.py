"""Removing a profile: every key it made revoked, every stored copy deleted, its state forgotten.

One function for `gtwizard profiles remove` and the welcome screen. Under the profile's lock it
revokes every live key the ledger (or the profile) knows, then deletes the stored copies, the
profile, its journal and ledger. A key that cannot be revoked now (no operator token) stops the
removal unless the operator says to keep it live (`keep_keys`); the ledger then stays, so
`gtwizard keys` still finds it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from gtwizard import audit
from gtwizard.errors import GtwizardError, OperationFailed

if TYPE_CHECKING:
    from gtwizard.credentials import Settings


def operator_token_for(profile: Any, credentials: Settings | None = None) -> str | None:
    """The environment's (`credentials`, else read now), where it belongs to this profile's tenant
    (gtwizard/credentials.py), else the one kept beside the key (read before it is deleted)."""
    from gtwizard.credentials import Settings, grants_for
    from gtwizard.lifecycle.reconcile import kept_operator_token

    settings = credentials if credentials is not None else Settings.from_environ()
    token = grants_for(settings, profile).operator.token
    try:
        return token or kept_operator_token(profile)
    except GtwizardError:
        return None


def remove_profile_fully(
    name: str,
    *,
    operator_token: str | None = None,
    credentials: Settings | None = None,
    keep_keys: bool = False,
    keep_secrets: bool = False,
) -> dict[str, Any]:
    """Remove `name` as described above; returns what was done (never a secret).

    `operator_token`: one the caller already knows belongs to the profile's tenant;
    `credentials`: the environment's as the caller read it (None: read it now)."""
    from gtwizard.lifecycle.lock import profile_lock
    from gtwizard.profiles import get_profile

    with profile_lock(name, "gtwizard profiles remove"):
        profile = get_profile(name)
        token = operator_token or operator_token_for(profile, credentials)
        return _remove_locked(profile, token, keep_keys=keep_keys, keep_secrets=keep_secrets)


def _remove_locked(
    profile: Any, token: str | None, *, keep_keys: bool, keep_secrets: bool
) -> dict[str, Any]:
    from gtwizard.lifecycle.reconcile import (
        delete_stored_keys,
        forget_profile_state,
        revoke_profile_keys,
    )
    from gtwizard.profiles import delete_profile_secrets, remove_profile
    from gtwizard.secrets import SecretStorageError

    removal = asyncio.run(revoke_profile_keys(profile, token))
    blocking = [line for line in removal.not_revoked if line not in removal.by_hand]
    if blocking and not keep_keys:
        raise OperationFailed(
            f"profile {profile.name!r} not removed: its key(s) cannot be revoked now "
            f"({'; '.join(blocking)})",
            "export GTWIZARD_OPERATOR_TOKEN, or pass --keep-keys to remove the profile and leave "
            "them live (gtwizard keys --revoke-orphans revokes them later)",
        )
    kept = False
    try:
        older = asyncio.run(delete_stored_keys(profile)) if not keep_secrets else []
        deleted = older + delete_profile_secrets(profile)
    except SecretStorageError as exc:
        if not keep_secrets:
            audit.record(
                "remove",
                profile=profile.name,
                key_id=profile.key_id,
                outcome="failed",
                detail=exc.message,
            )
            raise SecretStorageError(
                f"profile {profile.name!r} not removed: {exc.message}",
                f"{exc.hint.rstrip('.')}; or pass --keep-secrets to remove only the profile",
                exc.failure,
            ) from None
        deleted, kept = [], True
    remove_profile(profile.name)
    if not removal.not_revoked:
        forget_profile_state(profile.name)  # else the ledger keeps naming the live keys
    audit.record(
        "remove",
        profile=profile.name,
        key_id=profile.key_id,
        detail=(
            f"revoked {len(removal.revoked)} key(s); "
            + ("stored secrets kept" if kept else f"deleted {len(deleted)} stored secret(s)")
        ),
    )
    return {
        "ok": True,
        "removed": profile.name,
        "revoked": removal.revoked,
        "not_revoked": removal.not_revoked,
        "deleted_secrets": deleted,
        "secrets_kept": kept,
        "storage": {"kind": profile.storage_kind, "location": profile.storage_location},
        "target": {"kind": profile.target_kind, "place": profile.target_place},
    }
