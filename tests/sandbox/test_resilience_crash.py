"""Crash safety: SIGKILL a real process at random moments while it rewrites a file, 200 times.

The child (`crash_driver.py`) applies numbered versions through the product code in a loop. After
each kill the file must be exactly one complete version, no older than the last one the child
reported, and the backup a complete earlier version. A crash can leave the writer's temp files
behind; we accept them only when nothing could take them for the real file: a dot-name ending in
`.tmp` (Open WebUI, docker and systemd read the env file by its exact path, gtwizard reads
config.toml by its exact path) with mode 0600, since they may hold the key the real file holds.

Set GTWIZARD_CRASH_SEED to replay a run; the seed is printed and named in every failure.
"""

from __future__ import annotations

import os
import random
import re
import signal
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from support.crash_driver import (
    ENV_NAME,
    env_version,
    initial_env,
    next_env_bytes,
    profile_for,
)

from gtwizard.fileio import backup_path

KILLS = 200
MAX_DELAY_S = 0.015
DRIVER = Path(__file__).parent.parent / "support" / "crash_driver.py"


def crash_seed() -> int:
    seed = int(os.environ.get("GTWIZARD_CRASH_SEED") or random.SystemRandom().randrange(2**32))
    print(f"crash suite seed: {seed} (rerun with GTWIZARD_CRASH_SEED={seed})")
    return seed


def run_and_kill(kind: str, directory: Path, delay: float) -> None:
    """Start the driver, wait until it completed one version, let it run `delay` s, SIGKILL it."""
    child = subprocess.Popen(
        [sys.executable, str(DRIVER), kind, str(directory)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline() if child.stdout else ""
        if line.strip() != "ready":
            child.kill()
            _, err = child.communicate()
            pytest.fail(f"the {kind} driver did not start: {err[-2000:]}")
        time.sleep(delay)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdout, child.stderr):
            if stream:
                stream.close()
    assert child.returncode == -signal.SIGKILL, "the driver must die by the kill, not by an error"


def stray_files(directory: Path, target: str) -> list[Path]:
    """Files next to `target` other than it and its backup; fail on any a reader could mistake."""
    allowed = re.compile(rf"^\.{re.escape(target)}(\.bak)?\.[A-Za-z0-9_]+\.tmp$")
    strays = []
    for entry in directory.iterdir():
        if entry.name in (target, backup_path(Path(target)).name):
            continue
        if entry.name == f".{target}.lock":  # the write lock's file (fileio.write_lock): its
            # flock went with the killed process, so it locks nothing; it must hold nothing
            assert entry.stat().st_size == 0, f"{entry.name} holds data"
            assert stat.S_IMODE(entry.stat().st_mode) == 0o600, f"{entry.name} is not 0600"
            continue
        assert allowed.match(entry.name), f"unexpected file left by a crash: {entry.name}"
        assert stat.S_IMODE(entry.stat().st_mode) == 0o600, f"{entry.name} is not 0600"
        strays.append(entry)
    return strays


class EnvVersions:
    """The exact bytes of every env-file version, built with the same code the driver runs."""

    def __init__(self) -> None:
        self.chain = [initial_env()]

    def __getitem__(self, version: int) -> bytes:
        while len(self.chain) <= version:
            self.chain.append(next_env_bytes(self.chain[-1], len(self.chain)))
        return self.chain[version]

    def version_of(self, data: bytes, what: str) -> int:
        version = env_version(data)
        assert data == self[version], f"{what} is not a complete version (claims {version})"
        return version


class ConfigVersions:
    """The exact bytes of every config.toml version, written once by save_profile in a scratch dir."""

    def __init__(self, scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from gtwizard.profiles import config_path, save_profile

        self.cache: dict[int, bytes] = {}
        self.scratch = scratch
        self.monkeypatch = monkeypatch
        self.save_profile = save_profile
        self.config_path = config_path

    def __getitem__(self, version: int) -> bytes:
        if version not in self.cache:
            with self.monkeypatch.context() as patch:
                patch.setenv("GTWIZARD_CONFIG_DIR", str(self.scratch / str(version)))
                self.save_profile(profile_for(version))
                self.cache[version] = self.config_path().read_bytes()
        return self.cache[version]

    def version_of(self, data: bytes, what: str) -> int:
        try:
            doc = tomllib.loads(data.decode())
            version = int(doc["profiles"]["crash"]["key_id"].removeprefix("key-"))
        except (ValueError, KeyError, UnicodeDecodeError) as exc:
            raise AssertionError(f"{what} is not a complete version ({exc})") from None
        assert data == self[version], f"{what} is not a complete version (claims {version})"
        return version


def check_after_kill(
    directory: Path, target: str, versions: EnvVersions | ConfigVersions, last: int
) -> int:
    """Assert the invariants after one kill; return the version now on disk."""
    path = directory / target
    version = versions.version_of(path.read_bytes(), target)
    assert version > last, f"{target} went from version {last} to {version}: a write was lost"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{target} lost its 0600 mode"
    backup = backup_path(path)
    if backup.exists():
        older = versions.version_of(backup.read_bytes(), backup.name)
        # the backup is taken just before the rename: the same version or the one before it
        assert older in (version - 1, version), f"backup is version {older}, file {version}"
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600, "the backup is not 0600"
    else:
        assert version == 1 and isinstance(versions, ConfigVersions), "the backup went missing"
    stray_files(directory, target)
    return version


def kill_loop(
    kind: str,
    directory: Path,
    target: str,
    versions: EnvVersions | ConfigVersions,
    seed: int,
) -> None:
    rng = random.Random(seed)
    last = 0
    for round_number in range(KILLS):
        run_and_kill(kind, directory, rng.uniform(0, MAX_DELAY_S))
        try:
            last = check_after_kill(directory, target, versions, last)
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}, kill {round_number + 1}: {exc}") from None


def test_env_file_apply_survives_kill_9(tmp_path: Path) -> None:
    seed = crash_seed()
    directory = tmp_path / "owui"
    directory.mkdir()
    (directory / ENV_NAME).write_bytes(initial_env())
    (directory / ENV_NAME).chmod(0o600)
    kill_loop("env", directory, ENV_NAME, EnvVersions(), seed)


def test_config_toml_save_survives_kill_9(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed = crash_seed()
    directory = tmp_path / "cfg"
    versions = ConfigVersions(tmp_path / "reference", monkeypatch)
    kill_loop("config", directory, "config.toml", versions, seed)
