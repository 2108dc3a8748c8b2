"""The rotation's steps, one method per step of STEPS (the engine runs them in order)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING

from gtwizard import audit
from gtwizard.errors import GtwizardError, InvalidInput, OperationFailed
from gtwizard.fileio import write_off_loop
from gtwizard.lifecycle.journal import (
    RUNNING,
    crash_point,
)
from gtwizard.lifecycle.ledger import KeyState
from gtwizard.lifecycle.target import NEW, NOTHING, OLD, hand_made
from gtwizard.targets.base import ProofRequest, ProofUnavailable

if TYPE_CHECKING:
    from pathlib import Path

    from gtwizard.profiles import Profile

from gtwizard.rotation.base import RotationBase
from gtwizard.rotation.model import (
    _now,
    _old_store,
    suggested_key_name,
)


class RotationSteps(RotationBase):
    """preflight, mint, store-pending, apply, verify (and the proof), revoke-old, promote."""

    async def _step_preflight(self) -> str:
        journal = self._need_journal()
        if not journal.done("apply") and not self._old:
            raise OperationFailed(
                f"the current key {self.profile.key_label} cannot be read from "
                f"{self.profile.storage_kind} storage or the target",
                "a rotation needs it to roll back and to confirm the revocation; "
                "run gtwizard check to see why it is unreadable",
            )
        if (
            journal.mode == "auto"
            and not self.opts.operator_token
            and not journal.done("revoke-old")
        ):
            raise InvalidInput(
                "this rotation mints and revokes automatically: it needs the operator token",
                "export GTWIZARD_OPERATOR_TOKEN (or start with --key-stdin for a guided rotation)",
            )
        if journal.new_key_id is None and journal.mode == "manual" and not self.opts.pasted_key:
            name = suggested_key_name(self.profile)
            raise InvalidInput(
                "a new key is needed",
                "export GTWIZARD_OPERATOR_TOKEN to mint one, or make it at "
                f"{self.host.gt_api_console} (name it {name}) and pass it with --key-stdin "
                f"--key-name {name}",
            )
        where = await self._check_target()
        if not journal.done("apply"):
            self._refuse_foreign_key()
        store = await self._prove_store() if journal.new_key_id is None else ""
        if journal.new_key_id is not None:  # resumed or finished: the new key exists already
            how = f"continue with the new key {journal.new_key}"
        else:
            how = "mint automatically" if journal.mode == "auto" else "use the pasted key"
            if journal.mode == "manual" and self._revokes_by_hand():
                how += f" (the old key {journal.old_key} is then revoked by hand at /gt-api)"
        return f"current key {journal.old_key} readable; will {how}; {where}{store}"

    def _refuse_foreign_key(self) -> None:
        """The target holds a key that is neither the profile's (as stored) nor this run's: the
        operator put it there, or another profile shares the file. A rotation would overwrite it
        without a word, so it stops first (as `check` reports the difference)."""
        found, name = self._target_key, self.profile.name
        if not (self.target.applies and found and self._old) or found in (self._old, self._new):
            return
        raise InvalidInput(
            f"{self.profile.target_place} holds a key other than profile {name!r}'s key "
            f"{self.profile.key_label}: a rotation would overwrite it (nothing was changed)",
            f"if that key is meant to be there, profile {name!r} needs a place of its own; "
            f"else put its key back (gtwizard check --profile {name} shows the difference) and "
            "rotate again",
        )

    async def _prove_store(self) -> str:
        """A canary write before minting: a key that cannot be stored is never minted."""
        if self.profile.storage_kind == "none":
            return ""
        from gtwizard.lifecycle.canary import prove_store

        await asyncio.to_thread(prove_store, self.store, self.profile.name)
        return f"; {self.store.location} accepts a write"

    async def _check_target(self) -> str:
        """The target takes a change now (nothing written; a change the product would ignore is
        refused here, before any mint)."""
        return await self.target.ready(
            self._choice(), self.openai_base, ca_bundle=self.ca_bundle, profile=self.profile
        )

    async def _step_mint(self) -> str:
        from gtwizard.lifecycle.target import secret_mark
        from gtwizard.setup.keys import (
            check_key_form,
            check_key_name,
            fingerprint_id,
            key_name,
            mint_journaled,
            verify_key,
        )

        journal, choice = self._need_journal(), self._choice()
        if journal.mode == "manual":
            secret = check_key_form(self.opts.pasted_key or "")
            name = self.opts.pasted_key_name
            name = check_key_name(name) if name else None
            if secret == self._old:
                raise InvalidInput(
                    "the pasted key is the current key", "make a new key, then paste that one"
                )
            await verify_key(self.host, secret, choice.names, ca_bundle=self.ca_bundle)
            from gtwizard.setup.keys import measure_pasted_key, refuse_if_wider

            width = await measure_pasted_key(self.host, secret, choice, ca_bundle=self.ca_bundle)
            refuse_if_wider(width, accept=self.opts.accept_wider_key)
            self._new = secret
            journal.new_key_id = fingerprint_id(secret)
            journal.new_key_name, journal.new_key_prefix = name, secret_mark(secret)
            journal.new_key_created_at = _now()
            await write_off_loop(self._ledger, KeyState.MINTED)
            return f"pasted key {journal.new_key} accepted (it sees exactly the allowlist)"
        assert self.opts.operator_token
        p = self.profile
        expires = None
        if p.key_expires_at and p.key_created_at:
            expires = dt.datetime.now(dt.UTC) + (p.key_expires_at - p.key_created_at)
        minted = await mint_journaled(
            self.host,
            self.opts.operator_token,
            choice,
            journal=journal,
            name=key_name(p.name, p.product_preset),
            record=self._ledger,
            expires_at=expires,
            ca_bundle=self.ca_bundle,
        )
        self._new = minted.secret
        journal.new_key_created_at = minted.created_at or _now()
        audit.record("mint", profile=p.name, key_id=minted.id, scopes=list(choice.scopes))
        return f"minted {minted.id} with preset {p.key_preset}, scopes {', '.join(p.scopes)}"

    async def _step_store_pending(self) -> str:
        from gtwizard.secrets import key_entry

        journal = self._need_journal()
        assert self._new and journal.new_key_id
        await asyncio.to_thread(
            self.store.put, key_entry(journal.profile, journal.new_key_id), self._new
        )
        crash_point("store-pending:written")
        if self.profile.storage_kind == "none":
            return "storage none: the new key is kept in memory only until it is applied"
        await write_off_loop(self._ledger, KeyState.STORED)
        audit.record("store", profile=journal.profile, key_id=journal.new_key_id, detail="pending")
        return f"pending key {journal.new_key} stored in {self.store.location}"

    async def _step_apply(self) -> str:
        journal = self._need_journal()
        assert self._new
        where = await self._apply_key(self._new)
        crash_point("apply:written")
        await write_off_loop(self._ledger, KeyState.APPLIED)
        audit.record(
            "apply",
            profile=journal.profile,
            key_id=journal.new_key_id,
            target=self.profile.target_kind,
        )
        return where

    async def _step_verify(self) -> str:
        try:
            return await self._verify_new()
        except GtwizardError as exc:
            undo = await self._rollback()
            raise OperationFailed(
                f"the new key failed verification ({exc.message})",
                f"rolled back: {undo.say()}. The old key stays in use",
            ) from None

    async def _verify_new(self) -> str:
        from gtwizard.gt.client import GTClient
        from gtwizard.setup.keys import verify_key

        journal = self._need_journal()
        choice = self._choice()
        assert self._new
        await verify_key(self.host, self._new, choice.names, ca_bundle=self.ca_bundle)
        self._new_checked = True
        proofs = [f"GT lists exactly the {len(choice.names)} allowlisted name(s)"]
        if choice.embeddings and choice.embedding_model:
            async with GTClient(self.host.gt_base, self._new, ca_bundle=self.ca_bundle) as gt:
                await gt.embeddings(choice.embedding_model, "gtwizard rotation check")
            proofs.append(f"embeddings with {choice.embedding_model} work")
        await write_off_loop(self._ledger, KeyState.VERIFIED)
        if not self.owui_known or not await self._restarted():
            if self.target.applies:
                why = (
                    "it has not restarted with it"
                    if self.owui_known
                    else "no URL and admin credential"
                )
                proofs.append(f"not yet proven in {self.target.product} ({why}): the old key stays")
            return "; ".join(proofs)
        proofs.append(await self._prove_in_client())
        journal.mark("proven-in-client", proofs[-1])
        return "; ".join(proofs)

    async def _restarted(self) -> bool:
        """A product that reads the key at start proves the new key only once it has restarted
        with it (until then the rotation waits, both keys live); one applied live holds it."""
        if not self.target.reads_at_start:
            return True
        try:
            return await self._holds(self._new or "")
        except GtwizardError:
            return False

    async def _prove_in_client(self) -> str:
        """The product uses the new key and its users get answers through it (the target's proof)."""
        assert self._new
        return await self.target.prove(
            ProofRequest(
                secret=self._new,
                profile=self.profile,
                choice=self._choice(),
                openai_base=self.openai_base,
                gt_base=self.host.gt_base,
                ca_bundle=self.ca_bundle,
                timeout=self.opts.timeout,
            )
        )

    async def _step_finish_proof(self) -> str:
        """--finish: prove now (the product restarted meanwhile), or record the operator's word."""
        journal = self._need_journal()
        product = self.target.product
        if self.owui_known:
            detail = await self._prove_in_client()
            journal.mark("proven-in-client", detail)
            return detail
        if self.opts.revoke_without_proof:
            return f"revoking without a proof in {product}, as the operator asked"
        from gtwizard.proofchannel import profile_proof_command

        try:
            detail = await self._prove_in_client()
        except ProofUnavailable as exc:
            if exc.operator_word:  # nothing here can prove it: --finish is the operator's word
                return f"revoking on the operator's word ({exc.message})"
            missing = exc.message
        else:  # the product can be proven now (installed or reachable since the run stopped)
            journal.mark("proven-in-client", detail)
            return detail
        prove = profile_proof_command(
            self.profile, f"gtwizard rotate --finish --profile {journal.profile}"
        )
        hint = (
            f"restart {product}, then {prove}; or --revoke-without-proof (its chats fail if it "
            "still uses the old key)"
        )
        if self.opts.word_by_asking and self.opts.ask is not None:  # their word, at a terminal
            restarted = await self.opts.ask(
                f"Nothing here can prove that {product} uses the new key ({missing}). Was it "
                f"restarted since the new key was written to {self.profile.target_place}, so the "
                "old key may be revoked?"
            )
            if not restarted:
                raise InvalidInput("cancelled; nothing was changed", hint)
            return f"revoking on the operator's word ({missing}; {product} was restarted)"
        raise ProofUnavailable(missing, hint)

    async def _step_revoke_old(self) -> str:
        """The intent first (journal and ledger), then the revocation: from here on the old key
        may be gone, so this rotation can only go forward (`--abort` asks the tenant first)."""
        from gtwizard.lifecycle.revoke import Intent, record_done, record_intent, revoke_at

        journal = self._need_journal()
        old_id, old = journal.old_key_id or "", journal.old_key
        if not journal.revoking(old_id):  # begun before an interruption: only forward is left
            await self._new_key_in_place()
        auto = not self._revokes_by_hand()
        intent = Intent(
            old_id,
            "revoke-old",
            journal.profile,
            journal,
            name=journal.old_key_name,
            detail="rotation",
        )
        journal.state, journal.waiting_for = RUNNING, ""  # no longer waiting: revoking
        if auto:
            assert self.opts.operator_token
            fresh = await revoke_at(
                self.host.gt_base, self.opts.operator_token, intent, ca_bundle=self.ca_bundle
            )
            how = f"revoked {old}" if fresh else f"{old} was revoked before an interruption"
        else:
            record_intent(intent)
            if not (self._old and await self._old_refused()):
                self._say(
                    f"Now revoke the old key {old} at {self.host.gt_api_console}; "
                    "waiting until the tenant refuses it (401)."
                )
            how = f"{old} revoked by the operator"
        if self._old is None:
            if not auto:
                record_done(intent)
            return how + " (the old secret is unknown here, so the 401 was not probed)"
        await self._poll(
            self._old_refused,
            f"the old key {old} is still accepted by the tenant",
            f"revoke it at {self.host.gt_api_console}, then run gtwizard rotate --finish "
            f"--revoke-without-proof --profile {journal.profile}",
        )
        if not auto:
            record_done(intent)
        return how + "; the tenant now answers 401 to it"

    async def _new_key_in_place(self) -> None:
        """The last look before the old key goes: the target still holds the new key and the
        tenant still accepts it. A run that resumes or finishes an earlier one verified the new
        key then; since, the operator may have emptied, removed or edited the target, or revoked
        the new key at /gt-api. Revoking the old key then would leave the client on no key."""
        journal = self._need_journal()
        p = f"--profile {journal.profile}"
        stays = f"the old key {journal.old_key} stays live (nothing was revoked)"
        place = self.profile.target_place or "the target"
        if self.target.applies:
            try:
                self._target_key = await self.target.read_key(
                    self.openai_base, ca_bundle=self.ca_bundle
                )
            except GtwizardError as exc:
                if not self.opts.revoke_without_proof:
                    raise OperationFailed(
                        f"{place} cannot be read to confirm it holds the new key "
                        f"({exc.one_line()}): {stays}",
                        f"make it readable, then {self._forward_command()}",
                    ) from None
                self._say(f"{place} cannot be read ({exc.one_line()}): on the operator's word")
                self._target_key = self._new
            holds = self._target_holds()
            if holds != NEW:
                what = {
                    NOTHING: "no longer holds a GT key (emptied or removed since the new key "
                    "was written)",
                    OLD: "holds the old key again",
                }.get(holds, "holds a key this rotation did not write")
                raise OperationFailed(
                    f"{place} {what}: {stays}",
                    f"undo the rotation: gtwizard rotate --abort {p} (or put the new key back: "
                    f"gtwizard rotate --resume {p})"
                    if holds == OLD
                    else f"undo the rotation: gtwizard rotate --abort {p}",
                )
        if self._new_checked:
            return
        live = await self._key_live(journal.new_key_id or "", self._new)
        if live is False:
            raise OperationFailed(
                f"the tenant refuses the new key {journal.new_key} (revoked or expired since it "
                f"was verified): {stays}",
                f"undo the rotation, then rotate again: gtwizard rotate --abort {p}",
            )
        if live is None:
            raise OperationFailed(
                f"the tenant did not say whether the new key {journal.new_key} still works: "
                f"{stays}",
                f"retry: {self._forward_command()}",
            )
        self._new_checked = True

    def _revokes_by_hand(self) -> bool:
        """The old key is deleted by the operator at /gt-api: no operator token (a tenant
        without the key API), or a key made by hand, which the key API does not know by id."""
        return not self.opts.operator_token or hand_made(self._need_journal().old_key_id)

    async def _old_refused(self) -> bool:
        from gtwizard.lifecycle.revoke import secret_live

        assert self._old
        return await secret_live(self.host.gt_base, self._old, ca_bundle=self.ca_bundle) is False

    async def _step_promote(self) -> str:
        from gtwizard.lifecycle.journal import parse_time
        from gtwizard.profiles import get_profile
        from gtwizard.secrets import key_entry

        journal = self._need_journal()
        assert journal.new_key_id
        profile = get_profile(journal.profile)  # fresh: keep anything changed meanwhile
        profile.key_id = journal.new_key_id
        profile.key_created_at = parse_time(journal.new_key_created_at) or dt.datetime.now(dt.UTC)
        profile.key_expires_at = parse_time(journal.new_key_expires_at)
        profile.last_rotated_at = _now()
        profile.key_prefix = journal.new_key_prefix or None
        profile.key_name = journal.new_key_name or None
        written = await write_off_loop(_save_promoted, profile)
        await write_off_loop(self._ledger, KeyState.ACTIVE)
        notes = [f"profile now uses {journal.new_key}"]
        if journal.old_key_id and journal.old_key_id != journal.new_key_id:
            entry = key_entry(journal.profile, journal.old_key_id)
            stores = [self.store]
            try:
                stores += await asyncio.to_thread(_old_store, journal, profile)
            except GtwizardError as exc:
                where = journal.old_storage_location or journal.old_storage_kind
                notes.append(f"the old key's copy in {where} was not reached: {exc.one_line()}")
            for store in stores:
                where = "storage" if store is self.store else store.location
                try:
                    if await asyncio.to_thread(store.delete, entry):
                        notes.append(f"old key {journal.old_key} deleted from {where}")
                except GtwizardError as exc:
                    notes.append(f"old stored entry in {where} not deleted: {exc.one_line()}")
        if written:
            notes.append(f"runbook {written} rewritten")
        self.profile = profile
        return "; ".join(notes)


def _save_promoted(profile: Profile) -> Path | None:
    """Save the promoted profile, with its exported runbook rewritten first (one config write)."""
    from gtwizard.profiles import save_profile
    from gtwizard.runbook import refresh_if_exported

    written = refresh_if_exported(profile)
    save_profile(profile)
    return written
