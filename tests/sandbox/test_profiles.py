"""Profiles in config.toml, the audit log, and the `status` / `profiles` commands as subprocesses."""

from __future__ import annotations

import datetime as dt
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support.secret_service import SecretServiceHandle, real_secret_service  # noqa: F401

from gtwizard import audit
from gtwizard import profiles as pr
from gtwizard.errors import ConfigError, InvalidInput
from gtwizard.secrets import FileStore, KeyringStore, admin_entry, key_entry

SECRET = "gtak_" + "Kx7" * 12
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def make_profile(name: str = "prod", **changes: object) -> pr.Profile:
    values: dict[str, object] = {
        "name": name,
        "tenant_host": "tenant.example.com",
        "base_form": "v1",
        "openai_base": "https://tenant.example.com/api/tenant/v1",
        "key_preset": "chat-only",
        "scopes": ["inference:chat", "models:read"],
        "agent_aliases": ["support-bot"],
        "raw_models": ["gpt-4o-mini"],
        "key_id": "key_0001",
        "key_created_at": NOW - dt.timedelta(days=10),
        "key_expires_at": NOW + dt.timedelta(days=80),
        "storage_kind": "file",
        "storage_location": "",
        "target_kind": "env-file",
        "target_place": "/srv/openwebui/.env",
        "embeddings": True,
        "last_check": pr.LastCheck(at=NOW, ok=True, summary={"pass": 7, "warn": 1}),
    }
    values.update(changes)
    return pr.Profile(**values)  # type: ignore[arg-type]


# --- config.toml ---------------------------------------------------------------------------------


def test_round_trip_and_default() -> None:
    first = make_profile("prod")
    second = make_profile("staging", last_check=None, key_expires_at=None, base_form="unversioned")
    pr.save_profile(first)
    pr.save_profile(second)
    loaded = pr.load_profiles()
    assert loaded == {"prod": first, "staging": second}
    assert pr.get_profile("staging") == second
    assert pr.default_profile_name() == "prod"  # the first one saved
    pr.set_default_profile("staging")
    assert pr.default_profile_name() == "staging"
    assert stat.S_IMODE(pr.config_path().stat().st_mode) == 0o600


def test_unknown_keys_survive_a_rewrite() -> None:
    pr.save_profile(make_profile())
    path = pr.config_path()
    text = path.read_text().replace('tenant_host = "', 'newer_field = 3\ntenant_host = "', 1)
    path.write_text('future_setting = "kept"\n' + text)  # top-level keys come before tables
    profile = pr.get_profile("prod")
    assert profile.extra == {"newer_field": 3}
    pr.save_profile(profile)
    assert 'future_setting = "kept"' in path.read_text()
    assert pr.get_profile("prod").extra == {"newer_field": 3}


def test_corrupt_file_names_line_and_is_kept() -> None:
    path = pr.config_path()
    path.parent.mkdir(parents=True)
    broken = 'version = 1\n[profiles.prod]\ntenant_host = "a.example.com\n'
    path.write_text(broken)
    with pytest.raises(ConfigError) as err:
        pr.load_profiles()
    assert str(path) in str(err.value)
    assert "line 3" in str(err.value)
    with pytest.raises(ConfigError):
        pr.save_profile(make_profile("other"))
    assert path.read_text() == broken
    assert not pr.config_path().with_name("config.toml.bak").exists()


def test_wrong_field_type_names_the_profile_line() -> None:
    path = pr.config_path()
    path.parent.mkdir(parents=True)
    path.write_text(
        'version = 1\n\n[profiles.ok]\ntenant_host = "a.example.com"\n\n'
        '[profiles.bad]\ntenant_host = "b.example.com"\nrotation_days = "ninety"\n'
    )
    with pytest.raises(ConfigError) as err:
        pr.load_profiles()
    message = str(err.value)
    assert "'bad'" in message and "line 6" in message and "rotation_days" in message


def test_overwrite_keeps_a_backup() -> None:
    pr.save_profile(make_profile(key_id="key_old"))
    before = pr.config_path().read_bytes()
    pr.save_profile(make_profile(key_id="key_new"))
    backup = pr.config_path().with_name("config.toml.bak")
    assert backup.read_bytes() == before
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert pr.get_profile("prod").key_id == "key_new"


@pytest.mark.parametrize(
    "changes",
    [
        {"agent_aliases": ["support-bot", SECRET]},
        {"target_place": f"Bearer {SECRET[5:]}"},
        {"extra": {"note": f"key was {SECRET}"}},
        {"key_id": SECRET},
    ],
)
def test_secret_shaped_values_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInput) as err:
        pr.save_profile(make_profile(**changes))
    assert SECRET not in str(err.value) and SECRET[5:] not in str(err.value)
    assert not pr.config_path().exists()


def test_invalid_names_and_values_are_refused() -> None:
    with pytest.raises(InvalidInput):
        pr.save_profile(make_profile("has space"))
    with pytest.raises(InvalidInput):
        pr.save_profile(make_profile(target_kind="ftp"))
    with pytest.raises(InvalidInput):
        pr.get_profile("missing")


def test_key_health() -> None:
    fresh = pr.key_health(make_profile(), now=NOW)
    assert (fresh.age_days, fresh.expires_in_days, fresh.rotation_due) == (10, 80, False)
    old = pr.key_health(make_profile(key_created_at=NOW - dt.timedelta(days=91)), now=NOW)
    assert old.rotation_due and "91 days old" in old.reason
    soon = pr.key_health(make_profile(key_expires_at=NOW + dt.timedelta(days=3)), now=NOW)
    assert soon.rotation_due and "expires in 3" in soon.reason
    gone = pr.key_health(make_profile(key_expires_at=NOW - dt.timedelta(days=1)), now=NOW)
    assert gone.expired and gone.rotation_due


# --- audit log -----------------------------------------------------------------------------------


def test_audit_log_is_private_json_lines_without_secrets() -> None:
    audit.record("mint", profile="prod", key_id="key_1", detail=f"minted {SECRET}")
    audit.record("store", profile="prod", key_id="key_1", outcome="failed", where="keyring")
    audit.record("check", profile="other", key_id="key_2")
    path = audit.audit_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SECRET not in path.read_text()
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["action"] for e in lines] == ["mint", "store", "check"]
    assert lines[1] | {"time": None} == {
        "time": None,
        "action": "store",
        "profile": "prod",
        "key_id": "key_1",
        "outcome": "failed",
        "where": "keyring",
    }
    assert [e["action"] for e in audit.read_entries("prod")] == ["mint", "store"]
    with pytest.raises(ValueError):
        audit.record("delete-everything", profile="prod")


# --- commands as subprocesses --------------------------------------------------------------------


def gtwizard(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a child process with stdin not a terminal (as automation does)."""
    argv = [sys.executable, "-m", "gtwizard", *args]
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def files_containing(root: Path, needle: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_text(errors="replace")]


def test_status_without_profiles() -> None:
    result = gtwizard("status", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "ok": True,
        "default_profile": None,
        "profiles": [],
        "in_progress": [],
    }
    text = gtwizard("status")
    assert "No profiles yet" in text.stdout


def test_status_reports_age_rotation_storage_and_check() -> None:
    pr.save_profile(make_profile("prod"))
    pr.save_profile(make_profile("old", key_created_at=NOW - dt.timedelta(days=120)))
    result = gtwizard("status", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["default_profile"] == "prod"
    by_name = {p["name"]: p for p in data["profiles"]}
    prod, old = by_name["prod"], by_name["old"]
    assert prod["key_age_days"] == 10 and prod["rotation_due"] is False
    assert prod["expires_in_days"] in (79, 80)  # the clock moved between saving and reading
    assert prod["storage"] == {"kind": "file", "location": ""}
    assert prod["last_check"]["ok"] is True and prod["last_check"]["summary"]["pass"] == 7
    assert old["key_age_days"] == 120 and old["rotation_due"] is True
    text = gtwizard("status").stdout
    assert "prod (default)" in text and "due: the key is 120 days old" in text


def test_status_on_a_broken_config_is_one_line_exit_2() -> None:
    pr.config_path().parent.mkdir(parents=True)
    pr.config_path().write_text("[profiles.prod\n")
    result = gtwizard("status")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "line 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_profiles_list_and_show() -> None:
    pr.save_profile(make_profile("prod"))
    pr.save_profile(make_profile("staging"))
    listed = json.loads(gtwizard("profiles", "list", "--json").stdout)
    assert [(p["name"], p["default"]) for p in listed["profiles"]] == [
        ("prod", True),
        ("staging", False),
    ]
    shown = gtwizard("profiles", "show", "staging", "--json")
    data = json.loads(shown.stdout)
    assert data["name"] == "staging" and data["agent_aliases"] == ["support-bot"]
    assert data["key_created_at"] == (NOW - dt.timedelta(days=10)).isoformat()
    missing = gtwizard("profiles", "show", "nope")
    assert missing.returncode == 2 and "no profile named 'nope'" in missing.stderr
    assert "prod" in gtwizard("profiles", "list").stdout


def test_remove_needs_yes_when_not_interactive() -> None:
    pr.save_profile(make_profile())
    FileStore().put(key_entry("prod", "key_0001"), SECRET)
    result = gtwizard("profiles", "remove", "prod")
    assert result.returncode == 2
    assert "--yes" in result.stderr and result.stderr.count("\n") == 1
    assert "prod" in pr.load_profiles()
    assert FileStore().get(key_entry("prod", "key_0001")) == SECRET


def test_remove_deletes_the_file_secret(isolated_dirs: Path) -> None:
    pr.save_profile(make_profile())
    store = FileStore()
    store.put(key_entry("prod", "key_0001"), SECRET)
    store.put(key_entry("other", "key_9"), "gtak_" + "Other" * 8)
    result = gtwizard("profiles", "remove", "prod", "--yes", "--json", "--keep-keys")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["removed"] == "prod" and out["deleted_secrets"] == ["prod/key_0001"]
    assert pr.load_profiles() == {}
    assert store.get(key_entry("prod", "key_0001")) is None
    assert store.get(key_entry("other", "key_9")) is not None  # other profiles untouched
    assert [(e["action"], e["profile"]) for e in audit.read_entries()] == [("remove", "prod")]
    assert SECRET not in result.stdout + result.stderr
    assert files_containing(isolated_dirs, SECRET) == []


@pytest.mark.secret_service
def test_remove_deletes_the_keyring_secret(
    request: pytest.FixtureRequest, isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service: SecretServiceHandle = request.getfixturevalue("real_secret_service")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", service.address)  # children inherit it
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    store = KeyringStore()
    store.put(key_entry("prod", "key_0001"), SECRET)
    store.put(admin_entry("prod"), "owui-admin-credential")
    pr.save_profile(make_profile(storage_kind="keyring", storage_location="OS keyring"))
    status = json.loads(gtwizard("status", "--json").stdout)
    assert status["profiles"][0]["storage"]["kind"] == "keyring"
    result = gtwizard("profiles", "remove", "prod", "--yes", "--json", "--keep-keys")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["deleted_secrets"] == [
        "prod/key_0001",
        "prod/openwebui-admin",
    ]
    assert store.get(key_entry("prod", "key_0001")) is None
    assert store.get(admin_entry("prod")) is None
    assert files_containing(isolated_dirs, SECRET) == []


def test_remove_without_reachable_keyring_keeps_the_profile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)  # the SSH situation
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    pr.save_profile(make_profile(storage_kind="keyring"))
    result = gtwizard("profiles", "remove", "prod", "--yes", "--keep-keys")
    assert result.returncode == 1
    assert "not removed" in result.stderr and "--keep-secrets" in result.stderr
    assert "prod" in pr.load_profiles()
    kept = gtwizard("profiles", "remove", "prod", "--yes", "--keep-secrets", "--keep-keys")
    assert kept.returncode == 0, kept.stderr
    assert "remain" in kept.stdout
    assert pr.load_profiles() == {}
    assert [e["outcome"] for e in audit.read_entries("prod")] == ["failed", "ok"]
