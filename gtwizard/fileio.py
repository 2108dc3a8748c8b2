"""Atomic file writes with backups.

A write goes to a temporary file in the same directory, is flushed and fsynced, then renamed over
the target, so a crash at any moment leaves either the complete old or the complete new content.
The previous content is kept as `<name>.bak` (itself written atomically) before the rename.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

SECRET_MODE = 0o600


def backup_path(path: Path) -> Path:
    """The single rolling backup kept next to `path`."""
    return path.with_name(path.name + ".bak")


STALE_TEMP_SECONDS = 60


def _remove_stale_temps(path: Path) -> None:
    """Temp files a crashed write left behind (they may hold a secret, mode 0600): delete them.

    Only files older than a minute go, so a concurrent writer's live temp file is never touched.
    """
    import time

    cutoff = time.time() - STALE_TEMP_SECONDS
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            if stale.stat().st_mtime < cutoff:
                stale.unlink()


def _write_temp_then_rename(path: Path, data: bytes, mode: int, *, exclusive: bool = False) -> None:
    """`exclusive`: link instead of rename, so an existing `path` is kept (FileExistsError)."""
    _remove_stale_temps(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(tmp_name, path)
            os.unlink(tmp_name)
        else:
            os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(
    path: Path, data: bytes, *, mode: int = SECRET_MODE, backup: bool = True
) -> Path | None:
    """Replace `path` with `data` atomically; return the backup path when one was made.

    The new file gets `mode` (0600 by default: most files we write hold a secret or sit next to
    one). When `backup` is true and the file exists, its current bytes are first saved to
    `<name>.bak` with the same restrictive mode.
    """
    path = Path(path)
    saved: Path | None = None
    if backup and path.exists():
        saved = backup_path(path)
        _write_temp_then_rename(saved, path.read_bytes(), SECRET_MODE)
    _write_temp_then_rename(path, data, mode)
    return saved


def create_once(path: Path, data: bytes, *, mode: int = SECRET_MODE) -> bool:
    """Create `path` with `data` atomically unless it exists; False when another writer was first.

    The complete file appears at once (written beside it, then hard-linked into place), so two
    processes racing to create it never see a partial file and exactly one of them wins.
    """
    try:
        _write_temp_then_rename(Path(path), data, mode, exclusive=True)
    except FileExistsError:
        return False
    return True
