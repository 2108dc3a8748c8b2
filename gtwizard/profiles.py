"""Profiles: what gtwizard set up for each client, kept in config.toml. Never a secret.

A profile records enough to check and rotate later (tenant, base form, presets, scopes, allowlist,
key id and dates, where the key is stored, where it was applied) and nothing that would let anyone
use the key. Saving refuses any value shaped like a secret, as a guard against a caller's mistake.

config.toml is read with tomllib and written atomically with tomli-w; the previous version is kept
as config.toml.bak. A broken file is reported with its path and line and is never overwritten:
every write first loads (and so validates) the current file.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli

from gtwizard.errors import ConfigError, InvalidInput
from gtwizard.fileio import atomic_write
from gtwizard.kinds import StorageKind, TargetKind
from gtwizard.paths import config_file, ensure_private_dir
from gtwizard.redact import redact

if TYPE_CHECKING:
    from gtwizard.secrets import SecretStore

FORMAT_VERSION = 1
BASE_FORMS = ("unversioned", "v1", "redirected")
TARGET_KINDS = tuple(TargetKind)  # none: key stored, no product target yet
STORAGE_KINDS = tuple(StorageKind)
DEFAULT_ROTATION_DAYS = 90
EXPIRY_WARNING_DAYS = 14
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def config_path() -> Path:
    return config_file()


def validate_profile_name(name: str) -> str:
    """Profile names become TOML keys and keyring entry prefixes: keep them plain."""
    if not _NAME_RE.match(name or ""):
        raise InvalidInput(
            f"invalid profile name {name!r}",
            "Use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return name


@dataclass
class LastCheck:
    """The outcome of the most recent `gtwizard check`: when, overall result, counts by status."""

    at: dt.datetime
    ok: bool
    summary: dict[str, int] = field(default_factory=dict)


OPENWEBUI_PRESET = "open-webui"


@dataclass
class Profile:
    name: str
    tenant_host: str
    base_form: str = "v1"
    openai_base: str = ""
    product_preset: str = OPENWEBUI_PRESET
    key_preset: str = ""
    scopes: list[str] = field(default_factory=list)
    agent_aliases: list[str] = field(default_factory=list)
    raw_models: list[str] = field(default_factory=list)
    key_id: str = ""
    key_created_at: dt.datetime | None = None
    key_expires_at: dt.datetime | None = None
    storage_kind: StorageKind = StorageKind.KEYRING
    storage_location: str = ""
    target_kind: TargetKind = TargetKind.ENV_FILE
    target_place: str = ""
    embeddings: bool = False
    last_check: LastCheck | None = None
    rotation_days: int = DEFAULT_ROTATION_DAYS
    # how the profile was set up, beyond the key (None/False are left out of config.toml)
    base_reason: str | None = None  # why the base form was chosen, in words
    ca_bundle: str | None = None  # extra CA certificates trusted for the tenant and Open WebUI
    env_dialect: str | None = None  # who reads the env file: docker, compose or systemd
    openwebui_url: str | None = None  # the admin-API target, or Open WebUI beside an env file
    audience: str | None = None  # who was granted the models (admin-API target)
    allow_http_openwebui: bool = False  # plain http to a non-loopback Open WebUI, as allowed
    embedding_model: str | None = None
    key_prefix: str | None = None  # a prefix mark of the key (never shaped like a key)
    key_name: str | None = (
        None  # the key's name at /gt-api (typed by the operator for a pasted key)
    )
    accepted_wider_key: str | None = None  # what a pasted key can do beyond the choice
    operator_token_kept: bool = False  # stored beside the key, for unattended rotation
    admin_token_kept: bool = False
    last_rotated_at: str | None = None
    runbook_path: str | None = None  # where the runbook was last written, and for which key
    runbook_key_id: str | None = None
    # what a target beyond Open WebUI needs to find its product again (paths, URLs, names; never
    # a secret): gtwizard.targets.registry declares each target's settings
    target_settings: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # keys a newer gtwizard wrote; kept as is

    @property
    def for_openwebui(self) -> bool:
        """The client is Open WebUI: its checks (connection, reach, a user's chat and picker)
        apply, and it is proven through its URL and an admin credential."""
        return self.product_preset == OPENWEBUI_PRESET

    @property
    def key_label(self) -> str:
        """The key as the tenant's /gt-api page shows it (name and prefix for a key made by
        hand, the tenant id for a minted one): what every message names."""
        from gtwizard.lifecycle.target import key_label

        return key_label(self.key_id, self.key_name, self.key_prefix)

    def to_dict(self) -> dict[str, Any]:
        """The TOML table for this profile (None values left out: TOML has no null)."""
        data: dict[str, Any] = dict(self.extra)
        for f in dataclasses.fields(self):
            if f.name in ("name", "extra"):
                continue
            value = getattr(self, f.name)
            if value is None or (value is False and f.name in _OPTIONAL_FLAGS):
                continue
            if f.name == "target_settings":
                if value:
                    data[f.name] = dict(value)
                continue
            if isinstance(value, LastCheck):
                value = {"at": to_second(value.at), "ok": value.ok, "summary": dict(value.summary)}
            data[f.name] = to_second(value) if isinstance(value, dt.datetime) else value
        return data


_OPTIONAL_FLAGS = frozenset({"allow_http_openwebui", "operator_token_kept", "admin_token_kept"})

# --- reading -------------------------------------------------------------------------------------

_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "tenant_host": str,
    "base_form": str,
    "openai_base": str,
    "product_preset": str,
    "key_preset": str,
    "scopes": list,
    "agent_aliases": list,
    "raw_models": list,
    "key_id": str,
    "key_created_at": (dt.datetime, str),
    "key_expires_at": (dt.datetime, str),
    "storage_kind": str,
    "storage_location": str,
    "target_kind": str,
    "target_place": str,
    "embeddings": bool,
    "last_check": dict,
    "rotation_days": int,
    "base_reason": str,
    "ca_bundle": str,
    "env_dialect": str,
    "openwebui_url": str,
    "audience": str,
    "allow_http_openwebui": bool,
    "embedding_model": str,
    "key_prefix": str,
    "key_name": str,
    "accepted_wider_key": str,
    "operator_token_kept": bool,
    "admin_token_kept": bool,
    "last_rotated_at": str,
    "runbook_path": str,
    "runbook_key_id": str,
    "target_settings": dict,
}


def _section_line(text: str, name: str) -> int | None:
    pattern = re.compile(rf"""^\s*\[\s*profiles\s*\.\s*(["']?){re.escape(name)}\1\s*\]""")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def _aware(value: dt.datetime | str) -> dt.datetime:
    stamp = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _profile_from(name: str, data: Any, path: Path, text: str) -> Profile:
    def bad(problem: str) -> ConfigError:
        # the line is looked up only for an error: scanning the text for every profile made
        # loading n profiles cost n x the file's length (7 s for 1,000 profiles)
        line = _section_line(text, name)
        where = f"{path}, profile {name!r}" + (f" (line {line})" if line else "")
        return ConfigError(
            f"{where}: {problem}", f"Fix it by hand or restore {path.name}.bak next to it"
        )

    if not isinstance(data, dict):
        raise bad("is not a table")
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in data.items():
        expected = _FIELD_TYPES.get(key)
        if expected is None:
            extra[key] = copy.deepcopy(value)  # never the caller's table
            continue
        if (isinstance(value, bool) and expected is int) or not isinstance(value, expected):
            raise bad(f"field {key!r} has the wrong type ({type(value).__name__})")
        values[key] = list(value) if isinstance(value, list) else value  # never the parse's
    if "tenant_host" not in values:
        raise bad("field 'tenant_host' is missing")
    for key in ("scopes", "agent_aliases", "raw_models"):
        if not all(isinstance(item, str) for item in values.get(key, [])):
            raise bad(f"field {key!r} must be a list of strings")
    settings = values.get("target_settings", {})
    if not all(isinstance(v, str) for v in settings.values()):
        raise bad("field 'target_settings' must be a table of strings")
    if settings:
        values["target_settings"] = {str(k): v for k, v in settings.items()}
    try:
        for key in ("key_created_at", "key_expires_at"):
            if key in values:
                values[key] = _aware(values[key])
        if "last_check" in values:
            check = values["last_check"]
            values["last_check"] = LastCheck(
                at=_aware(check["at"]),
                ok=bool(check["ok"]),
                summary={str(k): int(v) for k, v in dict(check.get("summary", {})).items()},
            )
    except (KeyError, ValueError, TypeError) as exc:
        raise bad(f"a date or the last check is malformed ({exc})") from None
    profile = Profile(name=name, extra=extra, **values)
    try:
        _validate(profile)
    except InvalidInput as exc:
        raise bad(exc.message) from None
    profile.target_kind = TargetKind(profile.target_kind)
    profile.storage_kind = StorageKind(profile.storage_kind)
    return profile


def _validate(profile: Profile) -> None:
    validate_profile_name(profile.name)
    choices = (
        ("base_form", BASE_FORMS),
        ("target_kind", TARGET_KINDS),
        ("storage_kind", STORAGE_KINDS),
    )
    for attr, allowed in choices:
        if getattr(profile, attr) not in allowed:
            raise InvalidInput(
                f"{attr} must be one of {', '.join(allowed)}, not {getattr(profile, attr)!r}"
            )
    if profile.rotation_days < 1:
        raise InvalidInput("rotation_days must be at least 1")


# --- reading: one validated snapshot of config.toml per change ------------------------------------
# With 1,000 profiles, parsing the TOML (pure Python) and validating every profile costs more than
# the rest of `gtwizard status`. So what a read yields is kept, in this process only, as a
# `_Reading`: the file's bytes, its top-level values and every profile after validation. A run
# reuses it while the bytes are unchanged (the file is read and compared every time, so no change
# is missed). Each call hands out fresh copies of the profiles: callers may change what they get.
# Writers always parse afresh.


@dataclass(frozen=True)
class _Reading:
    path: Path
    data: bytes  # the file as read
    top: dict[str, Any]  # the document without its profiles (the default profile, the version)
    profiles: dict[str, Profile]  # each profile, validated; never handed out (see `_fresh`)


_last_reading: _Reading | None = None


def _read_config(path: Path) -> bytes | None:
    """config.toml's bytes, None when it does not exist yet."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read {path} ({exc})", "Check the file's permissions") from None


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path} line {line} is not valid UTF-8",
            f"Fix that line by hand or restore {path.name}.bak; gtwizard will not overwrite it",
        ) from None


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        doc = tomli.loads(text)  # tomllib's parser, compiled (pyproject.toml)
    except tomli.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid TOML: {exc}",
            f"Fix that line by hand or restore {path.name}.bak; gtwizard will not overwrite it",
        ) from None
    if not isinstance(doc.get("profiles", {}), dict):
        raise ConfigError(f"{path}: 'profiles' must be a table", "Fix the file by hand")
    return doc


def _read_document() -> tuple[dict[str, Any], str]:
    """The parsed config.toml and its text ({} and "" when it does not exist yet), parsed afresh:
    for writers, who change the document."""
    path = config_path()
    data = _read_config(path)
    if data is None:
        return {}, ""
    text = _decode(path, data)
    return _parse(path, text), text


def _fresh(profile: Profile) -> Profile:
    """A copy of a validated profile sharing nothing mutable with it (dates and kinds are
    immutable; lists, the last check and the extra fields are copied). A shallow copy and three
    lists: a third of `dataclasses.replace`'s time, which calls `__init__` again."""
    fresh = copy.copy(profile)
    fresh.scopes = list(profile.scopes)
    fresh.agent_aliases = list(profile.agent_aliases)
    fresh.raw_models = list(profile.raw_models)
    check = profile.last_check
    fresh.last_check = LastCheck(check.at, check.ok, dict(check.summary)) if check else None
    fresh.extra = copy.deepcopy(profile.extra) if profile.extra else {}
    fresh.target_settings = dict(profile.target_settings)
    return fresh


def _reading() -> _Reading:
    """config.toml as it is now, every profile validated (ConfigError names a broken one)."""
    global _last_reading
    path = config_path()
    data = _read_config(path)
    if data is None:
        return _Reading(path, b"", {}, {})
    last = _last_reading
    if last is not None and last.path == path and last.data == data:
        return last
    text = _decode(path, data)
    doc = _parse(path, text)
    tables = doc.pop("profiles", {})
    profiles = {name: _profile_from(name, table, path, text) for name, table in tables.items()}
    reading = _Reading(path, data, doc, profiles)
    _last_reading = reading
    return reading


def load_profiles() -> dict[str, Profile]:
    return {name: _fresh(profile) for name, profile in _reading().profiles.items()}


def profile_from_table(name: str, data: dict[str, Any]) -> Profile:
    """A profile from a table that is not in config.toml yet (a setup journal's draft)."""
    table = {k: v for k, v in data.items() if k != "name"}
    return _profile_from(name, table, config_path(), "")


def get_profile(name: str) -> Profile:
    profiles = _reading().profiles
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none yet"
        raise InvalidInput(
            f"no profile named {name!r} (profiles: {known})",
            "gtwizard profiles list names them; gtwizard setup makes one",
        )
    return _fresh(profiles[name])


def default_profile_name() -> str | None:
    """The configured default if it exists, else the only profile, else None."""
    reading = _reading()
    chosen = reading.top.get("default_profile")
    if isinstance(chosen, str) and chosen in reading.profiles:
        return chosen
    if len(reading.profiles) == 1:
        return next(iter(reading.profiles))
    return None


# --- writing -------------------------------------------------------------------------------------


def _find_secret_shaped(value: Any, where: str) -> str | None:
    if isinstance(value, str):
        return where if redact(value) != value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _find_secret_shaped(str(key), f"{where}.{key}") or _find_secret_shaped(
                item, f"{where}.{key}"
            )
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _find_secret_shaped(item, f"{where}[{index}]")
            if found:
                return found
    return None


@contextmanager
def _writing() -> Iterator[None]:
    """Hold config.toml's write lock through a read-modify-write: without it, two runs saving
    at once (two `rotate --profile`, `rotate --due`'s threads) drop each other's changes."""
    from gtwizard.fileio import write_lock

    path = config_path()
    ensure_private_dir(path.parent)
    with write_lock(path, ConfigError):
        yield


def _write_document(doc: dict[str, Any]) -> None:
    import tomli_w

    path = config_path()
    ensure_private_dir(path.parent)
    doc["version"] = FORMAT_VERSION
    atomic_write(path, tomli_w.dumps(doc).encode("utf-8"), mode=0o600, backup=True)


def save_profile(profile: Profile) -> None:
    """Add or replace `profile`; the first profile saved becomes the default."""
    save_profiles([profile])


def save_profiles(profiles: list[Profile]) -> None:
    """Add or replace each of `profiles` in one write (`check --all` keeps every last check)."""
    tables = {}
    for profile in profiles:
        _validate(profile)
        table = profile.to_dict()
        leak = _find_secret_shaped(profile.name, "name") or _find_secret_shaped(table, profile.name)
        if leak:
            raise InvalidInput(
                f"refusing to save profile {profile.name!r}: {leak} holds a value shaped like "
                "a secret",
                "Secrets belong in the secret store, never in config.toml",
            )
        tables[profile.name] = table
    if not tables:
        return
    with _writing():
        doc, _ = _read_document()  # raises on a broken file, so it is never overwritten
        load_profiles()
        doc.setdefault("profiles", {}).update(tables)
        if doc.get("default_profile") not in doc["profiles"]:
            doc["default_profile"] = next(iter(tables))
        _write_document(doc)


def set_default_profile(name: str) -> None:
    with _writing():
        doc, _ = _read_document()
        get_profile(name)
        doc["default_profile"] = name
        _write_document(doc)


def remove_profile(name: str) -> Profile:
    """Drop `name` from config.toml and return what it was (its secrets are the caller's job)."""
    with _writing():
        profile = get_profile(name)
        doc, _ = _read_document()
        del doc["profiles"][name]
        if doc.get("default_profile") == name:
            doc.pop("default_profile")
        _write_document(doc)
    return profile


def secret_entries(profile: Profile) -> list[str]:
    """The store entries a profile may own: its key, and the admin and operator credentials."""
    from gtwizard.secrets import admin_entry, key_entry, operator_entry

    entries = [key_entry(profile.name, profile.key_id)] if profile.key_id else []
    return [*entries, admin_entry(profile.name), operator_entry(profile.name)]


def delete_profile_secrets(profile: Profile, *, timeout: float | None = None) -> list[str]:
    """Delete the profile's stored secrets; return the entries that existed and are now gone.

    Raises SecretStorageError when the store cannot be reached (the caller decides what then).
    """
    from gtwizard.secrets import DEFAULT_TIMEOUT

    store = profile_store(profile, timeout or DEFAULT_TIMEOUT)
    return [entry for entry in secret_entries(profile) if store.delete(entry)]


def profile_store(profile: Profile, timeout: float) -> SecretStore:
    """The secret store the profile keeps its key (and kept credentials) in."""
    from gtwizard.secrets import open_store

    path = Path(profile.storage_location) if profile.storage_kind == "file" else None
    return open_store(
        profile.storage_kind, path=path if profile.storage_location else None, timeout=timeout
    )


def to_second(value: dt.datetime) -> dt.datetime:
    """`value` without its fraction of a second: what operators are shown, and config.toml keeps."""
    return value.replace(microsecond=0)


def iso_seconds(value: dt.datetime | str | None) -> str | None:
    """A time as ISO 8601 text to the second, as every JSON answer and display gives it: a
    datetime, or a time in ISO text (a tenant's); text that is no such time is given back as is."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if not parsed.microsecond:
            return value  # already to the second: the sender's own form (a trailing Z kept)
        value = parsed
    return to_second(value).isoformat()


def profile_to_json(profile: Profile) -> dict[str, Any]:
    """A JSON-ready view of `profile` (dates as ISO 8601 text to the second); it holds no secret
    by design."""

    def plain(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return iso_seconds(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    data = {"name": profile.name, **plain(profile.to_dict())}
    for key in ("key_created_at", "key_expires_at", "last_check"):
        data.setdefault(key, None)
    # every setup option is reported, unset ones too (None / False), so that a reader can tell
    # "not set" from "not reported" (the Ansible module compares each with its task)
    for key in ("ca_bundle", "env_dialect", "openwebui_url", "audience"):
        data.setdefault(key, None)
    data.setdefault("operator_token_kept", False)
    return data


# --- key health ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyHealth:
    """Age, expiry and whether rotation is due, as status and the TUI show them."""

    age_days: int | None
    expires_in_days: int | None
    expired: bool
    rotation_due: bool
    reason: str


def key_health(profile: Profile, now: dt.datetime | None = None) -> KeyHealth:
    now = now or dt.datetime.now(dt.UTC)
    age = (now - profile.key_created_at).days if profile.key_created_at else None
    left = (profile.key_expires_at - now).days if profile.key_expires_at else None
    expired = profile.key_expires_at is not None and profile.key_expires_at <= now
    reasons: list[str] = []
    if expired:
        reasons.append("the key has expired")
    elif left is not None and left < EXPIRY_WARNING_DAYS:
        reasons.append(f"the key expires in {left} day(s)")
    if age is not None and age >= profile.rotation_days:
        reasons.append(f"the key is {age} days old (policy: {profile.rotation_days})")
    if reasons:
        return KeyHealth(age, left, expired, True, "; ".join(reasons))
    if age is None:
        return KeyHealth(age, left, expired, False, "key creation time unknown")
    return KeyHealth(age, left, expired, False, "within policy")
