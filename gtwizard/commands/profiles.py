"""`gtwizard profiles list|show NAME|remove NAME`: look at and retire profiles.

`remove` also deletes the profile's stored secrets (keyring entry or file entry), after a typed
confirmation; without a terminal it needs --yes, so automation never removes by accident.
"""

from __future__ import annotations

import argparse
from typing import Any

from gtwizard.commands import COMMANDS, print_json
from gtwizard.kinds import TargetKind


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
    register_set(actions)
    p.set_defaults(func=run)


def register_set(actions: argparse._SubParsersAction) -> None:
    """`profiles set NAME`: what can change on a saved profile without setting it up again."""
    st = actions.add_parser(
        "set",
        help="set a profile's proof channel (the Open WebUI that check and rotate prove through)",
        description="Give an Open WebUI profile its proof channel: Open WebUI's URL, through "
        "which check and rotate chat as an ordinary user and read the connection Open WebUI "
        "really uses; with --keep-admin-token, the admin credential from "
        "GTWIZARD_OPENWEBUI_TOKEN is kept beside the key. --prove-url none removes it.",
    )
    st.add_argument("name", metavar="NAME")
    st.add_argument("--prove-url", metavar="URL", help="Open WebUI's URL, or none to remove it")
    st.add_argument(
        "--keep-admin-token",
        action="store_true",
        help="keep the admin credential (GTWIZARD_OPENWEBUI_TOKEN) beside the key",
    )
    st.add_argument(
        "--allow-http-openwebui",
        action="store_true",
        help="accept plain http to an Open WebUI that is not on loopback",
    )
    st.add_argument("--json", action="store_true", help="print one JSON object")
    st.set_defaults(func=run_set)


def run_set(args: argparse.Namespace) -> int:
    """Set or remove the proof channel; the credential only as gtwizard/credentials.py allows."""
    import asyncio

    from gtwizard.credentials import Settings, grants_for
    from gtwizard.errors import InvalidInput
    from gtwizard.profiles import get_profile
    from gtwizard.proofchannel import check_channel, remove_proof_channel, set_proof_channel

    profile = get_profile(args.name)
    url = args.prove_url.strip() if args.prove_url else None
    if url is None and not args.keep_admin_token:
        raise InvalidInput(
            "nothing to set", "give --prove-url URL (or none), or --keep-admin-token"
        )
    if url is not None and url.lower() == "none":
        if args.keep_admin_token:
            raise InvalidInput(
                "--prove-url none removes the channel and its credential: nothing to keep",
                "leave out --keep-admin-token",
            )
        change = asyncio.run(remove_proof_channel(profile.name))
    else:
        chosen = check_channel(profile, url, allow_http=args.allow_http_openwebui) if url else None
        grant = grants_for(Settings.from_environ(), profile, openwebui_url=chosen).openwebui
        if args.keep_admin_token and grant.withheld:
            raise InvalidInput(
                f"--keep-admin-token: {grant.withheld}",
                "run with the admin credential of this Open WebUI",
            )
        change = asyncio.run(
            set_proof_channel(
                profile.name,
                chosen,
                token=grant.token if args.keep_admin_token else None,
                keep=args.keep_admin_token,
                allow_http=args.allow_http_openwebui,
            )
        )
    if args.json:
        print_json(change.to_json())
    else:
        for line in change.said:
            print(line)
    return 0


def _list(as_json: bool) -> int:

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
            "key_label": p.key_label if p.key_id else None,  # as /gt-api shows it
            "storage": p.storage_kind,
            "target": p.target_kind,
        }
        for p in profiles.values()
    ]
    if as_json:
        print_json({"ok": True, "default_profile": default, "profiles": rows})
    elif not rows:
        print("No profiles yet. Run 'gtwizard' or 'gtwizard setup' to create one.")
    else:
        for row in rows:
            mark = "*" if row["default"] else " "
            print(
                f"{mark} {row['name']}  {row['product_preset']} -> {row['tenant_host']}  "
                f"key {row['key_label'] or '-'}  stored: {row['storage']}  target: {row['target']}"
            )
    return 0


def _show(name: str, as_json: bool) -> int:

    from gtwizard.profiles import get_profile, profile_to_json

    data = profile_to_json(get_profile(name))
    if as_json:
        print_json({"ok": True, **data})
        return 0
    for key, value in data.items():
        if isinstance(value, list):
            value = ", ".join(value) or "-"
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        print(f"{key:<17} {'-' if value is None or value == '' else value}")
    return 0


def _confirm(profile: Any, args: argparse.Namespace) -> bool:
    from gtwizard.commands.confirm import require_confirmation

    require_confirmation(args, f"remove profile {profile.name!r}")
    if args.yes:
        return True
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

    from gtwizard.lifecycle.removal import remove_profile_fully
    from gtwizard.profiles import get_profile

    profile = get_profile(args.name)
    if not _confirm(profile, args):
        print("Nothing removed.")
        return 1
    result = remove_profile_fully(
        profile.name, keep_keys=args.keep_keys, keep_secrets=args.keep_secrets
    )
    remaining = []  # what is left to the operator, said in both outputs
    if result["not_revoked"]:
        remaining.append(f"gtwizard keys --host {profile.tenant_host} --revoke-orphans")
    if result["revoked"] and profile.target_kind != TargetKind.NONE:
        remaining.append(f"remove the connection in {profile.target_place}: it names a revoked key")
    if args.json:
        print_json({**result, "remaining": remaining})
        return 0
    secrets = (
        "its stored secrets could not be reached and remain"
        if result["secrets_kept"]
        else f"deleted {len(result['deleted_secrets'])} stored secret(s)"
    )
    print(f"Removed profile {profile.name}; revoked {len(result['revoked'])} key(s); {secrets}.")
    for line in result["not_revoked"]:
        print(f"  NOT revoked: {line}")
    if result["not_revoked"]:
        print(f"  Revoke them later with: {remaining[0]}")
    if result["revoked"] and profile.target_kind != TargetKind.NONE:
        print(f"  {profile.target_place} still names a revoked key: remove that connection.")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return _list(args.json)
    if args.action == "show":
        return _show(args.name, args.json)
    return _remove(args)
