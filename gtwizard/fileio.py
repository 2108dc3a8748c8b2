"""Atomic file writes with backups.

A write goes to a temporary file in the same directory, is flushed and fsynced, then renamed over
the target, so a crash at any moment leaves either the complete old or the complete new content.
The previous content is kept as `<name>.bak` (itself written atomically) before the rename.

A path that is a symbolic link (an `/etc/...` file managed by config management, say) is written
through to the file it names, in that file's own directory, and the link stays as it is: a link is
never replaced by a regular file. A link that another local user controls is refused.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ParamSpec, TypeVar

from gtwizard.errors import GtwizardError, InvalidInput, OperationFailed

P = ParamSpec("P")
T = TypeVar("T")

SECRET_MODE = 0o600
MAX_LINKS = 40  # as the kernel's own limit on links in one lookup
LOCK_WAIT = 30.0  # seconds a writer waits for another's write lock (held for milliseconds)


def _foreign_owner(stat: os.stat_result) -> bool:
    """Owned by a user other than us and root: that user may change it as they like."""
    return stat.st_uid not in (os.geteuid(), 0)


def _open_to_all(stat: os.stat_result) -> bool:
    """A directory anyone may rename entries in (world-writable without the sticky bit)."""
    return bool(stat.st_mode & 0o002) and not stat.st_mode & 0o1000


def _refuse(path: Path, link: Path, why: str) -> InvalidInput:
    return InvalidInput(
        f"{path} leads through the symbolic link {link}, and {why}",
        "another user could point it anywhere: gtwizard does not write there; give the real "
        "path of a file in a folder that only you (or root) control",
    )


def _check_link(path: Path, link: Path) -> None:
    if _foreign_owner(link.lstat()):
        raise _refuse(path, link, "that link belongs to another user")
    if _open_to_all(link.parent.stat()):
        raise _refuse(path, link, f"anyone may replace entries of {link.parent}")


def real_path(path: Path) -> Path:
    """Where `path` really is: every symbolic link on the way followed and checked.

    Like `os.path.realpath`, but each link met is refused when another user controls it (owns
    the link or may replace it), and so is the directory the path ends in, when a link led there
    and another user owns it or anyone may write to it. Without links, `path` made absolute.
    """
    path = Path(path)
    todo = list(reversed(Path(os.path.abspath(path)).parts[1:]))
    current = Path("/")
    links = 0
    while todo:
        name = todo.pop()
        if name == "..":
            current = current.parent
            continue
        candidate = current / name
        if not candidate.is_symlink():
            current = candidate
            continue
        links += 1
        if links > MAX_LINKS:
            raise InvalidInput(f"{path}: too many levels of symbolic links", "fix the link")
        _check_link(path, candidate)
        target = Path(os.readlink(candidate))
        if target.is_absolute():
            current = Path("/")
            target = target.relative_to("/")
        todo.extend(reversed([part for part in target.parts if part not in ("", ".")]))
    if links:
        home = current.parent
        try:
            stat = home.stat()
        except FileNotFoundError:
            return current  # nothing there yet: writing fails with its own clear error
        if _foreign_owner(stat):
            raise _refuse(path, current, f"it leads into {home}, which belongs to another user")
        if _open_to_all(stat):
            raise _refuse(path, current, f"it leads into {home}, where anyone may write")
    return current


def require_regular(path: Path) -> None:
    """Refuse a path that exists but is no regular file (after its links): a device such as
    /dev/null would be replaced by a file holding the key, and a FIFO would block the read."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError:
        return  # unreadable: the read or the write says why, with its own error
    if stat.S_ISREG(mode):
        return
    kind = (
        "a directory"
        if stat.S_ISDIR(mode)
        else "a FIFO"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
    )
    raise InvalidInput(
        f"{path} is {kind}, not a regular file",
        "give the path of a regular file; nothing was written",
    )


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


# lists that `recording_writes` hands out: every file written while one is open is added to it
_RECORDERS: list[list[Path]] = []


@contextlib.contextmanager
def recording_writes() -> Iterator[list[Path]]:
    """Every file gtwizard writes (atomic_write, create_once) while this is open, in order: the
    demo says exactly what it wrote outside its folder. Writes from threads are recorded too."""
    written: list[Path] = []
    _RECORDERS.append(written)
    try:
        yield written
    finally:
        _RECORDERS.remove(written)


def _write_temp_then_rename(
    path: Path,
    data: bytes,
    mode: int,
    *,
    exclusive: bool = False,
    owner: tuple[int, int] | None = None,
) -> None:
    """`exclusive`: link instead of rename, so an existing `path` is kept (FileExistsError).
    `owner`: (uid, gid) the new file keeps, as far as this process may give it."""
    _remove_stale_temps(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if owner is not None:
            with contextlib.suppress(PermissionError):
                os.fchown(fd, *owner)
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
    for written in _RECORDERS:
        written.append(path)


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
    `<name>.bak` with the same restrictive mode. A symbolic link is written through (see
    `real_path`): the file it names is replaced, its backup kept beside that file.
    """
    path = real_path(path)
    require_regular(path)
    owner = _owner_of(path)
    saved: Path | None = None
    if backup and path.exists():
        saved = real_path(backup_path(path))
        _write_temp_then_rename(saved, path.read_bytes(), SECRET_MODE, owner=owner)
    _write_temp_then_rename(path, data, mode, owner=owner)
    return saved


def _owner_of(path: Path) -> tuple[int, int] | None:
    """Who owns the file a write replaces, when that is not this process: the operator's file
    stays theirs (root editing a user's env file must not take it from them)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    mine = (os.geteuid(), os.getegid())
    return None if (found.st_uid, found.st_gid) == mine else (found.st_uid, found.st_gid)


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


def check_replaceable(path: Path) -> None:
    """The file at `path` can be replaced as an atomic write replaces it, tried for real.

    `os.access` answers yes to root for an immutable (chattr +i) or append-only file, and the
    rename would then fail after a key was minted. So: a temp file made and removed in the
    folder, and the file itself opened for writing (nothing written, nothing truncated).
    """
    if not path.parent.is_dir():
        return  # the plan already said the folder is missing
    require_regular(path)  # opening a FIFO for writing would block
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        os.unlink(probe)
        if path.exists():
            os.close(os.open(path, os.O_WRONLY))
    except OSError as exc:
        raise OperationFailed(
            f"{path} cannot be replaced ({exc.strerror})",
            "run as the file's owner, lift an immutable or append-only attribute "
            "(lsattr shows it), or pick another path",
        ) from None


@contextlib.contextmanager
def write_lock(
    path: Path, error: type[GtwizardError] = OperationFailed, timeout: float = LOCK_WAIT
) -> Iterator[None]:
    """Hold `path`'s write lock through a read-modify-write of it (a shared file that every
    writer rewrites whole from what it read: two at once would drop each other's change).

    `flock` on `.<name>.lock` beside it: the kernel releases it when its holder dies (kill -9
    too), and separate opens conflict within one process as well (threads). The lock file is
    removed on release, while still held, so nothing stays beside the file (after a kill -9 its
    empty file may, locking nothing: the next writer takes it over); a waiter that then holds a
    removed file's lock sees it and tries again. A writer holds it for milliseconds; one that
    holds it past `timeout` (stopped, hung on a dead disk) gets `error`, in one line, instead of
    a wait no Ctrl-C can end (the wait may be in a thread). `error` also when it cannot be made."""
    import fcntl
    import time

    lock = path.with_name(f".{path.name}.lock")
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError as exc:
            raise error(
                f"could not lock {path} ({exc.strerror})", "Check the folder's permissions"
            ) from None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise error(
                        f"{path} is being written by another process for over {timeout:g} s",
                        "let the other gtwizard run end (or stop it), then run this again",
                    ) from None
                time.sleep(0.005)
        try:
            held = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            held = False
        if held:
            break
        os.close(fd)
    try:
        yield
    finally:
        try:
            lock.unlink(missing_ok=True)
        finally:
            os.close(fd)


async def write_off_loop(write: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking durable write (its fsyncs) in a thread, so concurrent key runs (`rotate
    --due --jobs 8`) do not queue on each other's disk waits on the one event loop.

    A cancelled caller (Ctrl-C) still waits for the write to land before the cancellation goes
    on: whatever runs next (an undo, the exit's report) sees the record whole, and no second
    writer races the thread for the same file."""
    import asyncio

    task = asyncio.ensure_future(asyncio.to_thread(write, *args, **kwargs))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        while not task.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({task})
        raise
