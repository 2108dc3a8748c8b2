"""Two runs at once lose nothing: config.toml's read-modify-write is locked across processes,
and a durable write moved off the event loop lands whole even when its caller is cancelled."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time

import pytest

from gtwizard.fileio import write_off_loop
from gtwizard.profiles import load_profiles

SAVER = """
import datetime as dt, sys
from gtwizard.profiles import Profile, save_profile
who, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    save_profile(Profile(
        name=f"{who}{i:03d}", tenant_host="t.example.com",
        openai_base="https://t.example.com/api/tenant/v1", key_preset="chat-client",
        scopes=["inference:chat"], agent_aliases=["helpdesk"], key_id=f"{who}-key-{i}",
        key_created_at=dt.datetime.now(dt.UTC), storage_kind="none", storage_location="",
        target_kind="none", target_place=""))
"""


def test_two_processes_saving_different_profiles_keep_both() -> None:
    # without the lock each process rewrote config.toml from its own reading and about half of
    # the 2 x 60 profiles were lost (measured: 62 of 120)
    count = 60
    runs = [
        subprocess.Popen([sys.executable, "-c", SAVER, who, str(count)], env=os.environ.copy())
        for who in ("a", "b")
    ]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    saved = load_profiles()
    assert len(saved) == 2 * count
    assert saved["a059"].key_id == "a-key-59" and saved["b000"].key_id == "b-key-0"


def test_a_cancelled_caller_waits_for_its_write_to_land() -> None:
    started, release = threading.Event(), threading.Event()
    landed: list[str] = []

    def slow_write() -> None:
        started.set()
        release.wait(10)
        time.sleep(0.05)
        landed.append("record")

    async def main() -> list[str]:
        task = asyncio.ensure_future(write_off_loop(slow_write))
        await asyncio.to_thread(started.wait, 10)
        task.cancel()  # Ctrl-C while the write is in its thread
        await asyncio.sleep(0.05)
        assert not task.done(), "the cancellation went on before the write landed"
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        return list(landed)

    assert asyncio.run(main()) == ["record"]


def test_a_write_off_the_loop_returns_and_raises_as_the_call_would() -> None:
    def fails() -> None:
        raise OSError("disk full")

    assert asyncio.run(write_off_loop(lambda a, b=0: a + b, 2, b=3)) == 5
    with pytest.raises(OSError, match="disk full"):
        asyncio.run(write_off_loop(fails))


HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(30)
"""


def test_a_lock_held_too_long_is_one_clear_error_and_the_file_is_untouched(tmp_path) -> None:
    """Another process holding config.toml's write lock (stopped, hung) ends the wait with one
    line instead of a hang no Ctrl-C can reach."""
    from gtwizard.errors import ConfigError
    from gtwizard.fileio import write_lock

    target = tmp_path / "config.toml"
    target.write_text("version = 1\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / ".config.toml.lock")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        with pytest.raises(ConfigError) as raised, write_lock(target, ConfigError, timeout=0.3):
            target.write_text("changed\n")
        assert 0.3 <= time.monotonic() - start < 5
        assert "being written by another process" in raised.value.message
        assert "\n" not in raised.value.one_line()
        assert target.read_text() == "version = 1\n"
    finally:
        holder.kill()
        holder.wait()
    with write_lock(target, ConfigError, timeout=0.3):  # free again: taken at once
        target.write_text("changed\n")
    assert target.read_text() == "changed\n"
