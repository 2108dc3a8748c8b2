"""A rotation run's state: the profile, its target and store, the old and new secrets as read
at load time, and the helpers every part of the run shares (gtwizard.rotation.run drives it)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from gtwizard.errors import GtwizardError, OperationFailed
from gtwizard.lifecycle.journal import (
    DONE,
    WAITING,
    Journal,
)
from gtwizard.lifecycle.ledger import KeyState, Ledger
from gtwizard.lifecycle.target import NEW, OLD, KeyMarks, hand_made, identify
from gtwizard.redact import redact
from gtwizard.targets.base import ClientTarget, NoTarget

if TYPE_CHECKING:
    from gtwizard.lifecycle.revoke import Intent
    from gtwizard.setup.keys import KeyChoice

from gtwizard.rotation.model import (
    STEPS,
    RotationOptions,
    StepReport,
    Undo,
    _profile_store,
)


class RotationBase:
    """What the steps (rotation.steps) and the undo (rotation.undo) share."""

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
        self._new_checked = False  # the tenant accepted the new key in this process

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

    def _new_key_intent(self, key_id: str, site: str, detail: str) -> Intent:
        """A revocation of this run's new key (or a key its interrupted mint made)."""
        from gtwizard.keyrun.undo import new_key_intent

        return new_key_intent(self._need_journal(), key_id, site, detail)

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

    def remaining(self) -> list[str]:
        """What the operator still has to do when the rotation waits (for the CLI and TUI)."""
        from gtwizard.proofchannel import profile_proof_command

        journal = self._need_journal()
        p = f"--profile {journal.profile}"
        restart = self.target.restart_step(self.profile)
        prove = f"gtwizard rotate --finish {p}"
        if self.profile.for_openwebui:  # its proof channel: URL and admin credential
            prove = profile_proof_command(self.profile, prove)
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

    def _forward_command(self) -> str:
        """The command that carries this rotation forward (finish or resume), never its undo."""
        journal = self._need_journal()
        forward = [c for c in journal.next_commands() if "--abort" not in c]
        return forward[0] if forward else f"gtwizard rotate --finish --profile {journal.profile}"

    def remaining_commands(self) -> list[str]:
        """The commands that resolve this run's journal, when it is left open."""
        journal = self.journal
        return journal.next_commands() if journal is not None and journal.open else []

    async def _rollback(self) -> Undo:
        """The undo (gtwizard.rotation.undo.RotationUndo._rollback)."""
        raise NotImplementedError
