"""Run checks concurrently, each under its own deadline, in dependency order.

A check starts as soon as its prerequisites are done; if one of them failed or was skipped, it is
skipped with that reason instead of failing for the same cause again. The graph is shallow (at most
three levels), so even against a host that accepts connections and never answers, the run ends
after about one timeout: the first level times out and everything below it is skipped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from gtwizard.checks.base import Check, CheckOutcome, CheckReport, CheckResult, scrub
from gtwizard.checks.context import CheckContext
from gtwizard.errors import GtwizardError


def _validate(checks: Sequence[Check]) -> None:
    """Ids are unique and every prerequisite comes earlier (so there can be no cycle)."""
    seen: set[str] = set()
    for check in checks:
        if check.id in seen:
            raise ValueError(f"duplicate check id {check.id!r}")
        missing = [r for r in check.requires if r not in seen]
        if missing:
            raise ValueError(f"check {check.id!r} requires {missing} before it in the list")
        seen.add(check.id)


async def _outcome(check: Check, ctx: CheckContext, timeout: float) -> CheckOutcome:
    try:
        return await asyncio.wait_for(check.run(ctx), timeout)
    except TimeoutError:
        return CheckOutcome(
            "fail",
            f"timed out after {timeout:g} s",
            "the service did not answer in time; check that it is up, or raise --timeout",
        )
    except GtwizardError as exc:
        return CheckOutcome("fail", exc.message, exc.hint or check.remediation)
    except Exception as exc:  # a check must never take the whole run down
        return CheckOutcome(
            "fail",
            f"the check itself broke ({type(exc).__name__}: {exc})",
            "this is a gtwizard bug; please report it with the log file",
        )


async def run_checks(
    checks: Sequence[Check], ctx: CheckContext, *, timeout: float | None = None
) -> CheckReport:
    """Run `checks` against `ctx`; `timeout` (default ctx.timeout) bounds each check."""
    _validate(checks)
    limit = ctx.timeout if timeout is None else timeout
    by_id = {c.id: c for c in checks}
    tasks: dict[str, asyncio.Task[CheckResult]] = {}

    async def run_one(check: Check) -> CheckResult:
        for req in check.requires:
            before = await tasks[req]
            if before.status in ("fail", "skip"):
                verb = "failed" if before.status == "fail" else "was skipped"
                outcome = CheckOutcome("skip", f"skipped: '{by_id[req].title}' {verb}")
                return _result(check, outcome, 0, ctx)
        start = time.monotonic()
        outcome = await _outcome(check, ctx, limit)
        return _result(check, outcome, int((time.monotonic() - start) * 1000), ctx)

    try:
        for check in checks:
            tasks[check.id] = asyncio.ensure_future(run_one(check))
        results = await asyncio.gather(*tasks.values())
    finally:
        for task in tasks.values():
            task.cancel()
        await ctx.aclose()
    return CheckReport(ctx.profile.name, tuple(results))


def _result(check: Check, outcome: CheckOutcome, ms: int, ctx: CheckContext) -> CheckResult:
    """Build the result with every text redacted, whatever the check put in it."""
    secrets = ctx.secrets()
    hint = outcome.hint or (check.remediation if outcome.status == "fail" else "")
    return CheckResult(
        id=check.id,
        title=check.title,
        status=outcome.status,
        detail=scrub(outcome.detail, secrets),
        hint=scrub(hint, secrets),
        duration_ms=ms,
        evidence=scrub(outcome.evidence, secrets),
    )
