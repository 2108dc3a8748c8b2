"""Which key a client's configuration holds, established by reading it, never assumed.

A resumed or aborted run must know whether the target holds the old key, the new one or neither
before it puts anything back or revokes anything; the journal's ids and prefixes tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass

OLD, NEW, UNKNOWN, NOTHING = "old", "new", "unknown", "nothing"


KEY_HEAD = "gtak_"


HAND_MADE = "manual-"  # the id gtwizard gives a key made by hand (the tenant never shows it)
PREFIX_CHARS = 4  # what the tenant's /gt-api page shows of a key after `gtak_`


def prefix_mark(prefix: str | None) -> str | None:
    """The tenant's key prefix without `gtak_`: enough to recognise a key, never shaped like one
    (journals, the ledger and profiles refuse anything that looks like a key)."""
    return prefix.removeprefix(KEY_HEAD) or None if prefix else None


def secret_mark(secret: str) -> str | None:
    """The prefix mark of a key in hand (a pasted one): the characters /gt-api shows after gtak_."""
    return prefix_mark(secret.strip()[: len(KEY_HEAD) + PREFIX_CHARS])


def hand_made(key_id: str | None) -> bool:
    """A key the operator made at /gt-api: gtwizard knows no tenant id for it."""
    return bool(key_id) and str(key_id).startswith(HAND_MADE)


def key_label(key_id: str | None, name: str | None = None, prefix: str | None = None) -> str:
    """How to name a key to a person: the way the tenant's /gt-api page shows it.

    A key made by hand goes by the name gtwizard asked the operator to type and its prefix
    (`NAME (gtak_n8EY…)`), either alone when only one is known, never by its internal `manual-`
    id, which no tenant page shows. A minted key goes by its tenant id (what the key API and
    `gtwizard keys` list). Control characters are made visible: an id kept by an older gtwizard
    came from the tenant as is (gtwizard.safetext).
    """
    from gtwizard.safetext import visible

    if key_id and not hand_made(key_id):
        return visible(key_id)
    mark = (prefix_mark(prefix) or "")[:PREFIX_CHARS]  # more would be masked as a secret
    shown = f"{KEY_HEAD}{mark}…" if mark else ""
    if name and shown:
        return visible(f"{name} ({shown})")
    return visible(name or shown or "the key made by hand")


def fingerprint_id(secret: str) -> str:
    """A stable id for a pasted key whose tenant id we cannot know: `manual-<12 hex>` of its hash."""
    import hashlib

    return "manual-" + hashlib.sha256(secret.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class KeyMarks:
    """What identifies a key without its secret: the tenant id (or manual fingerprint), prefix."""

    key_id: str | None
    prefix: str | None = None  # a prefix_mark (the tenant's prefix is accepted too)

    def matches(self, secret: str | None) -> bool:
        if not secret or not self.key_id:
            return False
        if hand_made(self.key_id):
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
