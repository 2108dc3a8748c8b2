"""`gtwizard rotate` on a terminal without an operator token (issue 20, item 8): the guided paste
instead of exit 2. The tenant's /gt-api address and exactly what to make there, then the key read
masked. The run gets a real pseudo-terminal as its controlling terminal (getpass reads from it),
and the bytes it shows are checked: the pasted key never appears on the screen."""

from __future__ import annotations

import os
import pty
import select
import sys
from typing import Any

from support.cli_helpers import run_cli
from support.lifecycle_helpers import env_key
from support.rotation_helpers import journal, key_status, setup_profile

from gtwizard.profiles import get_profile
from gtwizard.tenant import parse_host


def on_terminal(args: list[str], answers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """`gtwizard ARGS` on a new pseudo-terminal; each answer is typed once its prompt shows (not
    before: the terminal would echo a key typed ahead of a masked prompt). Returns the exit code
    and every byte the terminal showed."""
    env = {k: v for k, v in os.environ.items() if k != "GTWIZARD_OPERATOR_TOKEN"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its controlling terminal, stdin, stdout, stderr
        os.execve(sys.executable, [sys.executable, "-m", "gtwizard", *args], env)
    shown, seen_to = b"", 0
    pending = list(answers)
    code = None
    try:
        for _ in range(1200):  # a bound on a stuck run (never an assertion on time)
            ready, _, _ = select.select([fd], [], [], 0.25)
            if ready:
                try:
                    data = os.read(fd, 4096)
                except OSError:  # EIO: the child closed the terminal: it is ending
                    data = b""
                if not data:
                    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
                    break
                shown += data
                if pending and pending[0][0] in shown[seen_to:]:
                    seen_to = shown.index(pending[0][0], seen_to) + len(pending[0][0])
                    os.write(fd, pending.pop(0)[1])
                continue
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                break
    finally:
        if code is None:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
    assert code is not None, shown.decode(errors="replace")
    return code, shown


def test_rotate_without_a_token_on_a_terminal_guides_a_paste(sandbox: Any, tmp_path) -> None:
    env_file = tmp_path / "owui.env"
    before = setup_profile(sandbox, "guided", ["--env-file", str(env_file)], {})
    old_secret = env_key(env_file)
    _, new_secret = sandbox.seed_key(before.scopes, agent_aliases=before.agent_aliases)

    code, shown = on_terminal(
        ["rotate", "--profile", "guided"],
        [(b"[y/N] ", b"y\n"), (b"New gtak_ key: ", new_secret.encode() + b"\n")],
    )
    text = shown.decode(errors="replace")
    assert code == 0, text
    console = parse_host(before.tenant_host).gt_api_console
    guide = text[text.index("No operator token") : text.index("New gtak_ key:")]
    assert f"1. Open {console}" in guide and "Create API Key" in guide
    assert f"scopes: {', '.join(before.scopes)}" in guide
    assert f"Allow exactly: {', '.join(before.agent_aliases)}" in guide
    assert new_secret.encode() not in shown, "the pasted key was shown on the terminal"
    # the pasted key was taken: in the target, live; the old one stays until proven (env file)
    assert env_key(env_file) == new_secret and key_status(sandbox, new_secret) == 200
    assert key_status(sandbox, old_secret) == 200
    assert journal("guided")["state"] == "waiting" and journal("guided")["mode"] == "manual"
    assert "rotation waiting" in text


def test_an_empty_paste_changes_nothing(sandbox: Any, tmp_path) -> None:
    env_file = tmp_path / "owui.env"
    before = setup_profile(sandbox, "empty", ["--env-file", str(env_file)], {})
    old_secret = env_key(env_file)
    code, shown = on_terminal(
        ["rotate", "--profile", "empty"], [(b"[y/N] ", b"y\n"), (b"New gtak_ key: ", b"\n")]
    )
    text = shown.decode(errors="replace")
    assert code == 2 and "no key was pasted; nothing was changed" in text, text
    assert journal("empty")["operation"] == "setup"  # the setup's, done: no rotation began
    assert get_profile("empty").key_id == before.key_id and env_key(env_file) == old_secret


def test_without_a_terminal_it_still_names_key_stdin(sandbox: Any, tmp_path) -> None:
    setup_profile(sandbox, "plain", ["--env-file", str(tmp_path / "owui.env")], {})
    out = run_cli(["rotate", "--profile", "plain", "--yes"], drop=["GTWIZARD_OPERATOR_TOKEN"])
    assert out.returncode == 2 and "--key-stdin" in out.stderr, out.stderr
    assert "New gtak_ key" not in out.stdout + out.stderr
    assert journal("plain")["state"] == "not-started"
