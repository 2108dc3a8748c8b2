"""Which key a client's configuration holds, established by reading it, never assumed.

A resumed or aborted run must know whether the target holds the old key, the new one or neither
before it puts anything back or revokes anything; the journal's ids and prefixes tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gtwizard.errors import GtwizardError

OLD, NEW, UNKNOWN, NOTHING = "old", "new", "unknown", "nothing"


async def env_file_key(path: str, dialect: str, openai_base: str) -> str | None:
    """The key of the GT connection in an Open WebUI env file, as Open WebUI would read it."""
    from gtwizard.openwebui.envfile import is_gt_entry
    from gtwizard.openwebui.persistent import read_env_config

    try:
        env = read_env_config(Path(path), dialect)
    except (GtwizardError, OSError):
        return None
    # effective_openai_config types its values `object`; these two are lists of strings
    urls = list(env.openai.get("OPENAI_API_BASE_URLS") or [])  # type: ignore[call-overload]
    keys = list(env.openai.get("OPENAI_API_KEYS") or [])  # type: ignore[call-overload]
    for index, url in enumerate(urls):
        if is_gt_entry(str(url), openai_base) and index < len(keys) and keys[index]:
            return str(keys[index])
    return None


async def admin_api_key(
    url: str,
    token: str,
    openai_base: str,
    *,
    ca_bundle: str | None = None,
    allow_http: bool = False,
) -> str | None:
    """The key of the GT connection in Open WebUI's saved connections (its database)."""
    from gtwizard.openwebui.admin import OpenWebUIAdmin
    from gtwizard.openwebui.envfile import is_gt_entry

    async with OpenWebUIAdmin(url, token, ca_bundle=ca_bundle, allow_http=allow_http) as admin:
        config = await admin.get_openai_config()
    for index, entry in enumerate(config.urls):
        if is_gt_entry(entry, openai_base) and index < len(config.keys):
            return config.keys[index] or None
    return None


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
