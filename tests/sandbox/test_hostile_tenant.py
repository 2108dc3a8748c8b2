"""A hostile tenant (the sandbox's `hostile` fault) against every command that prints its answers.

The assertions are on the bytes the real `gtwizard` writes to stdout and stderr, as a terminal
would receive them, and on every file gtwizard keeps (config.toml, ledger, journal, audit log, log,
runbook): no ESC, no C1, no BEL, no carriage return, no bidi control the tenant sent; what the
tenant said is still shown, escaped. Records that do not fit the contract are never stored.
Oversized and deeply nested answers end the run with one line naming the route, exit 1.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import tomllib
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.cli_helpers import mint_setup_args
from support.hostile_helpers import (
    ESCAPED_OSC52,
    assert_terminal_safe,
    run_cli_bytes,
    unsafe_files,
)

from gtwizard.gt.client import GTClient
from gtwizard.gt.errors import BadResponse, BodyTooLarge
from gtwizard.gt.http import CAP_CHAT, CAP_LIST
from gtwizard.gt.keys import KeyManager
from gtwizard.sandbox.hostile import HOSTILE_ID, HOSTILE_MODES, HUGE_BYTES

PROFILE = "lab"


@pytest.fixture
def tenant(sandbox: Any) -> Iterator[Any]:
    """The module's sandbox, friendly at the start and the end of each test."""
    sandbox.clear_faults()
    yield sandbox
    sandbox.clear_faults()


def token_env(tenant: Any) -> dict[str, str]:
    return {"GTWIZARD_OPERATOR_TOKEN": tenant.operator_token}


def set_up(tenant: Any) -> None:
    """A profile made while the tenant still behaved."""
    out = run_cli_bytes(
        mint_setup_args(tenant.base_url, "helpdesk", "--profile", PROFILE), token_env(tenant)
    )
    assert out.returncode == 0, out.stderr.decode()


def tenant_keys(tenant: Any) -> list[Any]:
    async def go() -> list[Any]:
        async with KeyManager(tenant.base_url, tenant.operator_token) as manager:
            return list(await manager.list_keys())

    tenant.clear_faults()
    return asyncio.run(go())


def assert_files_clean(isolated_dirs: Path) -> None:
    roots = [isolated_dirs / "config", isolated_dirs / "state"]
    assert unsafe_files(*roots) == {}


def strings_in(value: Any) -> list[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


def one_line(out: subprocess.CompletedProcess[bytes], *, left_open: str | None = None) -> str:
    """The one error line on stderr (exit 1), no traceback. `left_open`: the profile of a
    rotation the failure left in progress; after the line come its resolving commands."""
    err = out.stderr.decode()
    assert out.returncode == 1, (out.returncode, err, out.stdout.decode()[-800:])
    assert "Traceback" not in err and "a bug in gtwizard" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    if left_open is not None:
        assert lines[1].startswith("left in progress: ") and len(lines) == 4, err
        assert lines[2].strip() == f"gtwizard rotate --resume --profile {left_open}", err
        assert lines[3].strip() == f"gtwizard rotate --abort --profile {left_open}", err
        lines = lines[:1]
    assert len(lines) == 1, err
    return lines[0]


# ---- escape sequences and bidi controls -------------------------------------------------------


def test_setup_mint_shows_a_hostile_tenants_names_harmlessly(
    tenant: Any, isolated_dirs: Path
) -> None:
    tenant.set_faults(hostile="text")
    out = run_cli_bytes(
        mint_setup_args(tenant.base_url, "helpdesk", "--profile", PROFILE), token_env(tenant)
    )
    assert_terminal_safe(out.stdout, out.stderr)
    line = one_line(out)
    assert "outside the chosen allowlist" in line and ESCAPED_OSC52 in line, line
    assert_files_clean(isolated_dirs)


def test_every_command_prints_a_hostile_tenants_text_harmlessly(
    tenant: Any, isolated_dirs: Path
) -> None:
    set_up(tenant)
    tenant.set_faults(hostile="text")
    runbook = isolated_dirs / "RUNBOOK.md"
    commands = [
        ["status"],
        ["status", "--json"],
        ["profiles", "show", PROFILE],
        ["profiles", "list"],
        ["keys"],
        ["keys", "--json"],
        ["check", "--profile", PROFILE],
        ["check", "--profile", PROFILE, "--json"],
        ["probe", f"http://{tenant.host}"],
        ["runbook", "--profile", PROFILE, "-o", str(runbook)],
        ["rotate", "--profile", PROFILE, "--yes"],
    ]
    shown = ""
    for args in commands:
        out = run_cli_bytes(args, token_env(tenant))
        assert_terminal_safe(out.stdout, out.stderr)
        err = out.stderr.decode()
        assert out.returncode in (0, 1), (args, out.returncode, err)
        assert "Traceback" not in err and "a bug in gtwizard" not in err, (args, err)
        shown += out.stdout.decode() + err
        if "--json" in args:
            json.loads(out.stdout)
            assert out.stdout.isascii(), "JSON output escapes every non-ASCII character"
    # the tenant's words were shown, not swallowed: its extra model name in check and rotate,
    # the key a person named with escape sequences, refused by name of its id
    assert ESCAPED_OSC52 in shown
    assert "key_made_by_a_person" in shown and "not of the contract's shape" in shown
    assert runbook.exists()
    assert_files_clean(isolated_dirs)
    assert unsafe_files(runbook) == {}


def test_an_error_message_from_the_tenant_is_shown_harmlessly(
    tenant: Any, isolated_dirs: Path
) -> None:
    set_up(tenant)
    tenant.set_faults(hostile="text", error_status=400, path_prefix="/manage/v1/keys")
    for args in (["keys"], ["rotate", "--profile", PROFILE, "--yes"]):
        out = run_cli_bytes(args, token_env(tenant))
        assert_terminal_safe(out.stdout, out.stderr)
        text = (out.stdout + out.stderr).decode()
        assert "injected fault: HTTP 400" in text and ESCAPED_OSC52 in text, text
    assert_files_clean(isolated_dirs)


@pytest.mark.parametrize("mode", ["ids", "names"])
def test_a_mint_answer_that_does_not_fit_is_refused_and_never_stored(
    tenant: Any, isolated_dirs: Path, mode: str
) -> None:
    before = {k.id for k in tenant_keys(tenant)}
    tenant.set_faults(hostile=mode, path_prefix="/manage/v1/keys")
    out = run_cli_bytes(
        mint_setup_args(tenant.base_url, "helpdesk", "--profile", PROFILE), token_env(tenant)
    )
    assert_terminal_safe(out.stdout, out.stderr)
    line = one_line(out)
    assert "bad answer from the tenant" in line and "not of the contract's shape" in line, line
    assert "/manage/v1/keys" in line
    # the tenant did make a key; nothing of its record was kept anywhere
    made = [k for k in tenant_keys(tenant) if k.id not in before]
    assert len(made) == 1
    config = isolated_dirs / "config" / "config.toml"
    if config.exists():
        profiles = tomllib.loads(config.read_text(encoding="utf-8")).get("profiles", {})
        assert PROFILE not in profiles
    assert_files_clean(isolated_dirs)
    if mode == "names":  # the id fitted: the operator is told which key to look at
        assert made[0].id in line


def test_a_key_id_kept_from_before_ids_were_checked_is_shown_harmlessly(
    tenant: Any, isolated_dirs: Path
) -> None:
    """config.toml written by an older gtwizard may hold a tenant's id as it came."""
    set_up(tenant)
    config = isolated_dirs / "config" / "config.toml"
    text = config.read_text(encoding="utf-8")
    key_id = tomllib.loads(text)["profiles"][PROFILE]["key_id"]
    legacy = json.dumps(HOSTILE_ID)  # a TOML basic string takes JSON's \uXXXX escapes
    config.write_text(text.replace(f'"{key_id}"', legacy), encoding="utf-8")
    assert tomllib.loads(config.read_text(encoding="utf-8"))["profiles"][PROFILE]["key_id"] == (
        HOSTILE_ID
    )
    runbook = isolated_dirs / "RUNBOOK.md"
    for args in (
        ["status"],
        ["status", "--json"],
        ["profiles", "show", PROFILE],
        ["profiles", "show", PROFILE, "--json"],
        ["runbook", "--profile", PROFILE, "-o", str(runbook)],
    ):
        out = run_cli_bytes(args)
        assert_terminal_safe(out.stdout, out.stderr)
        assert out.returncode in (0, 1), (args, out.stderr.decode())
        if "--json" in args:
            assert HOSTILE_ID in strings_in(json.loads(out.stdout)), "JSON keeps it, escaped"
        elif args[0] != "runbook":
            assert ESCAPED_OSC52 in out.stdout.decode(), args
    assert ESCAPED_OSC52 in runbook.read_text(encoding="utf-8")
    assert unsafe_files(runbook) == {}


def test_keys_leaves_out_records_whose_ids_do_not_fit_and_says_so(
    tenant: Any, isolated_dirs: Path
) -> None:
    set_up(tenant)
    tenant.set_faults(hostile="ids", path_prefix="/manage/v1/keys")
    out = run_cli_bytes(["keys"], token_env(tenant))
    assert_terminal_safe(out.stdout, out.stderr)
    text = out.stdout.decode()
    assert out.returncode == 0, (text, out.stderr.decode())
    assert "left out, not of the contract's shape: record 1: the id is not" in text
    as_json = run_cli_bytes(["keys", "--json"], token_env(tenant))
    report = json.loads(as_json.stdout)
    assert report["tenants"][0]["left_out"] and report["tenants"][0]["keys"] == []
    assert_files_clean(isolated_dirs)


def test_hostile_mode_is_set_at_start_and_at_run_time(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gtwizard", "sandbox", "--hostile", "text"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready = json.loads(proc.stdout.readline() if proc.stdout else "{}")
        faults = ready["base_url"] + "/_sandbox/faults"
        auth = {"Authorization": f"Bearer {ready['operator_token']}"}
        assert httpx.get(faults, headers=auth).json()["hostile"] == "text"
        published = httpx.get(ready["base_url"] + "/manage/v1/published", headers=auth).json()
        assert any("\x1b]52;c;" in p["name"] for p in published["data"])
        changed = httpx.post(faults, headers=auth, json={"hostile": "nested"}).json()
        assert changed["hostile"] == "nested"
        bad = httpx.post(faults, headers=auth, json={"hostile": "bogus"})
        assert bad.status_code == 400 and "hostile" in bad.text
        assert set(HOSTILE_MODES) == {"text", "ids", "names", "huge", "nested"}
    finally:
        proc.terminate()
        proc.wait(30)


# ---- oversized and deeply nested answers ------------------------------------------------------


ROUTE = re.compile(r"the answer to (GET|POST) \S+/api/tenant/\S+ is too large")


def test_a_huge_answer_ends_the_run_at_its_routes_cap(tenant: Any, isolated_dirs: Path) -> None:
    set_up(tenant)
    tenant.set_faults(hostile="huge", path_prefix="/manage/v1/keys")
    sent_before = tenant.hostile_sent
    out = run_cli_bytes(["rotate", "--profile", PROFILE, "--yes"], token_env(tenant))
    line = one_line(out, left_open=PROFILE)  # the mint was sent: it may have made a key
    # the mint answer: one key record, capped at 64 KB
    assert ROUTE.search(line) and "POST" in line and "/manage/v1/keys" in line, line
    assert "capped at 64 KB" in line and "must answer" in line, line
    sent = tenant.hostile_sent - sent_before
    assert 0 < sent < HUGE_BYTES // 4, f"the server got {sent} bytes out of {HUGE_BYTES}"

    tenant.set_faults(hostile="huge", path_prefix="/v1/models")
    out = run_cli_bytes(["check", "--profile", PROFILE], token_env(tenant))
    assert out.returncode == 1
    text = out.stdout.decode()
    assert "/api/tenant/v1/models is too large" in text and "capped at 8 MB" in text, text
    assert_files_clean(isolated_dirs)


@pytest.mark.parametrize(
    "args",
    [
        ["keys"],
        ["rotate", "--profile", PROFILE, "--yes"],
        ["check", "--profile", PROFILE],
    ],
    ids=["keys", "rotate", "check"],
)
def test_json_nested_too_deeply_is_a_bad_answer_not_a_bug(
    tenant: Any, isolated_dirs: Path, args: list[str]
) -> None:
    set_up(tenant)
    tenant.set_faults(hostile="nested")
    out = run_cli_bytes(args, token_env(tenant))
    text = (out.stdout + out.stderr).decode()
    assert out.returncode == 1, (out.returncode, text)
    assert "a bug in gtwizard" not in text and "Traceback" not in text, text
    assert "nests deeper than 64 levels" in text or "not a GT API" in text, text
    if args[0] != "check":
        assert "bad answer from the tenant" in text, text


def peak_while(call: Any) -> tuple[BaseException, int]:
    """Run `call()` (a coroutine function) and return what it raised and the peak of memory."""
    tracemalloc.start()
    try:
        asyncio.run(call())
    except BaseException as exc:
        _, peak = tracemalloc.get_traced_memory()
        return exc, peak
    finally:
        tracemalloc.stop()
    pytest.fail("a 200 MB answer was read to the end")


def test_memory_does_not_grow_with_the_body(tenant: Any) -> None:
    _, secret = tenant.seed_key(["inference:chat"], agent_aliases=["helpdesk"])
    tenant.set_faults(hostile="huge")

    async def list_keys() -> None:
        async with KeyManager(tenant.base_url, tenant.operator_token, max_retries=0) as m:
            await m.list_keys()

    async def list_models() -> None:
        async with GTClient(tenant.base_url, secret, max_retries=0) as gt:
            await gt.list_models()

    async def chat_stream() -> None:
        async with GTClient(tenant.base_url, secret, max_retries=0) as gt:
            await gt.chat_stream("helpdesk", [{"role": "user", "content": "hi"}])

    for call, cap in ((list_keys, CAP_LIST), (list_models, CAP_LIST), (chat_stream, CAP_CHAT)):
        before = tenant.hostile_sent
        error, peak = peak_while(call)
        assert isinstance(error, BodyTooLarge), repr(error)
        assert peak < 4 * cap, f"{call.__name__}: peak {peak} bytes for a cap of {cap}"
        assert tenant.hostile_sent - before < HUGE_BYTES // 4


def test_the_key_manager_refuses_deep_json_as_a_bad_response(tenant: Any) -> None:
    tenant.set_faults(hostile="nested")

    async def go() -> None:
        async with KeyManager(tenant.base_url, tenant.operator_token, max_retries=0) as m:
            await m.published()

    with pytest.raises(BadResponse, match=r"bad answer from the tenant .*nests deeper"):
        asyncio.run(go())
