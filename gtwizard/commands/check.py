"""`gtwizard check`: run the live checks for a profile and keep the result as its last check.

Exit 0 when no check failed, 1 when one did, 2 for bad usage (unknown profile, missing test-user
password). Secrets come from the store or the environment, never from argv.
"""

from __future__ import annotations

import argparse
from typing import Any

from gtwizard.commands import COMMANDS, print_json, seconds
from gtwizard.errors import EXIT_FAILED, EXIT_OK

DEFAULT_TIMEOUT = 20.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help=COMMANDS["check"],
        description="Check a profile live: the product's validation checklist (chat, no leak, "
        "rotation documented) and the technical checks behind it. Open WebUI checks need its "
        "admin credential (GTWIZARD_OPENWEBUI_TOKEN or the stored one).",
    )
    p.add_argument("--profile", metavar="NAME", help="profile to check (default: the default one)")
    p.add_argument(
        "--all",
        action="store_true",
        help="check every profile, several at a time (one result per profile; exit 1 if any failed)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="with --all: how many profiles are checked at once (default 4)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--timeout",
        type=seconds,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds each check may take (default {DEFAULT_TIMEOUT:g})",
    )
    p.add_argument(
        "--test-user",
        metavar="EMAIL",
        help="existing ordinary Open WebUI user to check as (password in "
        "GTWIZARD_OPENWEBUI_TEST_PASSWORD); default: a temporary user, deleted afterwards",
    )
    p.add_argument(
        "--openwebui-url",
        metavar="URL",
        help="prove through this Open WebUI (admin credential in GTWIZARD_OPENWEBUI_TOKEN) and "
        "record it as the profile's proof channel when it answers",
    )
    p.set_defaults(func=run)


def _table(report: Any, profile: Any) -> str:
    """Word statuses, one check per line, the hint under a failure; readable at 80 columns."""
    lines = [f"Profile {profile.name}: {profile.product_preset} -> {profile.tenant_host}", ""]
    width = max(len(r.id) for r in report.results)
    for r in report.results:
        lines.append(f"{r.status.upper():<5} {r.id:<{width}}  {r.detail}")
        if r.hint and r.status in ("fail", "warn", "skip"):
            lines.append(f"{'':<5} {'':<{width}}  -> {r.hint}")
    counts = report.summary()
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    lines += ["", f"{'OK' if report.ok else 'FAILED'}: {summary}"]
    return "\n".join(lines)


def _test_user(email: str | None) -> tuple[str, str] | None:
    from gtwizard.credentials import TEST_PASSWORD_ENV, test_password
    from gtwizard.errors import InvalidInput

    if not email:
        return None
    password = test_password()
    if not password:
        raise InvalidInput(
            f"--test-user {email} needs its password in {TEST_PASSWORD_ENV}",
            f"export {TEST_PASSWORD_ENV} (never pass a password on the command line)",
        )
    return email, password


def run(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    from gtwizard.checks import all_checks, run_checks
    from gtwizard.checks.load import context_for_profile
    from gtwizard.credentials import Settings, grants_for
    from gtwizard.errors import InvalidInput
    from gtwizard.presets.catalog import load_catalog
    from gtwizard.profiles import default_profile_name, get_profile

    if args.all or args.jobs is not None:
        return _run_all(args)
    name = args.profile or default_profile_name()
    if not name:
        raise InvalidInput(
            "no profile to check", "pass --profile NAME (see 'gtwizard profiles list')"
        )
    profile = get_profile(name)
    test_user = _test_user(args.test_user)
    catalog = load_catalog()
    channel, moved = _channel_for_run(profile, args.openwebui_url)
    grants = grants_for(Settings.from_environ(), profile, openwebui_url=channel)
    if args.openwebui_url and grants.openwebui.withheld:
        print(f"gtwizard: not sent: {grants.openwebui.withheld}", file=sys.stderr, flush=True)

    async def go() -> Any:
        ctx = await context_for_profile(
            profile,
            catalog,
            timeout=args.timeout,
            test_user=test_user,
            openwebui_token=grants.openwebui.token,
            operator_token=grants.operator.token,
            withheld=grants.openwebui.withheld,
        )
        return await run_checks(all_checks(ctx.profile), ctx)

    report = asyncio.run(go())
    recorded = _record_channel(profile, channel) if channel and moved else None
    if args.json:
        print_json(report.to_json() | ({"proof_channel": recorded} if recorded else {}))
    else:
        print(_table(report, profile))
        if recorded:
            print(recorded["said"])
    from gtwizard.checks.record import remember

    warning = remember(name, report)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAILED


def _channel_for_run(profile: Any, url: str | None) -> tuple[str | None, bool]:
    """`--openwebui-url`: the proof channel for this run, checked like `profiles set` checks it,
    and whether it is new to the profile.

    The profile is changed in memory only (the run's checks read it); a credential kept for
    another Open WebUI is never sent to this one, so moving the channel goes through
    `profiles set`, which says what happens to it."""
    from gtwizard.credentials import openwebui_url_of
    from gtwizard.errors import InvalidInput
    from gtwizard.proofchannel import check_channel, same_place

    if not url:
        return None, False
    chosen = check_channel(profile, url, flag=False)  # check has no --allow-http-openwebui
    current = openwebui_url_of(profile)
    if current and same_place(current, chosen):
        return chosen, False
    if profile.admin_token_kept and current and not same_place(current, chosen):
        raise InvalidInput(
            f"profile {profile.name!r} keeps an admin credential for {current}, not for {chosen}",
            f"move the proof channel first: gtwizard profiles set {profile.name} --prove-url "
            f"{chosen} (with --keep-admin-token and GTWIZARD_OPENWEBUI_TOKEN to keep a new one)",
        )
    profile.openwebui_url = chosen  # not an admin-API profile: check_channel refused that
    return chosen, True


def _record_channel(profile: Any, url: str) -> dict[str, Any]:
    """Keep the run's Open WebUI as the profile's proof channel, if it answered as one."""
    import asyncio

    from gtwizard.errors import GtwizardError
    from gtwizard.proofchannel import answers, set_proof_channel

    ca = profile.ca_bundle if isinstance(profile.ca_bundle, str) and profile.ca_bundle else None
    if not asyncio.run(answers(url, ca_bundle=ca)):
        said = f"proof channel not recorded: nothing answered as Open WebUI at {url}"
        return {"url": url, "recorded": False, "said": said}
    try:
        change = asyncio.run(set_proof_channel(profile.name, url))
    except GtwizardError as exc:
        said = f"proof channel not recorded: {exc.one_line()}"
        return {"url": url, "recorded": False, "said": said}
    said = (
        f"recorded {url} as the proof channel of profile {profile.name!r}: later checks and "
        f"rotations prove through it (gtwizard profiles set {profile.name} --prove-url none "
        "forgets it)"
    )
    return {"url": change.url, "recorded": True, "said": said}


def _run_all(args: argparse.Namespace) -> int:
    """`check --all`: every profile, `--jobs` at a time, one result per profile."""
    import sys

    from gtwizard.errors import InvalidInput
    from gtwizard.fleet import check_all, check_jobs

    if not args.all:
        raise InvalidInput("--jobs goes with --all", "run: gtwizard check --all --jobs N")
    if args.profile:
        raise InvalidInput("--all and --profile cannot be combined", "pick one")
    if args.openwebui_url:
        raise InvalidInput(
            "--all and --openwebui-url cannot be combined: an Open WebUI URL belongs to one profile",
            "check that profile alone: gtwizard check --profile NAME --openwebui-url URL",
        )
    jobs = check_jobs(args.jobs)
    test_user = _test_user(args.test_user)

    def done(record: dict[str, Any]) -> None:
        if args.json:
            return
        if "checks" in record:
            counts: dict[str, int] = {}
            for check in record["checks"]:
                counts[check["status"]] = counts.get(check["status"], 0) + 1
            failed = [c["id"] for c in record["checks"] if c["status"] == "fail"]
            line = ", ".join(f"{n} {s}" for s, n in counts.items())
            line += f"; failed: {', '.join(failed)}" if failed else ""
        else:
            line = f"{record['error']} -> {record.get('hint') or ''}".rstrip(" ->")
        work = record.get("in_progress")
        if work and work["commands"]:  # checked, not ok: a rotation waits (or was cut short)
            line += f"; {work['summary']} -> resolve: {' or '.join(work['commands'])}"
        elif work:  # its journal is unreadable: the summary says what to do
            line += f"; {work['summary']}"
        waiting = record.get("result") == "waiting"
        word = "OK" if record["ok"] else "WAITING" if waiting else "FAILED"
        print(f"{word:<6} {record['profile']}: {line}", flush=True)

    from gtwizard.credentials import Settings

    run = check_all(
        jobs=jobs,
        timeout=args.timeout,
        test_user=test_user,
        done=done,
        credentials=Settings.from_environ(),
    )
    if args.json:
        print_json(run.to_json())
    else:
        if not run.results:
            print("No profiles yet. Run 'gtwizard' or 'gtwizard setup' to create one.")
        bad = sum(not r["ok"] for r in run.results)
        waiting = sum(r.get("result") in ("waiting", "in-progress") for r in run.results)
        print(
            f"\n{len(run.results) - bad} of {len(run.results)} profile(s) ok, {bad - waiting} "
            f"failed, {waiting} with a rotation or setup to resolve"
            if waiting
            else f"\n{len(run.results) - bad} of {len(run.results)} profile(s) ok, {bad} failed"
        )
        for line in run.needs:
            print(f"not sent: {line}")
    if run.warning:
        print(f"warning: {run.warning}", file=sys.stderr)
    if run.crashed:
        from gtwizard.crash import EXIT_CRASH

        return EXIT_CRASH
    return EXIT_OK if run.ok else EXIT_FAILED
