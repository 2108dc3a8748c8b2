"""`gtwizard rotate`: replace a profile's key with no downtime (mint, apply, verify, then revoke).

Secrets never come from argv: the new key (guided manual minting) on stdin with --key-stdin, the
operator token from GTWIZARD_OPERATOR_TOKEN, the Open WebUI admin credential from
GTWIZARD_OPENWEBUI_TOKEN (or the stored one); on a terminal with no operator token, the key is
guided and pasted at a masked prompt. Exit 0 done, aborted, or waiting for proof (JSON `state`:
done | waiting | rolled-back); 1 failed (rolled back where needed); 2 bad usage (refused before any
key existed: `not-started`); 130 interrupted (the journal keeps the place: `gtwizard status` names
the command that resolves it).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gtwizard.commands import COMMANDS, print_json, seconds


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "rotate",
        help=COMMANDS["rotate"],
        description="Mint a new key with the same preset, scopes and allowlist, store it as "
        "pending, apply it, verify it where the client uses it, and only then revoke the old "
        "key. Every step is journaled; --resume continues an interrupted rotation, --abort undoes it. An "
        "env-file target with no Open WebUI URL waits (both keys live) until --finish.",
    )
    p.add_argument("--profile", metavar="NAME", help="profile (default: the default one)")
    p.add_argument("--yes", action="store_true", help="do not ask before starting")
    p.add_argument("--resume", action="store_true", help="continue an interrupted rotation")
    p.add_argument(
        "--finish",
        action="store_true",
        help="prove a waiting rotation's new key in Open WebUI, then revoke the old key",
    )
    p.add_argument(
        "--abort",
        action="store_true",
        help="undo a rotation in progress: the old key back in the target, the new one revoked "
        "(refused while Open WebUI may run on the new key: it is asked, or you are)",
    )
    p.add_argument(
        "--revoke-without-proof",
        action="store_true",
        help="with --finish: revoke the old key although Open WebUI's use of the new one is not "
        "proven (its chats fail if it still holds the old key)",
    )
    p.add_argument(
        "--openwebui-url",
        metavar="URL",
        help="with --finish: prove the new key through this Open WebUI; with --abort: ask it "
        "which key it runs on (GTWIZARD_OPENWEBUI_TOKEN)",
    )
    p.add_argument(
        "--due",
        action="store_true",
        help="rotate every profile whose key is past its rotation policy or near expiry, "
        "several at a time (one result per profile; exit 1 if any failed; never asks)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="with --due: how many profiles are rotated at once (default 4)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--key-stdin",
        action="store_true",
        help="read the new gtak_ key (made at the tenant's /gt-api page) on stdin",
    )
    p.add_argument(
        "--key-name",
        metavar="NAME",
        help="with --key-stdin: the name you gave the key at /gt-api (recorded, and used to name "
        "it in every message; without it, the key is named by its prefix)",
    )
    p.add_argument(
        "--accept-wider-key",
        action="store_true",
        help="with --key-stdin: keep a pasted key that can do more than the profile's",
    )
    p.add_argument(
        "--wait",
        type=seconds,
        default=600.0,
        metavar="S",
        help="how long to wait for a restart or a manual revocation (default 600)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from gtwizard.commands.confirm import ask_on_terminal, can_ask, require_confirmation
    from gtwizard.commands.runbook import profile_named
    from gtwizard.errors import EXIT_INTERRUPTED, GtwizardError, InvalidInput
    from gtwizard.rotation import (
        Rotation,
        RotationOptions,
        revoke_by_hand_note,
        suggested_key_name,
    )
    from gtwizard.runbook import rotation_interruption
    from gtwizard.setup.keys import check_key_name

    if args.due or args.jobs is not None:
        return _run_due(args)
    profile = profile_named(args.profile, "rotate")
    modes = [flag for flag in ("resume", "finish", "abort") if getattr(args, flag)]
    if len(modes) > 1:
        raise InvalidInput(f"--{modes[0]} and --{modes[1]} cannot be combined", "pick one")
    if args.revoke_without_proof and not args.finish:
        raise InvalidInput(
            "--revoke-without-proof goes with --finish",
            f"run: gtwizard rotate --finish --profile {profile.name} --revoke-without-proof",
        )
    if args.openwebui_url and not (args.finish or args.abort):
        raise InvalidInput(
            "--openwebui-url goes with --finish or --abort",
            f"run: gtwizard rotate --finish --profile {profile.name} --openwebui-url URL",
        )
    if args.key_name is not None and not args.key_stdin:
        raise InvalidInput(
            "--key-name goes with --key-stdin",
            "it names the key you made at /gt-api and paste on stdin",
        )
    if args.openwebui_url:  # the one URL rule now, before the rotation is touched
        from gtwizard.openwebui.url import check_openwebui_url

        allowed = profile.allow_http_openwebui is True
        check_openwebui_url(args.openwebui_url, allow_http=allowed, profile=profile.name)
    key_name = check_key_name(args.key_name) if args.key_name is not None else None
    if not modes:  # --resume/--finish/--abort name their change; a new rotation is confirmed
        require_confirmation(args, f"rotate the key of profile {profile.name!r}")
    interactive = can_ask(args)
    from gtwizard.setup.keys import read_key_stdin

    pasted = read_key_stdin() if args.key_stdin else None
    from gtwizard.credentials import Settings, grants_for

    grants = grants_for(Settings.from_environ(), profile, openwebui_url=args.openwebui_url)
    notes = [] if args.json or modes else [rotation_interruption(profile.target_kind)]
    if args.key_stdin and not (args.json or modes):  # guided: say first who revokes the old key
        notes.append(revoke_by_hand_note(profile, operator_token=bool(grants.operator.token)))
    for note in filter(None, notes):
        print(note, flush=True)
    if interactive and not args.yes and not modes:
        answer = input(f"Rotate key {profile.key_label} of profile '{profile.name}'? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise InvalidInput("cancelled; nothing was changed")

    def say(text: str) -> None:
        if not args.json:
            print(text, flush=True)

    for withheld in (grants.needs_operator, grants.needs_openwebui):
        if withheld:
            print(f"gtwizard: not sent: {withheld}", file=sys.stderr, flush=True)
    minting = grants.operator.token or profile.operator_token_kept
    if interactive and not modes and pasted is None and not minting:
        # nothing to mint with: the TUI's guided way, the key named as gtwizard suggests
        key_name = key_name or suggested_key_name(profile)
        pasted = _guided_paste(profile, key_name)
    options = RotationOptions(
        profile=profile.name,
        resume=args.resume,
        finish=args.finish,
        abort=args.abort,
        revoke_without_proof=args.revoke_without_proof,
        accept_wider_key=args.accept_wider_key,
        pasted_key=pasted,
        pasted_key_name=key_name,
        operator_token=grants.operator.token,
        openwebui_url=args.openwebui_url,
        openwebui_token=grants.openwebui.token,
        say=say,
        ask=ask_on_terminal if interactive else None,
        word_by_asking=interactive,
        poll_timeout=args.wait,
    )
    rotation = Rotation(options)
    found = _where(profile.name)
    try:
        result = asyncio.run(rotation.run())
    except KeyboardInterrupt:
        journal = rotation.journal
        if args.json:
            stopped = rotation.result(
                ok=False, error="interrupted", hint=" or ".join(rotation.remaining_commands())
            )
            print_json(stopped)
        where = f" after step {journal.last_step}" if journal and journal.last_step else ""
        fix = " or ".join(journal.next_commands()) if journal and journal.open else ""
        print(
            f"gtwizard: rotation interrupted{where}."
            + (f" Resolve it with: {fix}" if fix else " Nothing was left in progress."),
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except GtwizardError as exc:
        if args.json:
            failed = rotation.result(ok=False, error=exc.message, hint=exc.hint)
            print_json(failed)
        else:
            exc.then = _left_open(rotation, exc.hint, found)
        raise
    journal = rotation.journal
    old, new = (journal.old_key, journal.new_key) if journal else ("", "")
    if args.json:
        print_json(result)
    elif rotation.waiting:
        print(
            f"rotation waiting: profile '{profile.name}' has the new key {new} in "
            f"{profile.target_place}; the old key {old} stays valid until the "
            "new one is proven in Open WebUI. Still to do:"
        )
        for number, step in enumerate(rotation.remaining(), start=1):
            print(f"  {number}. {step}")
    elif args.abort:
        print(f"rotation aborted: profile '{profile.name}' keeps key {old}")
    else:
        print(f"rotation done: profile '{profile.name}' now uses key {new}")
    return 0


def _where(profile: str) -> tuple[object, ...] | None:
    """Where the profile's journal stands (state, steps, revocations, new key), or None."""
    from gtwizard.errors import GtwizardError
    from gtwizard.lifecycle.journal import Journal

    try:
        journal = Journal.load(profile)
    except GtwizardError:
        return None  # the rotation refuses it with its own error
    if journal is None:
        return None
    steps = tuple(entry["step"] for entry in journal.steps)
    return journal.state, steps, tuple(sorted(journal.revocations.items())), journal.new_key_id


def _left_open(rotation: Any, hint: str, found: tuple[object, ...] | None) -> list[str]:
    """What a rotation that stopped with an error left in progress, and the commands that
    resolve it, one a line (the error's hint cannot know that its retry would be refused).
    Nothing when the run left the journal where it found it (a refusal says what to do)."""
    commands = rotation.remaining_commands()
    if not commands or _where(rotation.opts.profile) == found:
        return []
    if all(command in hint for command in commands):  # the hint names them already
        return []
    return [
        f"left in progress: {rotation.journal.summary()}. Resolve it with one of:",
        *(f"  {command}" for command in commands),
    ]


def _guided_paste(profile: Any, key_name: str) -> str:
    """A terminal and no operator token: the guided way, as the TUI has it. The tenant's /gt-api
    address and exactly what to make there (the name to type included), then the key read masked
    (getpass: never echoed)."""
    import getpass

    from gtwizard.errors import InvalidInput
    from gtwizard.presets.catalog import load_catalog
    from gtwizard.rotation import revoke_by_hand_note
    from gtwizard.setup.keys import guided_mint_steps
    from gtwizard.tenant import parse_host

    steps = guided_mint_steps(
        parse_host(profile.tenant_host).gt_api_console,
        load_catalog().key_preset(profile.key_preset).name,
        profile.scopes,
        [*profile.agent_aliases, *profile.raw_models],
        "gtwizard checks it live, then rotates to it.",
        paste_where="at the prompt (it is not shown)",
        key_name=key_name,
        then=revoke_by_hand_note(profile, operator_token=False),
    )
    lines = [
        "No operator token for this tenant, so gtwizard cannot mint the new key: make it by hand "
        "(or export GTWIZARD_OPERATOR_TOKEN and run this again to mint it).",
        *(f"  {number}. {step}" for number, step in enumerate(steps, start=1)),
    ]
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    for line in lines:
        try:
            line.encode(encoding)
        except (UnicodeEncodeError, LookupError):
            line = line.replace("→", ">")
        print(line, flush=True)
    try:
        secret = getpass.getpass("New gtak_ key: ")
    except EOFError:
        secret = ""
    if not secret.strip():
        raise InvalidInput(
            "no key was pasted; nothing was changed",
            f"make the key at the tenant's /gt-api page, then run gtwizard rotate --profile "
            f"{profile.name} again (or pass it on stdin with --key-stdin)",
        )
    return secret


def _run_due(args: argparse.Namespace) -> int:
    """`rotate --due`: every due profile, `--jobs` at a time, each under its own lock."""
    from gtwizard.errors import EXIT_FAILED, EXIT_INTERRUPTED, InvalidInput
    from gtwizard.fleet import RotateSettings, check_jobs, rotate_due

    if not args.due:
        raise InvalidInput("--jobs goes with --due", "run: gtwizard rotate --due --jobs N")
    alone = (
        "profile",
        "resume",
        "finish",
        "abort",
        "revoke_without_proof",
        "openwebui_url",
        "key_name",
    )
    given = [name for name in alone if getattr(args, name)]
    if given or args.key_stdin:
        flag = "--" + (given[0] if given else "key_stdin").replace("_", "-")
        raise InvalidInput(
            f"--due and {flag} cannot be combined",
            "--due rotates every due profile with a minted key; use the single-profile "
            "command for anything else",
        )
    jobs = check_jobs(args.jobs)

    def say(profile: str, text: str) -> None:
        if not args.json:
            print(f"{profile}: {text}", flush=True)

    def done(record: dict[str, Any]) -> None:
        if args.json:
            return
        outcome = record.get("outcome", "failed")
        detail = {
            "rotated": f"now uses key {record.get('new_key_id')}",
            "waiting": f"new key {record.get('new_key_id')} applied; the old key stays valid "
            "until it is proven (gtwizard status names the commands)",
            "not-due": record.get("reason", ""),
            "in-progress": "; ".join(
                [record.get("in_progress", {}).get("summary", "")]
                + [f"resolve: {c}" for c in record.get("in_progress", {}).get("commands", [])]
            ),
            "busy": record.get("detail", ""),
            "interrupted": f"{record.get('detail', '')} -> resolve: "
            + " or ".join(record.get("remaining", [])),
            "skipped": record.get("detail", ""),
        }.get(outcome, f"{record.get('error', '')} -> {record.get('hint', '')}".rstrip(" ->"))
        if outcome == "failed" and record.get("remaining"):  # it left a journal open
            detail += "; left in progress, resolve: " + " or ".join(record["remaining"])
        print(f"{outcome.upper():<11} {record['profile']}: {detail}", flush=True)

    from gtwizard.credentials import Settings

    settings = RotateSettings(
        credentials=Settings.from_environ(),
        poll_timeout=args.wait,
        say=say,
    )
    run = rotate_due(jobs=jobs, settings=settings, done=done)
    if args.json:
        print_json(run.to_json())
    else:
        counts = ", ".join(f"{n} {k}" for k, n in run.counts().items()) or "no profiles"
        print(f"\nrotate --due: {counts}")
        for line in run.needs:
            print(f"not sent: {line}")
    if run.interrupted:  # as a single rotation's Ctrl-C: one line, each resolving command
        left = "; ".join(f"{r['profile']}: {' or '.join(r['remaining'])}" for r in run.left_open())
        print(
            "gtwizard: rotate --due interrupted."
            + (f" Resolve each: {left}" if left else " Nothing was left in progress."),
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if run.crashed:
        from gtwizard.crash import EXIT_CRASH

        return EXIT_CRASH
    return 0 if run.ok else EXIT_FAILED
