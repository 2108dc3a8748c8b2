"""Key rotation with no downtime, as a journaled state machine.

Steps, in order: preflight -> mint -> store-pending -> apply -> verify -> revoke-old -> promote.
The rules behind the order (DESIGN §6b): the old key is revoked only after the new one has been
proven where the client uses it (through Open WebUI, as an ordinary user); where that cannot be
proven (an env-file target with no Open WebUI URL), the rotation stops in the visible state
`waiting` with both keys live, and `gtwizard rotate --finish` proves and revokes later (or, with
`--revoke-without-proof`, revokes on the operator's word). The target never keeps a revoked key:
an undo first puts the old key back into the target, then revokes the new one.

The journal and the key ledger (gtwizard.lifecycle) are written after every step, before the
mint request and before every revocation (gtwizard.lifecycle.revoke); neither ever holds a secret.
`--resume` re-reads the secrets (old key from the store or the target, the pending key from the
store) and reads which key the target holds by its id or prefix, never by assuming; every step is
safe to run twice. `--abort` undoes, unless the old key's revocation was begun and the tenant does
not say it is still live: then only the way forward is left. A per-profile lock keeps a second run
out. With storage "none" the new key exists only in memory until it is applied.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gtwizard import audit
from gtwizard.errors import GtwizardError, InvalidInput, OperationFailed
from gtwizard.keyrun.engine import Step, advance
from gtwizard.lifecycle.journal import (
    CRASH_HOOK_ENV,
    DONE,
    ROLLED_BACK,
    RUNNING,
    WAITING,
    Journal,
    crash_point,
    journal_path,
)
from gtwizard.lifecycle.ledger import KeyState, Ledger
from gtwizard.lifecycle.lock import profile_lock
from gtwizard.lifecycle.target import NEW, OLD, UNKNOWN, KeyMarks, hand_made, identify
from gtwizard.redact import redact
from gtwizard.targets.base import ClientTarget, NoTarget, ProofRequest, ProofUnavailable

if TYPE_CHECKING:
    from gtwizard.lifecycle.revoke import Intent
    from gtwizard.profiles import Profile
    from gtwizard.secrets import SecretStore
    from gtwizard.setup.keys import KeyChoice

__all__ = [
    "CRASH_HOOK_ENV",
    "DONE",
    "ROLLED_BACK",
    "RUNNING",
    "STEPS",
    "WAITING",
    "ClientOnNewKey",
    "Journal",
    "ProofUnavailable",
    "Rotation",
    "RotationOptions",
    "journal_path",
]

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


# ---- the state machine ----------------------------------------------------------------------------


class Rotation:
    """One rotation run; `await Rotation(options).run()` returns the result dict or raises."""

    def __init__(self, options: RotationOptions) -> None:
        self.opts = options
        self.journal: Journal | None = None
        self.reports: dict[str, StepReport] = {s: StepReport(s, "pending") for s in STEPS}
        self.extra_reports: list[StepReport] = []
        self._old: str | None = None
        self._new: str | None = None
        self._target_key: str | None = None
        self._owui_url: str | None = None
        self.target: ClientTarget = NoTarget()  # the profile's, once loaded
        self._owui_token: str | None = None
        self.waiting = False

    # ---- loading --------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.opts.say(redact(text, self._secrets()))

    def _secrets(self) -> list[str]:
        found = [
            self._old,
            self._new,
            self._target_key,
            self.opts.operator_token,
            self._owui_token,
            self.opts.pasted_key,
        ]
        return [s.strip() for s in found if s and s.strip()]

    async def _load(self) -> None:
        """Profile, catalog, host, store, and the secrets the steps need (not a step itself)."""
        from gtwizard.checks.load import context_for_profile
        from gtwizard.presets.catalog import load_catalog
        from gtwizard.profiles import get_profile
        from gtwizard.secrets import key_entry
        from gtwizard.tenant import parse_host

        self.profile = get_profile(self.opts.profile)
        self.catalog = load_catalog()
        self.host = parse_host(self.profile.tenant_host)
        ca = self.profile.ca_bundle
        self.ca_bundle = ca if isinstance(ca, str) and ca else None
        self.store = await asyncio.to_thread(_profile_store, self.profile)
        ctx = await context_for_profile(
            self.profile,
            self.catalog,
            timeout=self.opts.timeout,
            openwebui_token=self.opts.openwebui_token,
        )
        self._owui_url, self._owui_token = ctx.openwebui_url, ctx.openwebui_token
        if self.opts.openwebui_url:
            from gtwizard.proofchannel import same_place

            if not (ctx.openwebui_url and same_place(ctx.openwebui_url, self.opts.openwebui_url)):
                self._owui_token = None  # a kept credential stays with its own Open WebUI
            self._owui_url = self.opts.openwebui_url
        if self.opts.openwebui_token:
            self._owui_token = self.opts.openwebui_token
        from gtwizard.targets.registry import for_profile

        self.target = for_profile(
            self.profile, proof_url=self._owui_url, credential=self._owui_token
        )
        self._target_key = await self._read_target()
        old_id = self.journal.old_key_id if self.journal is not None else self.profile.key_id
        stored = await self._get(key_entry(self.profile.name, old_id)) if old_id else None
        old_marks = self._marks()[0]
        in_target = self._target_key
        if self.journal is None and not (old_marks.prefix or hand_made(old_marks.key_id)):
            self._old = stored or in_target  # nothing in progress: the target holds the current key
        else:
            self._old = stored or (in_target if self._holds_old(in_target) else None)
        if not self.opts.operator_token and self.profile.operator_token_kept:
            from gtwizard.secrets import operator_entry

            self.opts.operator_token = await self._get(operator_entry(self.profile.name))

    async def _get(self, entry: str) -> str | None:
        try:
            return await asyncio.to_thread(self.store.get, entry)
        except GtwizardError:
            return None

    async def _read_target(self) -> str | None:
        """The key the client's configuration holds right now (None when it cannot be read)."""
        try:
            return await self.target.read_key(self.openai_base, ca_bundle=self.ca_bundle)
        except GtwizardError:
            return None

    def _marks(self) -> tuple[KeyMarks, KeyMarks]:
        journal = self.journal
        old_prefix = self.profile.key_prefix
        if journal is not None and journal.old_key_prefix:
            old_prefix = journal.old_key_prefix
        if not isinstance(old_prefix, str) or not old_prefix:
            entry = Ledger.load(self.profile.name).find(key_id=self.profile.key_id)
            old_prefix = entry.prefix if entry else None
        old = KeyMarks(journal.old_key_id if journal else self.profile.key_id, old_prefix)
        new = KeyMarks(
            journal.new_key_id if journal else None, journal.new_key_prefix if journal else None
        )
        return old, new

    def _holds_old(self, secret: str | None) -> bool:
        return identify(secret, *self._marks()) == OLD

    def _target_holds(self) -> str:
        """OLD, NEW, UNKNOWN or NOTHING for the target as read at load time."""
        if self._old and self._target_key == self._old:
            return OLD
        if self._new and self._target_key == self._new:
            return NEW
        return identify(self._target_key, *self._marks())

    @property
    def openai_base(self) -> str:
        return (self.profile.openai_base or self.host.openai_base_v1).rstrip("/")

    @property
    def allow_http(self) -> bool:
        """Plain http to a non-loopback Open WebUI, as the operator allowed at setup."""
        return self.profile.allow_http_openwebui is True

    @property
    def owui_known(self) -> bool:
        """A proof from the product's side can run now (gtwizard.targets.base.ClientTarget)."""
        return self.target.can_prove

    def _choice(self) -> KeyChoice:
        from gtwizard.setup.keys import KeyChoice

        embed = self.profile.embedding_model
        return KeyChoice(
            preset=self.catalog.key_preset(self.profile.key_preset),
            scopes=tuple(self.profile.scopes),
            agent_aliases=tuple(self.profile.agent_aliases),
            raw_models=tuple(self.profile.raw_models),
            embeddings=self.profile.embeddings,
            embedding_model=embed if isinstance(embed, str) and embed else None,
        )

    def _need_journal(self) -> Journal:
        assert self.journal is not None
        return self.journal

    def _ledger(self, state: KeyState) -> None:
        journal = self._need_journal()
        if not (journal.new_key_name or journal.new_key_id):
            return
        Ledger.load(journal.profile).record(
            state,
            name=journal.new_key_name or journal.new_key_id or "",
            operation=journal.operation,
            key_id=journal.new_key_id,
            prefix=journal.new_key_prefix,
        )

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
        journal.waiting_for = waiting_for or (
            f"{product} to use the new key from {self.profile.target_place}: restart it, then "
            f"finish the rotation (with {product}'s URL and an admin credential it is proven as "
            "a user)"
            if self.target.restart_step(self.profile) is not None
            else f"the new key to be proven in {product}: finish the rotation"
        )
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

    def remaining(self) -> list[str]:
        """What the operator still has to do when the rotation waits (for the CLI and TUI)."""
        from gtwizard.proofchannel import profile_proof_command

        journal = self._need_journal()
        p = f"--profile {journal.profile}"
        restart = self.target.restart_step(self.profile)
        prove = profile_proof_command(self.profile, f"gtwizard rotate --finish {p}")
        first = (
            [f"{restart.title[0].lower()}{restart.title[1:]} ({'; '.join(restart.commands)})"]
            if restart is not None
            else []
        )
        return [
            *first,
            f"prove and revoke: {prove}",
            f"or, without a proof: gtwizard rotate --finish {p} --revoke-without-proof "
            f"(if {self.target.product} still uses the old key, its chats fail until it restarts)",
            f"or undo: gtwizard rotate --abort {p}",
        ]

    def remaining_commands(self) -> list[str]:
        """The commands that resolve this run's journal, when it is left open."""
        journal = self.journal
        return journal.next_commands() if journal is not None and journal.open else []

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

    async def _reload_pending(self) -> None:
        """On resume: which key the target holds, the pending key from the store, or roll back."""
        from gtwizard.secrets import key_entry

        journal = self._need_journal()
        if journal.new_key_id is None:
            await self._revoke_orphan()
            return
        holds = self._target_holds()
        if journal.storage_kind == "none":
            self._new = self._target_key if holds == NEW else None
        else:
            self._new = await self._get(key_entry(journal.profile, journal.new_key_id))
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

    async def _revoke_orphan(self) -> None:
        """A crash during minting may leave a key we never saw: find it by name and revoke it."""
        journal = self._need_journal()
        if not journal.new_key_name:
            return
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
        Ledger.load(journal.profile).record(
            KeyState.REVOKED, name=journal.new_key_name, operation=journal.operation
        )
        journal.new_key_name = None
        journal.steps = [e for e in journal.steps if e["step"] == "preflight"]
        journal.save()

    def _new_key_intent(self, key_id: str, site: str, detail: str) -> Intent:
        """A revocation of this run's new key (or a key its interrupted mint made)."""
        from gtwizard.keyrun.undo import new_key_intent

        return new_key_intent(self._need_journal(), key_id, site, detail)

    # ---- steps ----------------------------------------------------------------------------

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
        store = await self._prove_store() if journal.new_key_id is None else ""
        if journal.new_key_id is not None:  # resumed or finished: the new key exists already
            how = f"continue with the new key {journal.new_key}"
        else:
            how = "mint automatically" if journal.mode == "auto" else "use the pasted key"
            if journal.mode == "manual" and self._revokes_by_hand():
                how += f" (the old key {journal.old_key} is then revoked by hand at /gt-api)"
        return f"current key {journal.old_key} readable; will {how}; {where}{store}"

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
            self._ledger(KeyState.MINTED)
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
        self._ledger(KeyState.STORED)
        audit.record("store", profile=journal.profile, key_id=journal.new_key_id, detail="pending")
        return f"pending key {journal.new_key} stored in {self.store.location}"

    async def _step_apply(self) -> str:
        journal = self._need_journal()
        assert self._new
        where = await self._apply_key(self._new)
        crash_point("apply:written")
        self._ledger(KeyState.APPLIED)
        audit.record(
            "apply",
            profile=journal.profile,
            key_id=journal.new_key_id,
            target=self.profile.target_kind,
        )
        return where

    async def _apply_key(self, secret: str) -> str:
        """Put `secret` into the client's configuration (used for the new key and for undo)."""
        from gtwizard.targets.openwebui import connection_for

        connection = connection_for(self._choice(), self.openai_base, secret)
        applied = await self.target.apply(connection, ca_bundle=self.ca_bundle, plan=None)
        self._target_key = secret
        line, changed = self.target.describe(applied)
        if not self.target.reads_at_start:
            return line
        product = self.target.product
        restarted = self.owui_known
        if changed and secret == self._new:
            restarted = await self._await_restart(secret)
        return f"{line}; " + (
            f"{product} restarted with it"
            if restarted
            else f"{product} must restart to read it"
            + ("" if self.owui_known else f" (no {product} URL known to watch it)")
        )

    async def _await_restart(self, secret: str) -> bool:
        """The product reads the key at start only: guide the restart and watch for it through
        the proof channel. Not seen within the wait: the rotation waits (both keys live) for
        `--finish`, as it does without a channel: an unattended run cannot restart it."""
        restart = self.target.restart_step(self.profile)
        if restart is not None:
            self._say(f"{restart.title} ({'; '.join(restart.commands)}).")
        if not self.owui_known:
            return False
        try:
            await self._poll(lambda: self._holds(secret), "", "")
        except OperationFailed:
            self._say(
                f"{self.target.product} at {self.target.proof_url} has not read the new key "
                f"within {self.opts.poll_timeout:g} s: the old key stays valid until it does"
            )
            return False
        return True

    async def _holds(self, secret: str) -> bool:
        return await self.target.holds(secret, self.openai_base, ca_bundle=self.ca_bundle) is True

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
        proofs = [f"GT lists exactly the {len(choice.names)} allowlisted name(s)"]
        if choice.embeddings and choice.embedding_model:
            async with GTClient(self.host.gt_base, self._new, ca_bundle=self.ca_bundle) as gt:
                await gt.embeddings(choice.embedding_model, "gtwizard rotation check")
            proofs.append(f"embeddings with {choice.embedding_model} work")
        self._ledger(KeyState.VERIFIED)
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
            await self._prove_in_client()
        except ProofUnavailable as exc:
            if exc.operator_word:  # nothing here can prove it: --finish is the operator's word
                return f"revoking on the operator's word ({exc.message})"
            missing = exc.message
        else:  # pragma: no cover - a target that proves is one that says it can
            missing = "the proof channel is not known"
        prove = profile_proof_command(
            self.profile, f"gtwizard rotate --finish --profile {journal.profile}"
        )
        raise ProofUnavailable(
            missing,
            f"restart {product}, then {prove}; or --revoke-without-proof (its chats fail if it "
            "still uses the old key)",
        )

    async def _step_revoke_old(self) -> str:
        """The intent first (journal and ledger), then the revocation: from here on the old key
        may be gone, so this rotation can only go forward (`--abort` asks the tenant first)."""
        from gtwizard.lifecycle.revoke import Intent, record_done, record_intent, revoke_at

        journal = self._need_journal()
        old_id, old = journal.old_key_id or "", journal.old_key
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

    def _revokes_by_hand(self) -> bool:
        """The old key is deleted by the operator at /gt-api: no operator token (a tenant
        without the key API), or a key made by hand, which the key API does not know by id."""
        return not self.opts.operator_token or hand_made(self._need_journal().old_key_id)

    async def _old_refused(self) -> bool:
        from gtwizard.lifecycle.revoke import secret_live

        assert self._old
        return await secret_live(self.host.gt_base, self._old, ca_bundle=self.ca_bundle) is False

    async def _key_live(self, key_id: str | None, secret: str | None) -> bool | None:
        """Ask the tenant whether a key still works (see gtwizard.lifecycle.revoke.key_live)."""
        from gtwizard.lifecycle.revoke import key_live

        if not key_id:
            return None
        return await key_live(
            self.host.gt_base,
            key_id,
            operator_token=self.opts.operator_token,
            secret=secret,
            ca_bundle=self.ca_bundle,
        )

    async def _step_promote(self) -> str:
        from gtwizard.profiles import get_profile, save_profile
        from gtwizard.runbook import refresh_if_exported
        from gtwizard.secrets import key_entry
        from gtwizard.setup.session import parse_time

        journal = self._need_journal()
        assert journal.new_key_id
        profile = get_profile(journal.profile)  # fresh: keep anything changed meanwhile
        profile.key_id = journal.new_key_id
        profile.key_created_at = parse_time(journal.new_key_created_at) or dt.datetime.now(dt.UTC)
        profile.key_expires_at = parse_time(journal.new_key_expires_at)
        profile.last_rotated_at = _now()
        profile.key_prefix = journal.new_key_prefix or None
        profile.key_name = journal.new_key_name or None
        save_profile(profile)
        self._ledger(KeyState.ACTIVE)
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
        written = refresh_if_exported(profile)
        if written:
            notes.append(f"runbook {written} rewritten")
        self.profile = profile
        return "; ".join(notes)

    # ---- undo -----------------------------------------------------------------------------

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
        if journal.new_key_id is None:
            await self._revoke_orphan()
        await self._refuse_if_client_on_new()
        undo = await self._rollback()
        if undo.target_keeps_new:
            raise OperationFailed(
                f"cannot abort: the target holds the new key {journal.new_key} and the old "
                "key is unknown here, so it cannot be put back",
                f"finish instead: gtwizard rotate --resume --profile {journal.profile}",
            )
        self.extra_reports.append(StepReport("abort", "done", undo.say()))
        self._say(f"[abort] {undo.say()}")  # what is left to the operator, too (a key by hand)
        return self.result(ok=True)

    async def _old_still_live(self) -> None:
        """Before an abort puts the old key back: if its revocation was begun, the tenant must
        say it is still live (the DELETE never arrived); revoked, or no answer, refuses."""
        from gtwizard.lifecycle.revoke import Intent, cancel_intent

        journal = self._need_journal()
        old_id, old = journal.old_key_id, journal.old_key
        if not old_id or not journal.revoking(old_id):
            return
        live = await self._key_live(old_id, self._old)
        if live is not True:
            state = "is revoked" if live is False else "may be revoked (the tenant did not say)"
            raise InvalidInput(
                f"cannot abort: the old key {old} {state}, so it cannot be put back; this "
                "rotation can only be finished",
                f"finish it: {journal.next_commands()[0]}",
            )
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

    # ---- helpers --------------------------------------------------------------------------

    async def _poll(self, probe: Callable[[], Any], failure: str, hint: str) -> None:
        deadline = time.monotonic() + self.opts.poll_timeout
        while True:
            try:
                if await probe():
                    return
            except GtwizardError:
                pass
            if time.monotonic() >= deadline:
                raise OperationFailed(failure, hint)
            await asyncio.sleep(self.opts.poll_interval)

    def result(self, *, ok: bool, error: str | None = None, hint: str = "") -> dict[str, Any]:
        """The `--json` object: ids, steps, state and what remains; never a secret."""
        from gtwizard.lifecycle.journal import NOT_STARTED

        journal = self.journal
        out: dict[str, Any] = {
            "profile": self.opts.profile,
            "old_key_id": journal.old_key_id if journal else None,
            "new_key_id": journal.new_key_id if journal else None,
            "state": journal.state if journal else NOT_STARTED,  # refused before it began
            "complete": bool(journal and journal.state == DONE),
            "steps": [asdict(r) for r in [*self._step_states(), *self.extra_reports]],
            "ok": ok,
            "remaining": [],
        }
        if journal is not None and journal.state == WAITING:
            out["remaining"] = self.remaining()
        elif journal is not None and journal.open:
            out["remaining"] = journal.next_commands()
        if error:
            out["error"], out["hint"] = error, hint
        answer: dict[str, Any] = json.loads(redact(json.dumps(out), self._secrets()))
        return answer

    def _step_states(self) -> list[StepReport]:
        """Each step as it really stands; one this run did not touch as the journal has it."""
        from gtwizard.lifecycle.journal import step_state

        return [
            StepReport(r.name, *step_state(self.journal, r.name)) if r.status == "pending" else r
            for r in self.reports.values()
        ]


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
