"""A per-profile OS file lock held by setup, rotate and remove, so two runs never interleave.

`flock` is released by the kernel when the holding process ends (also on kill -9), so a lock is
never stale. Who holds it, and since when, is written into the lock file for the refusal message.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from gtwizard.errors import OperationFailed
from gtwizard.paths import ensure_private_dir, state_dir


class ProfileBusy(OperationFailed):
    """Another gtwizard run holds the profile's lock."""


def lock_path(profile: str) -> Path:
    return state_dir() / "locks" / f"{profile}.lock"


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return "another gtwizard run"
    if not isinstance(info, dict):  # damaged (a `[]` written by hand): no details, no crash
        return "another gtwizard run"
    command = info.get("command") or "gtwizard"
    return f"'{command}' (pid {info.get('pid', '?')}) since {info.get('since', '?')}"


def _acquire(path: Path, profile: str, *, create: bool = True) -> int | None:
    """An fd holding the lock on `path` (None if the file is absent and `create` is False).

    The file is removed on release, so after locking we check that the fd is still the file at
    `path` (a releasing run may have unlinked it meanwhile) and try again if not.
    """
    while True:
        try:
            fd = os.open(path, os.O_RDWR | (os.O_CREAT if create else 0), 0o600)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ProfileBusy(
                f"profile {profile!r} is busy: {_holder(path)} is working on it",
                "wait for that run to end (its lock goes when its process does), then try again",
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)
        if not create:
            return None


def _release(path: Path, fd: int) -> None:
    try:
        path.unlink(missing_ok=True)  # while still holding it: nothing is left behind
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextmanager
def profile_lock(profile: str, command: str) -> Iterator[None]:
    """Hold the profile's lock for the block; raise ProfileBusy at once if another run has it."""
    path = lock_path(profile)
    ensure_private_dir(path.parent)
    fd = _acquire(path, profile)
    assert fd is not None
    try:
        since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        info = {"pid": os.getpid(), "command": command, "since": since}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        yield
    finally:
        _release(path, fd)


def ensure_free(profile: str) -> None:
    """Refuse at once (before any network call) when another run holds the profile; leaves no
    file behind."""
    path = lock_path(profile)
    if not path.exists():
        return
    fd = _acquire(path, profile, create=False)
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class HeldLock:
    """The same lock held across screens (the TUI keeps it from minting until the run ends)."""

    def __init__(self, profile: str, command: str) -> None:
        self.profile = profile
        self._cm: AbstractContextManager[None] | None = profile_lock(profile, command)
        self._cm.__enter__()

    def release(self) -> None:
        if self._cm is not None:
            cm, self._cm = self._cm, None
            cm.__exit__(None, None, None)
