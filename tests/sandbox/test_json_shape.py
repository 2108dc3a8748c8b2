"""One JSON shape for every `--json` command (issue 20, item 9), run as automation runs them.

Every object has `ok`; every failure (an exception or not: a probe that finds no GT API, a check
that fails) has `error` and `hint`; every multi-step answer has `remaining`; an abort lists the
steps as they really stand; a rotation that never began says `not-started`; times are to the
second. The commands that take `--json` are read from the real parser, so a new one without a
case here fails the coverage test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support.cli_helpers import mint_setup_args, on_terminal, run_cli
from support.lifecycle_helpers import FULL_KEY
from support.rotation_helpers import journal, tenant_key

from gtwizard.cli import build_parser
from gtwizard.commands import COMMANDS
from gtwizard.lifecycle.journal import CRASH_HOOK_ENV
from gtwizard.profiles import config_path, get_profile, save_profile

FRACTION = re.compile(r"T\d\d:\d\d:\d\d\.\d")  # an ISO time with a fraction of a second


def json_commands() -> set[tuple[str, ...]]:
    """Every command (and `profiles` action) whose parser has `--json`, from the real parser."""

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> set[tuple[str, ...]]:
        found = {path} if any("--json" in a.option_strings for a in parser._actions) else set()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found |= walk(sub, (*path, name))
        return found

    paths: set[tuple[str, ...]] = set()
    for name in COMMANDS:
        top = build_parser([name])
        sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
        paths |= walk(sub.choices[name], (name,))
    return paths


def strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return [value] if isinstance(value, str) else []


def one_object(out: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """Exactly one JSON object on stdout, in the one shape (see the module's docstring)."""
    body = json.loads(out.stdout)  # a second object, or text around it, would not parse
    assert isinstance(body, dict), out.stdout
    assert isinstance(body.get("ok"), bool), body
    assert body["ok"] is (out.returncode == 0), (out.returncode, body, out.stderr)
    if not body["ok"]:
        assert isinstance(body.get("error"), str) and body["error"].strip(), body
        assert isinstance(body.get("hint"), str) and body["hint"].strip(), body
    assert not FULL_KEY.search(out.stdout), "a key in the JSON"
    assert not [s for s in strings(body) if FRACTION.search(s)], "a time with a fraction"
    return body


class Runs:
    """Runs `gtwizard ARGS --json`, checks the shape, and notes which commands answered how."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, ...], set[bool]] = {}

    def __call__(self, *args: str, env: dict[str, str] | None = None, **kw: Any) -> dict:
        out = run_cli([*args, "--json"], env=env, **kw)
        body = one_object(out)
        path = tuple(args[:2]) if args[0] == "profiles" else (args[0],)
        self.seen.setdefault(path, set()).add(body["ok"])
        return body


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_every_json_command_answers_in_one_shape(sandbox: Any, tmp_path: Path) -> None:
    run = Runs()
    op = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    dead = f"http://127.0.0.1:{closed_port()}"

    presets = run("presets")
    assert presets["ok"] and len(presets["presets"]) == 23
    assert run("presets", "show", "open-webui")["slug"] == "open-webui"
    run("presets", "show", "no-such-product")

    probed = run("probe", sandbox.base_url)
    assert probed["gt_api"] is True and "error" not in probed
    refused = run("probe", dead)  # not an exception: the probe ran and found no GT API
    assert refused["gt_api"] is False and "tcp" in refused["error"]
    assert "firewall" in refused["hint"]

    assert run("status")["profiles"] == []
    assert run("profiles", "list")["profiles"] == []
    run("profiles", "show", "nope")

    env_file = tmp_path / "owui.env"
    setup = [*mint_setup_args(sandbox.base_url, "helpdesk", "--profile", "a")]
    setup += ["--env-file", str(env_file)]
    dry = run(*setup, "--dry-run", env=op)
    assert dry["remaining"] == ["run the same command without --dry-run"]
    done = run(*setup, env=op)
    assert any("restart open webui" in line.lower() for line in done["remaining"])
    assert any("gtwizard check --profile a" in line for line in done["remaining"])
    assert any("gtwizard rotate --profile a" in line for line in done["remaining"])
    run("setup", "--preset", "open-webui", "--host=exa mple.com", "--mint", env=op)
    shown = run("profiles", "show", "a")
    assert shown["name"] == "a" and shown["key_id"] == get_profile("a").key_id

    run("check", "--profile", "a", "--timeout", "10")
    run("check", "--profile", "nope")
    run("check", "--all", "--timeout", "10")

    # a rotation that waits for proof, then its abort: the steps as they really stand
    waiting = run("rotate", "--profile", "a", "--yes", env=op)
    assert waiting["state"] == "waiting" and waiting["remaining"]
    # with --json nobody can say whether Open WebUI was restarted on the new key: the abort is
    # refused, and its answer lists the steps as they stand (the work is still open)
    refused = run("rotate", "--profile", "a", "--abort", env=op)
    states = {s["name"]: s["status"] for s in refused["steps"]}
    ran = ("preflight", "mint", "store-pending", "apply", "verify")
    assert {name: states[name] for name in ran} == dict.fromkeys(ran, "done"), states
    assert states["revoke-old"] == states["promote"] == "pending", states
    assert refused["state"] == "waiting" and "cannot abort" in refused["error"]
    assert any("rotate --finish --profile a" in line for line in refused["remaining"])
    assert not tenant_key(sandbox, waiting["new_key_id"]).revoked  # nothing was changed
    # on a terminal the operator says Open WebUI was not restarted: the abort goes ahead
    aborted = on_terminal(["rotate", "--profile", "a", "--abort"], b"n\n", op)
    assert aborted.returncode == 0, aborted.stdout + aborted.stderr
    assert tenant_key(sandbox, waiting["new_key_id"]).revoked  # the abort did what it says

    # nothing to finish: never started, not "rolled back"
    nothing = run("rotate", "--profile", "a", "--finish", env=op)
    assert nothing["state"] == "not-started" and nothing["remaining"] == []
    assert {s["status"] for s in nothing["steps"]} == {"skipped"}
    # refused in preflight (no token, no pasted key): never started either, and said so
    refused_rotation = run("rotate", "--profile", "a", "--yes", drop=["GTWIZARD_OPERATOR_TOKEN"])
    assert refused_rotation["state"] == "not-started"
    assert refused_rotation["new_key_id"] is None and "--key-stdin" in refused_rotation["hint"]
    steps = {s["name"]: s["status"] for s in refused_rotation["steps"]}
    assert steps["preflight"] == "failed" and set(steps.values()) == {"failed", "skipped"}
    assert journal("a")["state"] == "not-started"
    assert run("rotate", "--due")["counts"] == {"not-due": 1}

    # an interrupted setup, undone: the steps it had done, then the abort
    crashed = run_cli(
        [*mint_setup_args(sandbox.base_url, "helpdesk", "--profile", "b"), "--json"],
        env={**op, CRASH_HOOK_ENV: "store-pending"},
    )
    assert crashed.returncode < 0, crashed.stderr  # killed: the journal stays open
    undone = run("setup", "--abort", "--profile", "b", env=op)
    states = {s["name"]: s["status"] for s in undone["steps"]}
    assert states == {
        "preflight": "done",
        "mint": "done",
        "store-pending": "done",
        "apply": "skipped",
        "save": "skipped",
        "abort": "done",
    }
    assert undone["state"] == "rolled-back" and undone["remaining"] == []
    run("setup", "--resume", "--profile", "b", env=op)  # nothing left to resume

    units = run("schedule", "--print")
    assert set(units["units"]) and "cannot_run_unattended" in units
    run("schedule", "--print", "--on-calendar=")

    assert run("keys", "--host", sandbox.base_url, env=op)["tenants"]
    run("keys", "--host", dead, env={"GTWIZARD_OPERATOR_TOKEN": "gtop_nothing_here"})

    # the proof channel set later, and refused for a profile that does not exist
    channel = run("profiles", "set", "a", "--prove-url", "http://127.0.0.1:9")
    assert channel["prove_url"] == "http://127.0.0.1:9"
    run("profiles", "set", "nope", "--prove-url", "http://127.0.0.1:9")
    removed = run("profiles", "remove", "a", "--yes", env=op)
    assert removed["removed"] == "a" and isinstance(removed["remaining"], list)
    run("profiles", "remove", "a", "--yes")
    config_path().write_text("[profiles\nnot toml", encoding="utf-8")  # a broken config
    assert "config.toml" in run("status")["error"]
    assert "config.toml" in run("profiles", "list")["error"]

    # every command that takes --json answered here, both ways
    assert set(run.seen) == json_commands(), set(run.seen) ^ json_commands()
    one_way = {path: answers for path, answers in run.seen.items() if answers != {True, False}}
    assert not one_way, one_way


def test_times_are_to_the_second(sandbox: Any, tmp_path: Path) -> None:
    """A time with microseconds (a clock's now) reaches no JSON, no display, no config.toml."""
    op = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    args = mint_setup_args(sandbox.base_url, "helpdesk", "--profile", "t")
    out = run_cli([*args, "--env-file", str(tmp_path / "owui.env"), "--json"], env=op)
    assert out.returncode == 0, out.stderr
    profile = get_profile("t")
    profile.key_created_at = dt.datetime(2026, 3, 1, 10, 20, 30, 123456, tzinfo=dt.UTC)
    profile.key_expires_at = dt.datetime(2026, 9, 1, 10, 20, 30, 654321, tzinfo=dt.UTC)
    save_profile(profile)
    assert ".123456" not in config_path().read_text(encoding="utf-8")
    checked = run_cli(["check", "--profile", "t", "--timeout", "10"])  # records now()
    assert checked.returncode in (0, 1), checked.stderr

    status = one_object(run_cli(["status", "--json"]))
    record = status["profiles"][0]
    assert record["key_created_at"] == "2026-03-01T10:20:30+00:00"
    assert record["key_expires_at"] == "2026-09-01T10:20:30+00:00"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", record["last_check"]["at"])
    shown = one_object(run_cli(["profiles", "show", "t", "--json"]))
    assert shown["key_created_at"] == "2026-03-01T10:20:30+00:00"
    for text in (run_cli(["status"]).stdout, run_cli(["profiles", "show", "t"]).stdout):
        assert "10:20:30" in text and not FRACTION.search(text), text


@pytest.mark.parametrize("command", [["presets"], ["presets", "show", "open-webui"]])
def test_presets_answer_an_object(command: list[str]) -> None:
    body = one_object(run_cli([*command, "--json"]))
    assert body["ok"] is True
