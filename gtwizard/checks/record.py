"""Keep a check run: the profile's last check and an audit entry (shared by CLI and TUI)."""

from __future__ import annotations

import datetime as dt

from gtwizard import audit
from gtwizard.checks.base import CheckReport
from gtwizard.errors import GtwizardError
from gtwizard.profiles import LastCheck, get_profile, load_profiles, save_profile, save_profiles


def remember(name: str, report: CheckReport) -> str | None:
    """Store the result as the profile's last check and audit it; return a warning on failure."""
    counts = report.summary()
    audit.record(
        "check",
        profile=name,
        key_id=get_profile(name).key_id or None,
        outcome="ok" if report.ok else "failed",
        detail=", ".join(f"{n} {s}" for s, n in counts.items()),
        failed=[r.id for r in report.results if r.status == "fail"],
    )
    try:
        profile = get_profile(name)  # fresh: keep anything changed while checks ran
        profile.last_check = LastCheck(dt.datetime.now(dt.UTC), report.ok, counts)
        save_profile(profile)
    except GtwizardError as exc:
        return f"the result was not saved in the profile: {exc.one_line()}"
    return None


def remember_all(reports: list[CheckReport]) -> str | None:
    """`remember` for many profiles with one write of config.toml (one per profile is n² work)."""
    profiles = load_profiles()
    now = dt.datetime.now(dt.UTC)
    changed = []
    for report in reports:
        counts = report.summary()
        profile = profiles.get(report.profile)
        audit.record(
            "check",
            profile=report.profile,
            key_id=(profile.key_id if profile else None) or None,
            outcome="ok" if report.ok else "failed",
            detail=", ".join(f"{n} {s}" for s, n in counts.items()),
            failed=[r.id for r in report.results if r.status == "fail"],
        )
        if profile is not None:  # removed while the checks ran: nothing to keep
            profile.last_check = LastCheck(now, report.ok, counts)
            changed.append(profile)
    try:
        save_profiles(changed)
    except GtwizardError as exc:
        return f"the results were not saved in the profiles: {exc.one_line()}"
    return None
