"""The rotation's data: its steps, options, step reports and what an undo did."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gtwizard.errors import InvalidInput
from gtwizard.lifecycle.journal import (
    Journal,
)
from gtwizard.lifecycle.target import hand_made

if TYPE_CHECKING:
    from gtwizard.profiles import Profile
    from gtwizard.secrets import SecretStore


STEPS: tuple[str, ...] = (
    "preflight",
    "mint",
    "store-pending",
    "apply",
    "verify",
    "revoke-old",
    "promote",
)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# ---- options and the report ---------------------------------------------------------------------


@dataclass
class RotationOptions:
    """How to run: secrets come from the caller (stdin, environment), never from argv.

    `resume` continues an interrupted rotation, `finish` proves a waiting one and revokes the old
    key, `abort` undoes one. `revoke_without_proof` lets `finish` revoke when nothing can prove
    that the client uses the new key (the operator's word instead of a proof).
    """

    profile: str
    resume: bool = False
    finish: bool = False
    abort: bool = False
    revoke_without_proof: bool = False
    pasted_key: str | None = field(default=None, repr=False)
    pasted_key_name: str | None = None  # the name the operator gave the pasted key at /gt-api
    operator_token: str | None = field(default=None, repr=False)
    openwebui_url: str | None = None  # for --finish: prove through this Open WebUI
    openwebui_token: str | None = field(default=None, repr=False)
    say: Callable[[str], None] = lambda text: None
    # a yes/no question to the operator (a terminal, a TUI modal); None: nobody can be asked
    ask: Callable[[str], Awaitable[bool]] | None = None
    # --finish at a terminal with nothing that can prove the new key: ask for the operator's
    # word instead of refusing (the TUI offers its own 'w' for that, so it leaves this off)
    word_by_asking: bool = False
    accept_wider_key: bool = False  # keep a pasted key that can do more than the profile's
    adopt_setup: bool = False  # continue a re-setup's journal: retire its old key
    lock_held: bool = False  # the caller (a setup run) already holds the profile's lock
    poll_interval: float = 2.0
    poll_timeout: float = 600.0
    timeout: float = 30.0


@dataclass
class StepReport:
    name: str
    status: str  # done | resumed | failed | skipped | pending | rolled-back | waiting
    detail: str = ""


CANNOT_TELL = "cannot-tell"  # the running product's key is not known from here


class ClientOnNewKey(InvalidInput):
    """--abort refused: Open WebUI uses the new key (or nothing can tell it does not), so
    revoking it would break its chats; `--finish` is the way on."""


@dataclass
class Undo:
    """What an undo did, as facts (callers decide on these, never on the words)."""

    target_restored: bool = False  # the old key is (again) what the target holds
    target_keeps_new: bool = False  # the target holds the new key and it must stay live
    new_key_revoked: bool = False
    new_key_left: str = ""  # why the new key is still live, when it is
    lines: list[str] = field(default_factory=list)

    def say(self) -> str:
        return "; ".join(self.lines) or "nothing to undo"


def suggested_key_name(profile: Profile) -> str:
    """The name to give a key made by hand at /gt-api: the form automatic mints use."""
    from gtwizard.setup.keys import key_name

    return key_name(profile.name, profile.product_preset)


def revoke_by_hand_note(profile: Profile, *, operator_token: bool) -> str | None:
    """What a guided rotation says first when its old key will be deleted by the operator (no
    operator token, none kept, or an old key made by hand); None when gtwizard revokes it."""
    from gtwizard.tenant import parse_host

    if (operator_token or profile.operator_token_kept) and not hand_made(profile.key_id):
        return None
    console = parse_host(profile.tenant_host).gt_api_console
    return (
        f"Once the new key is proven, revoke the old key {profile.key_label} by hand at "
        f"{console}: gtwizard then waits until the tenant refuses it."
    )


def _profile_store(profile: Any) -> SecretStore:
    return _store_at(profile.storage_kind, profile.storage_location)


def _store_at(kind: str, location: str) -> SecretStore:
    from gtwizard.secrets import open_store

    path = Path(location) if kind == "file" and location else None
    return open_store(kind, path=path)


def _old_store(journal: Journal, profile: Any) -> list[Any]:
    """The store the old key was kept in, when a re-setup moved the profile to another one
    (keyring to file, say): its copy of the old key is deleted there too. Empty when it is the
    same store, or none. Raises when that store cannot be opened here (no keyring over SSH)."""
    kind, location = journal.old_storage_kind, journal.old_storage_location
    if not kind or kind == "none":
        return []
    if (kind, location) == (profile.storage_kind, profile.storage_location):
        return []
    return [_store_at(kind, location)]
