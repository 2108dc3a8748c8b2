"""No advice that leads to a dead end (issue 20): every command line gtwizard prints as advice —
setup's next steps, `status` (human and JSON), `check`'s hints, a rotation's `remaining`, the
runbook — is collected over the lifecycle's states and run as printed, each in a copy of the state
it was printed in, on a terminal that answers "no" to any question. None may end as bad usage
(exit 2): a command gtwizard tells the operator to run must at least be one it accepts there.
"""

from __future__ import annotations

import json
import os
import pty
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.cli_helpers import mint_setup_args, on_terminal, run_cli

pytestmark = pytest.mark.slow

NAMES = "helpdesk"
DIRS = ("config", "state", "cache")
SUBCOMMANDS = "setup|check|rotate|status|profiles|keys|runbook|schedule|probe|presets"
# `[VAR=value ]gtwizard SUBCOMMAND ...` up to the end of the line or of a quoted span; the words
# "or", "then" and "and" end it (two commands offered in one sentence)
ADVICE = re.compile(
    r"((?:[A-Z_]+=\S+ )*)gtwizard (?:"
    + SUBCOMMANDS
    + r")\b((?: (?!or |then |and )[^\s`'\"(),;]+)*)"
)
TARGETS = "targets"  # a snapshot's copy of the env files, which live outside the dirs
PLACEHOLDERS = {
    "EMAIL": "someone@example.com",
    "URL": "http://127.0.0.1:9",  # nothing listens: a command may fail (1), never be refused (2)
    "FILE": "runbook.md",
    "HOST": "127.0.0.1:9",
}


@dataclass
class Advice:
    command: str
    where: str  # which output printed it, in which state
    snapshot: Path  # the dirs as they were when it was printed
    env: dict[str, str]


def commands_in(text: str) -> list[str]:
    return [match.group(0).rstrip(".:") for match in ADVICE.finditer(text)]


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


class Lifecycle:
    """One test's gtwizard dirs, snapshotted whenever advice is collected."""

    def __init__(self, root: Path, sandbox) -> None:
        self.root, self.sandbox = root, sandbox
        self.advice: list[Advice] = []
        self.env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}

    def run(self, *args: str, **env: str):
        return run_cli(list(args), env={**self.env, **env})

    def collect(self, state: str, *outputs: tuple[str, str]) -> None:
        snapshot = self.root / f"snap-{len(self.advice)}-{state}"
        for name in DIRS:
            source = self.root / name
            if source.exists():
                shutil.copytree(source, snapshot / name, symlinks=True)
        # the env files are part of the state too: a replay finds them as they were
        (snapshot / TARGETS).mkdir(parents=True)
        for env_file in self.root.glob("owui.env*"):
            shutil.copy2(env_file, snapshot / TARGETS / env_file.name)
        for where, text in outputs:
            for command in commands_in(text):
                self.advice.append(Advice(command, f"{state}: {where}", snapshot, dict(self.env)))

    def collect_all(self, state: str, *extra: tuple[str, str]) -> None:
        """Advice of every reading command in this state, plus `extra` outputs."""
        outputs = list(extra)
        for args in (["status"], ["status", "--json"], ["check", "--all", "--json"], ["runbook"]):
            out = self.run(*args)
            if "--json" in args:  # the strings of the object, as a program reading it gets them
                text = "\n".join(strings(json_or_empty(out.stdout)))
            else:
                text = out.stdout + out.stderr
            outputs.append((" ".join(args), text))
        check = self.run("check", "--profile", "lab", "--json")
        outputs.append(("check --json", "\n".join(strings(json_or_empty(check.stdout)))))
        self.collect(state, *outputs)


def json_or_empty(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return {}


def run_as_printed(
    advice: Advice, cwd: Path, secrets: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """The command as printed (placeholders filled in), in a copy of its state, on a terminal;
    a variable printed in front of it (`GTWIZARD_OPERATOR_TOKEN=… gtwizard …`) is one the
    operator fills in: its value comes from `secrets`."""
    words = shlex.split(advice.command)
    # a variable printed with the command is one the operator sets: the one this run had
    given = {}
    while "=" in words[0]:
        name = words.pop(0).split("=", 1)[0]
        given[name] = secrets.get(name, "")
    words = [PLACEHOLDERS.get(word, word) for word in words[1:]]
    work = cwd / "run"
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(advice.snapshot, work, symlinks=True)
    for env_file in cwd.glob("owui.env*"):  # the profiles name these paths: as they were then
        env_file.unlink()
    for env_file in (advice.snapshot / TARGETS).iterdir():
        shutil.copy2(env_file, cwd / env_file.name)
    env = {
        **os.environ,
        **advice.env,
        **{name: value for name, value in given.items() if value},
        "GTWIZARD_CONFIG_DIR": str(work / "config"),
        "GTWIZARD_STATE_DIR": str(work / "state"),
        "GTWIZARD_CACHE_DIR": str(work / "cache"),
    }
    master, slave = pty.openpty()
    try:
        os.write(master, b"n\n" * 4)  # any question is answered "no": nothing is changed by it
        return subprocess.run(
            [sys.executable, "-m", "gtwizard", *words],
            stdin=slave,
            capture_output=True,
            text=True,
            env=env,
            cwd=work,
            timeout=180,
        )
    finally:
        os.close(slave)
        os.close(master)


def test_every_printed_command_runs(sandbox, isolated_dirs: Path) -> None:
    life = Lifecycle(isolated_dirs, sandbox)
    env_file = isolated_dirs / "owui.env"

    setup = life.run(
        *mint_setup_args(sandbox.base_url, NAMES, "--profile", "lab", "--env-file", str(env_file))
    )
    assert setup.returncode == 0, setup.stderr
    life.collect_all("set up", ("setup", setup.stdout + setup.stderr))

    waiting = life.run("rotate", "--profile", "lab", "--yes", "--json")
    assert waiting.returncode == 0, waiting.stderr
    assert json.loads(waiting.stdout)["state"] == "waiting"
    life.collect_all(
        "rotation waiting", ("rotate --json", "\n".join(strings(json.loads(waiting.stdout))))
    )
    human = life.run("rotate", "--profile", "lab", "--yes")  # the same state, said in words
    life.collect("rotation waiting", ("rotate", human.stdout + human.stderr))

    # without a terminal nobody can say whether Open WebUI was restarted on the new key: refused,
    # and the refusal's advice is collected too
    refusal = life.run("rotate", "--abort", "--profile", "lab", "--json")
    assert refusal.returncode == 2, refusal.stdout + refusal.stderr
    life.collect(
        "abort refused", ("rotate --abort --json", "\n".join(strings(json.loads(refusal.stdout))))
    )
    # on a terminal the operator answers: not restarted, so the old key goes back
    aborted = on_terminal(["rotate", "--abort", "--profile", "lab"], b"n\n", life.env)
    assert aborted.returncode == 0, aborted.stdout + aborted.stderr
    life.collect_all("after abort", ("rotate --abort", aborted.stdout + aborted.stderr))

    killed = life.run(
        "rotate", "--profile", "lab", "--yes", GTWIZARD_TEST_CRASH_AFTER="apply:written=KILL"
    )
    assert killed.returncode != 0
    life.collect_all("rotation killed after apply")

    killed_setup = life.run(
        *mint_setup_args(
            sandbox.base_url, NAMES, "--profile", "two", "--env-file", str(env_file) + "2"
        ),
        GTWIZARD_TEST_CRASH_AFTER="store-pending:written=KILL",
    )
    assert killed_setup.returncode != 0
    life.collect_all("setup killed after storing")

    life.env = {}  # the operator's next shell, without the token
    life.collect_all("no operator token")

    unique = sorted({a.command for a in life.advice})
    assert len(unique) >= 8, unique  # the states above print at least this many different ones
    refused = []
    for advice in life.advice:
        out = run_as_printed(
            advice, isolated_dirs, life.env | {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
        )
        declined = "cancelled" in out.stderr  # the terminal answered "no": it ran as printed
        if (out.returncode == 2 and not declined) or "usage:" in out.stderr:
            last = (out.stderr.strip().splitlines() or ["(nothing)"])[-1]
            refused.append(f"{advice.command!r} ({advice.where}) -> {last}")
    assert not refused, "advice that exits 2 as printed:\n" + "\n".join(sorted(set(refused)))


def test_finishing_says_it_continues_and_a_bad_token_is_named_by_its_place(
    sandbox, isolated_dirs: Path
) -> None:
    life = Lifecycle(isolated_dirs, sandbox)
    env_file = isolated_dirs / "owui.env"
    setup = life.run(
        *mint_setup_args(sandbox.base_url, NAMES, "--profile", "lab", "--env-file", str(env_file))
    )
    assert setup.returncode == 0, setup.stderr
    assert life.run("rotate", "--profile", "lab", "--yes").returncode == 0
    finish = life.run("rotate", "--finish", "--profile", "lab", "--revoke-without-proof")
    assert finish.returncode == 0, finish.stderr
    assert "will mint" not in finish.stdout and "continue with the new key" in finish.stdout

    wrong = life.run("keys", GTWIZARD_OPERATOR_TOKEN="gtop_" + "x" * 40)
    assert wrong.returncode == 1
    assert "the operator token was rejected" in wrong.stdout + wrong.stderr
    assert "wherever this one came from" in wrong.stdout + wrong.stderr
