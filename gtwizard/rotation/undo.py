"""The rotation's undo and resume: which key the target holds after an interruption, `--abort`,
and the rollback (the old key back in the target first, then the new one retracted)."""

from __future__ import annotations

from typing import Any

from gtwizard import audit
from gtwizard.errors import GtwizardError, InvalidInput, OperationFailed
from gtwizard.lifecycle.journal import (
    ROLLED_BACK,
)
from gtwizard.lifecycle.ledger import KeyState, Ledger
from gtwizard.lifecycle.target import NEW, OLD, UNKNOWN
from gtwizard.rotation.base import RotationBase
from gtwizard.rotation.model import CANNOT_TELL, ClientOnNewKey, StepReport, Undo, _now


class RotationUndo(RotationBase):
    """Resume (reload what an interrupted run left) and undo (abort, rollback)."""

    async def _reload_pending(self) -> None:
        """On resume: which key the target holds, the pending key from the store, or roll back."""
        from gtwizard.secrets import key_entry

        journal = self._need_journal()
        if journal.new_key_id is None:
            await self._revoke_orphan()
            return
        holds = self._target_holds()
        in_target = self._target_key if holds == NEW else None
        if journal.storage_kind == "none":
            self._new = in_target
        else:  # the stored copy, or the target's when the store lost it (the same key)
            self._new = await self._get(key_entry(journal.profile, journal.new_key_id)) or in_target
        if journal.new_key_going:
            await self._undo_begun()
        if holds == NEW and not journal.done("apply"):
            journal.mark("apply", "the target already held the new key (written before a crash)")
        elif holds == OLD and journal.done("apply") and not journal.done("revoke-old"):
            journal.steps = [e for e in journal.steps if e["step"] in ("preflight", "mint")]
            journal.steps += [{"step": "store-pending", "at": _now(), "detail": "re-read"}]
            journal.save()
        if self._new is None and not journal.done("apply"):
            if journal.storage_kind != "none":
                await self._forget_lost_key()
                return
            undo = await self._rollback()
            raise OperationFailed(
                "the interrupted rotation cannot be resumed (storage none: its new key was "
                "held only in memory)",
                f"rolled back: {undo.say()}; run gtwizard rotate --profile {journal.profile} again",
            )
        if self._new is None and not journal.done("promote"):
            raise OperationFailed(
                f"the new key {journal.new_key} cannot be read from {self.store.location} "
                "or the target",
                "make the store readable (see gtwizard check), then resume again",
            )

    async def _undo_begun(self) -> None:
        """An undo began revoking the new key before an interruption: the tenant decides. Still
        live (the DELETE never arrived): the rotation goes on. Gone: the undo is completed."""
        from gtwizard.lifecycle.revoke import cancel_intent

        journal = self._need_journal()
        new_id, new = journal.new_key_id or "", journal.new_key
        live = await self._key_live(new_id, self._new)
        if live is True:
            cancel_intent(self._new_key_intent(new_id, "rotate-undo", "rotation rollback"))
            return
        undo = await self._rollback()
        state = "is revoked" if live is False else "may be revoked (the tenant did not say)"
        raise OperationFailed(
            f"this rotation was being undone when it stopped and its new key {new} {state}: "
            "it cannot be resumed",
            f"{undo.say()}; run gtwizard rotate --profile {journal.profile} to rotate again",
        )

    async def _forget_lost_key(self) -> None:
        """Interrupted between minting and storing: that key is lost, so revoke it and mint again."""
        journal = self._need_journal()
        lost, label = journal.new_key_id, journal.new_key
        if journal.mode == "auto" and self.opts.operator_token and lost:
            from gtwizard.lifecycle.revoke import revoke_at

            intent = self._new_key_intent(lost, "rotate-lost", "rotation: lost")
            await revoke_at(
                self.host.gt_base, self.opts.operator_token, intent, ca_bundle=self.ca_bundle
            )
            self._say(f"the key {lost} was minted but never stored: revoked it; minting again")
        elif journal.mode == "auto" and lost:
            raise InvalidInput(
                f"the key {lost} was minted but never stored: it must be revoked first",
                "export GTWIZARD_OPERATOR_TOKEN and resume again",
            )
        elif lost:
            self._ledger(KeyState.FORGOTTEN)
            self._say(f"the pasted key {label} was never stored: it is taken from stdin again")
        journal.new_key_id = journal.new_key_name = journal.new_key_prefix = None
        journal.new_key_created_at = journal.new_key_expires_at = None
        journal.steps = [e for e in journal.steps if e["step"] == "preflight"]
        journal.save()

    async def _revoke_orphan(self) -> list[str]:
        """A crash during minting may leave a key we never saw: find it by name and revoke it.
        Returns what it revoked, in the operator's words."""
        journal = self._need_journal()
        revoked: list[str] = []
        if not journal.new_key_name:
            return revoked
        if not self.opts.operator_token:
            raise InvalidInput(
                "a mint was interrupted before its answer arrived: the key may exist on the tenant",
                "export GTWIZARD_OPERATOR_TOKEN so gtwizard can find it by name and revoke it",
            )
        from gtwizard.gt.keys import KeyManager
        from gtwizard.lifecycle.identity import lost_mint_matches
        from gtwizard.lifecycle.revoke import revoke

        async with KeyManager(
            self.host.gt_base, self.opts.operator_token, ca_bundle=self.ca_bundle
        ) as manager:
            keep = {journal.old_key_id, self.profile.key_id}
            for record in await manager.list_keys():
                named = lost_mint_matches(record.name, journal.new_key_name)
                ours = named and record.id not in keep
                if ours and not record.revoked:
                    intent = self._new_key_intent(
                        record.id, "rotate-orphan", "rotation: orphan from an interrupted mint"
                    )
                    await revoke(manager, intent)
                    revoked.append(f"revoked {record.id}, minted when the run was interrupted")
        Ledger.load(journal.profile).record(
            KeyState.REVOKED, name=journal.new_key_name, operation=journal.operation
        )
        journal.new_key_name = None
        journal.steps = [e for e in journal.steps if e["step"] == "preflight"]
        journal.save()
        return revoked

    async def _abort(self) -> dict[str, Any]:
        """`rotate --abort`: the old key back in the target, the new one revoked; refused while
        Open WebUI may run on the new key (see `_refuse_if_client_on_new`)."""
        journal = self._need_journal()
        if journal.operation == "setup" and journal.done("save"):
            raise InvalidInput(
                "the new setup is already saved: only its old key's retirement is left",
                f"finish it: gtwizard rotate --finish --profile {journal.profile}",
            )
        if journal.done("revoke-old"):
            raise InvalidInput(
                f"the old key {journal.old_key} is already revoked: this rotation can only be "
                "finished",
                f"run gtwizard rotate --resume --profile {journal.profile}",
            )
        await self._old_still_live()
        from gtwizard.secrets import key_entry

        if journal.new_key_id and journal.storage_kind != "none":
            self._new = await self._get(key_entry(journal.profile, journal.new_key_id))
        orphans = await self._revoke_orphan() if journal.new_key_id is None else []
        await self._refuse_if_client_on_new()
        undo = await self._rollback()
        if undo.target_keeps_new:
            raise OperationFailed(
                f"cannot abort: the target holds the new key {journal.new_key} and the old "
                "key is unknown here, so it cannot be put back",
                f"finish instead: {self._forward_command()}",
            )
        undo.lines[:0] = orphans
        self.extra_reports.append(StepReport("abort", "done", undo.say()))
        self._say(f"[abort] {undo.say()}")  # what is left to the operator, too (a key by hand)
        return self.result(ok=True)

    async def _old_still_live(self) -> None:
        """Before an abort puts the old key back, the tenant must still accept it. Its revocation
        begun by this run: only a tenant that says "live" (the DELETE never arrived) lets the
        abort go on. Otherwise a tenant that refuses the old key (revoked at /gt-api, expired)
        refuses the abort: undoing would leave the client on a dead key and revoke the live one."""
        from gtwizard.lifecycle.revoke import Intent, cancel_intent

        journal = self._need_journal()
        old_id, old = journal.old_key_id, journal.old_key
        if not old_id:
            return
        begun = journal.revoking(old_id)
        live = await self._key_live(old_id, self._old)
        if begun and live is not True:
            state = "is revoked" if live is False else "may be revoked (the tenant did not say)"
            raise InvalidInput(
                f"cannot abort: the old key {old} {state}, so it cannot be put back; this "
                "rotation can only be finished",
                f"finish it: {journal.next_commands()[0]}",
            )
        if live is False:
            raise InvalidInput(
                f"cannot abort: the tenant refuses the old key {old} (revoked or expired outside "
                "this rotation), so putting it back would leave the client on a dead key",
                f"finish the rotation instead: {self._forward_command()}",
            )
        if begun:
            cancel_intent(Intent(old_id, "revoke-old", journal.profile, journal))
            self._say(f"the old key {old} is still live (its revocation never arrived): aborting")

    async def _refuse_if_client_on_new(self) -> None:
        """An env file that holds the new key may have been read by an Open WebUI restarted
        since: undoing would write the old key back into the file (which that Open WebUI reads
        only at its next start) and revoke the key its chats use. So the abort first finds out
        which key Open WebUI runs on: through its URL and admin credential when known, else by
        asking the operator. Open WebUI on the new key, or no way to know: refused, and
        `--finish` is offered (the new key is live, verified by the tenant, and in use)."""
        journal = self._need_journal()
        if not self.target.reads_at_start or not journal.new_key_id:
            return
        self._target_key = await self._read_target()
        if self._target_holds() != NEW:
            return  # the file never gave the new key to Open WebUI (or holds the old one again)
        if await self._key_live(journal.new_key_id, self._new) is False:
            self._say(
                f"the tenant refuses the new key {journal.new_key}: nothing can be using it, so "
                "the old key goes back"
            )
            return
        place, p = self.profile.target_place, f"--profile {journal.profile}"
        product, url = self.target.product, self.target.proof_url
        uses = CANNOT_TELL
        if self.target.can_prove:
            try:
                uses = await self.client_key()
            except GtwizardError as exc:
                self._say(f"{product} at {url} did not say which key it uses: {exc.one_line()}")
            else:
                if uses not in (NEW, CANNOT_TELL):
                    self._say(f"{product} at {url} does not use the new key: aborting")
                    return
        if uses != NEW and self.opts.ask is not None:
            restarted = await self.opts.ask(
                f"Did you restart {product} since the new key was written to {place}?"
            )
            if not restarted:
                return
            uses = NEW
        forward = [c for c in journal.next_commands() if "--abort" not in c]
        finish = f"finish it instead: {forward[0] if forward else 'gtwizard rotate --finish ' + p}"
        if uses == NEW:
            raise ClientOnNewKey(
                f"cannot abort: {product} was restarted on the new key {journal.new_key}, so "
                "revoking it would break its chats (nothing was changed)",
                finish,
            )
        raise ClientOnNewKey(
            f"cannot abort: {place} holds the new key {journal.new_key}, and whether {product} "
            "was restarted on it is not known (nothing was changed)",
            f"{finish}; or abort on a terminal (it asks you), or with --openwebui-url URL and "
            "GTWIZARD_OPENWEBUI_TOKEN (it asks Open WebUI)",
        )

    async def client_key(self) -> str:
        """Which key the running product uses, as its target tells: NEW, OLD, UNKNOWN (another
        key) or CANNOT_TELL; raises when it cannot be asked."""
        answers = []
        for secret, which in ((self._new, NEW), (self._old, OLD)):
            if secret:
                holds = await self.target.holds(secret, self.openai_base, ca_bundle=self.ca_bundle)
                if holds:
                    return which
                answers.append(holds)
        return UNKNOWN if answers and None not in answers else CANNOT_TELL

    async def _rollback(self) -> Undo:
        """Old key back into the target, then the new key revoked, then its stored copy deleted.

        The new key is revoked only when the target is proven not to hold it (read back, by id or
        prefix), so no client is ever left on a revoked key.
        """
        journal = self._need_journal()
        undo = Undo()
        new_id = journal.new_key_id
        if new_id and self.target.applies:
            self._target_key = await self._read_target()
            holds = self._target_holds()
            if holds == NEW and self._old:
                try:
                    await self._apply_key(self._old)
                    undo.target_restored = True
                    undo.lines.append(f"the target holds the old key {journal.old_key} again")
                except GtwizardError as exc:
                    undo.target_keeps_new = True
                    undo.new_key_left = f"the old key could not be put back: {exc.one_line()}"
            elif holds == NEW:
                undo.target_keeps_new = True
                undo.new_key_left = "the old key is unknown here, so the target keeps the new key"
            else:
                undo.target_restored = holds == OLD
                undo.lines.append("the target was not changed" if holds == OLD else "")
        undo.lines = [line for line in undo.lines if line]
        if new_id and not undo.target_keeps_new:
            from gtwizard.keyrun.undo import retract_new_key

            retracted = await retract_new_key(
                journal,
                gt_base=self.host.gt_base,
                operator_token=self.opts.operator_token,
                store=self.store,
                console=self.host.gt_api_console,
                site="rotate-undo",
                detail="rotation rollback",
                ca_bundle=self.ca_bundle,
            )
            undo.new_key_revoked = retracted.revoked and journal.mode == "auto"
            undo.new_key_left = retracted.left
            undo.lines += [line for line in retracted.lines if line != retracted.left]
        if undo.new_key_left:
            undo.lines.append(undo.new_key_left)
        if not undo.target_keeps_new and not (undo.new_key_left and new_id):
            journal.state = ROLLED_BACK
        journal.rollback = list(undo.lines)
        journal.save()
        self.extra_reports.append(StepReport("rollback", "done", undo.say()))
        audit.record(
            "rotate-step",
            profile=journal.profile,
            key_id=new_id,
            outcome="failed",
            detail="rolled back: " + undo.say(),
        )
        return undo
