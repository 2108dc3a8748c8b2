"""Every key on each tenant, as the tenant lists it, next to what refers to it; and removal.

A key is *ours* when this installation made it: its ledger or a journal names it (by id or by the
name given at mint time), a profile uses it, or its name carries this installation's identity
(gtwizard/lifecycle/identity.py). A key named for gtwizard that is not ours belongs to *another
installation* (another host of the same inventory, say); any other key is *unknown*. Only ours are
classified further: `active` (a profile uses it), `in-progress` (a setup or rotation in progress
refers to it), `revoked`, or an `orphan` (DESIGN §6b rule 1), which `gtwizard keys
--revoke-orphans` revokes. Another installation's key or an unknown one is only ever revoked when
the operator names it (`--revoke-key ID`, confirmed). `remove_everything` is `profiles remove`: it
revokes every live key the profile's ledger knows (when an operator token is at hand), deletes
every stored copy, the journal and the ledger, and says what it could not do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from gtwizard.errors import GtwizardError
from gtwizard.lifecycle.identity import KEY_NAME_HEAD, known_installation_id, parse_key_name
from gtwizard.lifecycle.journal import all_open_journals, forget_journal
from gtwizard.lifecycle.ledger import Ledger, all_ledgers, forget_ledger
from gtwizard.lifecycle.revoke import Intent, revoke, settle
from gtwizard.lifecycle.target import hand_made, key_label

ACTIVE, IN_PROGRESS, ORPHAN, REVOKED = "active", "in-progress", "orphan", "revoked"
LIVE = "live"  # the status of a key that is not ours and not revoked
OURS, OTHER_INSTALLATION, UNKNOWN = "ours", "other-installation", "unknown"


@dataclass
class KeyRow:
    """One tenant key, whose it is and what refers to it (never its secret)."""

    id: str
    name: str
    created_at: str
    revoked: bool
    status: str  # ours: active | in-progress | orphan | revoked; others: live | revoked
    profile: str | None  # only for ours
    ledger_state: str | None
    owner: str = OURS  # ours | other-installation | unknown
    installation: str | None = None  # the installation id the name carries, if any

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class TenantReport:
    host: str
    keys: list[KeyRow] = field(default_factory=list)
    error: str | None = None
    left_out: list[str] = field(default_factory=list)  # records refused (gtwizard.gt.keys)

    @property
    def orphans(self) -> list[KeyRow]:
        """Our own orphans: the only keys `--revoke-orphans` touches."""
        return [k for k in self.keys if k.owner == OURS and k.status == ORPHAN]


def _profile_of(name: str, known: list[str]) -> str | None:
    """`gtwizard-<profile>-<product>-<stamp>`: the longest known profile name that fits."""
    rest = name.removeprefix(KEY_NAME_HEAD)
    fits = [p for p in known if rest.startswith(p + "-")]
    return max(fits, key=len) if fits else None


@dataclass
class Ownership:
    """What this installation knows is its own: profiles, open journals, ledgers, identity."""

    identity: str | None
    in_use: dict[str, str]  # key id -> profile using it
    in_use_names: dict[str, str]  # name of a key made by hand (no tenant id kept) -> profile
    pending_ids: dict[str, str]  # key id -> profile whose setup/rotation refers to it
    pending_names: dict[str, str]  # intended key name -> profile (a mint whose answer was lost)
    ledger_ids: dict[str, Ledger]
    ledger_names: dict[str, Ledger]
    known: list[str]

    @classmethod
    def load(cls) -> Ownership:
        from gtwizard.profiles import load_profiles

        profiles = load_profiles()
        journals = all_open_journals()
        ledgers = all_ledgers()
        ledger_ids = {e.id: led for led in ledgers for e in led.keys if e.id}
        ledger_names = {e.name: led for led in ledgers for e in led.keys if e.name}
        return cls(
            identity=known_installation_id(),
            in_use={p.key_id: name for name, p in profiles.items() if p.key_id},
            in_use_names={
                p.key_name: name
                for name, p in profiles.items()
                if p.key_name and hand_made(p.key_id)
            },
            pending_ids={
                key_id: j.profile
                for j in journals
                for key_id in (j.old_key_id, j.new_key_id)
                if key_id
            },
            pending_names={
                name: j.profile
                for j in journals
                for name in (j.new_key_name, j.old_key_name)
                if name
            },
            ledger_ids=ledger_ids,
            ledger_names=ledger_names,
            known=sorted(
                {*profiles, *(j.profile for j in journals), *(x.profile for x in ledgers)}
            ),
        )

    def classify(self, record: Any) -> KeyRow:
        """One tenant key record as a row: whose it is, and for ours, its status."""
        parsed = parse_key_name(record.name)
        stamped = parsed.installation if parsed else None
        ledger = self.ledger_ids.get(record.id) or self.ledger_names.get(record.name)
        ours = (
            record.id in self.in_use
            or record.name in self.in_use_names
            or record.id in self.pending_ids
            or record.name in self.pending_names
            or ledger is not None
            or (stamped is not None and stamped == self.identity)
        )
        row = KeyRow(
            id=record.id,
            name=record.name,
            created_at=record.created_at,
            revoked=record.revoked,
            status=REVOKED if record.revoked else LIVE,
            profile=None,
            ledger_state=None,
            installation=stamped,
        )
        if not ours:
            row.owner = OTHER_INSTALLATION if parsed else UNKNOWN
            return row
        profile = self.in_use.get(record.id) or self.pending_ids.get(record.id)
        profile = profile or self.in_use_names.get(record.name)
        profile = profile or self.pending_names.get(record.name)
        profile = profile or (ledger.profile if ledger else None)
        row.profile = profile or _profile_of(record.name, self.known)
        if row.profile and ledger is None:
            ledger = Ledger.load(row.profile)
        entry = (ledger.find(key_id=record.id) or ledger.find(name=record.name)) if ledger else None
        if row.profile and entry:
            entry = settle(row.profile, entry, record)  # a begun revocation the tenant shows done
        row.ledger_state = entry.state if entry else None
        if record.revoked:
            row.status = REVOKED
        elif record.id in self.in_use or record.name in self.in_use_names:
            row.status = ACTIVE
        elif record.id in self.pending_ids or record.name in self.pending_names:
            row.status = IN_PROGRESS
        else:
            row.status = ORPHAN
        return row


async def reconcile(
    tokens: Mapping[str, str | None],
    *,
    ca_bundles: dict[str, str | None] | None = None,
    missing: Mapping[str, str] | None = None,
) -> list[TenantReport]:
    """List each tenant's keys (tenant host -> operator token) and say whose each one is.

    A host without a token (None) is reported with `missing[host]` as its error, unasked."""
    from gtwizard.gt.keys import KeyManager
    from gtwizard.tenant import parse_host

    ownership = Ownership.load()
    reports: list[TenantReport] = []
    for host_text, token in tokens.items():
        report = TenantReport(host_text)
        reports.append(report)
        if not token:
            report.error = (missing or {}).get(host_text) or "no operator token for this tenant"
            continue
        try:
            host = parse_host(host_text)
            ca = (ca_bundles or {}).get(host_text)
            async with KeyManager(host.gt_base, token, ca_bundle=ca) as manager:
                records = await manager.list_keys()
        except GtwizardError as exc:
            report.error = exc.one_line()
            continue
        report.left_out = list(records.left_out)
        report.keys = [ownership.classify(record) for record in records]
    return reports


def to_revoke(
    report: TenantReport, named: Collection[str] = (), *, orphans: bool = True
) -> list[KeyRow]:
    """The keys of one tenant a revocation run takes: our orphans (unless `orphans` is off), and
    the live keys the operator named (whoever made them; the command has had them confirmed)."""
    return [
        row
        for row in report.keys
        if not row.revoked
        and ((orphans and row.owner == OURS and row.status == ORPHAN) or row.id in named)
    ]


async def revoke_orphans(
    reports: list[TenantReport],
    tokens: Mapping[str, str | None],
    ca_bundles: dict[str, str | None],
    named: Collection[str] = (),
    *,
    orphans: bool = True,
) -> list[str]:
    """Revoke our orphans found by `reconcile`, and the keys the operator named (`to_revoke`);
    return the ids revoked."""
    from gtwizard.gt.keys import KeyManager
    from gtwizard.tenant import parse_host

    revoked: list[str] = []
    for report in reports:
        chosen = to_revoke(report, named, orphans=orphans)
        token = tokens.get(report.host)
        if not chosen or not token:
            continue
        host = parse_host(report.host)
        async with KeyManager(
            host.gt_base, token, ca_bundle=ca_bundles.get(report.host)
        ) as manager:
            for row in chosen:
                detail = (
                    "orphan" if row.status == ORPHAN else f"named by the operator ({row.owner})"
                )
                whose = row.profile if row.owner == OURS else None  # only our ledgers record it
                await revoke(
                    manager, Intent(row.id, "orphans", whose, name=row.name, detail=detail)
                )
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
