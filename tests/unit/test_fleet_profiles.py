"""Many profiles load quickly and exactly: the parse cache of a large config.toml."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path

import pytest
from support.fleet_helpers import write_profiles

import gtwizard.profiles as profiles
from gtwizard.errors import ConfigError
from gtwizard.kinds import StorageKind, TargetKind
from gtwizard.profiles import (
    Profile,
    config_path,
    default_profile_name,
    get_profile,
    load_profiles,
    save_profile,
)


def _fresh_run() -> None:
    """Forget this process's reading, as a new gtwizard run would."""
    profiles._last_reading = None


def _cache() -> Path:
    return profiles._cache_file(config_path())


def test_a_large_config_is_read_back_from_the_cache_exactly() -> None:
    write_profiles(300)
    text = config_path().read_text()
    assert len(config_path().read_bytes()) > profiles.CACHE_MIN_BYTES
    first = load_profiles()  # parses and validates, keeps the reading
    assert _cache().is_file() and oct(_cache().stat().st_mode & 0o777) == "0o600"
    _fresh_run()
    kept = profiles._cached_reading(config_path(), config_path().read_bytes())
    assert kept is not None and len(kept.rows) == 300
    assert kept.top == {k: v for k, v in tomllib.loads(text).items() if k != "profiles"}
    again = load_profiles()
    assert again == first
    assert isinstance(again["host0007"].key_created_at, dt.datetime)
    assert isinstance(again["host0007"].storage_kind, StorageKind)
    assert default_profile_name() == "host0000"


def test_every_field_survives_the_cache() -> None:
    """A profile with every optional field set, dates and keys of a newer gtwizard included."""
    write_profiles(300)
    full = Profile(
        name="full",
        tenant_host="t.example.com",
        base_form="unversioned",
        key_expires_at=dt.datetime(
            2027, 1, 2, 3, 4, 5, 600, tzinfo=dt.timezone(dt.timedelta(hours=2))
        ),
        key_created_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
        storage_kind=StorageKind.KEYRING,
        target_kind=TargetKind.ADMIN_API,
        raw_models=["m1", "m2"],
        embeddings=True,
        rotation_days=30,
        base_reason="why",
        ca_bundle="/etc/ca.pem",
        openwebui_url="https://chat.example.com",
        allow_http_openwebui=True,
        operator_token_kept=True,
        last_rotated_at="2026-01-02",
        extra={"future": {"when": dt.date(2026, 5, 6), "at": dt.time(7, 8), "list": [1, "x"]}},
    )
    save_profile(full)
    first = get_profile("full")
    _fresh_run()
    load_profiles()  # the first reading of this text keeps it
    _fresh_run()
    assert profiles._cached_reading(config_path(), config_path().read_bytes()) is not None
    assert get_profile("full") == first
    assert get_profile("full").extra["future"]["when"] == dt.date(2026, 5, 6)


def test_each_load_gets_its_own_objects() -> None:
    write_profiles(300)
    first = load_profiles()
    first["host0001"].scopes.append("changed")
    check = first["host0001"].last_check
    assert check is not None
    check.summary["pass"] = 99
    again = load_profiles()["host0001"]
    assert again.scopes == ["inference:chat"]
    assert again.last_check is not None and again.last_check.summary == {"pass": 5}


def test_any_change_to_the_file_is_seen() -> None:
    write_profiles(300)
    load_profiles()
    path = config_path()
    text = path.read_text()
    # same length, one character different: a stat-based key would miss it, the comparison does not
    changed = text.replace('target_place = "/srv/owui7/env"', 'target_place = "/srv/owuX7/env"')
    assert changed != text and len(changed) == len(text)
    stat = path.stat()
    path.write_text(changed)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same modification time too
    _fresh_run()
    assert get_profile("host0007").target_place == "/srv/owuX7/env"
    profile = get_profile("host0008")
    profile.rotation_days = 30
    save_profile(profile)
    _fresh_run()
    assert get_profile("host0008").rotation_days == 30


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_damaged_cache_is_ignored_and_replaced(damage: str) -> None:
    write_profiles(300)
    first = load_profiles()
    data = _cache().read_bytes()
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        middle = len(data) // 2
        data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
    elif damage == "garbage":
        data = b"not a cache at all"
    else:
        data = b""
    _cache().write_bytes(data)
    _fresh_run()
    assert profiles._cached_reading(config_path(), config_path().read_bytes()) is None
    assert load_profiles() == first
    _fresh_run()
    assert profiles._cached_reading(config_path(), config_path().read_bytes()) is not None


def test_a_cache_validated_by_another_gtwizard_is_not_trusted(monkeypatch) -> None:
    """The rows skip validation only when this very gtwizard validated them."""
    write_profiles(300)
    load_profiles()
    _fresh_run()
    monkeypatch.setattr(profiles, "BASE_FORMS", ("v1",))  # what validation accepts changed
    assert profiles._cached_reading(config_path(), config_path().read_bytes()) is None
    config_path().write_text(
        config_path().read_text().replace('base_form = "v1"', 'base_form = "unversioned"', 1)
    )
    _fresh_run()
    with pytest.raises(ConfigError, match="base_form"):
        load_profiles()


def test_a_broken_profile_is_reported_and_nothing_is_cached() -> None:
    write_profiles(300)
    text = config_path().read_text().replace("rotation_days = 90", "rotation_days = 0", 1)
    config_path().write_text(text)
    _fresh_run()
    with pytest.raises(ConfigError, match="rotation_days"):
        load_profiles()
    assert not _cache().exists()


def test_a_small_config_is_never_cached() -> None:
    write_profiles(2)
    load_profiles()
    assert not _cache().exists()


def test_concurrent_writers_of_the_file_store_lose_nothing(tmp_path) -> None:
    """Several profiles rotated at once write one secrets file: no entry may be lost."""
    import threading

    from gtwizard.secrets import FileStore

    path = tmp_path / "secrets" / "secrets.json"
    stores = [FileStore(path) for _ in range(8)]
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(25):
                stores[n].put(f"p{n}/key_{i}", f"value-{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    reader = FileStore(path)
    for n in range(8):
        for i in range(25):
            assert reader.get(f"p{n}/key_{i}") == f"value-{n}-{i}"
    assert sorted(p.name for p in path.parent.iterdir()) == ["secrets.json"]  # no lock left


def test_the_json_cache_of_earlier_versions_is_removed() -> None:
    write_profiles(300)
    legacy = profiles._legacy_cache_file(config_path())
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_text("{}")
    load_profiles()
    assert _cache().is_file() and not legacy.exists()
