"""What a check is and what it returns.

A check proves one thing live and says so in one sentence (`proves`); its `remediation` tells the
operator what to change when it fails. Results carry word statuses (pass/fail/warn/skip) so they
read the same in JSON, in a terminal without colour and on a screen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from gtwizard.redact import redact

if TYPE_CHECKING:
    from gtwizard.checks.context import CheckContext

Status = Literal["pass", "fail", "warn", "skip"]
STATUSES: tuple[str, ...] = ("pass", "fail", "warn", "skip")


@dataclass(frozen=True)
class CheckOutcome:
    """What a check's probe found; the runner adds id, title and timing."""

    status: Status
    detail: str
    hint: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)


def passed(detail: str, **evidence: Any) -> CheckOutcome:
    return CheckOutcome("pass", detail, "", evidence)


def failed(detail: str, hint: str = "", **evidence: Any) -> CheckOutcome:
    return CheckOutcome("fail", detail, hint, evidence)


def warned(detail: str, hint: str = "", **evidence: Any) -> CheckOutcome:
    return CheckOutcome("warn", detail, hint, evidence)


def skipped(detail: str, **evidence: Any) -> CheckOutcome:
    return CheckOutcome("skip", detail, "", evidence)


Probe = Callable[["CheckContext"], Awaitable[CheckOutcome]]


@dataclass(frozen=True)
class Check:
    """One live check: `probe` does the work; `requires` names checks that must pass (or warn)."""

    id: str
    title: str
    proves: str
    remediation: str
    probe: Probe = field(repr=False)
    requires: tuple[str, ...] = ()
    checklist: bool = False  # one of the product runbook's validation checklist items
    openwebui_only: bool = False  # asks Open WebUI itself: runs for Open WebUI profiles only

    async def run(self, ctx: CheckContext) -> CheckOutcome:
        return await self.probe(ctx)


def scrub(value: Any, secrets: Iterable[str]) -> Any:
    """Redact every string inside `value` (a safety net: checks should not carry secrets)."""
    secrets = tuple(secrets)
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {redact(str(k), secrets): scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, secrets) for v in value]
    return value


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check as reports, screens and JSON show it."""

    id: str
    title: str
    status: Status
    detail: str
    hint: str = ""
    duration_ms: int = 0
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "hint": self.hint,
            "duration_ms": self.duration_ms,
        }


@dataclass(frozen=True)
class CheckReport:
    """All results of one run; `ok` means no check failed (warnings and skips are allowed)."""

    profile: str
    results: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.status != "fail" for r in self.results)

    def result(self, check_id: str) -> CheckResult:
        for r in self.results:
            if r.id == check_id:
                return r
        raise KeyError(check_id)

    def summary(self) -> dict[str, int]:
        """Counts by status, every status present (what the profile keeps as its last check)."""
        counts = dict.fromkeys(STATUSES, 0)
        for r in self.results:
            counts[r.status] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ok": self.ok,
            "profile": self.profile,
            "checks": [r.to_json() for r in self.results],
        }
        failed = [r for r in self.results if r.status == "fail"]
        if failed:  # every failure of the JSON interface says what and what to do, at the top
            out["error"] = f"{len(failed)} check(s) failed: {', '.join(r.id for r in failed)}"
            out["hint"] = failed[0].hint or f"{failed[0].id}: {failed[0].detail}"
        return out
