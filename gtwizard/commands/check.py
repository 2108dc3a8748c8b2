"""`gtwizard check`: run the live checks for a profile and keep the result as its last check.

Exit 0 when no check failed, 1 when one did, 2 for bad usage (unknown profile, missing test-user
password). Secrets come from the store or the environment, never from argv.
"""

from __future__ import annotations

import argparse
from typing import Any

from gtwizard.commands import COMMANDS, print_json
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
        type=float,
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
    p.set_defaults(func=run)


def _table(report: Any, profile: Any) -> str:
    """Word statuses, one check per line, the hint under a failure; readable at 80 columns."""
    lines = [f"Profile {profile.name}: {profile.product_preset} -> {profile.tenant_host}", ""]
    width = max(len(r.id) for r in report.results)
    for r in report.results:
        lines.append(f"{r.status.upper():<5} {r.id:<{width}}  {r.detail}")
        if r.hint and r.status in ("fail", "warn"):
            lines.append(f"{'':<5} {'':<{width}}  -> {r.hint}")
    counts = report.summary()
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    lines += ["", f"{'OK' if report.ok else 'FAILED'}: {summary}"]
    return "\n".join(lines)


def _test_user(email: str | None) -> tuple[str, str] | None:
    import os

    from gtwizard.checks.load import TEST_PASSWORD_ENV
    from gtwizard.errors import InvalidInput

    if not email:
        return None
    password = os.environ.get(TEST_PASSWORD_ENV)
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

    if not args.timeout or args.timeout <= 0:
        raise InvalidInput("--timeout must be a positive number of seconds")
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
    grants = grants_for(Settings.from_environ(), profile)

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
        return await run_checks(all_checks(), ctx)

    report = asyncio.run(go())
    if args.json:
        print_json(report.to_json())
    else:
        print(_table(report, profile))
    from gtwizard.checks.record import remember

    warning = remember(name, report)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAILED


def _run_all(args: argparse.Namespace) -> int:
    """`check --all`: every profile, `--jobs` at a time, one result per profile."""
    import sys

    from gtwizard.errors import InvalidInput
    from gtwizard.fleet import check_all, check_jobs

    if not args.all:
        raise InvalidInput("--jobs goes with --all", "run: gtwizard check --all --jobs N")
    if args.profile:
        raise InvalidInput("--all and --profile cannot be combined", "pick one")
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
        if work:  # checked, but not ok: a rotation waits (or was cut short) on this profile
            line += f"; {work['summary']} -> resolve: {' or '.join(work['commands'])}"
        word = "OK" if record["ok"] else "WAITING" if record["result"] == "waiting" else "FAILED"
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
        waiting = sum(r["result"] in ("waiting", "in-progress") for r in run.results)
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
