"""Many profiles load quickly and exactly: the parse cache of a large config.toml."""

from __future__ import annotations

import datetime as dt
import tomllib

from support.fleet_helpers import write_profiles

import gtwizard.profiles as profiles
from gtwizard.profiles import config_path, get_profile, load_profiles, save_profile


def _fresh_run() -> None:
    """Forget this process's parse, as a new gtwizard run would."""
    profiles._last_read = None


def test_a_large_config_is_read_back_from_the_cache_exactly() -> None:
    write_profiles(300)
    text = config_path().read_text()
    assert len(text) > profiles.CACHE_MIN_CHARS
    first = load_profiles()  # parses, keeps the parse
    cache = profiles._cache_file(config_path())
    assert cache.is_file() and oct(cache.stat().st_mode & 0o777) == "0o600"
    _fresh_run()
    assert profiles._cached_parse(config_path(), text) == tomllib.loads(text)
    again = load_profiles()
    assert again == first
    assert isinstance(again["host0007"].key_created_at, dt.datetime)


def test_any_change_to_the_file_is_seen() -> None:
    write_profiles(300)
    load_profiles()
    path = config_path()
    text = path.read_text()
    # same length, one character different: a stat-based key would miss it, the digest does not
    changed = text.replace('target_place = "/srv/owui7/env"', 'target_place = "/srv/owuX7/env"')
    assert changed != text and len(changed) == len(text)
    path.write_text(changed)
    _fresh_run()
    assert get_profile("host0007").target_place == "/srv/owuX7/env"
    profile = get_profile("host0008")
    profile.rotation_days = 30
    save_profile(profile)
    _fresh_run()
    assert get_profile("host0008").rotation_days == 30


def test_a_small_config_is_never_cached() -> None:
    write_profiles(2)
    load_profiles()
    assert not profiles._cache_file(config_path()).exists()


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
