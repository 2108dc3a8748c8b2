"""Many profiles load exactly, once per change of config.toml in a process, and from nothing
but config.toml (no file of derived data, whatever an older gtwizard left in the cache dir)."""

from __future__ import annotations

import dataclasses
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


def test_a_large_config_reads_back_exactly() -> None:
    write_profiles(300)
    text = config_path().read_text()
    first = load_profiles()
    assert len(first) == 300
    reading = profiles._last_reading
    assert reading is not None
    assert reading.top == {k: v for k, v in tomllib.loads(text).items() if k != "profiles"}
    _fresh_run()
    again = load_profiles()
    assert again == first
    assert isinstance(again["host0007"].key_created_at, dt.datetime)
    assert isinstance(again["host0007"].storage_kind, StorageKind)
    assert default_profile_name() == "host0000"


def test_an_unchanged_file_is_parsed_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    write_profiles(300)
    first = load_profiles()

    def no_parse(*_: object) -> None:
        raise AssertionError("parsed although config.toml did not change")

    monkeypatch.setattr(profiles, "_parse", no_parse)
    assert load_profiles() == first
    assert get_profile("host0003") == first["host0003"]


def test_every_field_survives_a_reading() -> None:
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
    _fresh_run()
    first = get_profile("full")
    assert (
        dataclasses.replace(first, key_expires_at=full.key_expires_at) == full
    )  # saved to the second
    first.extra["future"]["list"].append("changed")  # a copy: the reading keeps its own
    assert get_profile("full").extra["future"]["list"] == [1, "x"]
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


def test_a_broken_profile_is_reported() -> None:
    write_profiles(300)
    text = config_path().read_text().replace("rotation_days = 90", "rotation_days = 0", 1)
    config_path().write_text(text)
    _fresh_run()
    with pytest.raises(ConfigError, match="rotation_days"):
        load_profiles()


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


def test_cache_files_left_by_older_versions_are_ignored() -> None:
    """Earlier versions kept validated profiles in the cache dir (marshal, before that JSON):
    such files are never read, so even one that names other profiles changes nothing."""
    write_profiles(300)
    cache = Path(os.environ["GTWIZARD_CACHE_DIR"])
    cache.mkdir(parents=True, exist_ok=True)
    leftovers = {
        cache / "config-0badcafe.marshal": b"gtwizard config cache\n\x00\x00\x00\x00garbage",
        cache / "config-0123456789abcdef.json": b'{"profiles": {"ghost": {}}}',
    }
    for path, data in leftovers.items():
        path.write_bytes(data)
    _fresh_run()
    loaded = load_profiles()
    assert len(loaded) == 300 and "ghost" not in loaded
    assert {path: path.read_bytes() for path in leftovers} == leftovers
