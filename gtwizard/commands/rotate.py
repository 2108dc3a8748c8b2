"""`gtwizard rotate`: replace a profile's key with no downtime (mint, apply, verify, then revoke).

Secrets never come from argv: the new key (guided manual minting) on stdin with --key-stdin, the
operator token from GTWIZARD_OPERATOR_TOKEN, the Open WebUI admin credential from
GTWIZARD_OPENWEBUI_TOKEN (or the stored one). Exit 0 done, 1 failed (and rolled back where needed),
2 bad usage, 130 interrupted (the journal keeps the place: rerun with --resume).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from gtwizard.commands import COMMANDS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "rotate",
        help=COMMANDS["rotate"],
        description="Mint a new key with the same preset, scopes and allowlist, store it as "
        "pending, apply it, verify it where the client uses it, and only then revoke the old "
        "key. Every step is journaled; --resume continues an interrupted rotation.",
    )
    p.add_argument("--profile", metavar="NAME", help="profile (default: the default one)")
    p.add_argument("--yes", action="store_true", help="do not ask before starting")
    p.add_argument("--resume", action="store_true", help="continue an interrupted rotation")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--key-stdin",
        action="store_true",
        help="read the new gtak_ key (made at the tenant's /gt-api page) on stdin",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=600.0,
        metavar="S",
        help="how long to wait for a restart or a manual revocation (default 600)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from gtwizard.commands.runbook import profile_named
    from gtwizard.errors import EXIT_INTERRUPTED, GtwizardError, InvalidInput
    from gtwizard.rotation import Rotation, RotationOptions
    from gtwizard.runbook import rotation_interruption

    profile = profile_named(args.profile, "rotate")
    interactive = sys.stdin.isatty() and not args.json
    pasted = sys.stdin.readline() if args.key_stdin else None
    if args.wait <= 0:
        raise InvalidInput("--wait must be a positive number of seconds")
    note = None if args.json or args.resume else rotation_interruption(profile.target_kind)
    if note:
        print(note, flush=True)
    if interactive and not args.yes and not args.resume:
        answer = input(f"Rotate key {profile.key_id} of profile '{profile.name}'? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise InvalidInput("cancelled; nothing was changed")

    def say(text: str) -> None:
        if not args.json:
            print(text, flush=True)

    options = RotationOptions(
        profile=profile.name,
        resume=args.resume,
        pasted_key=pasted,
        operator_token=os.environ.get("GTWIZARD_OPERATOR_TOKEN", "").strip() or None,
        say=say,
        wait_for_restart=(lambda prompt: input(prompt + " ")) if interactive else None,
        poll_timeout=args.wait,
    )
    rotation = Rotation(options)
    try:
        result = asyncio.run(rotation.run())
    except KeyboardInterrupt:
        journal = rotation.journal
        if args.json:
            print(json.dumps(rotation.result(ok=False, error="interrupted")))
        where = f" after step {journal.last_step}" if journal and journal.last_step else ""
        print(
            f"gtwizard: rotation interrupted{where}. Run 'gtwizard rotate --resume "
            f"--profile {profile.name}' to finish it.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except GtwizardError as exc:
        if args.json:
            print(json.dumps(rotation.result(ok=False, error=exc.one_line()), indent=2))
        raise
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"rotation done: profile '{profile.name}' now uses key {result['new_key_id']}")
    return 0
