"""Run every performance budget and print one table: budget, measured ratio, limit, PASS/MISS.

Ratios, not absolute times: each measurement is set against a baseline taken in the same run on
the same machine, and each side is a median of repeated runs. Exit 0 when every budget is met.

    benchmarks/run [--repeat N] [--only NAME ...] [--no-floors]

After the budgets come the floors: the same measures with only the part of gtwizard a budget
cannot do without, so a miss can be told apart from a limit below what the stack allows.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from checks import dead_tenant_ratio, latency_ratio
from fleet import (
    check_all_floor_ratio,
    check_all_memory_ratio,
    check_all_over_floor_ratio,
    check_all_ratio,
    rotate_due_over_floor_ratio,
    status_ratio,
    welcome_ratio,
)
from startup import cli_ratio, first_screen_ratio, first_screen_rebased_ratio, floor_screen_ratio
from tui import memory_floor_ratio, memory_ratio, memory_rebased_ratio, responsive_ratio


@dataclass(frozen=True)
class Budget:
    name: str
    title: str
    limit: float
    measure: Callable[[int], tuple[float, str]]
    repeat_scale: float = 1.0  # the slow ones repeat fewer times
    info: bool = False  # information, no verdict (a re-based budget's old row, or a proposal)


BUDGETS = (
    Budget(
        "first-screen",
        "first screen in tmux / minimal Textual app",
        1.15,
        first_screen_ratio,
        info=True,
    ),
    Budget(
        "first-screen-rebased",
        "first screen in tmux / app with Product's widgets",
        1.15,
        first_screen_rebased_ratio,
    ),
    Budget(
        "help",
        "gtwizard --help / python -c pass",
        3.0,
        lambda n: cli_ratio("--help", n * 3),
        info=True,  # retired (issue 22): argparse writes the help, its cost is argparse's
    ),
    Budget(
        "version",
        "gtwizard --version / python -c pass",
        3.0,
        lambda n: cli_ratio("--version", n * 3),
    ),
    Budget("check-latency", "check: extra time at 300 ms / (2 x 300 ms)", 1.0, latency_ratio),
    Budget(
        "dead-tenant", "check --timeout 3 on a silent tenant / 3.6 s", 1.0, dead_tenant_ratio, 0.4
    ),
    Budget("memory", "peak RSS at Summary / minimal Textual app", 1.3, memory_ratio, 0.4, True),
    Budget(
        "memory-rebased",
        "peak RSS at Summary / minimal app + HTTP + keyring",
        1.3,
        memory_rebased_ratio,
        0.4,
    ),
    Budget("responsive", "keypress during a 2 s probe / 100 ms", 1.0, responsive_ratio),
    Budget("status-1000", "status --json: 1,000 profiles / one (no cache)", 3.0, status_ratio),
    Budget("welcome-1000", "welcome first paint: 1,000 profiles / one", 1.5, welcome_ratio),
    Budget(
        "check-all",
        "check --all --jobs 8, 50 profiles / one check (300 ms)",
        3.0,
        check_all_ratio,
        0.3,
        True,  # replaced (issue 22) by the row below: no --jobs 8 run can meet it (docs)
    ),
    Budget(
        "check-all-over-floor",
        "check --all --jobs 8 / its floor (50 keyed requests)",
        1.5,
        check_all_over_floor_ratio,
        0.3,
    ),
    Budget(
        "rotate-due-over-floor",
        "rotate --due --jobs 8, 50 profiles / its floor (mint, request, revoke each)",
        1.5,
        rotate_due_over_floor_ratio,
        0.3,
    ),
    Budget(
        "check-all-memory",
        "check --all --jobs 8, 50 profiles: peak RSS / one check",
        2.0,
        check_all_memory_ratio,
        0.3,
    ),
)

# Floors: the same measures with only the part of gtwizard a budget cannot do without. They have
# no verdict of their own; a floor above its budget's limit means the limit cannot be met by
# trimming gtwizard, only by changing what it is built on (see docs/performance.md).
FLOORS = (
    Budget(
        "floor-bare",
        "first screen: start-up path + one Static",
        1.15,
        floor_screen_ratio("bare"),
    ),
    Budget(
        "floor-frame",
        "first screen: start-up path + step frame",
        1.15,
        floor_screen_ratio("frame"),
    ),
    Budget(
        "floor-http",
        "memory: minimal app + HTTP stack",
        1.3,
        memory_floor_ratio("minimal+http"),
        0.4,
    ),
    Budget(
        "floor-keyring",
        "memory: minimal app + HTTP stack + keyring",
        1.3,
        memory_floor_ratio("minimal+http+keyring"),
        0.4,
    ),
    Budget(
        "floor-check-all",
        "check --all: 50 keyed requests, 8 at a time / one check",
        3.0,
        check_all_floor_ratio,
        0.3,
    ),
)


def with_bytecode_cache() -> tempfile.TemporaryDirectory[str]:
    """Let every child keep compiled bytecode, in a private folder for this run.

    An installed program runs from cached bytecode; with PYTHONDONTWRITEBYTECODE set (as in some
    CI images) every start would compile Textual and httpx from source and hide what we measure.
    The cache goes under a temp dir (PYTHONPYCACHEPREFIX), never into the tree or the venv.
    """
    cache = tempfile.TemporaryDirectory(prefix="gtwizard-bench-pyc-")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = cache.name
    return cache


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per side (default 7)")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=[b.name for b in (*BUDGETS, *FLOORS)],
        help="run only these budgets (and floors)",
    )
    parser.add_argument(
        "--no-floors", action="store_true", help="skip the floor rows (budgets only)"
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up tmux and children
    cache = with_bytecode_cache()  # noqa: F841 (kept alive until the run ends)
    floors = () if args.no_floors else FLOORS
    chosen = [b for b in (*BUDGETS, *floors) if not args.only or b.name in args.only]
    rows: list[tuple[str, str, str, str, str]] = []
    missed = 0
    for budget in chosen:
        print(f"… {budget.name}", file=sys.stderr, flush=True)
        repeat = max(1, round(args.repeat * budget.repeat_scale))
        try:
            ratio, detail = budget.measure(repeat)
        except (RuntimeError, OSError, ValueError) as exc:  # one broken measure, not the table
            rows.append((budget.title, "-", f"<= {budget.limit:g}", "ERROR", str(exc)[:120]))
            missed += budget not in FLOORS and not budget.info
            continue
        if budget in FLOORS:
            verdict = "floor"  # no verdict: it says what the budget above it can reach
        elif budget.info:
            verdict = "info"  # the old measure of a re-based budget, or a proposed one
        else:
            verdict = "PASS" if ratio <= budget.limit else "MISS"
            missed += verdict == "MISS"
        rows.append((budget.title, f"{ratio:.2f}", f"<= {budget.limit:g}", verdict, detail))
    headers = ("budget", "ratio", "limit", "", "measured")
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(5)]
    for row in [headers, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
