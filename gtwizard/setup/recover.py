"""`setup --resume` and `setup --abort`: end an interrupted setup in a defined state.

A setup journals its intent before minting and its draft profile before writing the target, so
after any interruption one of two things is true. Either the target does not hold the new key:
then the key is revoked (found by id, or by name when the mint's answer was lost) and its stored
copy deleted. Or the target holds it: then the key must stay live, and resuming saves the draft
profile (and, for a re-setup, retires the old key the way a rotation does). Which case applies is
read from the target itself, never assumed from the journal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gtwizard.errors import InvalidInput, OperationFailed
from gtwizard.lifecycle.journal import DONE, ROLLED_BACK, Journal, open_journal, step_states
from gtwizard.lifecycle.ledger import KeyState, Ledger
from gtwizard.lifecycle.lock import profile_lock
from gtwizard.lifecycle.target import NEW, KeyMarks, identify

if TYPE_CHECKING:
    from gtwizard.profiles import Profile
    from gtwizard.secrets import SecretStore


def _setup_journal(profile: str) -> Journal:
    journal = open_journal(profile)
    if journal is None or journal.operation != "setup":
        raise InvalidInput(
            f"there is no interrupted setup of profile {profile!r}",
            "gtwizard status shows what is in progress",
        )
    return journal


def _store(journal: Journal) -> SecretStore:
    from gtwizard.secrets import open_store

    path = Path(journal.storage_location) if journal.storage_kind == "file" else None
    return open_store(journal.storage_kind, path=path if journal.storage_location else None)


async def _target_holds_new(journal: Journal, owui_token: str | None) -> bool:
    """Read the draft's target: does it hold the journal's new key?"""
    from gtwizard.targets.registry import for_draft

    draft = journal.draft or {}
    base = str(draft.get("openai_base") or "")
    target = for_draft(draft, owui_token)
    if not target.place or not base:
        return False
    ca = draft.get("ca_bundle")
    held = await target.read_key(base, ca_bundle=str(ca) if ca else None)
    new = KeyMarks(journal.new_key_id, journal.new_key_prefix)
    return identify(held, KeyMarks(journal.old_key_id, journal.old_key_prefix), new) == NEW


async def resume_setup(
    profile: str,
    *,
    operator_token: str | None,
    owui_token: str | None,
    say: Callable[[str], None] = lambda text: None,
) -> dict[str, Any]:
    """Finish a setup whose key reached the target: save the draft profile, retire an old key."""
    with profile_lock(profile, "gtwizard setup --resume"):
        journal = _setup_journal(profile)
        if not journal.done("save"):
            if not journal.draft or not await _target_holds_new(journal, owui_token):
                raise InvalidInput(
                    f"the interrupted setup of {profile!r} stopped before its key reached the "
                    "target, so there is nothing to finish",
                    f"undo it with: gtwizard setup --abort --profile {profile}; then run setup again",
                )
            _save_draft(journal)
            say(f"profile '{profile}' saved with key {journal.new_key}")
        if not journal.old_key_id:
            journal.state = DONE
            journal.save()
            from gtwizard.profiles import get_profile

            return {
                "ok": True,
                "profile": profile,
                "key_id": journal.new_key_id,
                "state": DONE,
                "steps": step_states(journal),
                "remaining": _remaining(get_profile(profile)),
            }
    return await _rotation(profile, operator_token, owui_token, say, adopt_setup=True)


async def _rotation(
    profile: str,
    operator_token: str | None,
    owui_token: str | None,
    say: Callable[[str], None],
    *,
    adopt_setup: bool = False,
    abort: bool = False,
    ask: Callable[[str], Awaitable[bool]] | None = None,
) -> dict[str, Any]:
    """The rotation machinery continues a re-setup: retire its old key, or undo it."""
    from gtwizard.rotation import Rotation, RotationOptions

    options = RotationOptions(
        profile=profile,
        operator_token=operator_token,
        openwebui_token=owui_token,
        say=say,
        adopt_setup=adopt_setup,
        abort=abort,
        ask=ask,
    )
    return await Rotation(options).run()


def _save_draft(journal: Journal) -> None:
    from gtwizard.profiles import profile_from_table, save_profile
    from gtwizard.runbook import export_runbook

    assert journal.draft is not None
    profile = profile_from_table(journal.profile, journal.draft)
    export_runbook(profile)
    save_profile(profile)
    Ledger.load(journal.profile).record(
        KeyState.ACTIVE,
        name=journal.new_key_name or journal.new_key_id or "",
        key_id=journal.new_key_id,
        prefix=journal.new_key_prefix,
    )
    if not journal.done("apply"):
        journal.mark("apply", "found in the target on resume")
    journal.mark("save", f"profile {journal.profile} saved on resume")


async def abort_setup(
    profile: str,
    *,
    host_text: str | None,
    operator_token: str | None,
    owui_token: str | None,
    say: Callable[[str], None] = lambda text: None,
    ask: Callable[[str], Awaitable[bool]] | None = None,
) -> dict[str, Any]:
    """Undo an interrupted setup whose key did not reach the target (or, for a re-setup, put the
    old key back first). A fresh setup whose key is in the target is finished, not undone."""
    journal = _setup_journal(profile)
    if journal.done("save"):
        raise InvalidInput(
            "the setup already saved its profile: only its old key's retirement is left",
            f"finish it: gtwizard rotate --finish --profile {profile}",
        )
    if journal.old_key_id:
        return await _rotation(profile, operator_token, owui_token, say, abort=True, ask=ask)
    with profile_lock(profile, "gtwizard setup --abort"):
        journal = _setup_journal(profile)
        if journal.draft and await _target_holds_new(journal, owui_token):
            raise OperationFailed(
                f"the new key {journal.new_key} is already in {journal.draft.get('target_place')}"
                " and revoking it would break the client",
                f"finish instead: gtwizard setup --resume --profile {profile} (then remove the "
                "profile with gtwizard profiles remove if you do not want it)",
            )
        done = await _revoke_new(journal, host_text, operator_token)
        journal.state = ROLLED_BACK
        journal.rollback = done
        journal.save()
        say("; ".join(done) or "nothing to undo")
        undo = {"name": "abort", "status": "done", "detail": "; ".join(done) or "nothing to undo"}
        return {
            "ok": True,
            "profile": profile,
            "state": ROLLED_BACK,
            "undone": done,
            "steps": [*step_states(journal), undo],
            "remaining": [line for line in done if line.startswith("delete ")],  # by hand
        }


async def _revoke_new(journal: Journal, host_text: str | None, token: str | None) -> list[str]:
    from gtwizard.keyrun.undo import retract_new_key
    from gtwizard.tenant import parse_host

    host = journal.tenant_host or (journal.draft or {}).get("tenant_host") or host_text
    minted = journal.mode == "auto" and (journal.new_key_id or journal.new_key_name)
    if minted and not (token and host):
        lacking = [
            pair
            for pair, absent in (
                (("the operator token", "export GTWIZARD_OPERATOR_TOKEN"), not token),
                (("the tenant host", "give --host HOST"), not host),
            )
            if absent
        ]
        raise InvalidInput(
            "undoing this setup means revoking the key it minted: that needs "
            + " and ".join(what for what, _fix in lacking),
            " and ".join(fix for _what, fix in lacking) + ", then run the same command again",
        )
    tenant = parse_host(str(host)) if host else None
    retracted = await retract_new_key(
        journal,
        gt_base=tenant.gt_base if tenant else None,
        operator_token=token,
        store=_store(journal) if journal.storage_kind != "none" else None,
        console=tenant.gt_api_console if tenant else "the tenant's /gt-api page",
        site="setup-abort",
        detail="setup abort",
        by_name=True,
    )
    if retracted.left:
        raise OperationFailed(
            retracted.left, f"run gtwizard setup --abort --profile {journal.profile} again"
        )
    return retracted.lines


def _remaining(profile: Profile) -> list[str]:
    from gtwizard.nextsteps import remaining_after_setup
    from gtwizard.targets.registry import for_profile

    return remaining_after_setup(profile, for_profile(profile))
