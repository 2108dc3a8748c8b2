"""Which key a client's configuration holds, established by reading it, never assumed.

A resumed or aborted run must know whether the target holds the old key, the new one or neither
before it puts anything back or revokes anything; the journal's ids and prefixes tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass

OLD, NEW, UNKNOWN, NOTHING = "old", "new", "unknown", "nothing"


KEY_HEAD = "gtak_"


def prefix_mark(prefix: str | None) -> str | None:
    """The tenant's key prefix without `gtak_`: enough to recognise a key, never shaped like one
    (journals, the ledger and profiles refuse anything that looks like a key)."""
    return prefix.removeprefix(KEY_HEAD) or None if prefix else None


@dataclass(frozen=True)
class KeyMarks:
    """What identifies a key without its secret: the tenant id (or manual fingerprint), prefix."""

    key_id: str | None
    prefix: str | None = None  # a prefix_mark (the tenant's prefix is accepted too)

    def matches(self, secret: str | None) -> bool:
        from gtwizard.setup.keys import fingerprint_id

        if not secret or not self.key_id:
            return False
        if self.key_id.startswith("manual-"):
            return fingerprint_id(secret) == self.key_id
        mark = prefix_mark(self.prefix)
        return bool(mark) and secret.removeprefix(KEY_HEAD).startswith(mark or "\0")


def identify(secret: str | None, old: KeyMarks, new: KeyMarks) -> str:
    """OLD, NEW, UNKNOWN (a key neither run made) or NOTHING (no GT key in the target)."""
    if not secret:
        return NOTHING
    if new.matches(secret):
        return NEW
    if old.matches(secret):
        return OLD
    return UNKNOWN
