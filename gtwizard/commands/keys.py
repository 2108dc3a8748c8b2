"""`gtwizard keys`: every key on each tenant, whose it is, and what refers to it.

A key is *ours* (this installation's ledger, a journal or a profile names it, or its name carries
this installation's identity), *another installation's* (named for gtwizard, not ours) or
*unknown*. Ours are `active` (a profile uses it), `in-progress` (a setup or rotation refers to
it), `revoked`, or an `orphan`: live and referred to by nothing. `--revoke-orphans` revokes our
orphans only (asking first on a terminal, or with --yes). Any other key is revoked only when named
with `--revoke-key ID`, and a key that is not ours then needs its own confirmation, which --yes
does not give: typing its id at a terminal, or naming it again with `--confirm-foreign ID`.

The operator token comes from GTWIZARD_OPERATOR_TOKEN (sent only to the tenant it belongs to: see
gtwizard/credentials.py), or the one a profile on that tenant kept; it is never taken from argv.
"""

from __future__ import annotations

import argparse
from typing import Any

from gtwizard.commands import COMMANDS, print_json

CONFIRM_FLAG = "--confirm-foreign"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "keys",
        help=COMMANDS["keys"],
        description="List each tenant's keys: ours (this installation's, beside the profiles, "
        "the key ledger and setups or rotations in progress), another installation's, unknown; "
        "revoke our orphans, or a key named by its id.",
    )
    p.add_argument("--host", action="append", default=[], help="tenant host (repeatable)")
    p.add_argument("--profile", metavar="NAME", help="only this profile's tenant")
    p.add_argument(
        "--revoke-orphans",
        action="store_true",
        help="revoke this installation's keys that nothing refers to",
    )
    p.add_argument(
        "--revoke-key",
        action="append",
        default=[],
        metavar="ID",
        help="revoke this key (repeatable); one that is not ours must be confirmed as well",
    )
    p.add_argument(
        CONFIRM_FLAG,
        action="append",
        default=[],
        metavar="ID",
        dest="confirm_foreign",
        help="confirm revoking a key that is not this installation's, without a terminal "
        "(name the same ID as --revoke-key; --yes does not cover it)",
    )
    p.add_argument("--yes", action="store_true", help="do not ask before revoking our orphans")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _tenants(
    args: argparse.Namespace, settings: Any
) -> tuple[dict[str, str | None], dict[str, str | None], dict[str, str], list[str]]:
    """Tenant host -> operator token (None: none may go there), CA bundle and why not; and the
    lines saying which profiles need which token."""
    from gtwizard.credentials import OPERATOR, credential_for, needs_summary, profile_tenant
    from gtwizard.credentials import tenant_place as place_of
    from gtwizard.errors import InvalidInput
    from gtwizard.lifecycle.journal import all_open_journals
    from gtwizard.profiles import load_profiles

    profiles = load_profiles()
    chosen = [profiles[args.profile]] if args.profile in profiles else []
    if args.profile and not chosen:
        raise InvalidInput(f"no profile named {args.profile!r}", "see gtwizard profiles list")
    hosts = list(args.host) or [p.tenant_host for p in chosen or profiles.values()]
    if not args.host and not args.profile:
        hosts += [j.tenant_host for j in all_open_journals() if j.tenant_host]
    seen: dict[str, str] = {}  # place -> the host as first given (one tenant, however written)
    for host in hosts:
        seen.setdefault(place_of(host), host)
    places = {host: place for place, host in seen.items()}
    hosts = list(places)
    if not hosts:
        raise InvalidInput("no tenant to ask", "give --host HOST, or set up a profile first")
    involved = {places[h] for h in hosts}
    tokens: dict[str, str | None] = {}
    cas: dict[str, str | None] = {}
    missing: dict[str, str] = {}
    needs: list[tuple[str, Any, str]] = []
    for host in hosts:
        users = [p for p in profiles.values() if profile_tenant(p) == places[host]]
        grant = credential_for(settings.operator, places[host], involved)
        token = grant.token or _kept_token(users)  # a kept token goes with its own tenant only
        tokens[host] = token
        if not token:
            missing[host] = grant.withheld or (
                f"listing the keys of {host} needs its operator token "
                f"(export {OPERATOR.env}; it is never taken from argv)"
            )
            needs += [(p.name, OPERATOR, places[host]) for p in users] or [
                (f"--host {host}", OPERATOR, places[host])
            ]
        ca = next((p.ca_bundle for p in users if p.ca_bundle), None)
        cas[host] = ca if isinstance(ca, str) else None
    if not any(tokens.values()):
        first = missing[hosts[0]]
        lines = needs_summary(needs) if len(hosts) > 1 else []
        raise InvalidInput(first, "; ".join(lines) or f"export {OPERATOR.env}")
    return tokens, cas, missing, needs_summary(needs)


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


def _named_rows(args: argparse.Namespace, reports: list) -> tuple[list, list[str]]:
    """The rows of the keys named with --revoke-key (refusing ours in use and unknown ids), and
    the ids already revoked."""
    from gtwizard.errors import InvalidInput
    from gtwizard.lifecycle.reconcile import ACTIVE, IN_PROGRESS, OURS

    rows = {row.id: row for report in reports for row in report.keys}
    stray = [i for i in args.confirm_foreign if i not in args.revoke_key]
    if stray:
        raise InvalidInput(
            f"{CONFIRM_FLAG} {stray[0]} names a key not given with --revoke-key",
            f"give both: --revoke-key {stray[0]} {CONFIRM_FLAG} {stray[0]}",
        )
    named, done = [], []
    for key_id in dict.fromkeys(args.revoke_key):
        row = rows.get(key_id)
        if row is None:
            asked = ", ".join(r.host for r in reports if not r.error) or "no tenant answered"
            raise InvalidInput(
                f"no key {key_id!r} on the tenants asked ({asked})",
                "see the ids with gtwizard keys; give --host HOST for another tenant",
            )
        if row.revoked:
            done.append(key_id)
        elif row.owner == OURS and row.status in (ACTIVE, IN_PROGRESS):
            raise InvalidInput(
                f"the key {key_id} is {row.status} for profile {row.profile!r}: revoking it "
                "would leave its client on a dead key",
                _in_use_hint(row.profile),
            )
        else:
            named.append(row)
    return named, done


def _in_use_hint(profile: str) -> str:
    """How a key a profile uses goes: the open setup or rotation's own commands (a new rotation
    is refused while one is in progress), else a rotation or the profile's removal."""
    from gtwizard.lifecycle.journal import open_work

    work = open_work(profile)
    if work is not None and work["commands"]:
        return f"{work['summary']}: resolve it with {' or '.join(work['commands'])}"
    if work is not None:  # its journal is unreadable: that error says what to do
        return str(work["summary"])
    return f"rotate it (gtwizard rotate --profile {profile}) or remove the profile"


def _confirm_foreign(args: argparse.Namespace, foreign: list) -> None:
    """A key that is not ours is revoked only when the operator names it twice: --yes never
    covers it. At a terminal: type its id; otherwise: --confirm-foreign ID."""
    from gtwizard.commands.confirm import can_ask
    from gtwizard.errors import InvalidInput

    for row in foreign:
        if row.id in args.confirm_foreign:
            continue
        whose = (
            f"another installation's (installation {row.installation})"
            if row.installation
            else "another installation's"
            if row.owner != "unknown"
            else "not made by gtwizard"
        )
        if not can_ask(args):
            raise InvalidInput(
                f"refusing to revoke {row.id} ({row.name}): it is {whose}, and --yes does not "
                "cover that (nothing was revoked)",
                f"name it again to confirm: --revoke-key {row.id} {CONFIRM_FLAG} {row.id}",
            )
        print(
            f"The key {row.id} ({row.name}) is {whose}. Revoking it stops whatever uses it, at "
            "once, and cannot be undone.",
            flush=True,
        )
        answer = input(f"Type {row.id} to revoke it (anything else cancels): ").strip()
        if answer != row.id:
            raise InvalidInput("cancelled; nothing was revoked")


def run(args: argparse.Namespace) -> int:
    import asyncio

    from gtwizard.commands.confirm import can_ask
    from gtwizard.credentials import Settings
    from gtwizard.errors import InvalidInput
    from gtwizard.lifecycle.identity import known_installation_id
    from gtwizard.lifecycle.reconcile import OURS, reconcile, revoke_orphans

    settings = Settings.from_environ()
    tokens, cas, missing, needs = _tenants(args, settings)
    reports = asyncio.run(reconcile(tokens, ca_bundles=cas, missing=missing))
    named, already = _named_rows(args, reports)
    _confirm_foreign(args, [row for row in named if row.owner != OURS])
    orphans = [row for report in reports for row in report.orphans] if args.revoke_orphans else []
    ours = {row.id for row in orphans} | {row.id for row in named if row.owner == OURS}
    if ours and not args.yes:  # our own keys: a terminal's yes, or --yes
        if not can_ask(args):
            raise InvalidInput(
                f"refusing to revoke {len(ours)} key(s) without confirmation",
                "pass --yes to revoke this installation's orphans non-interactively",
            )
        answer = input(f"Revoke {len(ours)} key(s) of this installation? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise InvalidInput("cancelled; nothing was revoked")
    revoked: list[str] = []
    if orphans or named:
        chosen = [row.id for row in named]
        revoked = asyncio.run(
            revoke_orphans(reports, tokens, cas, chosen, orphans=args.revoke_orphans)
        )
    errors = [f"{r.host}: {r.error}" for r in reports if r.error]
    left = [row.id for report in reports for row in report.orphans]
    ok = not errors and not left
    identity = known_installation_id()
    if args.json:
        out = {
            "ok": ok,
            "installation": identity,
            "tenants": [
                {
                    "host": r.host,
                    "error": r.error,
                    "keys": [_row_json(k) for k in r.keys],
                    "left_out": r.left_out,
                }
                for r in reports
            ],
            "orphans": left,
            "revoked": revoked,
            "already_revoked": already,
            "needs": needs,
        }
        if errors:
            out["error"] = "; ".join(errors)
            out["hint"] = "check the tenant's host and that its operator token is the right one"
        elif left:
            out["error"] = f"{len(left)} orphan key(s) of this installation"
            out["hint"] = "revoke them with: gtwizard keys --revoke-orphans"
        print_json(out)
        return 0 if ok else 1
    _print_human(reports, identity)
    for line in needs:
        print(f"not sent: {line}")
    if already:
        print(f"already revoked: {', '.join(already)}")
    if revoked:
        print(f"revoked {len(revoked)} key(s): {', '.join(revoked)}")
    if left:
        print(
            f"{len(left)} orphan key(s) of this installation; revoke them with: "
            "gtwizard keys --revoke-orphans"
        )
    return 0 if ok else 1


def _row_json(row: Any) -> dict[str, Any]:
    """One key of `keys --json`, its time to the second as every JSON answer gives it."""
    from gtwizard.profiles import iso_seconds

    return {**row.as_json(), "created_at": iso_seconds(row.created_at)}


def _print_human(reports: list, identity: str | None) -> None:
    from gtwizard.lifecycle.reconcile import OTHER_INSTALLATION, OURS, REVOKED, UNKNOWN

    if identity:
        print(f"this installation: {identity} (the keys it mints end in .{identity})")
    else:
        print("this installation has minted no key yet (it has no identity yet)")
    for report in reports:
        print(f"{report.host}:" + (f" {report.error}" if report.error else ""))
        ours = [k for k in report.keys if k.owner == OURS]
        for row in ours:
            ledger = f" (ledger: {row.ledger_state})" if row.ledger_state else ""
            who = row.profile or "no profile"
            print(f"  {row.status:<12} {row.id}  {row.name}  [{who}]{ledger}")
        if not ours and not report.error:
            print("  no keys of this installation")
        for owner, title in (
            (OTHER_INSTALLATION, "another installation's (never revoked unless named)"),
            (UNKNOWN, "unknown, not named for gtwizard (never revoked unless named)"),
        ):
            rows = [k for k in report.keys if k.owner == owner]
            live = [k for k in rows if k.status != REVOKED]
            if not rows:
                continue
            gone = len(rows) - len(live)
            print(f"  {title}:" + (f" {gone} revoked, not listed" if gone else ""))
            for row in live:
                mark = f"  [installation {row.installation}]" if row.installation else ""
                print(f"    {row.status:<10} {row.id}  {row.name}{mark}")
        for note in report.left_out:  # never the record's bytes: where it was and why
            print(f"  left out, not of the contract's shape: {note}")
