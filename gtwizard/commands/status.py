"""`gtwizard status [--json]`: per profile, the key's age and expiry, whether rotation is due,
where the key is stored and what the last check said. Reads config only: no network, no keyring.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Container
from typing import Any

from gtwizard.commands import COMMANDS, print_json
from gtwizard.profiles import iso_seconds, key_health


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status",
        help=COMMANDS["status"],
        description="Show every profile's key age and expiry, whether rotation is due, "
        "where the key is stored and the last check result. No network or keyring access.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def profile_status(
    profile: Any, now: dt.datetime | None = None, journals: Container[str] | None = None
) -> dict[str, Any]:
    """The status record of one profile, as `status --json` prints it, at `now`. `journals`:
    the profiles that have a journal file (`journal_names`), when the caller listed them."""
    health = key_health(profile, now)
    check = profile.last_check
    return {
        "name": profile.name,
        "product_preset": profile.product_preset,
        "tenant_host": profile.tenant_host,
        "openai_base": profile.openai_base,
        "key_id": profile.key_id or None,
        "key_label": profile.key_label if profile.key_id else None,  # as /gt-api shows it
        "key_created_at": iso_seconds(profile.key_created_at),
        "key_expires_at": iso_seconds(profile.key_expires_at),
        "key_age_days": health.age_days,
        "expires_in_days": health.expires_in_days,
        "expired": health.expired,
        "rotation_days": profile.rotation_days,
        "rotation_due": health.rotation_due,
        "rotation_reason": health.reason,
        "storage": {"kind": profile.storage_kind, "location": profile.storage_location},
        "target": {"kind": profile.target_kind, "place": profile.target_place},
        "last_check": (
            {"at": iso_seconds(check.at), "ok": check.ok, "summary": dict(check.summary)}
            if check
            else None
        ),
        "in_progress": (
            _work(profile.name) if journals is None or profile.name in journals else None
        ),
    }


def _work(profile: str) -> dict[str, Any] | None:
    from gtwizard.lifecycle.journal import open_work

    return open_work(profile)


def _work_lines(work: dict[str, Any] | None) -> list[str]:
    if not work:
        return []
    lines = [f"  IN PROGRESS {work['summary']}"]
    lines += [f"              resolve: {command}" for command in work["commands"]]
    return lines


def _describe(record: dict[str, Any], is_default: bool) -> list[str]:
    mark = " (default)" if is_default else ""
    lines = [f"{record['name']}{mark}: {record['product_preset']} -> {record['tenant_host']}"]
    if record["key_id"]:
        age = record["key_age_days"]
        key = f"{record['key_label']}, " + (
            f"{age} day(s) old" if age is not None else "age unknown"
        )
        if record["key_expires_at"]:
            left = record["expires_in_days"]
            when = "expired" if record["expired"] else f"expires in {left} day(s)"
            key += f", {when} ({record['key_expires_at']})"
    else:
        key = "no key recorded"
    rotation = "due: " if record["rotation_due"] else "not due: "
    rotation += f"{record['rotation_reason']} (every {record['rotation_days']} days)"
    storage = record["storage"]
    where = f"{storage['kind']}" + (f" ({storage['location']})" if storage["location"] else "")
    target = record["target"]
    check = record["last_check"]
    if check:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(check["summary"].items()))
        last = f"{'ok' if check['ok'] else 'FAILED'} at {check['at']}" + (
            f" ({counts})" if counts else ""
        )
    else:
        last = "never run (gtwizard check)"
    lines += [
        f"  key         {key}",
        f"  rotation    {rotation}",
        f"  stored in   {where}",
        f"  applied to  {target['kind']} {target['place']}".rstrip(),
        f"  last check  {last}",
    ]
    return lines + _work_lines(record.get("in_progress"))


def run(args: argparse.Namespace) -> int:
    return _report(args.json)


def _report(as_json: bool) -> int:
    from gtwizard.lifecycle.journal import all_open_journals, journal_names, work_record
    from gtwizard.profiles import default_profile_name, load_profiles

    profiles = load_profiles()
    default = default_profile_name()
    now = dt.datetime.now(dt.UTC)
    journals = journal_names()  # one listing instead of a file lookup per profile
    records = [profile_status(p, now, journals) for p in profiles.values()]
    unsaved = [
        {"profile": j.profile, **work_record(j)}
        for j in all_open_journals()
        if j.profile not in profiles
    ]
    if as_json:
        out = {"ok": True, "default_profile": default, "profiles": records, "in_progress": unsaved}
        print_json(out)
        return 0
    if not records and not unsaved:
        print("No profiles yet. Run 'gtwizard' or 'gtwizard setup' to create one.")
        return 0
    for index, record in enumerate(records):
        if index:
            print()
        print("\n".join(_describe(record, record["name"] == default)))
    for work in unsaved:
        print(f"\n{work['profile']} (not saved yet):")
        print("\n".join(_work_lines(work)))
    return 0
