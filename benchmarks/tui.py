"""TUI budgets measured with Pilot in child processes: peak memory at Summary, and keypresses
handled while a slow check is in flight."""

from __future__ import annotations

import json
import statistics
import subprocess
from collections.abc import Callable

from common import HERE, PYTHON, isolated_env, sandbox

RESPONSE_BUDGET_MS = 100.0


def _drive(mode: str, env: dict[str, str], ready: dict | None = None) -> dict:
    argv = [PYTHON, str(HERE / "drive_tui.py"), mode]
    if ready is not None:
        argv.append(json.dumps(ready))
    done = subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"drive_tui {mode} failed: {tail[0]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _peak_against_minimal(
    mode: str, label: str, repeat: int, base_mode: str = "minimal"
) -> tuple[float, str]:
    """Peak RSS of `drive_tui.py MODE` over BASE_MODE's (a fresh process each, alternating)."""
    with isolated_env() as env, sandbox(env) as child:
        ours, base = [], []
        for _ in range(repeat):
            ready = None if base_mode == "minimal" else child.ready
            base.append(_drive(base_mode, env, ready)["peak_kib"])
            ours.append(_drive(mode, env, child.ready)["peak_kib"])
    a, b = statistics.median(ours), statistics.median(base)
    named = "minimal app" if base_mode == "minimal" else base_mode
    return a / b, f"{label} {a / 1024:.1f} MiB, {named} {b / 1024:.1f} MiB"


def memory_ratio(repeat: int) -> tuple[float, str]:
    """Peak RSS of the wizard driven to Summary over the minimal app's."""
    return _peak_against_minimal("summary", "gtwizard", repeat)


def memory_rebased_ratio(repeat: int) -> tuple[float, str]:
    """Peak RSS at Summary over the minimal app with the HTTP stack and keyring's backend loaded
    (issue 15's re-based budget: what gtwizard adds beyond the stack its flow needs)."""
    return _peak_against_minimal("summary", "gtwizard", repeat, "minimal+http+keyring")


def memory_floor_ratio(mode: str) -> Callable[[int], tuple[float, str]]:
    """A floor of the memory budget: the minimal app plus only the stack the flow has to load
    (`drive_tui.py minimal+http` or `minimal+http+keyring`), over the minimal app alone."""
    return lambda repeat: _peak_against_minimal(mode, mode, repeat)


def responsive_ratio(repeat: int) -> tuple[float, str]:
    """Press-to-shown time of F1 (help opens) and Esc (help closes) on Checks while the checks
    wait on a 2 s tenant, over 100 ms."""
    with isolated_env() as env, sandbox(env) as child:
        presses: list[float] = []
        for _ in range(max(1, repeat // 3)):
            presses += _drive("responsive", env, child.ready)["press_ms"]
    median = statistics.median(presses)
    return median / RESPONSE_BUDGET_MS, f"{median:.0f} ms median of {len(presses)} presses"
