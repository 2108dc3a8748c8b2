"""`gtwizard profiles list|show NAME|remove NAME`: look at and retire profiles.

`remove` also deletes the profile's stored secrets (keyring entry or file entry), after a typed
confirmation; without a terminal it needs --yes, so automation never removes by accident.
"""

from __future__ import annotations

import argparse
from typing import Any

from gtwizard.commands import COMMANDS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "profiles",
        help=COMMANDS["profiles"],
        description="List, show or remove profiles. Removing one also deletes its stored key.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    lst = actions.add_parser("list", help="list profiles")
    lst.add_argument("--json", action="store_true", help="print one JSON object")
    show = actions.add_parser("show", help="show one profile (never a secret)")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="print one JSON object")
    rm = actions.add_parser("remove", help="remove a profile and delete its stored secrets")
    rm.add_argument("name", metavar="NAME")
    rm.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rm.add_argument(
        "--keep-secrets",
        action="store_true",
        help="remove the profile even if its stored secrets cannot be deleted (e.g. no keyring)",
    )
    rm.add_argument(
        "--keep-keys",
        action="store_true",
        help="remove the profile even if its keys cannot be revoked now (they stay live; "
        "gtwizard keys lists them later)",
    )
    rm.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _list(as_json: bool) -> int:
    import json

    from gtwizard.profiles import default_profile_name, load_profiles

    profiles = load_profiles()
    default = default_profile_name()
    rows = [
        {
            "name": p.name,
            "default": p.name == default,
            "product_preset": p.product_preset,
            "tenant_host": p.tenant_host,
            "key_id": p.key_id or None,
            "storage": p.storage_kind,
            "target": p.target_kind,
        }
        for p in profiles.values()
    ]
    if as_json:
        print(json.dumps({"default_profile": default, "profiles": rows}, indent=2))
    elif not rows:
        print("No profiles yet. Run 'gtwizard' or 'gtwizard setup' to create one.")
    else:
        for row in rows:
            mark = "*" if row["default"] else " "
            print(
                f"{mark} {row['name']}  {row['product_preset']} -> {row['tenant_host']}  "
                f"key {row['key_id'] or '-'}  stored: {row['storage']}  target: {row['target']}"
            )
    return 0


def _show(name: str, as_json: bool) -> int:
    import json

    from gtwizard.profiles import get_profile, profile_to_json

    data = profile_to_json(get_profile(name))
    if as_json:
        print(json.dumps(data, indent=2))
        return 0
    for key, value in data.items():
        if isinstance(value, list):
            value = ", ".join(value) or "-"
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        print(f"{key:<17} {'-' if value is None or value == '' else value}")
    return 0


def _confirm(profile: Any, yes: bool) -> bool:
    import sys

    from gtwizard.errors import InvalidInput

    if yes:
        return True
    if not sys.stdin.isatty():
        raise InvalidInput(
            f"refusing to remove profile {profile.name!r} without confirmation",
            "Pass --yes to remove it non-interactively",
        )
    print(
        f"This removes profile {profile.name!r}, revokes its keys on the tenant (the client "
        "then stops working until it gets another key) and deletes its stored secrets "
        f"({profile.storage_kind}: {profile.storage_location or 'default place'})."
    )
    try:
        typed = input(f"Type the profile name ({profile.name}) to confirm: ")
    except EOFError:
        typed = ""
    return typed.strip() == profile.name


def _remove(args: argparse.Namespace) -> int:
    from gtwizard.lifecycle.lock import profile_lock
    from gtwizard.profiles import get_profile

    profile = get_profile(args.name)
    if not _confirm(profile, args.yes):
        print("Nothing removed.")
        return 1
    with profile_lock(profile.name, "gtwizard profiles remove"):
        return _remove_locked(args, get_profile(args.name))


def _operator_token(profile: Any) -> str | None:
    """From the environment, else the one kept beside the key (read before it is deleted)."""
    import os

    from gtwizard.errors import GtwizardError
    from gtwizard.lifecycle.reconcile import kept_operator_token

    token = os.environ.get("GTWIZARD_OPERATOR_TOKEN", "").strip() or None
    try:
        return token or kept_operator_token(profile)
    except GtwizardError:
        return None


def _remove_locked(args: argparse.Namespace, profile: Any) -> int:
    import asyncio
    import json

    from gtwizard import audit
    from gtwizard.lifecycle.reconcile import (
        delete_stored_keys,
        forget_profile_state,
        revoke_profile_keys,
    )
    from gtwizard.profiles import delete_profile_secrets, remove_profile
    from gtwizard.secrets import SecretStorageError

    removal = asyncio.run(revoke_profile_keys(profile, _operator_token(profile)))
    blocking = [line for line in removal.not_revoked if not line.startswith("manual-")]
    if blocking and not args.keep_keys:
        from gtwizard.errors import OperationFailed

        raise OperationFailed(
            f"profile {profile.name!r} not removed: its key(s) cannot be revoked now "
            f"({'; '.join(blocking)})",
            "export GTWIZARD_OPERATOR_TOKEN, or pass --keep-keys to remove the profile and leave "
            "them live (gtwizard keys --revoke-orphans revokes them later)",
        )
    kept = False
    try:
        older = asyncio.run(delete_stored_keys(profile)) if not args.keep_secrets else []
        deleted = older + delete_profile_secrets(profile)
    except SecretStorageError as exc:
        if not args.keep_secrets:
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
    if args.json:
        result = {
            "ok": True,
            "removed": profile.name,
            "revoked": removal.revoked,
            "not_revoked": removal.not_revoked,
            "deleted_secrets": deleted,
            "secrets_kept": kept,
            "storage": {"kind": profile.storage_kind, "location": profile.storage_location},
        }
        print(json.dumps(result, indent=2))
    else:
        secrets = (
            "its stored secrets could not be reached and remain"
            if kept
            else f"deleted {len(deleted)} stored secret(s)"
        )
        print(f"Removed profile {profile.name}; revoked {len(removal.revoked)} key(s); {secrets}.")
        for line in removal.not_revoked:
            print(f"  NOT revoked: {line}")
        if removal.not_revoked:
            print("  Revoke them later with: gtwizard keys --host HOST --revoke-orphans")
        if removal.revoked and profile.target_kind != "none":
            print(f"  {profile.target_place} still names a revoked key: remove that connection.")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return _list(args.json)
    if args.action == "show":
        return _show(args.name, args.json)
    return _remove(args)
