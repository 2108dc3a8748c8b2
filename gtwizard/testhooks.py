"""Test hooks: the one place where production code lets a test break it on purpose.

Production modules only call the hook points here; nothing else in gtwizard/ reads these
variables. Unset (always, outside the tests), every hook point returns at once and does nothing.

- `crash_point(NAME)`: the lifecycle's fault-injection points (journal steps, `mint:intent`,
  `revoke:SITE:sent`, ...). GTWIZARD_TEST_CRASH_AFTER is `NAME[=HOW],...`; HOW is KILL (die here,
  as kill -9), INT (get Ctrl-C) or RAISE (fail with an error), else GTWIZARD_TEST_CRASH_SIGNAL,
  else KILL. The lifecycle fault matrix drives every step boundary through it.
- `crash_for_test(PLACE)`: an unexpected error (a bug) in a front end. GTWIZARD_TEST_CRASH is
  `PLACE:SECRET`; the hook raises with SECRET in its local variables and in its message, so the
  crash-output tests can prove that nothing of it reaches a terminal, a browser or the log in clear.
  Places: cli, tui, tui-worker, serve.
"""

from __future__ import annotations

import os

TEST_CRASH_ENV = "GTWIZARD_TEST_CRASH"
CRASH_HOOK_ENV = "GTWIZARD_TEST_CRASH_AFTER"
CRASH_SIGNAL_ENV = "GTWIZARD_TEST_CRASH_SIGNAL"


def _armed(name: str) -> str:
    """The one read of the hooks' variables ('' when unset): read at each hook point, so a test
    that sets one in its own process (monkeypatch) is seen."""
    return os.environ.get(name, "")


def crash_point(name: str) -> None:
    """The fault-injection hook: when the test names this point, die here (KILL), get Ctrl-C
    (INT) or fail with an error (RAISE), as `point=HOW` or GTWIZARD_TEST_CRASH_SIGNAL says."""
    wanted = _armed(CRASH_HOOK_ENV)
    if not wanted:
        return
    points = dict(item.partition("=")[::2] for item in wanted.split(","))
    if name not in points:
        return
    how = (points[name] or _armed(CRASH_SIGNAL_ENV) or "KILL").upper()
    if how == "RAISE":
        from gtwizard.errors import OperationFailed

        raise OperationFailed(f"injected failure at {name}", "a test hook; nothing is wrong")
    import signal

    os.kill(os.getpid(), signal.SIGINT if how == "INT" else signal.SIGKILL)


def crash_place() -> str:
    """The place `crash_for_test` will raise at ('' when the hook is off)."""
    return _armed(TEST_CRASH_ENV).partition(":")[0]


def crash_for_test(place: str) -> None:
    """Raise an unexpected error here when GTWIZARD_TEST_CRASH names `place`."""
    where, _, secret = _armed(TEST_CRASH_ENV).partition(":")
    if where != place:
        return
    body = {"key": secret, "headers": {"Authorization": f"Bearer {secret}"}}
    raise RuntimeError(f"test crash hook at {place}: {body}")
