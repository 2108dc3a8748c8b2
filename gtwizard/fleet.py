"""Many profiles in one run: `check --all` and `rotate --due`, concurrent with a bound.

Each profile is handled by the same core as the single-profile commands (`run_checks` over
`context_for_profile`; `Rotation`, which takes the profile's own lock), so a fleet run checks and
rotates exactly as `gtwizard check` / `gtwizard rotate` would, only several at a time. A profile
that fails (a dead tenant, a refused key, a bug) is reported with its error and does not stop the
others. A profile with work in progress (an interrupted or waiting setup or rotation) is never
rotated again: it is reported with the command that resolves it.

No terminal is ever needed: nothing here asks a question, so a systemd timer can run it.

Credentials from the environment go to a profile only as gtwizard/credentials.py allows: a run over
profiles on several tenants (or several Open WebUIs) sends an unbound token to none of them. Such a
profile reports what it needs (`withheld`), and the run lists which profiles need which token.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from gtwizard.credentials import OPENWEBUI, OPERATOR, ProfileGrants, Scope, Settings, grants_for
from gtwizard.credentials import needs_summary as _needs_summary
from gtwizard.errors import GtwizardError
from gtwizard.kinds import TargetKind

DEFAULT_JOBS = 4
MAX_JOBS = 64

# rotate --due: what happened to one profile. Only `failed` (and a bug) makes the run fail;
# `waiting` is a rotation that stopped, visibly, before revoking (as `gtwizard rotate` does).
# A Ctrl-C makes the run stop: a rotation in flight is `interrupted` (its journal keeps the place,
# as a single rotation's Ctrl-C leaves it), a profile not begun yet is `skipped`.
ROTATED, WAITING, NOT_DUE, IN_PROGRESS, BUSY, FAILED = (
    "rotated",
    "waiting",
    "not-due",
    "in-progress",
    "busy",
    "failed",
)
INTERRUPTED, SKIPPED = "interrupted", "skipped"


@dataclass
class FleetRun:
    """The results of one fleet run, in profile order, and whether any of them failed."""

    command: str
    jobs: int
    results: list[dict[str, Any]] = field(default_factory=list)
    crashed: bool = False  # an unexpected error (a gtwizard bug) in at least one profile
    interrupted: bool = False  # a Ctrl-C stopped the run (rotate --due)
    seconds: float = 0.0
    warning: str | None = None  # the results could not be kept as the profiles' last checks
    needs: list[str] = field(default_factory=list)  # which profiles need which credential

    @property
    def ok(self) -> bool:
        return all(r.get("ok") for r in self.results)

    def counts(self) -> dict[str, int]:
        key = "outcome" if self.command == "rotate" else "result"
        out: dict[str, int] = {}
        for record in self.results:
            out[record[key]] = out.get(record[key], 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        return (
            {
                "ok": self.ok,
                "command": self.command,
                "jobs": self.jobs,
                "total": len(self.results),
                "counts": self.counts(),
                "seconds": round(self.seconds, 3),
                "profiles": self.results,
            }
            | ({"warning": self.warning} if self.warning else {})
            | ({"needs": self.needs} if self.needs else {})
            | ({"interrupted": True} if self.interrupted else {})
            | self.failure()
        )

    def left_open(self) -> list[dict[str, Any]]:
        """The records of the rotations a Ctrl-C left in progress (each names its commands)."""
        return [r for r in self.results if r.get("outcome") == INTERRUPTED and r.get("remaining")]

    def failure(self) -> dict[str, str]:
        """`error` and `hint` of a run that is not ok: which profiles, and where to look."""
        bad = [r["profile"] for r in self.results if not r.get("ok")]
        if self.interrupted:
            left = [r["profile"] for r in self.left_open()]
            return {
                "error": "interrupted (Ctrl-C): "
                + (
                    f"{len(left)} rotation(s) left in progress: {', '.join(left)}"
                    if left
                    else "no rotation was left in progress"
                ),
                "hint": "each profile's object says what happened; an interrupted one names the "
                "commands that resolve it in 'remaining'; run gtwizard rotate --due again for "
                "the skipped ones",
            }
        if not bad:
            return {}
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        return {
            "error": f"{len(bad)} of {len(self.results)} profile(s) not ok: {shown}",
            "hint": "each profile's object says why: its error and hint, its checks, or the "
            "work in progress and the commands that resolve it",
        }


def check_jobs(jobs: int | None) -> int:
    from gtwizard.errors import InvalidInput

    if jobs is None:
        return DEFAULT_JOBS
    if not 1 <= jobs <= MAX_JOBS:
        raise InvalidInput(
            f"--jobs must be between 1 and {MAX_JOBS}", f"for example --jobs {DEFAULT_JOBS}"
        )
    return jobs


def _failure(name: str, exc: BaseException) -> tuple[dict[str, Any], bool]:
    """The record of a profile that failed; True when the failure is a bug (logged, redacted)."""
    if isinstance(exc, GtwizardError):
        return {"profile": name, "ok": False, "error": exc.message, "hint": exc.hint}, False
    from gtwizard.crash import crash_report, tenant_fault

    fault = tenant_fault(exc)
    if fault is not None:
        return {"profile": name, "ok": False, "error": fault.message, "hint": fault.hint}, False
    what, todo = crash_report(exc)
    return {"profile": name, "ok": False, "error": what, "hint": todo}, True


async def _bounded(
    names: Iterable[str],
    jobs: int,
    one: Callable[[str], Any],
    done: Callable[[dict[str, Any]], None],
    failed: dict[str, Any],
    skipped: Callable[[str], dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], bool, bool]:
    """Run `one(name)` for every name, at most `jobs` at a time; records in the names' order,
    whether a bug was met, and whether a Ctrl-C stopped the run.

    `done` sees the records in the names' order too (config order), whatever order they finish
    in: a record waits for the ones before it, so the output reads the same on every run. A
    profile that raised gets `failed`'s fields (its result word) beside its error and hint.

    A Ctrl-C (asyncio.run cancels this task) reaches every `one` in flight as a cancellation;
    with `skipped`, `one` is expected to end as its own Ctrl-C would and return its record, a
    profile not begun gets `skipped(name)`, and the run returns every record instead of raising
    (without it the cancellation propagates, as before)."""
    gate = asyncio.Semaphore(jobs)
    crashed = False
    order = list(names)
    finished: dict[int, dict[str, Any]] = {}
    told = 0  # how many records `done` has seen, from the first

    async def guarded(index: int, name: str) -> dict[str, Any]:
        nonlocal crashed, told
        try:
            async with gate:
                try:
                    record = await one(name)
                except Exception as exc:  # one profile never stops the others
                    record, bug = _failure(name, exc)
                    record |= failed
                    crashed = crashed or bug
        except asyncio.CancelledError:
            if skipped is None:
                raise
            record = skipped(name)  # a Ctrl-C before this profile's turn came
        finished[index] = record
        while told in finished:
            done(finished[told])
            told += 1
        return record

    try:
        await asyncio.gather(*(guarded(i, n) for i, n in enumerate(order)))
    except asyncio.CancelledError:
        if skipped is None:
            raise
        # every profile has its record (a Ctrl-C: see above); the caller says it was stopped
        return [finished[i] for i in range(len(order))], crashed, True
    return [finished[i] for i in range(len(order))], crashed, False


# ---- check --all ----------------------------------------------------------------------------------


def _withheld(grants: ProfileGrants, *, operator: bool) -> list[str]:
    """What this profile lacks because the run withheld the environment's credential."""
    lines = [grants.needs_operator] if operator else []
    return [line for line in [*lines, grants.needs_openwebui] if line]


def _needs(grants: dict[str, ProfileGrants], names: list[str], *, operator: bool) -> list[str]:
    """ "Which profiles need which token", over the profiles that lacked one."""
    needs = []
    for name in names:
        g = grants[name]
        if operator and g.needs_operator:
            needs.append((name, OPERATOR, g.operator.place))
        if g.needs_openwebui:
            needs.append((name, OPENWEBUI, g.openwebui.place))
    return _needs_summary(needs)


async def _check_one(
    profile: Any,
    catalog: Any,
    timeout: float,
    test_user: tuple[str, str] | None,
    grants: ProfileGrants,
) -> dict[str, Any]:
    from gtwizard.checks import all_checks, run_checks
    from gtwizard.checks.load import context_for_profile

    ctx = await context_for_profile(
        profile,
        catalog,
        timeout=timeout,
        test_user=test_user,
        openwebui_token=grants.openwebui.token,
        operator_token=grants.operator.token,
        withheld=grants.openwebui.withheld,
    )
    report = await run_checks(all_checks(ctx.profile), ctx)
    record = report.to_json()
    record["result"] = "ok" if report.ok else "failed"
    from gtwizard.lifecycle.journal import open_work

    work = open_work(profile.name)
    if work is not None and work["state"] == "unreadable":  # nothing resolves it but its fix
        record["ok"] = False
        record["result"] = "failed"
        record["error"] = work["summary"]
        record["in_progress"] = work
    elif work is not None:  # a rotation waiting for proof (or cut short) is not "ok": say what
        record["ok"] = False
        record["result"] = IN_PROGRESS if work["state"] != WAITING else WAITING
        record["in_progress"] = work
        record.setdefault("error", f"not ok while {work['summary']}")
        record.setdefault(
            "hint", "resolve it: " + (" or ".join(work["commands"]) or "see gtwizard status")
        )
    withheld = _withheld(grants, operator=False)
    if withheld:
        record["withheld"] = withheld
    record["_report"] = report  # kept for remembering the result; dropped before printing
    return record


def check_all(
    *,
    jobs: int,
    timeout: float,
    names: list[str] | None = None,
    test_user: tuple[str, str] | None = None,
    done: Callable[[dict[str, Any]], None] = lambda record: None,
    credentials: Settings | None = None,
) -> FleetRun:
    """Check every profile (or `names`), `jobs` at a time; each result kept as its last check.

    `credentials`: the environment's, sent to a profile only as gtwizard/credentials.py allows."""
    from gtwizard.checks.record import remember_all
    from gtwizard.presets.catalog import load_catalog
    from gtwizard.profiles import load_profiles

    profiles = load_profiles()
    chosen = list(profiles) if names is None else names
    catalog = load_catalog()
    start = time.monotonic()
    scope = Scope.of_profiles(profiles[name] for name in chosen)
    settings = credentials or Settings()
    grants = {name: grants_for(settings, profiles[name], scope) for name in chosen}

    async def one(name: str) -> dict[str, Any]:
        return await _check_one(profiles[name], catalog, timeout, test_user, grants[name])

    records, crashed, _ = asyncio.run(_bounded(chosen, jobs, one, done, {"result": "error"}))
    reports = []
    for record in records:
        report = record.pop("_report", None)
        if report is not None:
            reports.append(report)
    warning = remember_all(reports)  # one write of config.toml for every profile
    run = FleetRun("check", jobs, records, crashed)
    run.warning = warning
    run.needs = _needs(grants, chosen, operator=False)
    run.seconds = time.monotonic() - start
    return run


# ---- rotate --due ---------------------------------------------------------------------------------


@dataclass
class RotateSettings:
    """What every rotation of the run shares: credentials from the environment (never argv),
    each sent only where it belongs."""

    credentials: Settings = field(default_factory=Settings)
    poll_timeout: float = 600.0
    say: Callable[[str, str], None] = lambda profile, text: None


def due_profiles(names: list[str] | None = None) -> list[tuple[str, Any]]:
    """(name, KeyHealth) for every profile (or `names`), in config order."""
    from gtwizard.profiles import key_health, load_profiles

    profiles = load_profiles()
    chosen = list(profiles) if names is None else names
    return [(name, key_health(profiles[name])) for name in chosen]


async def _rotate_one(
    name: str, health: Any, settings: RotateSettings, grants: ProfileGrants
) -> dict[str, Any]:
    from gtwizard.lifecycle.journal import open_journal, work_record
    from gtwizard.lifecycle.lock import ProfileBusy
    from gtwizard.rotation import Rotation, RotationOptions

    base: dict[str, Any] = {"profile": name, "due": health.rotation_due, "reason": health.reason}
    try:
        journal = open_journal(name)
    except GtwizardError as exc:
        return {**base, "ok": False, "outcome": FAILED, "error": exc.message, "hint": exc.hint}
    if journal is not None:
        # work in progress is resolved by its own command, never by a second rotation
        work = work_record(journal)
        return {**base, "ok": True, "outcome": IN_PROGRESS, "in_progress": work}
    if not health.rotation_due:
        return {**base, "ok": True, "outcome": NOT_DUE}
    if grants.needs_operator:  # nothing to mint with: say which token, start nothing
        return {
            **base,
            "ok": False,
            "outcome": FAILED,
            "error": f"not rotated: no operator token for this profile's tenant "
            f"({grants.needs_operator})",
            "hint": f"rotate it in a run with that tenant's token: gtwizard rotate --profile {name}"
            f" with {OPERATOR.env} (and {OPERATOR.bound_env}), or keep a token with the profile "
            "(setup --keep-operator-token)",
            "withheld": [grants.needs_operator],
        }
    withheld = _withheld(grants, operator=False)
    options = RotationOptions(
        profile=name,
        operator_token=grants.operator.token,
        openwebui_token=grants.openwebui.token,
        poll_timeout=settings.poll_timeout,
        say=lambda text: settings.say(name, text),
    )
    rotation = Rotation(options)
    try:
        result = await rotation.run()
    except asyncio.CancelledError:
        # Ctrl-C: the rotation stopped where a single `gtwizard rotate` would, its journal
        # keeping the place; say so, with the commands that resolve it (none: nothing began)
        remaining = rotation.remaining_commands()
        stopped = rotation.result(ok=False, error="interrupted", hint=" or ".join(remaining))
        journal = rotation.journal
        detail = journal.summary() if journal and remaining else "stopped before any change"
        return {**base, **stopped, "outcome": INTERRUPTED, "detail": detail}
    except ProfileBusy as exc:
        return {**base, "ok": True, "outcome": BUSY, "detail": exc.message, "hint": exc.hint}
    except GtwizardError as exc:
        failed = rotation.result(ok=False, error=exc.message, hint=exc.hint)
        return {**base, **failed, "outcome": FAILED} | ({"withheld": withheld} if withheld else {})
    outcome = WAITING if rotation.waiting else ROTATED
    return {**base, **result, "outcome": outcome} | ({"withheld": withheld} if withheld else {})


def rotate_due(
    *,
    jobs: int,
    settings: RotateSettings,
    names: list[str] | None = None,
    done: Callable[[dict[str, Any]], None] = lambda record: None,
) -> FleetRun:
    """Rotate every profile whose key is due, `jobs` at a time; report every profile."""
    from gtwizard.profiles import load_profiles

    health = dict(due_profiles(names))
    profiles = load_profiles()
    scope = Scope.of_profiles(profiles[name] for name in health)
    grants = {n: grants_for(settings.credentials, profiles[n], scope) for n in health}
    start = time.monotonic()

    async def one(name: str) -> dict[str, Any]:
        return await _rotate_one(name, health[name], settings, grants[name])

    def skipped(name: str) -> dict[str, Any]:
        due = health[name].rotation_due
        return {
            "profile": name,
            "due": due,
            "reason": health[name].reason,
            "ok": not due,
            "outcome": SKIPPED,
            "detail": "not begun: the run was interrupted first; nothing was changed",
            "hint": "run gtwizard rotate --due again" if due else "",
        }

    records, crashed, interrupted = asyncio.run(
        _bounded(list(health), jobs, one, done, {"outcome": FAILED}, skipped)
    )
    run = FleetRun("rotate", jobs, records, crashed, interrupted=interrupted)
    run.needs = _needs(grants, [r["profile"] for r in records if "withheld" in r], operator=True)
    run.seconds = time.monotonic() - start
    return run


# ---- schedule: who cannot rotate unattended -------------------------------------------------------


def unattended_gaps(credentials: Settings | None = None) -> list[dict[str, Any]]:
    """The profiles a timer cannot rotate to the end, in config order, each with why and what
    fixes it: `rotate --due` runs with no terminal and nobody to paste a key or restart Open WebUI.

    A token counts when the profile keeps one, or when the environment's is bound to the
    profile's place (`GTWIZARD_OPERATOR_TOKEN_HOST`): an unbound one goes to no profile of a
    multi-tenant run, and the environment gtwizard schedule runs in is not the timer's anyway."""
    from gtwizard.profiles import load_profiles

    profiles = load_profiles()
    settings = credentials or Settings()
    scope = Scope.of_profiles(profiles.values())
    gaps = []
    for profile in profiles.values():
        grants = grants_for(settings, profile, scope)
        reasons = []
        operator = settings.operator.bound is not None and grants.operator.token
        if not (profile.operator_token_kept or operator):
            reasons.append(
                "no operator token is kept with it, so its new key cannot be minted (set it up "
                f"again with --keep-operator-token, or bind {OPERATOR.env} to its tenant with "
                f"{OPERATOR.bound_env} in the timer's environment)"
            )
        admin = settings.openwebui.bound is not None and grants.openwebui.token
        if profile.target_kind == TargetKind.ADMIN_API and not (profile.admin_token_kept or admin):
            reasons.append(
                "no Open WebUI admin credential is kept with it, so the new key cannot be "
                "applied (set it up again with --keep-admin-token)"
            )
        if profile.target_kind == TargetKind.ENV_FILE and not profile.openwebui_url:
            reasons.append(
                "its env-file target has no proof channel (Open WebUI's URL), so each rotation "
                "stops waiting, both keys live, until someone finishes it by hand (gtwizard "
                "status names the command then)"
            )
        if reasons:
            gaps.append({"profile": profile.name, "reasons": reasons})
    return gaps
