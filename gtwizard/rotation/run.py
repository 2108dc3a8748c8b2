"""A rotation run from start to end: the lock, the journal, and the one engine's advance over
the step table, with the gate that waits for the proof before the old key goes."""

from __future__ import annotations

from typing import Any

from gtwizard import audit
from gtwizard.errors import InvalidInput
from gtwizard.keyrun.engine import Step, advance
from gtwizard.lifecycle.journal import (
    DONE,
    WAITING,
    Journal,
)
from gtwizard.lifecycle.lock import profile_lock
from gtwizard.rotation.model import STEPS, StepReport
from gtwizard.rotation.steps import RotationSteps
from gtwizard.rotation.undo import RotationUndo


class Rotation(RotationSteps, RotationUndo):
    """One rotation run; `await Rotation(options).run()` returns the result dict or raises."""

    # ---- run ------------------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        """Start, resume, finish or abort, under the profile's lock."""
        command = "rotate --" + (
            "abort" if self.opts.abort else "finish" if self.opts.finish else "resume"
        )
        if not (self.opts.abort or self.opts.finish or self.opts.resume):
            command = "rotate"
        if self.opts.lock_held:
            return await self._run_locked()
        with profile_lock(self.opts.profile, f"gtwizard {command}"):
            return await self._run_locked()

    def _adoptable(self, journal: Journal) -> bool:
        """A setup's journal this run may continue: a re-setup retiring its old key."""
        if journal.operation == "rotate":
            return True
        if self.opts.abort and journal.old_key_id and not journal.done("save"):
            return True  # a re-setup cut short: the old profile is still the saved one
        if not (journal.old_key_id and journal.done("save")):
            return False
        return self.opts.adopt_setup or (
            self.opts.finish and (journal.state == WAITING or journal.old_key_going)
        )

    async def _run_locked(self) -> dict[str, Any]:
        existing = Journal.load(self.opts.profile)
        wanted = self.opts.abort or self.opts.finish or self.opts.resume or self.opts.adopt_setup
        if existing is not None and existing.open and not self._adoptable(existing):
            raise InvalidInput(
                f"profile {self.opts.profile!r}: {existing.summary()}",
                "resolve it first: " + " or ".join(existing.next_commands()),
            )
        if wanted:
            if existing is None or not existing.open:
                raise InvalidInput(
                    f"there is no rotation of profile {self.opts.profile!r} in progress",
                    f"start one with: gtwizard rotate --profile {self.opts.profile}",
                )
            self.journal = existing
        elif existing is not None and existing.open:
            raise InvalidInput(
                f"profile {self.opts.profile!r}: {existing.summary()}",
                "resolve it first: " + " or ".join(existing.next_commands()),
            )
        await self._load()
        if self.journal is None:
            self.journal = self._new_journal()
            self.journal.save()
        elif self.opts.abort:
            return await self._abort()
        else:
            await self._reload_pending()
        if self.journal.state == WAITING and not self.opts.finish:
            raise InvalidInput(
                f"profile {self.opts.profile!r}: {self.journal.summary()}",
                "resolve it: " + " or ".join(self.journal.next_commands()),
            )
        return await self._steps()

    def _step_table(self) -> list[Step]:
        """STEPS, each with the method that runs it (named, so its callers can be found)."""
        table = {
            "preflight": self._step_preflight,
            "mint": self._step_mint,
            "store-pending": self._step_store_pending,
            "apply": self._step_apply,
            "verify": self._step_verify,
            "revoke-old": self._step_revoke_old,
            "promote": self._step_promote,
        }
        # the preflight runs again on every resume: the world may have changed meanwhile
        return [Step(name, table[name], resumable=name != "preflight") for name in STEPS]

    async def _steps(self) -> dict[str, Any]:
        journal = self._need_journal()
        ran = await advance(
            self._step_table(),
            journal=journal,
            audit_event="rotate-step",
            on_step=self._on_step,
            gate=self._gate,
        )
        if not ran:
            return self.result(ok=True)  # waiting, both keys live (see `_gate`)
        journal.state = DONE
        journal.waiting_for = ""
        journal.save()
        return self.result(ok=True)

    def _on_step(self, step: str, status: str, detail: str) -> None:
        if status == "busy":
            self._say(f"[{step}] ...")
            return
        self.reports[step] = StepReport(step, status, detail)
        if status == "done":
            self._say(f"[{step}] {detail}")

    async def _gate(self, step: str) -> bool:
        """Proof before revoke: the old key goes only once the new one is proven in the client
        (or on the operator's word with --finish); until then the rotation waits."""
        journal = self._need_journal()
        if step != "revoke-old":
            return True
        if not self._may_revoke():
            if not self.opts.finish:
                self._wait()
                return False
            self._say("[proof] " + await self._step_finish_proof())
        if journal.mode == "manual" and self.opts.adopt_setup:
            self._wait(
                f"you to delete the old key {journal.old_key} at "
                f"{self.host.gt_api_console}; then run gtwizard rotate --finish "
                f"--profile {journal.profile}"
            )
            return False
        return True

    def _may_revoke(self) -> bool:
        """Proof before revoke: proven where the client uses it (or there is no client)."""
        journal = self._need_journal()
        if journal.revoking(journal.old_key_id):
            return True  # decided before an interruption (proven, or on the operator's word)
        return journal.done("proven-in-client") or not self.target.applies

    def _wait(self, waiting_for: str = "") -> dict[str, Any]:
        """Stop with both keys live until the new one can be proven where the product uses it."""
        journal = self._need_journal()
        product = self.target.product
        journal.state = WAITING
        waiting_for = waiting_for or self._waiting_for_proof()
        journal.waiting_for = waiting_for
        journal.save()
        self.waiting = True
        self.reports["revoke-old"] = StepReport(
            "revoke-old",
            "waiting",
            f"the old key {journal.old_key} stays valid until the new one is proven in {product}",
        )
        audit.record(
            "rotate-step", profile=journal.profile, key_id=journal.new_key_id, detail="waiting"
        )
        return self.result(ok=True)

    def _waiting_for_proof(self) -> str:
        """What a rotation waiting for the proof in the client waits for, in the operator's words."""
        product = self.target.product
        restarts = self.target.restart_step(self.profile) is not None
        if (restarts and self.target.proof_url is not None) or self.profile.for_openwebui:
            return (
                f"{product} to use the new key from {self.profile.target_place}: restart it, "
                f"then finish the rotation (with {product}'s URL and an admin credential it is "
                "proven as a user)"
            )
        if restarts:
            return (
                f"{product} to use the new key from {self.profile.target_place}: restart it, "
                "then finish the rotation (gtwizard rotate --finish --profile "
                f"{self._need_journal().profile})"
            )
        return f"the new key to be proven in {product}: finish the rotation"

    def _new_journal(self) -> Journal:
        mode = "auto" if self.opts.operator_token and not self.opts.pasted_key else "manual"
        old_prefix = self._marks()[0].prefix
        journal = Journal(
            profile=self.profile.name,
            old_key_id=self.profile.key_id,
            old_key_prefix=old_prefix,
            old_key_name=self.profile.key_name,
            mode=mode,
            storage_kind=self.profile.storage_kind,
            operation="rotate",
        )
        if self.profile.storage_kind == "none":
            journal.resumable = False
            journal.note = (
                "storage none: the new key is kept only in memory until it is applied, so an "
                "interruption before 'apply' cannot be resumed and is rolled back instead"
            )
        return journal
