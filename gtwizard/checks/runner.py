"""Run checks concurrently, each under its own deadline, and report them in dependency order.

Every check's probe starts at once: the probe, the key and the chat need not wait for each other,
so network latency is paid about once rather than once per level of the graph. The answers are
read in dependency order: if a prerequisite failed or was skipped, the check is reported as
skipped with that reason (its own answer, which would fail for the same cause, is discarded), so
the report is the same as if it had waited. Against a host that accepts connections and never
answers the run still ends after about one timeout, as every probe times out together.
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
        from gtwizard.crash import tenant_fault

        fault = tenant_fault(exc)
        if fault is not None:
            return CheckOutcome("fail", fault.message, fault.hint)
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

    async def timed(check: Check) -> tuple[CheckOutcome, int]:
        start = time.monotonic()
        outcome = await _outcome(check, ctx, limit)
        return outcome, int((time.monotonic() - start) * 1000)

    async def run_one(check: Check) -> CheckResult:
        probe = probes[check.id]
        for req in check.requires:
            before = await tasks[req]
            if before.status in ("fail", "skip"):
                await asyncio.wait([probe])  # let it end (it cleans up after itself); discard it
                verb = "failed" if before.status == "fail" else "was skipped"
                outcome = CheckOutcome("skip", f"skipped: '{by_id[req].title}' {verb}")
                return _result(check, outcome, 0, ctx)
        outcome, ms = await probe
        return _result(check, outcome, ms, ctx)

    probes: dict[str, asyncio.Task[tuple[CheckOutcome, int]]] = {}
    try:
        for check in checks:
            probes[check.id] = asyncio.ensure_future(timed(check))  # sent together
        for check in checks:
            tasks[check.id] = asyncio.ensure_future(run_one(check))  # read in order
        results = await asyncio.gather(*tasks.values())
    finally:
        for task in [*tasks.values(), *probes.values()]:
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
