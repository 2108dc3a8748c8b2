"""`gtwizard keys`: every key gtwizard made on each tenant, beside what refers to it.

A key is `active` (a profile uses it), `in-progress` (a setup or rotation refers to it), `revoked`,
or an `orphan`: live, named for gtwizard, and referred to by nothing. `--revoke-orphans` revokes
the orphans (asking first on a terminal, or with --yes). The operator token comes from
GTWIZARD_OPERATOR_TOKEN, or the one a profile kept; it is never taken from argv.
"""

from __future__ import annotations

import argparse

from gtwizard.commands import COMMANDS, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "keys",
        help=COMMANDS["keys"],
        description="List the tenant's keys named for gtwizard next to the profiles, the key "
        "ledger and setups or rotations in progress; revoke orphans.",
    )
    p.add_argument("--host", action="append", default=[], help="tenant host (repeatable)")
    p.add_argument("--profile", metavar="NAME", help="only this profile's tenant")
    p.add_argument("--revoke-orphans", action="store_true", help="revoke keys nothing refers to")
    p.add_argument("--yes", action="store_true", help="do not ask before revoking")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _tenants(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, str | None]]:
    """Tenant host -> operator token (and CA bundle), from --host and the profiles."""
    import os

    from gtwizard.errors import InvalidInput
    from gtwizard.lifecycle.journal import all_open_journals
    from gtwizard.profiles import load_profiles

    env_token = os.environ.get("GTWIZARD_OPERATOR_TOKEN", "").strip() or None
    profiles = load_profiles()
    chosen = [profiles[args.profile]] if args.profile in profiles else []
    if args.profile and not chosen:
        raise InvalidInput(f"no profile named {args.profile!r}", "see gtwizard profiles list")
    hosts = list(args.host) or [p.tenant_host for p in chosen or profiles.values()]
    if not args.host and not args.profile:
        hosts += [j.tenant_host for j in all_open_journals() if j.tenant_host]
    hosts = list(dict.fromkeys(hosts))
    if not hosts:
        raise InvalidInput("no tenant to ask", "give --host HOST, or set up a profile first")
    tokens: dict[str, str] = {}
    cas: dict[str, str | None] = {}
    for host in hosts:
        users = [p for p in profiles.values() if p.tenant_host == host]
        token = env_token or _kept_token(users)
        if not token:
            raise InvalidInput(
                f"listing the keys of {host} needs the operator token",
                "export GTWIZARD_OPERATOR_TOKEN (it is never taken from argv)",
            )
        tokens[host] = token
        ca = next((p.ca_bundle for p in users if p.ca_bundle), None)
        cas[host] = ca if isinstance(ca, str) else None
    return tokens, cas


def _kept_token(profiles: list) -> str | None:
    from gtwizard.errors import GtwizardError
    from gtwizard.lifecycle.reconcile import kept_operator_token

    for profile in profiles:
        try:
            token = kept_operator_token(profile)
        except GtwizardError:
            continue
        if token:
            return token
    return None


def run(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    from gtwizard.errors import InvalidInput
    from gtwizard.lifecycle.reconcile import reconcile, revoke_orphans

    tokens, cas = _tenants(args)
    reports = asyncio.run(reconcile(tokens, ca_bundles=cas))
    orphans = [row for report in reports for row in report.orphans]
    revoked: list[str] = []
    if args.revoke_orphans and orphans:
        if not args.yes:
            if not sys.stdin.isatty() or args.json:
                raise InvalidInput(
                    f"refusing to revoke {len(orphans)} key(s) without confirmation",
                    "pass --yes to revoke non-interactively",
                )
            answer = input(f"Revoke {len(orphans)} orphan key(s)? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                raise InvalidInput("cancelled; nothing was revoked")
        revoked = asyncio.run(revoke_orphans(reports, tokens, cas))
    errors = [f"{r.host}: {r.error}" for r in reports if r.error]
    left = [row.id for report in reports for row in report.orphans]
    ok = not errors and not left
    if args.json:
        out = {
            "ok": ok,
            "tenants": [
                {
                    "host": r.host,
                    "error": r.error,
                    "keys": [k.as_json() for k in r.keys],
                    "left_out": r.left_out,
                }
                for r in reports
            ],
            "orphans": left,
            "revoked": revoked,
        }
        print_json(out)
        return 0 if ok else 1
    for report in reports:
        print(f"{report.host}:" + (f" {report.error}" if report.error else ""))
        for row in report.keys:
            ledger = f" (ledger: {row.ledger_state})" if row.ledger_state else ""
            who = row.profile or "no profile"
            print(f"  {row.status:<12} {row.id}  {row.name}  [{who}]{ledger}")
        if not report.keys and not report.error:
            print("  no keys named for gtwizard")
        for note in report.left_out:  # never the record's bytes: where it was and why
            print(f"  left out, not of the contract's shape: {note}")
    if revoked:
        print(f"revoked {len(revoked)} orphan key(s): {', '.join(revoked)}")
    elif left:
        print(f"{len(left)} orphan key(s); revoke them with: gtwizard keys --revoke-orphans")
    return 0 if ok else 1
