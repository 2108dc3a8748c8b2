"""Key rotation with no downtime, as a journaled state machine.

Steps, in order: preflight -> mint -> store-pending -> apply -> verify -> revoke-old -> promote.
The rule behind the order: the old key is never revoked before the new one has been verified where
the client uses it, and the target never keeps a revoked key at rest (a failed verification first
puts the old key back into the target, then revokes the new one).

After every step the journal (state dir, journal/<profile>.json) is rewritten atomically with the
step name, the key ids and times: never a secret (a guard refuses to write one). `--resume` re-reads
the secrets (old key from the store or the target, the pending key from the store) and continues
after the last completed step; every step is safe to run twice, so a crash in the middle of one
just repeats it. With storage "none" the new key exists only in memory until it is applied: an
interrupted rotation before that point is rolled back instead (the journal says so).

Test hook: when GTWIZARD_TEST_CRASH_AFTER names a step, the process kills itself with SIGKILL
right after journaling that step. Nothing sets it outside the crash tests.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gtwizard import audit
from gtwizard.errors import GtwizardError, InvalidInput, OperationFailed
from gtwizard.fileio import atomic_write
from gtwizard.paths import ensure_private_dir, state_dir
from gtwizard.redact import redact

STEPS: tuple[str, ...] = (
    "preflight",
    "mint",
    "store-pending",
    "apply",
    "verify",
    "revoke-old",
    "promote",
)
CRASH_HOOK_ENV = "GTWIZARD_TEST_CRASH_AFTER"
RUNNING, DONE, ROLLED_BACK = "running", "done", "rolled-back"
CHAT_PROMPT = "gtwizard rotation check: reply with one short sentence."


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def journal_path(profile: str) -> Path:
    return state_dir() / "journal" / f"{profile}.json"


# ---- the journal -------------------------------------------------------------------------------


@dataclass
class Journal:
    """What a rotation has done so far; enough to resume or roll back, and never a secret."""

    profile: str
    old_key_id: str
    mode: str  # "auto" (minted with the operator token) or "manual" (a pasted key)
    storage_kind: str
    started_at: str = field(default_factory=_now)
    state: str = RUNNING
    new_key_id: str | None = None
    new_key_name: str | None = None
    new_key_created_at: str | None = None
    new_key_expires_at: str | None = None
    resumable: bool = True
    note: str = ""
    steps: list[dict[str, str]] = field(default_factory=list)
    rollback: list[str] = field(default_factory=list)

    def done(self, step: str) -> bool:
        return any(entry["step"] == step for entry in self.steps)

    @property
    def last_step(self) -> str | None:
        return self.steps[-1]["step"] if self.steps else None

    def save(self) -> Path:
        """Write atomically; refuse anything shaped like a secret (a caller's bug, not data)."""
        text = json.dumps(asdict(self), indent=2) + "\n"
        if redact(text) != text:
            raise OperationFailed(
                "refusing to write the rotation journal: it would contain a secret",
                "this is a gtwizard bug; please report it",
            )
        path = journal_path(self.profile)
        ensure_private_dir(path.parent)
        atomic_write(path, text.encode("utf-8"), mode=0o600, backup=False)
        return path

    def mark(self, step: str, detail: str = "") -> None:
        """Record a completed step, save, and honour the crash test hook."""
        if not self.done(step):
            self.steps.append({"step": step, "at": _now(), "detail": detail})
        self.save()
        if os.environ.get(CRASH_HOOK_ENV) == step:
            os.kill(os.getpid(), signal.SIGKILL)

    @classmethod
    def load(cls, profile: str) -> Journal | None:
        path = journal_path(profile)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError) as exc:
            raise OperationFailed(
                f"the rotation journal {path} is unreadable ({type(exc).__name__})",
                "move it away; then check the tenant's key list for a key gtwizard minted",
            ) from None


# ---- options and the report ---------------------------------------------------------------------


@dataclass
class RotationOptions:
    """How to run: secrets come from the caller (stdin, environment), never from argv."""

    profile: str
    resume: bool = False
    pasted_key: str | None = field(default=None, repr=False)
    operator_token: str | None = field(default=None, repr=False)
    say: Callable[[str], None] = lambda text: None
    wait_for_restart: Callable[[str], None] | None = None  # env file without a URL: ask and wait
    poll_interval: float = 2.0
    poll_timeout: float = 600.0
    timeout: float = 30.0


@dataclass
class StepReport:
    name: str
    status: str  # done | resumed | failed | skipped | pending | rolled-back
    detail: str = ""


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
        self._owui_url: str | None = None
        self._owui_token: str | None = None

    # ---- loading --------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.opts.say(redact(text, self._secrets()))

    def _secrets(self) -> list[str]:
        found = [self._old, self._new, self.opts.operator_token, self._owui_token]
        return [s for s in found if s]

    async def _load(self) -> None:
        """Profile, catalog, host, store, and the secrets the steps need (not a step itself)."""
        from gtwizard.checks.load import context_for_profile
        from gtwizard.presets.catalog import load_catalog
        from gtwizard.profiles import get_profile
        from gtwizard.tenant import parse_host

        self.profile = get_profile(self.opts.profile)
        self.catalog = load_catalog()
        self.host = parse_host(self.profile.tenant_host)
        ca = self.profile.extra.get("ca_bundle")
        self.ca_bundle = ca if isinstance(ca, str) and ca else None
        self.store = _profile_store(self.profile)
        ctx = await context_for_profile(self.profile, self.catalog, timeout=self.opts.timeout)
        self._owui_url, self._owui_token = ctx.openwebui_url, ctx.openwebui_token
        self._target_key = ctx.api_key
        self._old = ctx.api_key
        if not self.opts.operator_token and self.profile.extra.get("operator_token_kept"):
            from gtwizard.secrets import operator_entry

            entry = operator_entry(self.profile.name)
            self.opts.operator_token = await asyncio.to_thread(self.store.get, entry)

    @property
    def openai_base(self) -> str:
        return (self.profile.openai_base or self.host.openai_base_v1).rstrip("/")

    @property
    def owui_known(self) -> bool:
        return bool(self._owui_url and self._owui_token)

    def _choice(self):  # KeyChoice
        from gtwizard.setup.keys import KeyChoice

        embed = self.profile.extra.get("embedding_model")
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

    # ---- run ------------------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        existing = Journal.load(self.opts.profile)
        if self.opts.resume:
            if existing is None or existing.state != RUNNING:
                raise InvalidInput(
                    f"there is no interrupted rotation of profile {self.opts.profile!r} to resume",
                    "start one with: gtwizard rotate (without --resume)",
                )
            self.journal = existing
        elif existing is not None and existing.state == RUNNING:
            raise InvalidInput(
                f"a rotation of profile {self.opts.profile!r} was interrupted after step "
                f"{existing.last_step or 'start'} (key {existing.new_key_id or 'not minted yet'})",
                "finish it with: gtwizard rotate --resume",
            )
        await self._load()
        if self.journal is None:
            self.journal = self._new_journal()
        else:
            await self._reload_pending()
        journal = self.journal
        for step in STEPS:
            if journal.done(step) and step != "preflight":
                self.reports[step] = StepReport(step, "resumed", "done before the interruption")
                continue
            self._say(f"[{step}] ...")
            try:
                detail = await getattr(self, "_step_" + step.replace("-", "_"))()
            except GtwizardError as exc:
                self.reports[step] = StepReport(step, "failed", exc.one_line())
                audit.record(
                    "rotate-step",
                    profile=journal.profile,
                    key_id=journal.new_key_id,
                    outcome="failed",
                    detail=f"{step}: {exc.one_line()}",
                )
                raise
            self.reports[step] = StepReport(step, "done", detail)
            audit.record(
                "rotate-step", profile=journal.profile, key_id=journal.new_key_id, detail=step
            )
            self._say(f"[{step}] {detail}")
            journal.mark(step, detail)
        journal.state = DONE
        journal.save()
        return self.result(ok=True)

    def _new_journal(self) -> Journal:
        mode = "auto" if self.opts.operator_token and not self.opts.pasted_key else "manual"
        journal = Journal(
            profile=self.profile.name,
            old_key_id=self.profile.key_id,
            mode=mode,
            storage_kind=self.profile.storage_kind,
        )
        if self.profile.storage_kind == "none":
            journal.resumable = False
            journal.note = (
                "storage none: the new key is kept only in memory until it is applied, so an "
                "interruption before 'apply' cannot be resumed and is rolled back instead"
            )
        return journal

    async def _reload_pending(self) -> None:
        """On resume: the pending key from the store (or the target), or roll back."""
        from gtwizard.secrets import key_entry

        journal = self._need_journal()
        if journal.new_key_id is None:
            await self._revoke_orphan()
            return
        if journal.storage_kind == "none":
            # the target is the only copy of whichever key it holds
            self._new = self._target_key if journal.done("apply") else None
            self._old = None if journal.done("apply") else self._target_key
        else:
            self._new = self.store.get(key_entry(journal.profile, journal.new_key_id))
            if self._old == self._new:
                self._old = self.store.get(key_entry(journal.profile, journal.old_key_id))
        if self._new is None and journal.storage_kind != "none" and not journal.done("apply"):
            await self._forget_lost_key()
            return
        if self._new is None:
            reason = (
                journal.note
                or f"the pending key {journal.new_key_id} is no longer in {self.store.location}"
            )
            done = await self._rollback()
            raise OperationFailed(
                f"the interrupted rotation cannot be resumed ({reason})",
                "rolled back: "
                + ("; ".join(done) or "nothing to undo")
                + "; run gtwizard rotate again",
            )

    async def _forget_lost_key(self) -> None:
        """Interrupted between minting and storing: that key is lost, so revoke it and mint again."""
        journal = self._need_journal()
        lost = journal.new_key_id
        if journal.mode == "auto" and self.opts.operator_token and lost:
            from gtwizard.setup.keys import revoke_key

            await revoke_key(self.host, self.opts.operator_token, lost, ca_bundle=self.ca_bundle)
            audit.record("revoke", profile=journal.profile, key_id=lost, detail="rotation: lost")
            self._say(f"the key {lost} was minted but never stored: revoked it; minting again")
        elif lost:
            self._say(f"the pasted key {lost} was never stored: it is taken from stdin again")
        journal.new_key_id = journal.new_key_name = None
        journal.new_key_created_at = journal.new_key_expires_at = None
        journal.steps = [e for e in journal.steps if e["step"] == "preflight"]
        journal.save()

    async def _revoke_orphan(self) -> None:
        """A crash during minting may leave a key we never saw: find it by name and revoke it."""
        journal = self._need_journal()
        if not (journal.new_key_name and self.opts.operator_token):
            return
        from gtwizard.gt.keys import KeyManager

        async with KeyManager(
            self.host.gt_base, self.opts.operator_token, ca_bundle=self.ca_bundle
        ) as manager:
            for record in await manager.list_keys():
                if record.name == journal.new_key_name and not record.revoked:
                    await manager.revoke(record.id)
                    audit.record(
                        "revoke",
                        profile=journal.profile,
                        key_id=record.id,
                        detail="rotation: orphan from an interrupted mint",
                    )
        journal.new_key_name = None
        journal.save()

    # ---- steps ----------------------------------------------------------------------------

    async def _step_preflight(self) -> str:
        journal = self._need_journal()
        if not journal.done("apply") and not self._old:
            raise OperationFailed(
                f"the current key {self.profile.key_id} cannot be read from "
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
            raise InvalidInput(
                "a new key is needed",
                "export GTWIZARD_OPERATOR_TOKEN to mint one, or make it at "
                f"{self.host.gt_api_console} and pass it with --key-stdin",
            )
        where = await self._check_target()
        how = "mint automatically" if journal.mode == "auto" else "use the pasted key"
        return f"current key {journal.old_key_id} readable; will {how}; {where}"

    async def _check_target(self) -> str:
        kind = self.profile.target_kind
        if kind == "admin-api":
            if not self._owui_token:
                raise InvalidInput(
                    "the admin-API target needs an Open WebUI admin credential",
                    "export GTWIZARD_OPENWEBUI_TOKEN (admin API key or JWT)",
                )
            from gtwizard.openwebui.admin import OpenWebUIAdmin

            async with OpenWebUIAdmin(
                self._owui_url or "", self._owui_token, ca_bundle=self.ca_bundle
            ) as admin:
                await admin.require_admin()
            return f"Open WebUI admin API at {self._owui_url} reachable as admin"
        if kind == "env-file":
            path = Path(self.profile.target_place)
            writable = path if path.exists() else path.parent
            if not os.access(writable, os.W_OK):
                raise OperationFailed(f"{path} is not writable", "run as the file's owner")
            return f"env file {path} writable"
        return "no client target: the key is only stored"

    async def _step_mint(self) -> str:
        from gtwizard.setup.keys import (
            check_key_form,
            fingerprint_id,
            key_name,
            mint_key,
            verify_key,
        )

        journal, choice = self._need_journal(), self._choice()
        if journal.mode == "manual":
            secret = check_key_form(self.opts.pasted_key or "")
            if secret == self._old:
                raise InvalidInput(
                    "the pasted key is the current key", "make a new key, then paste that one"
                )
            await verify_key(self.host, secret, choice.names, ca_bundle=self.ca_bundle)
            self._new = secret
            journal.new_key_id = fingerprint_id(secret)
            journal.new_key_created_at = _now()
            return f"pasted key {journal.new_key_id} accepted (it sees exactly the allowlist)"
        assert self.opts.operator_token
        journal.new_key_name = key_name(self.profile.name, self.profile.product_preset)
        journal.save()  # the intent first: a crash mid-mint leaves a key we can find by name
        expires = None
        p = self.profile
        if p.key_expires_at and p.key_created_at:
            expires = dt.datetime.now(dt.UTC) + (p.key_expires_at - p.key_created_at)
        minted = await mint_key(
            self.host,
            self.opts.operator_token,
            choice,
            name=journal.new_key_name,
            expires_at=expires,
            ca_bundle=self.ca_bundle,
        )
        self._new = minted.secret
        journal.new_key_id = minted.id
        journal.new_key_created_at = minted.created_at or _now()
        journal.new_key_expires_at = minted.expires_at
        audit.record("mint", profile=p.name, key_id=minted.id, scopes=list(choice.scopes))
        return f"minted {minted.id} with preset {p.key_preset}, scopes {', '.join(p.scopes)}"

    async def _step_store_pending(self) -> str:
        from gtwizard.secrets import key_entry

        journal = self._need_journal()
        assert self._new and journal.new_key_id
        self.store.put(key_entry(journal.profile, journal.new_key_id), self._new)
        if self.profile.storage_kind == "none":
            return "storage none: the new key is kept in memory only until it is applied"
        audit.record("store", profile=journal.profile, key_id=journal.new_key_id, detail="pending")
        return f"pending key {journal.new_key_id} stored in {self.store.location}"

    async def _step_apply(self) -> str:
        journal = self._need_journal()
        assert self._new
        where = await self._apply_key(self._new)
        audit.record(
            "apply",
            profile=journal.profile,
            key_id=journal.new_key_id,
            target=self.profile.target_kind,
        )
        return where

    async def _apply_key(self, secret: str) -> str:
        """Put `secret` into the client's configuration (used for the new key and for rollback)."""
        from gtwizard.setup.targets import (
            AdminApiTarget,
            EnvFileTarget,
            apply_admin,
            apply_env,
            connection_for,
            plan_env,
        )

        connection = connection_for(self._choice(), self.openai_base, secret)
        kind = self.profile.target_kind
        if kind == "admin-api":
            assert self._owui_url and self._owui_token
            # the models' access grants stay as setup made them: rewriting them while users
            # chat opens a window in which Open WebUI rebuilds its model list without them
            target = AdminApiTarget(self._owui_url, self._owui_token, audience="none")
            await apply_admin(target, connection, ca_bundle=self.ca_bundle)
            return f"Open WebUI at {self._owui_url} now uses key …{secret[-4:]}"
        if kind == "env-file":
            dialect = str(self.profile.extra.get("env_dialect") or "docker")
            env_target = EnvFileTarget(Path(self.profile.target_place), dialect)
            result = apply_env(plan_env(env_target, connection))
            if result.changed:
                await self._await_restart(secret)
            return f"{result.message}; " + (
                "Open WebUI restarted with it"
                if self.owui_known
                else "verification is on the GT side only (no Open WebUI URL and credential)"
            )
        return "no client target"

    async def _await_restart(self, secret: str) -> None:
        """Env file: Open WebUI reads it at start only; guide the restart and watch for it."""
        self._say(
            f"Restart Open WebUI now so it reads {self.profile.target_place} "
            "(docker restart / docker compose up -d / systemctl restart)."
        )
        if self.owui_known:
            await self._poll(
                lambda: self._owui_holds(secret),
                f"Open WebUI at {self._owui_url} did not pick up the key from the env file",
                "restart it (with ENABLE_PERSISTENT_CONFIG=false, or change the key in its "
                "admin settings), then run gtwizard rotate --resume",
            )
        elif self.opts.wait_for_restart is not None:
            self.opts.wait_for_restart("Press Enter once Open WebUI has restarted")
        else:
            self._say("No Open WebUI URL is known: only the GT side can be verified.")

    async def _owui_holds(self, secret: str) -> bool:
        from gtwizard.openwebui.admin import OpenWebUIAdmin
        from gtwizard.openwebui.envfile import is_gt_entry

        async with OpenWebUIAdmin(
            self._owui_url or "", self._owui_token, ca_bundle=self.ca_bundle
        ) as admin:
            config = await admin.get_openai_config()
        for index, url in enumerate(config.urls):
            if is_gt_entry(url, self.openai_base):
                return index < len(config.keys) and config.keys[index] == secret
        return False

    async def _step_verify(self) -> str:
        try:
            return await self._verify_new()
        except GtwizardError as exc:
            done = await self._rollback()
            raise OperationFailed(
                f"the new key failed verification ({exc.message})",
                "rolled back: " + "; ".join(done) + ". The old key stays in use",
            ) from None

    async def _verify_new(self) -> str:
        from gtwizard.gt.client import GTClient
        from gtwizard.setup.keys import verify_key

        choice = self._choice()
        assert self._new
        await verify_key(self.host, self._new, choice.names, ca_bundle=self.ca_bundle)
        proofs = [f"GT lists exactly the {len(choice.names)} allowlisted name(s)"]
        if choice.embeddings and choice.embedding_model:
            async with GTClient(self.host.gt_base, self._new, ca_bundle=self.ca_bundle) as gt:
                await gt.embeddings(choice.embedding_model, "gtwizard rotation check")
            proofs.append(f"embeddings with {choice.embedding_model} work")
        if not self.owui_known:
            proofs.append("Open WebUI not checked (no URL and admin credential): GT side only")
            return "; ".join(proofs)
        if not await self._owui_holds(self._new):
            raise OperationFailed("Open WebUI's GT connection does not hold the new key")
        proofs.append(await self._chat_as_user())
        if choice.embeddings and self.profile.target_kind == "admin-api":
            proofs.append(await self._owui_embedding_key())
        return "; ".join(proofs)

    async def _chat_as_user(self) -> str:
        """A chat per model through Open WebUI as an ordinary (temporary) user: the client's view."""
        from gtwizard.checks.context import CheckContext, chat_models

        ctx = CheckContext(
            profile=self.profile,
            api_key=self._new,
            catalog=self.catalog,
            openwebui_url=self._owui_url,
            openwebui_token=self._owui_token,
            ca_bundle=self.ca_bundle,
            timeout=self.opts.timeout,
        )
        models = chat_models(self.profile)
        try:
            async with ctx.as_user() as user:
                for model in models:
                    answer = await user.chat(model, CHAT_PROMPT)
                    if not answer.text.strip():
                        raise OperationFailed(f"Open WebUI's chat with {model} came back empty")
        finally:
            await ctx.aclose()
        return f"an ordinary Open WebUI user chatted with {', '.join(models)}"

    async def _owui_embedding_key(self) -> str:
        from gtwizard.openwebui.admin import OpenWebUIAdmin

        async with OpenWebUIAdmin(
            self._owui_url or "", self._owui_token, ca_bundle=self.ca_bundle
        ) as admin:
            config = await admin.get_embedding_config()
        key = (config.get("openai_config") or {}).get("key")
        if key != self._new:
            raise OperationFailed("Open WebUI's embedding settings do not hold the new key")
        return "Open WebUI embeds with the new key"

    async def _step_revoke_old(self) -> str:
        journal = self._need_journal()
        old_id = journal.old_key_id
        auto = bool(self.opts.operator_token) and not old_id.startswith("manual-")
        if auto:
            from gtwizard.setup.keys import revoke_key

            assert self.opts.operator_token
            await revoke_key(self.host, self.opts.operator_token, old_id, ca_bundle=self.ca_bundle)
            how = f"revoked {old_id}"
        else:
            self._say(
                f"Now revoke the old key {old_id} at {self.host.gt_api_console}; "
                "waiting until the tenant refuses it (401)."
            )
            how = f"{old_id} revoked by the operator"
        audit.record("revoke", profile=journal.profile, key_id=old_id, detail="rotation")
        if self._old is None:
            return how + " (the old secret is unknown here, so the 401 was not probed)"
        await self._poll(
            self._old_refused,
            f"the old key {old_id} is still accepted by the tenant",
            f"revoke it at {self.host.gt_api_console}, then run gtwizard rotate --resume",
        )
        return how + "; the tenant now answers 401 to it"

    async def _old_refused(self) -> bool:
        from gtwizard.gt.client import GTClient
        from gtwizard.gt.errors import Unauthorized

        async with GTClient(
            self.host.gt_base, self._old, ca_bundle=self.ca_bundle, max_retries=0
        ) as gt:
            try:
                await gt.list_models()
            except Unauthorized:
                return True
            except GtwizardError:
                return False
        return False

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
        profile.extra["last_rotated_at"] = _now()
        save_profile(profile)
        notes = [f"profile now uses {journal.new_key_id}"]
        if journal.old_key_id != journal.new_key_id:
            try:
                if self.store.delete(key_entry(journal.profile, journal.old_key_id)):
                    notes.append(f"old key {journal.old_key_id} deleted from storage")
            except GtwizardError as exc:
                notes.append(f"old stored entry not deleted: {exc.one_line()}")
        written = refresh_if_exported(profile)
        if written:
            notes.append(f"runbook {written} rewritten")
        self.profile = profile
        return "; ".join(notes)

    # ---- undo -----------------------------------------------------------------------------

    async def _rollback(self) -> list[str]:
        """Old key back into the target, then the new key revoked, then its stored copy deleted."""
        from gtwizard.secrets import key_entry
        from gtwizard.setup.keys import revoke_key

        journal = self._need_journal()
        done: list[str] = []
        if journal.new_key_id:
            if self._old and self.profile.target_kind != "none":
                try:  # idempotent: an unchanged target is left alone
                    await self._apply_key(self._old)
                    done.append(f"the target holds the old key {journal.old_key_id} again")
                except GtwizardError as exc:
                    done.append(f"could NOT put the old key back: {exc.one_line()}")
            elif journal.done("apply"):
                done.append("the old key is unknown here, so the target keeps the new key")
        new_id = journal.new_key_id
        if new_id and not any("could NOT" in d or "keeps the new" in d for d in done):
            if journal.mode == "auto" and self.opts.operator_token:
                try:
                    await revoke_key(
                        self.host, self.opts.operator_token, new_id, ca_bundle=self.ca_bundle
                    )
                    audit.record(
                        "revoke", profile=journal.profile, key_id=new_id, detail="rotation rollback"
                    )
                    done.append(f"new key {new_id} revoked")
                except GtwizardError as exc:
                    done.append(f"could not revoke {new_id}: {exc.one_line()}")
            else:
                done.append(f"delete the key you made ({new_id}) at {self.host.gt_api_console}")
            try:
                if self.store.delete(key_entry(journal.profile, new_id)):
                    done.append("pending entry deleted")
            except GtwizardError as exc:
                done.append(f"pending entry not deleted: {exc.one_line()}")
        journal.state = ROLLED_BACK
        journal.rollback = done
        journal.save()
        self.extra_reports.append(StepReport("rollback", "done", "; ".join(done)))
        audit.record(
            "rotate-step",
            profile=journal.profile,
            key_id=new_id,
            outcome="failed",
            detail="rolled back: " + "; ".join(done),
        )
        return done

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

    def result(self, *, ok: bool, error: str | None = None) -> dict[str, Any]:
        """The `--json` object: ids, steps and outcome; never a secret."""
        journal = self.journal
        out: dict[str, Any] = {
            "profile": self.opts.profile,
            "old_key_id": journal.old_key_id if journal else None,
            "new_key_id": journal.new_key_id if journal else None,
            "steps": [asdict(r) for r in [*self.reports.values(), *self.extra_reports]],
            "ok": ok,
        }
        if error:
            out["error"] = error
        return json.loads(redact(json.dumps(out), self._secrets()))


def _profile_store(profile: Any):  # SecretStore
    from gtwizard.secrets import open_store

    path = Path(profile.storage_location) if profile.storage_kind == "file" else None
    return open_store(profile.storage_kind, path=path if profile.storage_location else None)
