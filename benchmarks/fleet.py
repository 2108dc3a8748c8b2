"""Budgets that grow with the fleet: 1,000 profiles for `status` and the welcome screen, and
`check --all` over 50 profiles on one sandbox tenant at 300 ms latency."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from common import GTWIZARD, HERE, PYTHON, isolated_env, paired_medians, sandbox, setup_profile
from startup import tmux_server

MANY = 1000
FLEET = 50
JOBS = 8
LATENCY_MS = 300
WELCOME_TEXT = "host0000"  # the first profile's line: painted once the list is filled


def write_profiles(env: dict[str, str], count: int) -> None:
    """`count` saved profiles, written at once into the env's config dir (as 'status' reads them)."""
    import tomli_w

    from gtwizard.profiles import LastCheck, Profile

    now = dt.datetime.now(dt.UTC)
    tables = {}
    for i in range(count):
        profile = Profile(
            name=f"host{i:04d}",
            tenant_host=f"tenant{i % 7}.example.com",
            openai_base=f"https://tenant{i % 7}.example.com/api/tenant/v1",
            key_preset="chat-client",
            scopes=["inference:chat"],
            agent_aliases=["helpdesk", "research-assistant"],
            key_id=f"key_{i:016x}",
            key_created_at=now - dt.timedelta(days=i % 120),
            storage_kind="file",
            storage_location=str(Path(env["GTWIZARD_STATE_DIR"]) / "secrets" / "secrets.json"),
            target_kind="env-file",
            target_place=f"/srv/open-webui-{i}/env",
            last_check=LastCheck(now, True, {"pass": 6, "warn": 2, "skip": 5}),
        )
        tables[profile.name] = profile.to_dict()
    config = Path(env["GTWIZARD_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True, mode=0o700)
    doc = {"version": 1, "default_profile": "host0000", "profiles": tables}
    (config / "config.toml").write_text(tomli_w.dumps(doc))


def _timed(argv: Sequence[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) and stdout of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    out = child.stdout.read() if child.stdout else b""
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss, out.decode()


def status_ratio(repeat: int) -> tuple[float, str]:
    """`status --json` with 1,000 profiles over the same with one."""
    with isolated_env() as one, isolated_env() as many:
        write_profiles(one, 1)
        write_profiles(many, MANY)
        argv = [GTWIZARD, "status", "--json"]
        for env in (one, many):  # warm, and make sure it works
            if len(json.loads(_timed(argv, env)[2])["profiles"]) not in (1, MANY):
                raise RuntimeError("status did not list the profiles")
        base, ours = paired_medians(
            lambda: _timed(argv, one)[0], lambda: _timed(argv, many)[0], repeat * 2
        )
    return ours / base, f"{MANY} profiles {ours * 1000:.0f} ms, one {base * 1000:.0f} ms"


def welcome_ratio(repeat: int) -> tuple[float, str]:
    """The welcome screen's first paint (the first profile's line) with 1,000 profiles over one."""
    with isolated_env() as one, isolated_env() as many, tmux_server() as tmux:
        write_profiles(one, 1)
        write_profiles(many, MANY)

        for env in (one, many):
            tmux.first_screen([GTWIZARD], WELCOME_TEXT, env)
        base, ours = paired_medians(
            lambda: tmux.first_screen([GTWIZARD], WELCOME_TEXT, one),
            lambda: tmux.first_screen([GTWIZARD], WELCOME_TEXT, many),
            repeat,
        )
    return ours / base, f"{MANY} profiles {ours * 1000:.0f} ms, one {base * 1000:.0f} ms"


_fleet_cache: dict[str, tuple[float, float, int, int, float]] = {}


def _check_all(repeat: int) -> tuple[float, float, int, int, float]:
    """(check --all seconds, single check seconds, their peak RSS in KiB, the network floor's
    seconds), medians at 300 ms."""
    if "done" in _fleet_cache:
        return _fleet_cache["done"]
    with isolated_env() as env, sandbox(env) as child:
        for n in range(FLEET):
            setup_profile(env, child, f"p{n:02d}")
        child.set_latency(LATENCY_MS)
        every = [GTWIZARD, "check", "--all", "--jobs", str(JOBS), "--json"]
        single = [GTWIZARD, "check", "--profile", "p00", "--json"]
        floor = [PYTHON, str(HERE / "fleet_floor.py"), "--jobs", str(JOBS)]
        runs: dict[str, list[tuple[float, int]]] = {"all": [], "one": [], "floor": []}
        for _ in range(repeat):
            for name, argv in (("one", single), ("all", every), ("floor", floor)):
                seconds, peak, out = _timed(argv, env)
                if name != "floor" and not json.loads(out)["ok"]:
                    raise RuntimeError(f"{name}: a check failed against the sandbox")
                runs[name].append((seconds, peak))
    import statistics

    result = (
        statistics.median(s for s, _ in runs["all"]),
        statistics.median(s for s, _ in runs["one"]),
        int(statistics.median(p for _, p in runs["all"])),
        int(statistics.median(p for _, p in runs["one"])),
        statistics.median(s for s, _ in runs["floor"]),
    )
    _fleet_cache["done"] = result
    return result


def check_all_ratio(repeat: int) -> tuple[float, str]:
    """`check --all --jobs 8` over 50 profiles at 300 ms over a single `check` at 300 ms."""
    every, one, _, _, _ = _check_all(repeat)
    return every / one, f"{FLEET} profiles {every:.2f} s, one profile {one:.2f} s"


def check_all_memory_ratio(repeat: int) -> tuple[float, str]:
    """Peak RSS of that `check --all` over the single check's."""
    _, _, every, one, _ = _check_all(repeat)
    return every / one, f"{FLEET} profiles {every / 1024:.1f} MiB, one {one / 1024:.1f} MiB"


def check_all_floor_ratio(repeat: int) -> tuple[float, str]:
    """The network floor of that run (one keyed request per profile, 8 at a time, nothing else:
    `fleet_floor.py`) over the same single check."""
    _, one, _, _, floor = _check_all(repeat)
    return floor / one, f"{FLEET} keyed requests {floor:.2f} s, one profile's check {one:.2f} s"


def check_all_over_floor_ratio(repeat: int) -> tuple[float, str]:
    """That `check --all` over its network floor: what gtwizard adds to the waiting no fleet
    check can avoid (information for the budget's decision; see docs/performance.md)."""
    every, _, _, _, floor = _check_all(repeat)
    return every / floor, f"{FLEET} profiles {every:.2f} s, 50 keyed requests {floor:.2f} s"


def _age_every_key(env: dict[str, str]) -> None:
    """Make every saved profile's key old enough that `rotate --due` rotates it."""
    import tomllib

    import tomli_w

    path = Path(env["GTWIZARD_CONFIG_DIR"]) / "config.toml"
    doc = tomllib.loads(path.read_text())
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    for table in doc["profiles"].values():
        table["key_created_at"] = old
    path.write_text(tomli_w.dumps(doc))


def rotate_due_over_floor_ratio(repeat: int) -> tuple[float, str]:
    """`rotate --due --jobs 8` over 50 due profiles at 300 ms over its network floor: one mint,
    one keyed request and one revoke per profile at the same --jobs (`fleet_floor.py --rotate`).
    The profiles keep their key with no client target (a product gtwizard prints a snippet
    for), so each rotation runs to the end: mint, store, verify, revoke, save."""
    import statistics

    with isolated_env() as env, sandbox(env) as child:
        for n in range(FLEET):
            setup_profile(env, child, f"r{n:02d}", product="litellm")
        child.set_latency(LATENCY_MS)
        token = {**env, "GTWIZARD_OPERATOR_TOKEN": child.operator_token}
        every = [GTWIZARD, "rotate", "--due", "--jobs", str(JOBS), "--json"]
        floor = [PYTHON, str(HERE / "fleet_floor.py"), "--rotate", "--jobs", str(JOBS)]
        runs: dict[str, list[float]] = {"due": [], "floor": []}
        for _ in range(repeat):
            _age_every_key(env)
            seconds, _, out = _timed(every, token)
            counts = json.loads(out)["counts"]
            if counts != {"rotated": FLEET}:
                raise RuntimeError(f"rotate --due did not rotate every profile: {counts}")
            runs["due"].append(seconds)
            runs["floor"].append(_timed(floor, token)[0])
    due, low = statistics.median(runs["due"]), statistics.median(runs["floor"])
    return due / low, f"{FLEET} rotations {due:.2f} s, their floor {low:.2f} s"


if __name__ == "__main__":
    print(status_ratio(3))
    print(welcome_ratio(3))
    print(check_all_ratio(2))
    print(check_all_memory_ratio(2))
