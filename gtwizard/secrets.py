"""Where a GT key (and the Open WebUI admin credential) lives: OS keyring, 0600 file, or nowhere.

Why this module is careful:
- Merely installing keyrings.alt or keyrings.cryptfile changes what `keyring` picks, so unless the
  operator chose a backend (PYTHON_KEYRING_BACKEND or keyringrc.cfg) we only accept keyring's own
  recommended backends; `fail`, `null`, an empty chainer or priority < 1 count as "no keyring".
- A keyring call can block forever on an unlock prompt nobody sees (ssh -X), so every call runs in a
  daemon worker thread with a timeout.
- Storage never downgrades silently: the probe classifies what is wrong, and the caller offers the
  fallbacks (`fallback_explanation`) and asks.
Nothing here imports keyring at module level; nothing here ever puts a secret into a message.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import secrets as _random
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from gtwizard.errors import InvalidInput, OperationFailed
from gtwizard.fileio import atomic_write, real_path
from gtwizard.kinds import StorageKind as _StorageKind
from gtwizard.paths import ensure_private_dir, state_dir
from gtwizard.redact import redact

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "gtwizard"
DEFAULT_TIMEOUT = 10.0
ADMIN_ENTRY = "openwebui-admin"
OPERATOR_ENTRY = "operator-token"
FILE_CONSENT_WORD = "yes"
SECRETS_FILE_NAME = "secrets.json"

T = TypeVar("T")


class FailureKind(enum.StrEnum):
    """Why the keyring cannot be used; each kind has its own advice."""

    NO_BACKEND = "no-backend"
    LOCKED = "locked"
    NO_COLLECTION = "no-collection"
    TIMEOUT = "timeout"
    ERROR = "error"


StorageKind = _StorageKind  # the one enum lives in gtwizard.kinds


class SecretStorageError(OperationFailed):
    """A secret could not be stored, read or deleted; `failure` names the keyring problem."""

    def __init__(self, message: str, hint: str = "", failure: FailureKind | None = None) -> None:
        super().__init__(message, hint)
        self.failure = failure


@dataclass(frozen=True)
class KeyringProbe:
    """The outcome of writing, reading back and deleting a canary entry."""

    usable: bool
    backend: str
    failure: FailureKind | None = None
    message: str = ""
    hint: str = ""


class SecretStore(Protocol):
    """One interface for every place a secret can live."""

    kind: StorageKind

    @property
    def location(self) -> str: ...

    def put(self, entry: str, secret: str) -> None: ...

    def get(self, entry: str) -> str | None: ...

    def delete(self, entry: str) -> bool: ...


def key_entry(profile: str, key_id: str) -> str:
    """Entry name for a profile's GT key: one entry per profile and key id."""
    return f"{profile}/{key_id}"


def admin_entry(profile: str) -> str:
    """Entry name for the profile's Open WebUI admin credential (kept only if asked)."""
    return f"{profile}/{ADMIN_ENTRY}"


def operator_entry(profile: str) -> str:
    """Entry name for the tenant operator token (kept only if asked: rotation can then mint)."""
    return f"{profile}/{OPERATOR_ENTRY}"


# --- keyring selection and timeouts -------------------------------------------------------------


class _Timeout(Exception):
    pass


def _call_with_timeout(fn: Callable[[], T], timeout: float) -> T:
    """Run `fn` in a daemon thread; raise _Timeout if it has not returned after `timeout` s.

    A daemon thread (not an executor) so a call that hangs forever cannot block interpreter exit.
    """
    box: dict[str, Any] = {}  # "value": T or "error": BaseException
    done = threading.Event()

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name="gtwizard-keyring", daemon=True).start()
    if not done.wait(timeout):
        raise _Timeout
    if "error" in box:
        raise box["error"]
    return cast(T, box["value"])


def operator_chose_backend() -> bool:
    """True when PYTHON_KEYRING_BACKEND or a keyringrc.cfg names a backend: then we honour it."""
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    import configparser

    from keyring.util import platform_

    cfg = Path(platform_.config_root()) / "keyringrc.cfg"
    parser = configparser.RawConfigParser()
    try:
        parser.read(cfg, encoding="utf-8")
    except (OSError, configparser.Error):
        return False
    return parser.has_option("backend", "default-keyring")


def _recommended_builtin(backend: KeyringBackend) -> bool:
    """The limit: keyring's own backends at its recommended priority; a failing check is a no."""
    from keyring.core import recommended

    if not type(backend).__module__.startswith("keyring.backends."):
        return False
    try:
        return bool(recommended(backend))
    except Exception:  # priority raises when the backend stopped being viable
        return False


def select_backend() -> KeyringBackend:
    """The backend we would use (fail.Keyring when none qualifies); may raise RuntimeError.

    `init_backend(limit=...)` still lets the env var and keyringrc win, which is what we want:
    an operator's explicit choice is respected, an installed plugin is not.
    """
    import keyring.backend
    import keyring.core

    # keyring caches its list of viable backends for the life of the process; drop it so a
    # retry sees the session as it is now (e.g. after the operator started a keyring daemon).
    reset = getattr(keyring.backend.get_all_keyring, "reset", None)
    if callable(reset):
        with contextlib.suppress(KeyError):  # nothing cached yet
            reset()
    keyring.core.init_backend(limit=_recommended_builtin)
    return keyring.core.get_keyring()


def backend_name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _unusable_reason(backend: Any) -> str | None:
    """Why `backend` cannot hold a secret, or None when it can."""
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring):
        return "no recommended keyring backend is available"
    if isinstance(backend, null.Keyring):
        return "the keyring is disabled (null backend): it would silently keep nothing"
    if isinstance(backend, chainer.ChainerBackend) and not chainer.ChainerBackend.backends:
        return "the keyring chainer has no backend to chain"
    try:
        priority = float(backend.priority)
    except Exception as exc:
        return f"the keyring backend is not viable ({redact(str(exc))})"
    if priority < 1:
        return f"the keyring backend has priority {priority:g}, below keyring's recommended level"
    return None


def _no_backend_hint() -> str:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS") and os.name == "posix":
        return (
            "There is no D-Bus session (typical over SSH, in cron or a container): run gtwizard "
            "inside a session with a Secret Service (a desktop login, or dbus-run-session with "
            "gnome-keyring-daemon --unlock), or choose target-only or file storage"
        )
    return (
        "Start or install a Secret Service provider (e.g. gnome-keyring) for this session, "
        "or choose target-only or file storage"
    )


def _classify(exc: BaseException, timeout: float) -> tuple[FailureKind, str, str]:
    """Map an exception from a keyring call to (kind, message, hint); never includes a secret."""
    from keyring import errors

    if isinstance(exc, _Timeout):
        return (
            FailureKind.TIMEOUT,
            f"the keyring did not answer within {timeout:g} s "
            "(probably an unlock prompt nobody can see, or a hung daemon)",
            "Unlock the keyring first or run without DISPLAY so prompts fail fast, "
            "or choose target-only or file storage",
        )
    if isinstance(exc, errors.NoKeyringError):
        return FailureKind.NO_BACKEND, "no usable keyring backend", _no_backend_hint()
    if isinstance(exc, errors.KeyringLocked):
        return (
            FailureKind.LOCKED,
            "the keyring is locked and could not be unlocked here",
            "Unlock your login keyring (log in on the desktop, or feed its password to "
            "gnome-keyring-daemon --unlock on stdin) and retry, "
            "or choose target-only or file storage",
        )
    if isinstance(exc, errors.InitError):
        return (
            FailureKind.NO_COLLECTION,
            "the keyring has no default collection and could not create one without a prompt",
            "Create and unlock a login keyring once (e.g. from a desktop session), "
            "or choose target-only or file storage",
        )
    if isinstance(exc, RuntimeError) and not isinstance(exc, errors.KeyringError):
        # e.g. PYTHON_KEYRING_BACKEND names a backend that is not viable in this session
        return (
            FailureKind.NO_BACKEND,
            f"the configured keyring backend cannot start ({redact(str(exc))})",
            _no_backend_hint(),
        )
    return (
        FailureKind.ERROR,
        f"the keyring failed ({type(exc).__name__}: {redact(str(exc))})",
        "Check the keyring service, or choose target-only or file storage",
    )


def _require_usable(backend: KeyringBackend) -> KeyringBackend:
    """Return `backend`, or raise SecretStorageError(NO_BACKEND) when it cannot hold secrets."""
    reason = _unusable_reason(backend)
    if reason:
        raise SecretStorageError(
            f"{reason} ({backend_name(backend)})", _no_backend_hint(), FailureKind.NO_BACKEND
        )
    return backend


def probe_keyring(
    timeout: float = DEFAULT_TIMEOUT, backend: KeyringBackend | None = None
) -> KeyringProbe:
    """Write, read back and delete a canary entry; classify any failure.

    Reading back matters: the null backend "succeeds" at storing nothing. The whole probe,
    including backend selection (which may touch D-Bus), shares one timeout.
    """
    canary_entry = f"probe/{_random.token_hex(6)}"
    canary = _random.token_urlsafe(18)
    chosen: list[str] = [backend_name(backend) if backend is not None else "unknown"]

    def run() -> None:
        kr = backend if backend is not None else select_backend()
        chosen[0] = backend_name(kr)
        _require_usable(kr)
        kr.set_password(SERVICE, canary_entry, canary)
        try:
            if kr.get_password(SERVICE, canary_entry) != canary:
                raise SecretStorageError(
                    "the keyring accepted a test entry but did not return it",
                    "Check the keyring backend, or choose target-only or file storage",
                    FailureKind.ERROR,
                )
        finally:
            with contextlib.suppress(Exception):
                kr.delete_password(SERVICE, canary_entry)

    try:
        _call_with_timeout(run, timeout)
    except SecretStorageError as exc:
        failure = exc.failure or FailureKind.ERROR
        return KeyringProbe(False, chosen[0], failure, exc.message, exc.hint)
    except Exception as exc:  # WinVault and friends raise raw errors: catch all
        kind, message, hint = _classify(exc, timeout)
        return KeyringProbe(False, chosen[0], kind, message, hint)
    return KeyringProbe(True, chosen[0], None, "the keyring works", "")


# --- stores ---------------------------------------------------------------------------------------


class KeyringStore:
    """The OS keyring under service name "gtwizard"; every call bounded by `timeout`."""

    kind = StorageKind.KEYRING

    def __init__(
        self, *, backend: KeyringBackend | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self._backend = backend
        self.timeout = timeout

    @property
    def location(self) -> str:
        return f'OS keyring, service "{SERVICE}"'

    def _run(self, what: str, fn: Callable[[KeyringBackend], T], secret: str = "") -> T:
        def call() -> T:
            if self._backend is None:
                self._backend = select_backend()
            return fn(_require_usable(self._backend))

        try:
            return _call_with_timeout(call, self.timeout)
        except SecretStorageError:
            raise
        except Exception as exc:
            kind, message, hint = _classify(exc, self.timeout)
            raise SecretStorageError(
                f"could not {what}: {redact(message, [secret])}", hint, kind
            ) from None

    def put(self, entry: str, secret: str) -> None:
        def store(kr: KeyringBackend) -> bool:
            kr.set_password(SERVICE, entry, secret)
            return kr.get_password(SERVICE, entry) == secret

        if not self._run(f"store {entry} in the keyring", store, secret):
            raise SecretStorageError(
                f"the keyring did not keep {entry}",
                "Check the keyring backend, or choose target-only or file storage",
                FailureKind.ERROR,
            )

    def get(self, entry: str) -> str | None:
        return self._run(
            f"read {entry} from the keyring", lambda kr: kr.get_password(SERVICE, entry)
        )

    def delete(self, entry: str) -> bool:
        def remove(kr: KeyringBackend) -> bool:
            from keyring.errors import PasswordDeleteError

            try:
                kr.delete_password(SERVICE, entry)
            except PasswordDeleteError:
                return False
            return True

        return self._run(f"delete {entry} from the keyring", remove)


def default_secrets_file() -> Path:
    return state_dir() / "secrets" / SECRETS_FILE_NAME


class FileStore:
    """A plain-text JSON file, mode 0600 in a 0700 folder: only with the operator's typed consent.

    Writes go through atomic_write (a private temp file renamed into place), so the file is never
    looser than 0600 at any moment; no backup is kept, so a deleted secret is really gone.
    A change reads, edits and writes the whole file under an exclusive lock on a sibling lock
    file, so concurrent writers (several profiles rotated at once, in threads or processes)
    never lose each other's entries.
    """

    kind = StorageKind.FILE

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_secrets_file()

    @property
    def location(self) -> str:
        return str(self.path)

    def _load(self) -> dict[str, str]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return {}
        if stat.S_IMODE(st.st_mode) & 0o077:
            raise SecretStorageError(
                f"{self.path} is readable by others (mode {stat.S_IMODE(st.st_mode):o})",
                f"Run 'chmod 600 {self.path}' and consider rotating the keys it holds",
            )
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            entries = data["entries"]
            if not isinstance(entries, dict) or not all(
                isinstance(v, str) for v in entries.values()
            ):
                raise ValueError
        except (OSError, ValueError, KeyError, TypeError):
            raise SecretStorageError(
                f"the secrets file {self.path} is unreadable or damaged",
                "Move it away and store the key again (a rotation mints a new one)",
            ) from None
        return dict(entries)

    def _save(self, entries: dict[str, str]) -> None:
        ensure_private_dir(self.path.parent)
        if not entries:
            with contextlib.suppress(FileNotFoundError):
                real_path(self.path).unlink()  # a link to the file stays a link
            return
        body = json.dumps({"version": 1, "entries": entries}, indent=2, sort_keys=True)
        try:
            atomic_write(self.path, (body + "\n").encode(), mode=0o600, backup=False)
        except OSError as exc:
            raise SecretStorageError(
                f"could not write {self.path} ({exc.strerror})", "Check the folder's permissions"
            ) from None

    @contextlib.contextmanager
    def _changing(self) -> Iterator[None]:
        """Hold the file's write lock (`fileio.write_lock`)."""
        from gtwizard.fileio import write_lock

        try:
            ensure_private_dir(self.path.parent)
        except OSError as exc:
            raise SecretStorageError(
                f"could not lock {self.path} ({exc.strerror})", "Check the folder's permissions"
            ) from None
        with write_lock(self.path, SecretStorageError):
            yield

    def put(self, entry: str, secret: str) -> None:
        with self._changing():
            entries = self._load()
            entries[entry] = secret
            self._save(entries)

    def get(self, entry: str) -> str | None:
        return self._load().get(entry)  # a rename replaces the file whole: no lock needed

    def delete(self, entry: str) -> bool:
        with self._changing():
            entries = self._load()
            if entries.pop(entry, None) is None:
                return False
            self._save(entries)
            return True


class NoStore:
    """Target-only: nothing is kept here; the key lives only in the client's configuration."""

    kind = StorageKind.NONE

    @property
    def location(self) -> str:
        return "target only (nothing kept on this machine)"

    def put(self, entry: str, secret: str) -> None:
        return None

    def get(self, entry: str) -> str | None:
        return None

    def delete(self, entry: str) -> bool:
        return False


def open_store(
    kind: str,
    *,
    path: Path | None = None,
    backend: KeyringBackend | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> SecretStore:
    """The store for a storage kind as recorded in a profile or given by `--storage`."""
    if kind == StorageKind.KEYRING:
        return KeyringStore(backend=backend, timeout=timeout)
    if kind == StorageKind.FILE:
        return FileStore(path)
    if kind == StorageKind.NONE:
        return NoStore()
    raise InvalidInput(f"unknown storage kind {kind!r}", "Use one of: keyring, file, none")


# --- the shared explanation when the keyring is unusable ------------------------------------------


@dataclass(frozen=True)
class StorageChoice:
    """A fallback the operator may pick instead of the keyring."""

    kind: StorageKind
    title: str
    detail: str
    flag: str


def fallback_choices(file_path: Path | None = None) -> list[StorageChoice]:
    """The two fallbacks, in the order offered (target-only first: it keeps nothing)."""
    path = file_path or default_secrets_file()
    return [
        StorageChoice(
            StorageKind.NONE,
            "Target only",
            "The key goes only into the Open WebUI target; nothing is kept on this machine. "
            "A later rotation mints a new key.",
            "--storage none",
        ),
        StorageChoice(
            StorageKind.FILE,
            "Plain-text file",
            f"The key is kept unencrypted in {path} (mode 0600, folder 0700). Anyone who can "
            f"read your account's files can read it. Type '{FILE_CONSENT_WORD}' to accept.",
            "--storage file",
        ),
    ]


def file_consent_given(typed: str) -> bool:
    """Only the exact consent word counts; an Enter or 'y' is not consent to a plain-text file."""
    return typed.strip().lower() == FILE_CONSENT_WORD


def fallback_explanation(probe: KeyringProbe, file_path: Path | None = None) -> str:
    """The text shown by both the TUI and the CLI when the keyring cannot be used."""
    lines = [f"The OS keyring cannot be used: {probe.message}."]
    if probe.hint:
        lines.append(f"To fix it: {probe.hint.rstrip('.')}.")
    lines.append("Or choose where the key goes instead (no key is minted until this is settled):")
    for letter, choice in zip("ab", fallback_choices(file_path), strict=True):
        lines.append(f"  ({letter}) {choice.title} [{choice.flag}]: {choice.detail}")
    return "\n".join(lines)
