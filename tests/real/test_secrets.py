"""Secret storage against a real Secret Service, the headless path, and the failure kinds.

What is real: the Secret Service (gnome-keyring on a private bus), its locked and no-collection
states, the headless path (no D-Bus session), the null backend and FileStore on disk.
What is a stand-in (nothing real reaches it reliably): a backend that hangs (the timeout path), a
backend that raises an arbitrary error, and third-party plugins that must never be auto-selected.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring.backend
import keyring.core
import pytest
from conftest import missing_service
from keyring.backend import KeyringBackend
from support.secret_service import (
    SecretServiceHandle,
    SecretServiceUnavailable,
    missing_programs,
    real_secret_service,  # noqa: F401  (a fixture: pytest finds it by name)
    running_secret_service,
)

from gtwizard import secrets as gs
from gtwizard.errors import InvalidInput

SECRET = "gtak_" + "Zq9" * 12


def _forget_backends() -> None:
    """keyring caches its viable backends per process; tests change the environment under it."""
    with contextlib.suppress(KeyError):
        keyring.backend.get_all_keyring.reset()


@pytest.fixture(autouse=True)
def clean_keyring_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No operator keyring choice and no session bus unless a test provides one."""
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    _forget_backends()
    yield
    _forget_backends()
    keyring.core._keyring_backend = None  # the next selection starts from scratch


@pytest.fixture
def on_bus(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    service: SecretServiceHandle = request.getfixturevalue("real_secret_service")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", service.address)


@pytest.fixture
def stand_in_backends() -> Iterator[list[type[KeyringBackend]]]:
    """Backend classes defined by a test; unregistered afterwards so no other test sees them."""
    made: list[type[KeyringBackend]] = []
    yield made
    for cls in made:
        KeyringBackend._classes.discard(cls)  # type: ignore[attr-defined]


def _gtwizard_items() -> list[object]:
    import secretstorage

    conn = secretstorage.dbus_init()
    try:
        collection = secretstorage.get_default_collection(conn)
        return list(collection.search_items({"service": gs.SERVICE}))
    finally:
        conn.close()


# --- the real Secret Service -----------------------------------------------------------------


@pytest.mark.secret_service
def test_real_keyring_put_get_delete(on_bus: None) -> None:
    store = gs.open_store("keyring")
    entry = gs.key_entry("prod", "key_123")
    store.put(entry, SECRET)
    assert store.get(entry) == SECRET
    assert store.delete(entry) is True
    assert store.get(entry) is None
    assert store.delete(entry) is False
    assert store.location == 'OS keyring, service "gtwizard"'


@pytest.mark.secret_service
def test_real_keyring_probe_is_usable_and_leaves_nothing(on_bus: None) -> None:
    probe = gs.probe_keyring()
    assert probe.usable, probe
    assert probe.failure is None
    assert probe.backend == "keyring.backends.SecretService.Keyring"
    assert _gtwizard_items() == []


@pytest.mark.secret_service
def test_locked_collection_is_reported_as_locked(tmp_path: Path, monkeypatch) -> None:
    if missing_programs():
        missing_service("Secret Service programs missing")
    data = tmp_path / "kr-data"
    try:
        with running_secret_service(tmp_path / "first", data_dir=data):
            pass  # creates the login collection, protected by a password
        with running_secret_service(tmp_path / "second", data_dir=data, unlock=False) as locked:
            monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", locked.address)
            probe = gs.probe_keyring()
            with pytest.raises(gs.SecretStorageError) as err:
                gs.KeyringStore().put("prod/key_1", SECRET)
    except SecretServiceUnavailable as exc:
        missing_service(str(exc))
    assert not probe.usable
    assert probe.failure is gs.FailureKind.LOCKED
    assert "unlock" in probe.hint.lower()
    assert err.value.failure is gs.FailureKind.LOCKED
    assert SECRET not in str(err.value)


@pytest.mark.secret_service
def test_missing_collection_is_reported(tmp_path: Path, monkeypatch) -> None:
    if missing_programs():
        missing_service("Secret Service programs missing")
    try:
        with running_secret_service(tmp_path / "svc", unlock=False) as bare:
            monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bare.address)
            probe = gs.probe_keyring()
    except SecretServiceUnavailable as exc:
        missing_service(str(exc))
    assert not probe.usable
    assert probe.failure is gs.FailureKind.NO_COLLECTION


# --- headless and operator-chosen backends ----------------------------------------------------


def test_headless_has_no_backend_and_says_ssh() -> None:
    probe = gs.probe_keyring()
    assert not probe.usable
    assert probe.failure is gs.FailureKind.NO_BACKEND
    assert "SSH" in probe.hint
    with pytest.raises(gs.SecretStorageError) as err:
        gs.KeyringStore().put("prod/key_1", SECRET)
    assert err.value.failure is gs.FailureKind.NO_BACKEND
    assert SECRET not in str(err.value) and SECRET not in repr(err.value.args)


def test_configured_backend_that_cannot_start_is_no_backend(monkeypatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
    probe = gs.probe_keyring()
    assert probe.failure is gs.FailureKind.NO_BACKEND
    assert "cannot start" in probe.message


def test_null_backend_is_not_usable(monkeypatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    probe = gs.probe_keyring()
    assert not probe.usable
    assert probe.failure is gs.FailureKind.NO_BACKEND
    assert "null" in probe.message


def test_operator_choice_detected_from_env_and_keyringrc(tmp_path: Path, monkeypatch) -> None:
    assert gs.operator_chose_backend() is False
    rc = tmp_path / "xdg-config" / "python_keyring" / "keyringrc.cfg"
    rc.parent.mkdir(parents=True)
    rc.write_text("[backend]\ndefault-keyring=keyring.backends.null.Keyring\n")
    assert gs.operator_chose_backend() is True
    assert gs.select_backend().__class__.__module__ == "keyring.backends.null"
    rc.unlink()
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    assert gs.operator_chose_backend() is True


# --- plugins never take over ---------------------------------------------------------------------


def _plugin(module: str, prio: float) -> type[KeyringBackend]:
    class PluginKeyring(KeyringBackend):
        priority = prio  # type: ignore[assignment]
        stored: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.stored.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.stored[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.stored.pop((service, username), None)

    PluginKeyring.__module__ = module
    return PluginKeyring


def test_plaintext_plugin_never_chosen_headless(stand_in_backends) -> None:
    plaintext = _plugin("keyrings.alt.file", 0.5)
    stand_in_backends.append(plaintext)
    # Without our limit, keyring would silently pick the plaintext plugin here.
    _forget_backends()
    keyring.core.init_backend()
    assert isinstance(keyring.core.get_keyring(), plaintext)
    probe = gs.probe_keyring()
    assert probe.failure is gs.FailureKind.NO_BACKEND
    assert probe.backend == "keyring.backends.fail.Keyring"
    assert plaintext.stored == {}


@pytest.mark.secret_service
def test_recommended_plugin_never_chosen_over_secret_service(on_bus, stand_in_backends) -> None:
    crypt = _plugin("keyrings.cryptfile.cryptfile", 2.5)
    stand_in_backends.append(crypt)
    _forget_backends()
    keyring.core.init_backend()
    assert type(keyring.core.get_keyring()).__name__ == "ChainerBackend"
    assert gs.backend_name(gs.select_backend()) == "keyring.backends.SecretService.Keyring"
    gs.KeyringStore().put("prod/key_9", SECRET)
    try:
        assert crypt.stored == {}
    finally:
        gs.KeyringStore().delete("prod/key_9")


# --- hangs and arbitrary errors ---------------------------------------------------------------


def test_hung_backend_times_out(stand_in_backends) -> None:
    release = threading.Event()

    class HangingKeyring(KeyringBackend):
        priority = 5  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            release.wait()
            return None

        def set_password(self, service: str, username: str, password: str) -> None:
            release.wait()

        def delete_password(self, service: str, username: str) -> None:
            release.wait()

    stand_in_backends.append(HangingKeyring)
    try:
        probe = gs.probe_keyring(timeout=0.2, backend=HangingKeyring())
        assert probe.failure is gs.FailureKind.TIMEOUT
        with pytest.raises(gs.SecretStorageError) as err:
            gs.KeyringStore(backend=HangingKeyring(), timeout=0.2).get("prod/key_1")
        assert err.value.failure is gs.FailureKind.TIMEOUT
    finally:
        release.set()


def test_backend_error_never_echoes_the_secret(stand_in_backends) -> None:
    class LeakyKeyring(KeyringBackend):
        priority = 5  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return None

        def set_password(self, service: str, username: str, password: str) -> None:
            raise OSError(f"cannot write {password} to vault")

        def delete_password(self, service: str, username: str) -> None:
            return None

    stand_in_backends.append(LeakyKeyring)
    opaque = "not-shaped-like-a-key-0123456789"
    for secret in (SECRET, opaque):
        with pytest.raises(gs.SecretStorageError) as err:
            gs.KeyringStore(backend=LeakyKeyring()).put("prod/key_1", secret)
        assert err.value.failure is gs.FailureKind.ERROR
        assert secret not in str(err.value)
        assert "OSError" in str(err.value)


# --- file and target-only stores ------------------------------------------------------------------


def test_file_store_modes_and_round_trip(isolated_dirs: Path) -> None:
    old_umask = os.umask(0)  # even a permissive umask must not loosen the file
    try:
        store = gs.open_store("file")
        store.put("prod/key_1", SECRET)
        store.put("prod/openwebui-admin", "admin-credential")
    finally:
        os.umask(old_umask)
    path = isolated_dirs / "state" / "secrets" / "secrets.json"
    assert store.location == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert store.get("prod/key_1") == SECRET
    assert store.delete("prod/key_1") is True
    assert store.delete("prod/key_1") is False
    assert SECRET not in path.read_text()
    assert store.delete("prod/openwebui-admin") is True
    assert not path.exists()
    assert not list(path.parent.iterdir())  # no backup or temp file kept a secret


@pytest.mark.parametrize(
    ("body", "mode", "expected"),
    [
        (f'{{"version": 1, "entries": {{"a/b": "{SECRET}"}}}}', 0o644, "chmod 600"),
        (f'{{"entries": {{"a/b": "{SECRET}"', 0o600, "damaged"),
    ],
    ids=["readable-by-others", "damaged"],
)
def test_file_store_refuses_bad_files_without_echoing(
    tmp_path: Path, body: str, mode: int, expected: str
) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(body)
    path.chmod(mode)
    with pytest.raises(gs.SecretStorageError) as err:
        gs.FileStore(path).get("a/b")
    assert expected in str(err.value) and str(path) in str(err.value)
    assert SECRET not in str(err.value)


def test_no_store_keeps_nothing() -> None:
    store = gs.open_store("none")
    store.put("prod/key_1", SECRET)
    assert store.get("prod/key_1") is None
    assert store.delete("prod/key_1") is False


def test_unknown_storage_kind_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        gs.open_store("vault")


def test_fallback_explanation_offers_both_choices(tmp_path: Path) -> None:
    probe = gs.probe_keyring()
    text = gs.fallback_explanation(probe, tmp_path / "s.json")
    assert probe.message in text
    assert "SSH" in text
    assert "--storage none" in text and "--storage file" in text
    assert str(tmp_path / "s.json") in text and "0600" in text
    assert gs.file_consent_given(" YES ")
    assert not gs.file_consent_given("y")
    assert not gs.file_consent_given("")
