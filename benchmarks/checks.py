"""`gtwizard check` budgets: cost of network latency, and a dead tenant that never answers."""

from __future__ import annotations

import json
import subprocess
import time

from common import GTWIZARD, isolated_env, median_time, sandbox, setup_profile

from gtwizard.sandbox.silent import silent_listener

LATENCY_MS = 300
ROUND_TRIPS = 2  # the budget (issue 15): latency adds at most two round trips (it was four)
DEAD_TIMEOUT = 3.0
DEAD_BUDGET = 3.6


def _check(env: dict[str, str], *extra: str) -> dict:
    done = subprocess.run(
        [GTWIZARD, "check", "--profile", "bench", "--json", *extra],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if not done.stdout.strip():
        raise RuntimeError(f"check printed no report: {done.stderr.strip()}")
    return json.loads(done.stdout)


def latency_ratio(repeat: int) -> tuple[float, str]:
    """Extra wall time of `check` at 300 ms injected latency, over 2 x 300 ms."""
    with isolated_env() as env, sandbox(env) as child:
        setup_profile(env, child)

        def ok_check() -> None:
            report = _check(env)
            if not report["ok"]:
                raise RuntimeError(f"check failed against the sandbox: {report}")

        ok_check()
        fast = median_time(ok_check, repeat)
        child.set_latency(LATENCY_MS)
        slow = median_time(ok_check, repeat)
    extra = slow - fast
    budget = ROUND_TRIPS * LATENCY_MS / 1000
    return extra / budget, f"+{extra * 1000:.0f} ms at {LATENCY_MS} ms ({fast * 1000:.0f} ms at 0)"


def dead_tenant_ratio(repeat: int) -> tuple[float, str]:
    """`check --timeout 3` against a tenant that went silent after setup: elapsed over 3.6 s."""
    with isolated_env() as env:
        with sandbox(env) as child:
            setup_profile(env, child)
            port = int(child.base_url.split(":")[2].split("/")[0])
        reports: list[dict] = []
        with silent_listener(port):

            def dead_check() -> None:
                reports.append(_check(env, "--timeout", f"{DEAD_TIMEOUT:g}"))

            elapsed = median_time(dead_check, repeat)
    for report in reports:
        details = " ".join(c["detail"] for c in report["checks"] if c["status"] == "fail")
        if report["ok"] or "timed out" not in details:
            raise RuntimeError(f"no clear timeout message: {details!r}")
    first = next(c for c in reports[0]["checks"] if c["status"] == "fail")
    return elapsed / DEAD_BUDGET, f"{elapsed:.2f} s; {first['id']}: {first['detail']}"


if __name__ == "__main__":
    print(latency_ratio(3))
    print(dead_tenant_ratio(2))
    time.sleep(0)
