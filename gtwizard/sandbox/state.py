"""Keys and the operator token of the sandbox tenant.

Only SHA-256 hashes of `gtak_` secrets are kept, as a real tenant would. With a state file the keys,
revocations and the operator token survive a restart (the token stays the same, so a client that
saved it keeps working); without one everything lives in memory. Handle methods run in the caller's
thread while the server runs in its own, so every access goes through one lock.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import random
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

KEY_PREFIX = "gtak_"
OPERATOR_PREFIX = "gtop_"
STATE_VERSION = 1


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC with a `Z`, the one timestamp form the sandbox emits."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """Parse an ISO-8601 timestamp; a value without an offset is taken as UTC."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_key_secret(rng: random.Random | None = None) -> str:
    """`gtak_` + 40 url-safe random characters (from `rng` only in seeded test runs)."""
    if rng is not None:
        return KEY_PREFIX + _seeded_token(rng, 40)
    return KEY_PREFIX + secrets.token_urlsafe(30)[:40]


_URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _seeded_token(rng: random.Random, length: int) -> str:
    """Reproducible url-safe text: for snapshot tests only, never for a real secret."""
    return "".join(rng.choice(_URLSAFE) for _ in range(length))


@dataclasses.dataclass
class KeyRecord:
    """One minted key; `secret_sha256` is the only trace of its secret."""

    id: str
    name: str
    purpose: str
    scopes: list[str]
    agent_aliases: list[str]
    raw_models: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    prefix: str
    secret_sha256: str
    last_used_at: datetime | None = None
    datasets: list[str] = dataclasses.field(default_factory=list)

    def public(self) -> dict[str, Any]:
        """The record as the management API shows it (never the hash, never the secret)."""
        return {
            "id": self.id,
            "name": self.name,
            "purpose": self.purpose,
            "scopes": list(self.scopes),
            "agent_aliases": list(self.agent_aliases),
            "raw_models": list(self.raw_models),
            "datasets": list(self.datasets),
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "revoked_at": iso(self.revoked_at),
            "prefix": self.prefix,
            "last_used_at": iso(self.last_used_at),
        }

    def to_json(self) -> dict[str, Any]:
        data = self.public()
        data["secret_sha256"] = self.secret_sha256
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeyRecord:
        def when(field: str) -> datetime | None:
            value = data.get(field)
            return parse_iso(value) if value else None

        return cls(
            id=data["id"],
            name=data["name"],
            purpose=data["purpose"],
            scopes=list(data["scopes"]),
            agent_aliases=list(data["agent_aliases"]),
            raw_models=list(data["raw_models"]),
            created_at=parse_iso(data["created_at"]),
            expires_at=when("expires_at"),
            revoked_at=when("revoked_at"),
            prefix=data["prefix"],
            secret_sha256=data["secret_sha256"],
            last_used_at=when("last_used_at"),
            datasets=list(data.get("datasets", [])),
        )

    def allows(self, model: str) -> bool:
        return model in self.agent_aliases or model in self.raw_models


class SandboxState:
    """The tenant's keys and operator token, optionally persisted to a JSON file.

    `seed` (tests only, off by default) makes the operator token, key ids and key secrets
    reproducible, so screenshots of the wizard do not change from run to run.
    """

    def __init__(self, state_file: Path | None = None, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._file = Path(state_file) if state_file is not None else None
        self._keys: dict[str, KeyRecord] = {}
        self._rng = random.Random(seed) if seed is not None else None
        self.operator_token = OPERATOR_PREFIX + (
            _seeded_token(self._rng, 40) if self._rng else secrets.token_urlsafe(30)[:40]
        )
        if self._file is not None and self._file.exists():
            self._load(self._file)
        else:
            self._save()

    def _load(self, path: Path) -> None:
        from gtwizard.errors import ConfigError

        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self.operator_token = data["operator_token"]
            self._keys = {k["id"]: KeyRecord.from_json(k) for k in data["keys"]}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"sandbox state file {path.name} cannot be read ({type(exc).__name__})",
                "remove it to start with a fresh sandbox tenant",
            ) from None

    def _save(self) -> None:
        """Write the whole state atomically (caller holds the lock or is the constructor)."""
        if self._file is None:
            return
        from gtwizard.fileio import atomic_write

        payload = {
            "version": STATE_VERSION,
            "operator_token": self.operator_token,
            "keys": [k.to_json() for k in self._keys.values()],
        }
        self._file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self._file, json.dumps(payload, indent=2).encode("utf-8"), backup=False)

    def is_operator(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(
            token.encode("utf-8"), self.operator_token.encode("utf-8")
        )

    def mint(
        self,
        *,
        name: str,
        purpose: str,
        scopes: list[str],
        agent_aliases: list[str],
        raw_models: list[str],
        expires_at: datetime | None,
        datasets: list[str] | None = None,
    ) -> tuple[KeyRecord, str]:
        """Create a key; return its record and the secret (the only time it exists in clear).

        A key whose expiry has already passed is never made (ValueError): it could do nothing.
        """
        if expires_at is not None and expires_at <= utcnow():
            raise ValueError("expires_at is not in the future")
        with self._lock:
            secret = new_key_secret(self._rng)
            key_id = "key_" + (self._rng.randbytes(8).hex() if self._rng else secrets.token_hex(8))
        record = KeyRecord(
            id=key_id,
            name=name,
            purpose=purpose,
            scopes=list(scopes),
            agent_aliases=list(agent_aliases),
            raw_models=list(raw_models),
            created_at=utcnow(),
            expires_at=expires_at,
            revoked_at=None,
            prefix=secret[: len(KEY_PREFIX) + 4],
            secret_sha256=hash_secret(secret),
            datasets=list(datasets or []),
        )
        with self._lock:
            self._keys[record.id] = record
            self._save()
        return record, secret

    def list_keys(self) -> list[KeyRecord]:
        with self._lock:
            return [dataclasses.replace(k) for k in self._keys.values()]

    def get(self, key_id: str) -> KeyRecord | None:
        with self._lock:
            record = self._keys.get(key_id)
            return dataclasses.replace(record) if record else None

    def update_allowlists(
        self,
        key_id: str,
        agent_aliases: list[str] | None,
        raw_models: list[str] | None,
        datasets: list[str] | None = None,
    ) -> KeyRecord | None:
        """Replace a key's allowlists (what the tenant app's key editor does); None if unknown."""
        with self._lock:
            record = self._keys.get(key_id)
            if record is None:
                return None
            if agent_aliases is not None:
                record.agent_aliases = list(agent_aliases)
            if raw_models is not None:
                record.raw_models = list(raw_models)
            if datasets is not None:
                record.datasets = list(datasets)
            self._save()
            return dataclasses.replace(record)

    def expire(self, key_id: str, moment: datetime | None = None) -> KeyRecord | None:
        """Let time pass for one key: its expiry becomes `moment` (default now). None if unknown.

        Tests use this to have an expired key, since the tenant mints none that is born expired.
        """
        with self._lock:
            record = self._keys.get(key_id)
            if record is None:
                return None
            record.expires_at = moment or utcnow()
            self._save()
            return dataclasses.replace(record)

    def revoke(self, key_id: str) -> KeyRecord | None:
        """Revoke at once; revoking again keeps the first revocation time. None if unknown."""
        with self._lock:
            record = self._keys.get(key_id)
            if record is None:
                return None
            if record.revoked_at is None:
                record.revoked_at = utcnow()
                self._save()
            return dataclasses.replace(record)

    def authenticate(self, secret: str) -> tuple[KeyRecord | None, str]:
        """Look a presented key up by hash: (record, "") or (None, error code)."""
        digest = hash_secret(secret)
        with self._lock:
            record = next(
                (k for k in self._keys.values() if hmac.compare_digest(k.secret_sha256, digest)),
                None,
            )
            if record is None or record.revoked_at is not None:
                return None, "invalid_api_key"
            now = utcnow()
            if record.expires_at is not None and record.expires_at <= now:
                return None, "key_expired"
            if record.last_used_at != now:  # second resolution: at most one write a second
                record.last_used_at = now
                self._save()
            return dataclasses.replace(record), ""
