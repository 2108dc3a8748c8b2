"""The key ledger: every key gtwizard creates for a profile, and where it is in its life.

The intent is recorded before a mint request is sent (by the key's name, so a key whose answer
was lost can still be found on the tenant), the id and prefix the moment the answer returns, and
each later state as it happens; a revocation likewise, as `revoking` before the request and
`revoked` once the tenant confirmed it. The ledger never holds a secret (a guard refuses to write
one). `gtwizard keys` compares it with the tenant's own key list; `profiles remove` revokes from it.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gtwizard.errors import OperationFailed
from gtwizard.lifecycle.journal import write_record
from gtwizard.paths import state_dir


class KeyState(enum.StrEnum):
    """Where a key is in its life; the order is the happy path."""

    INTENT = "intent"  # a mint request is about to be sent: the key may exist, id unknown
    MINTED = "minted"  # the tenant answered: id and prefix known, secret in memory only
    STORED = "stored"  # the secret is in the profile's secret store
    APPLIED = "applied"  # the client's configuration holds it
    VERIFIED = "verified"  # proven on the GT side (and where the client uses it, when known)
    ACTIVE = "active"  # the profile refers to it
    SUPERSEDED = "superseded"  # a newer key is active; this one is still live until retired
    # a revocation is about to be sent (gtwizard.lifecycle.revoke): live until the tenant says not
    REVOKING = "revoking"
    REVOKED = "revoked"  # revoked on the tenant (or deleted by the operator, for a pasted key)
    FORGOTTEN = "forgotten"  # never existed (a mint that failed) or given up by the operator


LIVE_STATES = frozenset(
    {
        KeyState.INTENT,
        KeyState.MINTED,
        KeyState.STORED,
        KeyState.APPLIED,
        KeyState.VERIFIED,
        KeyState.ACTIVE,
        KeyState.SUPERSEDED,
        KeyState.REVOKING,
    }
)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class KeyEntry:
    """One key: its tenant id (None until the mint answers), name, prefix and state history."""

    name: str
    operation: str  # "setup" or "rotate"
    state: str = KeyState.INTENT
    id: str | None = None
    prefix: str | None = None
    updated_at: str = field(default_factory=_now)
    history: list[list[str]] = field(default_factory=list)

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES


def ledger_path(profile: str) -> Path:
    return state_dir() / "ledger" / f"{profile}.json"


@dataclass
class Ledger:
    profile: str
    keys: list[KeyEntry] = field(default_factory=list)

    @classmethod
    def load(cls, profile: str) -> Ledger:
        path = ledger_path(profile)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            keys = [KeyEntry(**entry) for entry in data.get("keys", [])]
        except FileNotFoundError:
            return cls(profile)
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise OperationFailed(
                f"the key ledger {path} is unreadable ({type(exc).__name__})",
                "move it away; gtwizard keys then compares the tenant's list with the profiles",
            ) from None
        return cls(profile, keys)

    def save(self) -> None:
        data = {"profile": self.profile, "keys": [asdict(k) for k in self.keys]}
        write_record(ledger_path(self.profile), data, "the key ledger")

    def find(self, key_id: str | None = None, name: str | None = None) -> KeyEntry | None:
        for entry in reversed(self.keys):
            if key_id is not None and entry.id == key_id:
                return entry
            if name is not None and entry.name == name:
                return entry
        return None

    def record(
        self,
        state: KeyState,
        *,
        name: str,
        operation: str = "setup",
        key_id: str | None = None,
        prefix: str | None = None,
    ) -> KeyEntry:
        """Move a key (found by id, else by name; created if new) to `state`, and save."""
        entry = self.find(key_id=key_id) if key_id else None
        entry = entry or self.find(name=name)
        if entry is None:
            entry = KeyEntry(name=name, operation=operation)
            self.keys.append(entry)
        entry.id = key_id or entry.id
        entry.prefix = prefix or entry.prefix
        entry.state = state
        entry.updated_at = _now()
        entry.history.append([str(state), entry.updated_at])
        self.save()
        return entry

    def live(self) -> list[KeyEntry]:
        return [entry for entry in self.keys if entry.live]


def all_ledgers() -> list[Ledger]:
    """Every profile's ledger in this installation (the record of which keys are ours)."""
    folder = state_dir() / "ledger"
    if not folder.is_dir():
        return []
    return [Ledger.load(path.stem) for path in sorted(folder.glob("*.json"))]


def forget_ledger(profile: str) -> None:
    ledger_path(profile).unlink(missing_ok=True)
