"""The journal of one setup or rotation in progress: enough to resume, finish or abort it.

One file per profile (state dir, journal/<profile>.json), rewritten atomically after every step
with the step name, key ids, prefixes and times: never a secret (a guard refuses to write one).
A journal that is not `done`, `rolled-back` or `not-started` is work in progress; `status`, the
welcome screen and a new run of the same profile show it with the command that resolves it
(`next_commands`).

Test hooks: GTWIZARD_TEST_CRASH_AFTER names a step (or a point inside one, like `apply:written`)
at which the process gets SIGKILL, or with GTWIZARD_TEST_CRASH_SIGNAL=INT a Ctrl-C, or with =RAISE
an error. It may name several points, each with its own way to die: `store-pending=RAISE,
revoke:setup-undo:sent=KILL` fails at the first and is killed inside the undo that follows. Nothing
sets them outside the fault-injection tests.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gtwizard.errors import OperationFailed
from gtwizard.fileio import atomic_write
from gtwizard.lifecycle.target import key_label
from gtwizard.paths import ensure_private_dir, state_dir
from gtwizard.redact import redact

# the fault-injection hook lives in gtwizard/testhooks.py; rotation/, setup/session.py and the
# fault-matrix tests import it from here
from gtwizard.testhooks import CRASH_HOOK_ENV as CRASH_HOOK_ENV
from gtwizard.testhooks import CRASH_SIGNAL_ENV as CRASH_SIGNAL_ENV
from gtwizard.testhooks import crash_point as crash_point

RUNNING, WAITING, DONE, ROLLED_BACK = "running", "waiting", "done", "rolled-back"
NOT_STARTED = "not-started"  # refused before any key existed (preflight): nothing to undo
REVOKED = "done"  # a revocation the tenant confirmed (Journal.revocations)
UNDO_SITES = ("rotate-undo", "setup-undo", "setup-abort")  # revocations that undo a run
OPEN_STATES = (RUNNING, WAITING)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def journal_path(profile: str) -> Path:
    return state_dir() / "journal" / f"{profile}.json"


def write_record(path: Path, data: object, what: str) -> Path:
    """Write a state record atomically (0600), refusing anything shaped like a secret."""
    text = json.dumps(data, indent=2) + "\n"
    if redact(text) != text:
        raise OperationFailed(
            f"refusing to write {what}: it would contain a secret",
            "this is a gtwizard bug; please report it",
        )
    ensure_private_dir(path.parent)
    atomic_write(path, text.encode("utf-8"), mode=0o600, backup=False)
    return path


@dataclass
class Journal:
    """What a setup or rotation has done so far; never a secret."""

    profile: str
    old_key_id: str | None
    mode: str  # "auto" (minted with the operator token) or "manual" (a pasted key)
    storage_kind: str
    storage_location: str = ""
    tenant_host: str = ""
    operation: str = "rotate"  # "setup" (from nothing, or --replace) or "rotate"
    started_at: str = field(default_factory=now_iso)
    state: str = RUNNING
    pid: int = field(default_factory=os.getpid)
    old_key_prefix: str | None = None
    old_key_name: str | None = None  # a key made by hand: the name the operator gave it
    # setup --replace: where the old key's copy is kept when the new setup keeps its key
    # elsewhere (keyring -> file, say); retiring the old key deletes that copy too
    old_storage_kind: str = ""
    old_storage_location: str = ""
    new_key_id: str | None = None
    new_key_name: str | None = None
    new_key_prefix: str | None = None
    new_key_created_at: str | None = None
    new_key_expires_at: str | None = None
    resumable: bool = True
    waiting_for: str = ""  # what must happen before the old key may go (state WAITING)
    note: str = ""
    draft: dict[str, Any] | None = None  # setup: the profile to save once the key is applied
    steps: list[dict[str, str]] = field(default_factory=list)
    rollback: list[str] = field(default_factory=list)
    # key id -> the site that began revoking it (recorded before the DELETE, which may or may
    # not have reached the tenant), or "done" once the tenant confirmed it; see
    # gtwizard.lifecycle.revoke
    revocations: dict[str, str] = field(default_factory=dict)

    def done(self, step: str) -> bool:
        return any(entry["step"] == step for entry in self.steps)

    def revoking(self, key_id: str | None) -> bool:
        """A revocation of `key_id` was begun and not confirmed: the key may already be gone."""
        return self.revocations.get(key_id or "", REVOKED) != REVOKED

    @property
    def old_key_going(self) -> bool:
        """The old key is revoked, or its revocation was begun: it can never be put back."""
        return self.done("revoke-old") or self.revoking(self.old_key_id)

    @property
    def new_key_going(self) -> bool:
        """An undo began revoking the new key: the run can only be undone now."""
        return self.revocations.get(self.new_key_id or "") in UNDO_SITES

    @property
    def old_key(self) -> str:
        """The old key as the tenant shows it (see gtwizard.lifecycle.target.key_label)."""
        return key_label(self.old_key_id, self.old_key_name, self.old_key_prefix)

    @property
    def new_key(self) -> str:
        """The new key as the tenant shows it; for a minted key, its id."""
        return key_label(self.new_key_id, self.new_key_name, self.new_key_prefix)

    @property
    def last_step(self) -> str | None:
        return self.steps[-1]["step"] if self.steps else None

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES

    def save(self) -> Path:
        """Write atomically; refuse anything shaped like a secret (a caller's bug, not data)."""
        return write_record(journal_path(self.profile), asdict(self), "the journal")

    def mark(self, step: str, detail: str = "") -> None:
        """Record a completed step, save, and honour the crash test hook."""
        if not self.done(step):
            self.steps.append({"step": step, "at": now_iso(), "detail": detail})
        self.save()
        crash_point(step)

    @classmethod
    def load(cls, profile: str) -> Journal | None:
        path = journal_path(profile)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):  # `[]`, `"x"`, `null`: not a journal at all
                raise TypeError(f"holds {type(data).__name__}, not an object")
            known = {f for f in cls.__dataclass_fields__}
            return cls(**{k: v for k, v in data.items() if k in known})
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError) as exc:
            raise OperationFailed(
                f"the journal {path} is unreadable ({type(exc).__name__})",
                "move it away; then run gtwizard keys to compare the tenant's keys with profiles",
            ) from None

    def summary(self) -> str:
        """One line for status and refusals: what is in progress and where it stopped."""
        what = "setup" if self.operation == "setup" else "rotation"
        key = self.new_key if self.new_key_id else None
        key = key or ("a key being minted" if self.new_key_name else "no new key yet")
        if self.new_key_going:
            return (
                f"a {what} was interrupted while it was being undone: revoking its new key {key} "
                "was begun"
            )
        if self.old_key_going and not self.done("promote"):
            old = f"its old key {self.old_key} " + (
                "is revoked" if self.done("revoke-old") else "was being revoked"
            )
            return f"a {what} was interrupted after {old} (new key {key}): it can only be finished"
        if self.state == WAITING:
            return f"a {what} is waiting ({self.waiting_for or 'for proof'}); new key {key}"
        where = f"after step {self.last_step}" if self.last_step else "before its first step"
        return f"a {what} was interrupted {where} (new key {key})"

    def next_commands(self) -> list[str]:
        """The exact commands that resolve this journal, the usual one first.

        Each works as printed: `setup --resume` only once the key reached the target (before
        that there is nothing to finish, only to undo), and a run that minted or revokes
        automatically names the operator token it needs when none is at hand (no
        GTWIZARD_OPERATOR_TOKEN, none kept with the profile): `GTWIZARD_OPERATOR_TOKEN=… gtwizard …`.
        """
        at_hand = self._token_at_hand()
        return [
            ("gtwizard " if at_hand or not needs else "GTWIZARD_OPERATOR_TOKEN=… gtwizard ")
            + command
            for command, needs in self._next()
        ]

    def _next(self) -> list[tuple[str, bool]]:
        """(command, whether it may mint or revoke through the key-management API)."""
        p = f"--profile {self.profile}"
        auto = self.mode == "auto"
        saved = self.operation == "setup" and self.done("save")
        if self.new_key_going and not saved:  # an undo began revoking the new key: undo it
            return [(f"{'setup' if self.operation == 'setup' else 'rotate'} --abort {p}", auto)]
        if self.operation == "setup" and self.state == WAITING:
            return [(f"rotate --finish {p}", auto)]
        retires = auto and bool(self.old_key_id)  # a re-setup retires the old key
        if saved:
            return [(f"setup --resume {p}", retires)]
        if self.operation == "setup":
            if not self.draft:  # the key never reached the target: nothing to finish
                return [(f"setup --abort {p}", auto)]
            return [(f"setup --resume {p}", retires), (f"setup --abort {p}", auto)]
        if self.old_key_going:  # the old key cannot be put back: only the way forward
            return [(f"rotate --resume {p}", auto)]
        if self.state == WAITING:
            return [(f"rotate --finish {p}", auto), (f"rotate --abort {p}", auto)]
        return [(f"rotate --resume {p}", auto), (f"rotate --abort {p}", auto)]

    def _token_at_hand(self) -> bool:
        """A manual run needs no operator token; an automatic one has one in the environment or
        kept with its profile (config.toml says which; the secret itself is not read here)."""
        from gtwizard.credentials import OPERATOR, env_token

        if self.mode != "auto" or env_token(OPERATOR):
            return True
        from gtwizard.errors import GtwizardError
        from gtwizard.profiles import load_profiles

        try:
            profile = load_profiles().get(self.profile)
        except GtwizardError:
            return True  # config.toml is broken: its own error says so; do not guess here
        return bool(profile is not None and profile.operator_token_kept)


SETUP_STEPS = ("preflight", "mint", "store-pending", "apply", "save")


def step_state(journal: Journal | None, step: str) -> tuple[str, str]:
    """(status, detail) of a step that the present run did not run itself (an abort, a refusal,
    what an earlier run did): `done` where the journal says so, else `pending` while the work is
    open and `skipped` once it is over (done, undone, or never begun)."""
    if journal is not None:
        entry = next((e for e in journal.steps if e["step"] == step), None)
        if entry is not None:
            return "done", entry.get("detail", "")
        if journal.open:
            return "pending", ""
    return "skipped", ""


def step_states(journal: Journal, steps: tuple[str, ...] = SETUP_STEPS) -> list[dict[str, str]]:
    """Every step of `steps` as `step_state` finds it, in the `--json` steps' shape."""
    states = [(step, *step_state(journal, step)) for step in steps]
    return [{"name": name, "status": status, "detail": detail} for name, status, detail in states]


def open_journal(profile: str) -> Journal | None:
    """The profile's work in progress, if any (an unreadable journal counts as one)."""
    journal = Journal.load(profile)
    return journal if journal is not None and journal.open else None


def forget_journal(profile: str) -> None:
    journal_path(profile).unlink(missing_ok=True)


def journal_names() -> set[str]:
    """The profiles that have a journal file, from one listing of the folder (no file opened):
    `status` looks up a thousand profiles with it instead of trying to open each one's file."""
    try:
        with os.scandir(state_dir() / "journal") as entries:
            return {
                entry.name[: -len(".json")] for entry in entries if entry.name.endswith(".json")
            }
    except (FileNotFoundError, NotADirectoryError):
        return set()


def all_open_journals() -> list[Journal]:
    """Every profile's work in progress (status and the welcome screen list them)."""
    found: list[Journal] = []
    for name in sorted(journal_names(), key=lambda name: f"{name}.json"):  # by file name
        try:
            journal = Journal.load(name)
        except OperationFailed:
            continue
        if journal is not None and journal.open:
            found.append(journal)
    return found


def work_record(journal: Journal) -> dict[str, object]:
    """The `in_progress` object of `status --json` (ids and commands, never a secret)."""
    return {
        "operation": journal.operation,
        "state": journal.state,
        "summary": journal.summary(),
        "last_step": journal.last_step,
        "old_key_id": journal.old_key_id,
        "new_key_id": journal.new_key_id,
        "started_at": journal.started_at,
        "commands": journal.next_commands(),
    }


def open_work(profile: str) -> dict[str, Any] | None:
    """The profile's open setup or rotation as `work_record` gives it (an unreadable journal as
    the state `unreadable`), or None when nothing is in progress."""
    from gtwizard.errors import GtwizardError

    try:
        journal = open_journal(profile)
    except GtwizardError as exc:
        return {"state": "unreadable", "summary": exc.one_line(), "commands": []}
    return work_record(journal) if journal is not None else None


def parse_time(value: str | None) -> dt.datetime | None:
    """A tenant's ISO-8601 time (a trailing Z allowed) as an aware datetime; None if absent/bad."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
