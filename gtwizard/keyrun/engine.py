"""One way to advance a key run: a declared table of steps, run in order, each reported.

Setup (a key run from nothing) and rotation (from an old key to a new one) declare their steps
as `Step`s and advance them only through `advance`: the CLI, the TUI, `rotate --due`, the Ansible
module and recovery call a run's `advance`/`run`, never its steps one by one, so every front end
runs the same order by construction. A journaled run (rotation) skips what its journal says is
done (resume), records each step as done after it acts, and, when a step fails before any key
existed, closes the journal as not started (nothing to undo). A gate may stop the run before a
step (rotation waits there, both keys live, for the proof in the client).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gtwizard import audit
from gtwizard.errors import GtwizardError
from gtwizard.fileio import write_off_loop

if TYPE_CHECKING:
    from gtwizard.lifecycle.journal import Journal

# (step, status, detail): status is busy | done | resumed | failed
OnStep = Callable[[str, str, str], None]


@dataclass(frozen=True)
class Step:
    """One step of a key run: `run` acts and returns one line of what it did."""

    name: str
    run: Callable[[], Awaitable[str]]
    done: Callable[[], bool] | None = None  # an unjournaled run: is its effect there already?
    resumable: bool = True  # a journaled step marked done is skipped on resume


def _quiet(step: str, status: str, detail: str) -> None:
    return None


async def advance(
    steps: Sequence[Step],
    *,
    until: str | None = None,
    journal: Journal | None = None,
    audit_event: str | None = None,
    on_step: OnStep = _quiet,
    gate: Callable[[str], Awaitable[bool]] | None = None,
) -> bool:
    """Run every step not done yet, in order, through `until` (inclusive) or to the end.

    True when it got there; False when `gate` stopped it before a step (the run waits).
    """
    names = [step.name for step in steps]
    if until is not None and until not in names:
        raise ValueError(f"no step {until!r} in {names}")
    for step in steps:
        if _done(step, journal):
            on_step(step.name, "resumed", "done before")
        else:
            if gate is not None and not await gate(step.name):
                return False
            await _run(step, journal, audit_event, on_step)
        if step.name == until:
            break
    return True


def _done(step: Step, journal: Journal | None) -> bool:
    if journal is not None:
        return step.resumable and journal.done(step.name)
    return step.done is not None and step.done()


async def _run(
    step: Step, journal: Journal | None, audit_event: str | None, on_step: OnStep
) -> None:
    on_step(step.name, "busy", "")
    try:
        detail = await step.run()
    except GtwizardError as exc:
        on_step(step.name, "failed", exc.one_line())
        if journal is not None:
            _refused(journal, step.name, exc, audit_event)
        raise
    on_step(step.name, "done", detail)
    if journal is not None:
        await write_off_loop(_mark_done, journal, step.name, detail, audit_event)


def _mark_done(journal: Journal, step: str, detail: str, audit_event: str | None) -> None:
    if audit_event:
        audit.record(audit_event, profile=journal.profile, key_id=journal.new_key_id, detail=step)
    journal.mark(step, detail)


def _refused(journal: Journal, step: str, exc: GtwizardError, audit_event: str | None) -> None:
    """A step failed: before any key existed the run is closed as not started (nothing to undo)."""
    from gtwizard.lifecycle.journal import NOT_STARTED

    if not (journal.new_key_id or journal.new_key_name or journal.done("apply")):
        journal.state = NOT_STARTED
        journal.note = f"refused at {step}: {exc.one_line()}"
        journal.save()
    if audit_event:
        audit.record(
            audit_event,
            profile=journal.profile,
            key_id=journal.new_key_id,
            outcome="failed",
            detail=f"{step}: {exc.one_line()}",
        )
