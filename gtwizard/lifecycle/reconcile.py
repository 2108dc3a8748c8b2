"""Every key gtwizard made, as the tenant lists it, next to what refers to it; and removal.

A live key is accounted for when a profile uses it or a setup/rotation in progress refers to it
(DESIGN §6b, rule 1). Anything else named for gtwizard is an orphan, which `gtwizard keys
--revoke-orphans` revokes. `remove_everything` is `profiles remove`: it revokes every live key the
profile's ledger knows (when an operator token is at hand), deletes every stored copy, the journal
and the ledger, and says what it could not do.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from gtwizard.errors import GtwizardError
from gtwizard.lifecycle.journal import all_open_journals, forget_journal
from gtwizard.lifecycle.ledger import Ledger, forget_ledger, ledger_path
from gtwizard.lifecycle.revoke import Intent, revoke, settle
from gtwizard.lifecycle.target import hand_made, key_label

KEY_NAME_HEAD = "gtwizard-"
ACTIVE, IN_PROGRESS, ORPHAN, REVOKED = "active", "in-progress", "orphan", "revoked"


@dataclass
class KeyRow:
    """One tenant key named for gtwizard and what refers to it (never its secret)."""

    id: str
    name: str
    created_at: str
    revoked: bool
    status: str  # active | in-progress | orphan | revoked
    profile: str | None
    ledger_state: str | None

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class TenantReport:
    host: str
    keys: list[KeyRow] = field(default_factory=list)
    error: str | None = None

    @property
    def orphans(self) -> list[KeyRow]:
        return [k for k in self.keys if k.status == ORPHAN]


def _profile_of(name: str, known: list[str]) -> str | None:
    """`gtwizard-<profile>-<product>-<stamp>`: the longest known profile name that fits."""
    rest = name.removeprefix(KEY_NAME_HEAD)
    fits = [p for p in known if rest.startswith(p + "-")]
    return max(fits, key=len) if fits else None


async def reconcile(
    tokens: dict[str, str], *, ca_bundles: dict[str, str | None] | None = None
) -> list[TenantReport]:
    """List each tenant's gtwizard keys (tenant host -> operator token) and classify them."""
    from gtwizard.gt.keys import KeyManager
    from gtwizard.profiles import load_profiles
    from gtwizard.tenant import parse_host

    profiles = load_profiles()
    journals = all_open_journals()
    in_use = {p.key_id: name for name, p in profiles.items() if p.key_id}
    # a key made by hand has no tenant id here: the name the operator gave it stands for it
    in_use_names = {
        p.key_name: n for n, p in profiles.items() if p.key_name and hand_made(p.key_id)
    }
    pending_ids = {
        key_id: j.profile for j in journals for key_id in (j.old_key_id, j.new_key_id) if key_id
    }
    pending_names = {j.new_key_name: j.profile for j in journals if j.new_key_name}
    pending_names |= {j.old_key_name: j.profile for j in journals if j.old_key_name}
    ledgers = ledger_path("x").parent
    logged = [p.stem for p in ledgers.glob("*.json")] if ledgers.is_dir() else []
    known = sorted({*profiles, *(j.profile for j in journals), *logged})
    reports: list[TenantReport] = []
    for host_text, token in tokens.items():
        report = TenantReport(host_text)
        reports.append(report)
        try:
            host = parse_host(host_text)
            ca = (ca_bundles or {}).get(host_text)
            async with KeyManager(host.gt_base, token, ca_bundle=ca) as manager:
                records = await manager.list_keys()
        except GtwizardError as exc:
            report.error = exc.one_line()
            continue
        for record in records:
            if not record.name.startswith(KEY_NAME_HEAD):
                continue
            profile = in_use.get(record.id) or pending_ids.get(record.id)
            profile = profile or in_use_names.get(record.name)
            profile = profile or pending_names.get(record.name) or _profile_of(record.name, known)
            if record.revoked:
                status = REVOKED
            elif record.id in in_use or record.name in in_use_names:
                status = ACTIVE
            elif record.id in pending_ids or record.name in pending_names:
                status = IN_PROGRESS
            else:
                status = ORPHAN
            entry = Ledger.load(profile).find(key_id=record.id) if profile else None
            entry = settle(profile, entry, record) if profile and entry else entry
            report.keys.append(
                KeyRow(
                    id=record.id,
                    name=record.name,
                    created_at=record.created_at,
                    revoked=record.revoked,
                    status=status,
                    profile=profile,
                    ledger_state=entry.state if entry else None,
                )
            )
    return reports


async def revoke_orphans(
    reports: list[TenantReport], tokens: dict[str, str], ca_bundles: dict[str, str | None]
) -> list[str]:
    """Revoke every orphan found by `reconcile`; return the ids revoked."""
    from gtwizard.gt.keys import KeyManager
    from gtwizard.tenant import parse_host

    revoked: list[str] = []
    for report in reports:
        if not report.orphans:
            continue
        host = parse_host(report.host)
        async with KeyManager(
            host.gt_base, tokens[report.host], ca_bundle=ca_bundles.get(report.host)
        ) as manager:
            for row in report.orphans:
                intent = Intent(row.id, "orphans", row.profile, name=row.name, detail="orphan")
                await revoke(manager, intent)
                row.status, row.revoked = REVOKED, True
                revoked.append(row.id)
    return revoked


@dataclass
class Removal:
    """What `profiles remove` did and could not do."""

    revoked: list[str] = field(default_factory=list)
    not_revoked: list[str] = field(default_factory=list)  # "id: why"
    by_hand: list[str] = field(default_factory=list)  # the not_revoked lines of keys made by hand
    deleted_secrets: list[str] = field(default_factory=list)


async def revoke_profile_keys(profile: Any, operator_token: str | None) -> Removal:
    """Revoke every live key of the profile the ledger (or the profile) knows."""
    from gtwizard.gt.keys import KeyManager
    from gtwizard.tenant import parse_host

    removal = Removal()
    ledger = Ledger.load(profile.name)
    ids = {e.id for e in ledger.live() if e.id}
    if profile.key_id:
        ids.add(profile.key_id)
    manual = sorted(i for i in ids if hand_made(i))
    minted = sorted(ids - set(manual))
    for key_id in manual:  # named as /gt-api shows it, never by gtwizard's own id
        entry = ledger.find(key_id=key_id)
        name = entry.name if entry and entry.name != key_id else None
        prefix = entry.prefix if entry else None
        if key_id == profile.key_id:
            name, prefix = profile.key_name or name, profile.key_prefix or prefix
        removal.by_hand.append(
            f"{key_label(key_id, name, prefix)}: made by hand; delete it at the tenant's /gt-api "
            "page"
        )
    removal.not_revoked += removal.by_hand
    if minted and not operator_token:
        removal.not_revoked += [f"{i}: no operator token (GTWIZARD_OPERATOR_TOKEN)" for i in minted]
        return removal
    if not minted:
        return removal
    assert operator_token is not None
    host = parse_host(profile.tenant_host)
    ca = profile.ca_bundle or None
    try:
        async with KeyManager(host.gt_base, operator_token, ca_bundle=ca) as manager:
            listed = {r.id: r for r in await manager.list_keys()}
            for key_id in minted:
                record = listed.get(key_id)
                if record is None or record.revoked:
                    removal.revoked.append(key_id)
                    continue
                intent = Intent(key_id, "remove", profile.name, detail="profile removed")
                await revoke(manager, intent)
                removal.revoked.append(key_id)
    except GtwizardError as exc:
        done = set(removal.revoked)
        removal.not_revoked += [f"{i}: {exc.one_line()}" for i in minted if i not in done]
    return removal


async def delete_stored_keys(profile: Any) -> list[str]:
    """Delete the stored copy of every key the ledger knows for the profile (not only the current)."""
    from pathlib import Path

    from gtwizard.secrets import key_entry, open_store

    path = Path(profile.storage_location) if profile.storage_kind == "file" else None
    store = open_store(profile.storage_kind, path=path if profile.storage_location else None)
    ids = {e.id for e in Ledger.load(profile.name).keys if e.id} - {profile.key_id}
    deleted = []
    for key_id in sorted(ids):
        entry = key_entry(profile.name, key_id)
        if await asyncio.to_thread(store.delete, entry):
            deleted.append(entry)
    return deleted


def forget_profile_state(profile: str) -> None:
    forget_journal(profile)
    forget_ledger(profile)


def kept_operator_token(profile: Any) -> str | None:
    """The operator token a profile kept beside its key (None when it kept none)."""
    from pathlib import Path

    from gtwizard.secrets import open_store, operator_entry

    if not profile.operator_token_kept:
        return None
    path = Path(profile.storage_location) if profile.storage_kind == "file" else None
    store = open_store(profile.storage_kind, path=path if profile.storage_location else None)
    return store.get(operator_entry(profile.name))
