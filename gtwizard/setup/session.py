"""A setup run as a sequence of steps with one undo: the TUI drives it screen by screen, the CLI in one go.

The session keeps the secret in memory only as long as the run needs it; it never appears in
`result()`, in the profile, in the audit log, or in any exception text.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from gtwizard import audit
from gtwizard.baseform import BaseChoice, choose_base
from gtwizard.errors import GtwizardError, OperationFailed
from gtwizard.keyrun.engine import OnStep, Step
from gtwizard.lifecycle.journal import DONE, Journal, crash_point
from gtwizard.lifecycle.journal import parse_time as parse_time
from gtwizard.lifecycle.ledger import KeyState, Ledger
from gtwizard.lifecycle.lock import HeldLock
from gtwizard.lifecycle.target import secret_mark
from gtwizard.presets.catalog import KeyPreset, Product
from gtwizard.profiles import Profile, save_profile
from gtwizard.secrets import admin_entry, key_entry
from gtwizard.setup.keys import (
    KeyChoice,
    check_key_form,
    check_key_name,
    fingerprint_id,
)
from gtwizard.setup.storage import StorageDecision, decide_storage
from gtwizard.targets.base import ClientTarget
from gtwizard.targets.openwebui import connection_for, loopback_warning
from gtwizard.tenant import TenantHost


@dataclass
class SetupRequest:
    """Everything the operator chose; the TUI fills it step by step, the CLI from flags."""

    profile: str
    product: Product
    key_preset: KeyPreset
    host: TenantHost
    names: tuple[str, ...] = ()
    embeddings: bool = False
    embedding_model: str | None = None
    storage: str | None = None  # None = keyring (the default, probed)
    target: ClientTarget | None = None
    ca_bundle: str | None = None
    expires_days: int | None = None
    keep_admin_token: bool = False
    keep_operator_token: bool = False
    dry_run: bool = False
    secrets_file: Path | None = None  # for --storage file; None = the default place
    replace: bool = False  # the profile exists: set up a new key, then retire its old one
    accept_wider_key: bool = False  # a pasted key wider than chosen is kept (and recorded as such)


@dataclass
class SetupSession:
    """One setup run: preflight, key, base, plan, apply, save — with rollback of what it created."""

    request: SetupRequest
    warnings: list[str] = field(default_factory=list)
    choice: KeyChoice | None = None
    storage: StorageDecision | None = None
    key_id: str | None = None
    key_created_at: dt.datetime | None = None
    key_expires_at: dt.datetime | None = None
    minted: bool = False
    base: BaseChoice | None = None
    plan: Any = None
    applied: Any = None
    visible: list[tuple[str, str]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # credentials kept beside the key, by name
    key_prefix: str | None = None  # a prefix mark (never shaped like a key)
    key_name: str | None = None  # its name at /gt-api (minted: gtwizard's; pasted: as typed)
    journal: Journal | None = None
    retire: dict[str, Any] | None = None  # re-setup: how the old key was retired (or waits)
    accepted_wider: str | None = None  # what a pasted key can do beyond the choice, when accepted
    _lock: HeldLock | None = field(default=None, repr=False)
    _replacing: Profile | None = field(default=None, repr=False)  # the profile a re-setup replaces
    _secret: str | None = field(default=None, repr=False)
    _operator_token: str | None = field(default=None, repr=False)
    _pasted: tuple[str, str | None] | None = field(default=None, repr=False)  # key, its name
    _verified: bool = False
    _done: set[str] = field(default_factory=set, repr=False)  # plan and what follows it
    _saved: Profile | None = field(default=None, repr=False)
    _say: Callable[[str], None] = field(default=lambda text: None, repr=False)

    # --- the one order: every front end advances through it ---------------------------------

    def steps(self) -> list[Step]:
        """Setup's steps, in the one order the CLI and the TUI both run (gtwizard.keyrun.engine).

        preflight (`preflight`/`check_before_key`, before any key) → key (mint and store, or
        store the pasted key) → verify → base → plan → apply → save → retire (re-setup)."""
        return [
            Step("key", self._step_key, self._key_stored),
            Step("verify", self._step_verify, lambda: self._verified),
            Step("base", self._step_base, lambda: self.base is not None),
            Step("plan", self._step_plan, partial(self._ran, "plan")),
            Step("apply", self._step_apply, partial(self._ran, "apply")),
            Step("save", self._step_save, partial(self._ran, "save")),
            Step("retire", self._step_retire, partial(self._ran, "retire")),
        ]

    def _ran(self, step: str) -> bool:
        return step in self._done

    def _key_stored(self) -> bool:
        return bool(self.journal and self.journal.done("store-pending"))

    async def advance(self, until: str | None = None, *, on_step: OnStep | None = None) -> None:
        """Run the steps not done yet, through `until` (inclusive) or to the end."""
        from gtwizard.keyrun.engine import advance

        await advance(self.steps(), until=until, on_step=on_step or (lambda *_: None))

    def use_operator_token(self, token: str) -> None:
        """The key step mints with this operator token."""
        self._operator_token = token
        self._pasted = None

    def use_pasted(self, secret: str, name: str | None = None) -> None:
        """The key step accepts this key made at /gt-api (verified live before it is stored)."""
        self._pasted = (secret, name)

    async def _step_key(self) -> str:
        if self._pasted is not None and not self.has_key:
            secret, name = self._pasted
            await self.accept_pasted(secret, name=name)
            return f"key {self.key_label} verified; stored"
        if self.has_key and not self.minted:
            await self.store_pasted()
            return f"key {self.key_label} stored"
        if not self._operator_token:
            raise OperationFailed(
                "there is no key source in this run", "mint with the operator token or paste a key"
            )
        await self.mint(self._operator_token)
        return f"minted key {self.key_id}"

    async def _step_verify(self) -> str:
        if not self._verified:
            await self.verify()
        return f"the key sees exactly {', '.join(self._need_choice().names)}"

    async def _step_base(self) -> str:
        base = await self.choose_base()
        return f"{base.openai_base} ({base.reason})"

    async def _step_plan(self) -> str:
        self.make_plan()
        return "planned" if self.request.target is not None else "no target to plan"

    async def _step_apply(self) -> str:
        await self.apply()
        self._done.add("apply")
        target = self.request.target
        return f"applied to {target.place}" if target is not None else "no target"

    async def _step_save(self) -> str:
        profile = self.save()
        self._done.add("save")
        return f"profile {profile.name} saved"

    async def _step_retire(self) -> str:
        retired = await self.retire_old_key(self._say)
        self._done.add("retire")
        return str(retired.get("state")) if retired else "no old key"

    # --- before any key exists ---------------------------------------------------------------

    async def preflight(self) -> None:
        """Profile, target and storage checks; nothing is created. Raises on anything that blocks."""
        req = self.request
        if not req.dry_run:
            self.check_profile_free()
        await self._check_target()
        if not req.dry_run:
            await self.decide_storage()

    async def _check_target(self) -> None:
        """The target's preflight (nothing written); its warnings join the run's."""
        req = self.request
        if req.target is not None:
            from gtwizard.setup.profilefree import check_place_free

            check_place_free(self)
            self.warnings.extend(
                await req.target.preflight(
                    ca_bundle=req.ca_bundle,
                    gt_base=req.host.gt_base,
                    names=req.names,
                    profile=req.profile,
                )
            )

    async def decide_storage(self) -> StorageDecision:
        """Probe the chosen storage off the event loop (keyring calls block, with a timeout).

        "none" (target only) needs a target: both front ends choose it before the storage.
        """
        req = self.request
        self.storage = await asyncio.to_thread(
            decide_storage,
            req.storage,
            has_target=req.target is not None,
            file_path=req.secrets_file,
        )
        return self.storage

    async def resolve_names(self, operator_token: str | None) -> KeyChoice:
        """Sort the chosen names by kind (gtwizard.setup.keystep)."""
        from gtwizard.setup.keystep import resolve_names

        return await resolve_names(self, operator_token)

    # --- before the key: what can be checked, the lock, the journal ----------------------------

    async def check_before_key(self) -> None:
        """Everything that would refuse the run later, checked while no key exists yet.

        config.toml parses; the profile name suits every writer; an existing profile is replaced
        only when asked; no other setup or rotation of it is in progress; the env file's content
        takes the edit; the secret store accepts a canary write.
        """
        from gtwizard.lifecycle.canary import prove_store

        req = self.request
        self.check_profile_free()
        if req.target is not None and self.choice is not None:
            req.target.check_edit(self.choice, req.host.openai_base_v1)
        if self.storage is not None and self.storage.kind != "none":
            await asyncio.to_thread(prove_store, self.storage.store, req.profile)

    def check_profile_free(self) -> None:
        """The profile may be set up now (gtwizard.setup.profilefree)."""
        from gtwizard.setup.profilefree import check_profile_free

        check_profile_free(self)

    async def _begin(self, mode: str) -> Journal:
        """Lock the profile and journal the run, before a key is minted or stored."""
        req = self.request
        if self.journal is not None and self.journal.open:
            return self.journal
        if self._lock is None:
            self._lock = HeldLock(req.profile, "gtwizard setup")
        try:
            await self.check_before_key()
        except BaseException:
            self.release()
            raise
        old = self._replacing
        if old is not None and old.key_id == self.key_id:
            old = None  # the same (pasted) key again: nothing to retire
        self.journal = Journal(
            profile=req.profile,
            old_key_id=old.key_id if old is not None else None,
            old_key_prefix=old.key_prefix if old is not None else None,
            old_key_name=old.key_name if old is not None else None,
            old_storage_kind=old.storage_kind if old is not None else "",
            old_storage_location=old.storage_location if old is not None else "",
            mode=mode,
            storage_kind=self.storage.kind if self.storage else "none",
            storage_location=self.storage.location if self.storage else "",
            tenant_host=req.host.netloc if req.host.scheme == "https" else req.host.origin,
            operation="setup",
        )
        self.journal.mark("preflight", "checked before the key: config, name, target, storage")
        return self.journal

    def release(self) -> None:
        """Give the profile's lock back (the run is over, or was undone)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _ledger(self, state: KeyState) -> None:
        journal = self.journal
        if journal is None or not (journal.new_key_name or journal.new_key_id):
            return
        Ledger.load(journal.profile).record(
            state,
            name=journal.new_key_name or journal.new_key_id or "",
            operation="setup",
            key_id=journal.new_key_id,
            prefix=journal.new_key_prefix,
        )

    # --- the key -----------------------------------------------------------------------------

    @property
    def has_key(self) -> bool:
        return self._secret is not None

    @property
    def applied_to_target(self) -> bool:
        """The client's configuration holds this run's key: from here on it is never revoked."""
        return self.journal is not None and self.journal.done("apply")

    async def store_pasted(self) -> None:
        """Store a pasted key that was verified earlier (the TUI verifies on the Mint step)."""
        journal = await self._begin("manual")
        journal.new_key_id = self.key_id
        journal.new_key_name, journal.new_key_prefix = self.key_name, self.key_prefix
        journal.new_key_created_at = (
            self.key_created_at.isoformat() if self.key_created_at else None
        )
        journal.save()
        self._ledger(KeyState.MINTED)
        await self._store_or_undo()

    async def mint(self, operator_token: str) -> None:
        """Mint with the operator token, then store at once (gtwizard.setup.keystep)."""
        from gtwizard.setup.keystep import mint

        await mint(self, operator_token)

    async def accept_pasted(
        self, secret: str, *, store: bool = True, name: str | None = None
    ) -> None:
        """Guided manual minting: check the form, verify live, then store (not in a dry run).

        `name` is what the operator was asked to call the key at /gt-api (None: not known, so
        messages name the key by its prefix alone)."""
        self._secret = check_key_form(secret)
        self.key_id = fingerprint_id(self._secret)
        self.key_name = check_key_name(name) if name else None
        self.key_prefix = secret_mark(self._secret)
        self.key_created_at = dt.datetime.now(dt.UTC)
        await self.verify()
        if store:
            await self.store_pasted()

    async def verify(self) -> None:
        """`/v1/models` with the key lists exactly the chosen names (gtwizard.setup.keystep)."""
        from gtwizard.setup.keystep import verify

        await verify(self)

    async def _store_or_undo(self) -> None:
        req = self.request
        if self.storage is None:
            raise OperationFailed("storage was not checked before the key", "run preflight first")
        entry = key_entry(req.profile, self._need_key_id())
        try:
            await asyncio.to_thread(self.storage.store.put, entry, self._need_secret())
        except GtwizardError:
            await self.rollback()
            raise
        crash_point("store-pending:written")
        if self.journal is not None:
            self.journal.mark("store-pending", f"stored in {self.storage.location}")
        self._ledger(KeyState.STORED)
        audit.record("store", profile=req.profile, key_id=self.key_id, storage=self.storage.kind)

    # --- base, plan, apply -------------------------------------------------------------------

    async def choose_base(self) -> BaseChoice:
        req = self.request
        self.base = await choose_base(
            req.host, self._need_secret(), ca_bundle=req.ca_bundle, client=req.product.name
        )
        target = req.target
        if target is not None:
            warning = loopback_warning(self.base.openai_base, target.proof_url)
            if warning and not req.host.is_loopback:
                self.warnings.append(warning)
        return self.base

    async def check_target(self) -> None:
        """What the TUI's Target step checks before any key exists (the CLI's `preflight` and
        `check_before_key` check the same): the target's preflight, and its whole edit planned
        with a placeholder key. Nothing is written."""
        await self._check_target()
        req = self.request
        if req.target is not None:
            choice = self.choice or await self.resolve_names(None)
            req.target.check_edit(choice, req.host.openai_base_v1)

    async def plan_target(self) -> Any:
        """Once the key exists (the TUI's Review): the base the client will use, and the plan."""
        await self.choose_base()
        return self.make_plan()

    def make_plan(self) -> Any:
        """The env-file diff or the admin payload, secrets masked, nothing written yet."""
        req, choice, base = self.request, self._need_choice(), self._need_base()
        secret = self._secret or "gtak_(new key)"
        connection = connection_for(choice, base.openai_base, secret)
        if req.target is not None:
            self.plan = req.target.plan(connection, choice)
        # a new plan is applied, saved and followed again (the TUI's Back to the Target step)
        self._done = {"plan"}
        return self.plan

    async def apply(self) -> None:
        req = self.request
        target = req.target
        if target is None:
            return
        if self.journal is not None:
            # what `setup --resume` saves if the run ends between the write and the profile
            draft = self._profile().to_dict() | {"name": req.profile}
            self.journal.draft = json.loads(json.dumps(draft, default=str))
            self.journal.save()
        try:
            plan = self.plan if self.plan is not None else self.make_plan()
            connection = connection_for(
                self._need_choice(), self._need_base().openai_base, self._need_secret()
            )
            self.applied = await target.apply(connection, ca_bundle=req.ca_bundle, plan=plan)
            crash_point("apply:written")
            if self.journal is not None:
                self.journal.mark("apply", f"applied to {target.place}")
            self._ledger(KeyState.APPLIED)
        except GtwizardError as exc:
            audit.record(
                "apply",
                profile=req.profile,
                key_id=self.key_id,
                outcome="failed",
                detail=exc.one_line(),
            )
            await self.rollback()
            raise
        audit.record("apply", profile=req.profile, key_id=self.key_id, target=target.kind)
        self.warnings.extend(target.access_notes(self._need_choice()))
        if req.keep_admin_token and self.storage and target.credential:
            await self._keep(
                admin_entry(req.profile), target.credential, "Open WebUI admin credential"
            )

    async def _keep(self, entry: str, secret: str, what: str) -> None:
        """Store a credential the operator asked to keep, where the key itself is kept."""
        assert self.storage is not None
        if self.storage.kind == "none":
            self.warnings.append(f"the {what} was not kept: target-only storage keeps nothing")
            return
        await asyncio.to_thread(self.storage.store.put, entry, secret)
        self.kept.append(what)
        audit.record("store", profile=self.request.profile, key_id=self.key_id, detail=what)

    def save(self) -> Profile:
        """Save the profile and its runbook; the key becomes the profile's active key."""
        from gtwizard.runbook import export_runbook

        profile = self._profile()
        # the operator runbook (no secrets) is part of a finished setup: rotation is documented
        export_runbook(profile)
        save_profile(profile)
        self._saved = profile
        self._ledger(KeyState.ACTIVE)
        if self.journal is not None and self.journal.old_key_id:
            old_id = self.journal.old_key_id
            Ledger.load(profile.name).record(KeyState.SUPERSEDED, name=old_id, key_id=old_id)
        if self.journal is not None:
            self.journal.mark("save", f"profile {profile.name} saved with key {profile.key_label}")
            if not self.journal.old_key_id:
                self.journal.state = DONE
                self.journal.save()
                self.release()
        return profile

    def _profile(self) -> Profile:
        """The profile this run sets up (not saved here: `save` and the journal's draft use it)."""
        from gtwizard.setup.record import profile_of

        return profile_of(self)

    # --- undo --------------------------------------------------------------------------------

    async def rollback(self) -> list[str]:
        """Undo what this run created (gtwizard.setup.rollback): its stored copy and its key
        (revoked), unless the client already holds the key, which then stays live."""
        from gtwizard.setup.rollback import rollback

        return await rollback(self)

    @property
    def key_label(self) -> str:
        """This run's key as the tenant's /gt-api page shows it (see lifecycle.target)."""
        from gtwizard.lifecycle.target import key_label

        return key_label(self.key_id, self.key_name, self.key_prefix)

    async def _target_holds_key(self) -> bool:
        """Read the target back: does it hold this run's key? (Never assumed from the steps.)"""
        target, secret = self.request.target, self._secret
        if target is None or not secret:
            return False
        base = self.base.openai_base if self.base else self.request.host.openai_base_v1
        try:
            for form in {base, self.request.host.openai_base_v1}:
                if await target.read_key(form, ca_bundle=self.request.ca_bundle) == secret:
                    return True
        except GtwizardError:
            return bool(self.journal and self.journal.done("apply"))
        return False

    async def finish(
        self,
        *,
        on_step: Callable[[str, str], None] = lambda name, status: None,
        say: Callable[[str], None] | None = None,
    ) -> Profile:
        """The end of every setup, the same in the CLI and the TUI: advance the rest of the steps
        (apply to the target, save the profile, then, re-setup, retire the old key once the new
        one is proven).

        `on_step(name, status)` reports progress ("busy", "done", "waiting") of apply, save and
        retire. A failure propagates: the caller undoes with `rollback()`, which keeps a key the
        target already holds.
        """
        if say is not None:
            self._say = say
        shown = ("apply", "save", "retire")

        def report(step: str, status: str, detail: str) -> None:
            if step not in shown or status not in ("busy", "done"):
                return
            if step == "retire" and not (self.journal and self.journal.old_key_id):
                return
            waiting = step == "retire" and bool(self.retire) and status == "done"
            on_step(step, "waiting" if waiting and self._retire_waits() else status)

        await self.advance(on_step=report)
        return self._saved_profile()

    def _retire_waits(self) -> bool:
        return bool(self.retire and self.retire.get("state") == "waiting")

    def _saved_profile(self) -> Profile:
        from gtwizard.profiles import get_profile

        if self._saved is None:
            self._saved = get_profile(self.request.profile)
        return self._saved

    async def retire_old_key(self, say: Any = None) -> dict[str, Any] | None:
        """Re-setup: retire the old key once the new one is proven (gtwizard.setup.retire)."""
        from gtwizard.setup.retire import retire_old_key

        return await retire_old_key(self, say)

    def result(self) -> dict[str, Any]:
        """What happened, for `--json` and the Summary screen; never a secret."""
        from gtwizard.setup.record import result_of

        return result_of(self)

    # --- helpers -----------------------------------------------------------------------------

    def _need_choice(self) -> KeyChoice:
        if self.choice is None:
            raise OperationFailed("the key's allowlist is not settled yet", "choose names first")
        return self.choice

    def _need_secret(self) -> str:
        if not self._secret:
            raise OperationFailed("there is no key in this run yet", "mint or paste a key first")
        return self._secret

    def _need_key_id(self) -> str:
        if not self.key_id:
            raise OperationFailed("there is no key in this run yet", "mint or paste a key first")
        return self.key_id

    def _need_base(self) -> BaseChoice:
        if self.base is None:
            raise OperationFailed("the base URL is not chosen yet", "verify the key first")
        return self.base
