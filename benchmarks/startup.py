"""Start-up budgets: first screen in a real terminal (tmux), and `--help` / `--version`."""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import count

from common import GTWIZARD, HERE, PYTHON, isolated_env, median_time, paired_medians

FIRST_SCREEN_TEXT = "Next ›"  # the nav row: painted with the first step, after its body
MINIMAL_TEXT = "minimal app ready"
_names = count()


class Tmux:
    """A private tmux server (own socket name), so the operator's sessions are never touched."""

    def __init__(self, socket: str) -> None:
        self.base = ["tmux", "-L", socket]

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            [*self.base, *args], env=env, capture_output=True, text=True, check=True
        )
        return done.stdout

    def first_screen(self, command: Sequence[str], text: str, env: dict[str, str]) -> float:
        """Seconds from launching `command` in a fresh 80x24 pane until `text` is on it."""
        name = f"run{next(_names)}"
        # tmux starts the command in its server's environment, not this client's: name the
        # isolated config and state dirs on the command line, or the operator's own are used
        dirs = [f"{k}={v}" for k, v in sorted(env.items()) if k.startswith("GTWIZARD_")]
        line = shlex.join(["env", *dirs, *command])
        start = time.perf_counter()
        self("new-session", "-d", "-x", "80", "-y", "24", "-s", name, line, env=env)
        try:
            while text not in self("capture-pane", "-p", "-t", name):
                if time.perf_counter() - start > 60:
                    raise RuntimeError(f"{command[0]} never showed {text!r}")
                time.sleep(0.005)
            return time.perf_counter() - start
        finally:
            self("kill-session", "-t", name)


@contextmanager
def tmux_server() -> Iterator[Tmux]:
    tmux = Tmux(f"gtwizard-bench-{time.monotonic_ns()}")
    tmux("new-session", "-d", "-s", "keep", "sleep 86400")  # keeps the server up between runs
    try:
        yield tmux
    finally:
        subprocess.run([*tmux.base, "kill-server"], capture_output=True)


def _first_screen_against_minimal(
    command: list[str], label: str, repeat: int, baseline: str = "minimal"
) -> tuple[float, str]:
    """`command`'s first screen vs a baseline app, medians of interleaved runs.

    `minimal`: one Static (benchmarks/minimal_app.py); `product-like`: the widget kinds of the
    Product step and nothing of gtwizard (benchmarks/product_like_app.py)."""
    script, text, named = {
        "minimal": ("minimal_app.py", MINIMAL_TEXT, "minimal app"),
        "product-like": ("product_like_app.py", FIRST_SCREEN_TEXT, "product-like app"),
    }[baseline]
    with isolated_env() as env, tmux_server() as tmux:
        base_argv = [PYTHON, str(HERE / script)]
        tmux.first_screen(base_argv, text, env)  # warm the file cache for both
        tmux.first_screen(command, FIRST_SCREEN_TEXT, env)
        base, ours = paired_medians(
            lambda: tmux.first_screen(base_argv, text, env),
            lambda: tmux.first_screen(command, FIRST_SCREEN_TEXT, env),
            repeat,
        )
    return ours / base, f"{label} {ours * 1000:.0f} ms, {named} {base * 1000:.0f} ms"


def first_screen_ratio(repeat: int) -> tuple[float, str]:
    """gtwizard's first step (the Product screen) vs the minimal Textual app."""
    return _first_screen_against_minimal([GTWIZARD], "gtwizard", repeat)


def first_screen_rebased_ratio(repeat: int) -> tuple[float, str]:
    """gtwizard's first step vs a minimal app with the same widget kinds (issue 15's re-based
    budget: Input, OptionList, a scroll view of text, buttons, a one-line key bar)."""
    return _first_screen_against_minimal([GTWIZARD], "gtwizard", repeat, "product-like")


def floor_screen_ratio(kind: str) -> Callable[[int], tuple[float, str]]:
    """A floor of the first-screen budget: gtwizard's start-up path with a lighter first screen
    (`benchmarks/floor_app.py bare|frame`) vs the minimal Textual app."""
    command = [PYTHON, str(HERE / "floor_app.py"), kind]
    return lambda repeat: _first_screen_against_minimal(command, kind, repeat)


def _quiet(argv: list[str], env: dict[str, str]) -> None:
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


def cli_ratio(flag: str, repeat: int) -> tuple[float, str]:
    """`gtwizard FLAG` vs `python -c pass`."""
    with isolated_env() as env:
        base_argv = [PYTHON, "-c", "pass"]
        ours_argv = [GTWIZARD, flag]
        _quiet(ours_argv, env)
        base, ours = paired_medians(
            lambda: median_time(lambda: _quiet(base_argv, env), 1),
            lambda: median_time(lambda: _quiet(ours_argv, env), 1),
            repeat,
        )
    return ours / base, f"gtwizard {flag} {ours * 1000:.0f} ms, python -c pass {base * 1000:.0f} ms"
