"""The product runbook's validation checklist as live checks (ids match the preset's checklist).

The admin's view proves nothing (models without a user grant are invisible to users) and a model
list proves nothing either (Open WebUI keeps a stale list when the upstream rejects the key), so
the user side is a real chat and a real picker as an ordinary user.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from gtwizard.checks.base import Check, CheckOutcome, failed, passed, warned
from gtwizard.checks.context import CheckContext, allowlist, chat_models
from gtwizard.kinds import TargetKind
from gtwizard.nextsteps import GRANT_PATH

PROMPT = "gtwizard check: please answer with one short sentence."


# ---- chat ----------------------------------------------------------------------------------------


async def _gt_chat(ctx: CheckContext, names: list[str]) -> list[str]:
    """Problems with plain and streamed chat through GT, one per failing name."""
    from gtwizard.errors import OperationFailed
    from gtwizard.gt.client import require_answer

    messages = [{"role": "user", "content": PROMPT}]

    async def one(client: Any, name: str) -> str | None:
        try:
            plain, stream = await asyncio.gather(
                client.chat(name, messages), client.chat_stream(name, messages)
            )
            require_answer(plain.text, what="the plain answer through GT")
            require_answer(
                stream.text, what=f"the streamed answer through GT ({stream.chunks} chunks)"
            )
        except OperationFailed as exc:
            return f"{name}: {exc.message}"
        if stream.chunks < 2:
            return f"{name}: the stream arrived in {stream.chunks} chunk(s); a proxy may buffer it"
        return None

    async with ctx.gt_client() as client:
        found = await asyncio.gather(*(one(client, n) for n in names))
    return [p for p in found if p]


async def _user_chat(ctx: CheckContext, names: list[str]) -> tuple[list[str], dict[str, Any]]:
    """Chat as the ordinary user through Open WebUI; on failure, show what the admin sees."""
    from gtwizard.openwebui.admin import OpenWebUIError

    problems: list[str] = []
    async with ctx.as_user() as user:
        for index, name in enumerate(names):
            try:
                answer = await user.chat_proof(name, PROMPT, stream=index == 0)
            except OpenWebUIError as exc:
                problems.append(f"{name}: {exc.message}")
                continue
            if index == 0 and answer.chunks < 2:
                problems.append(
                    f"{name}: the stream through Open WebUI came in {answer.chunks} chunk(s)"
                )
    evidence: dict[str, Any] = {}
    if problems:
        async with ctx.admin() as admin:
            evidence["admin_models"] = await admin.list_models()
    return problems, evidence


async def chat(ctx: CheckContext) -> CheckOutcome:
    names = chat_models(ctx.profile)
    if not names:
        return failed("the profile has no chat name in its allowlist", "add an alias and rotate")
    gt_problems = await _gt_chat(ctx, names)
    if gt_problems:
        return failed(
            "chat through GT failed: " + "; ".join(gt_problems),
            "publish the names and put them on the key's allowlist in /gt-api",
            names=names,
        )
    gt_done = f"{len(names)} name(s) answered through GT, plain and streamed"
    if not ctx.profile.for_openwebui:  # no Open WebUI user to be: the client's side is elsewhere
        return passed(f"{gt_done}; {ctx.proven_elsewhere()}", names=names)
    if not ctx.openwebui_known:
        # Titled for a user, so only a user's chat can pass it: the GT side alone is a warning.
        return warned(
            f"{gt_done}; not proven for a user: " + ctx.openwebui_missing(),
            ctx.openwebui_missing_hint(),
            names=names,
        )
    problems, evidence = await _user_chat(ctx, names)
    if problems:
        admin_sees = [n for n in names if n in evidence.get("admin_models", [])]
        admin_note = (
            f" (the admin sees {', '.join(admin_sees)}: the admin's view proves nothing)"
            if admin_sees
            else ""
        )
        return failed(
            f"as {ctx.test_user_label}, chat through Open WebUI failed: "
            + "; ".join(problems)
            + admin_note,
            f"grant users access to the models ({GRANT_PATH}; or setup --audience all with the "
            "admin API); 'Model not found' for a user means no access grant",
            names=names,
            **evidence,
        )
    return passed(
        f"{gt_done}; {ctx.test_user_label} chatted with each through Open WebUI", names=names
    )


# ---- no-leak -------------------------------------------------------------------------------------


def _strip_prefix(model_id: str, conf: dict[str, Any]) -> str:
    prefix = str(conf.get("prefix_id") or "")
    return model_id.removeprefix(prefix + ".") if prefix else model_id


async def _names_seen_by(ctx: CheckContext, key: str) -> list[str] | None:
    """What GT lists for `key` (None when the tenant rejects it: it then reaches nothing)."""
    from gtwizard.errors import OperationFailed

    if not key:
        return None
    ctx.remember_secret(key)
    try:
        async with ctx.gt_client(key) as client:
            return sorted(m.id for m in await client.list_models())
    except OperationFailed:
        return None


async def _published(ctx: CheckContext) -> set[str]:
    """Every name the tenant publishes, when an operator token allows asking (else empty)."""
    from gtwizard.errors import OperationFailed
    from gtwizard.gt.keys import KeyManager

    token = ctx.operator_token  # given by the run only when it belongs to this tenant
    if not token:
        return set()
    ctx.remember_secret(token)
    try:
        async with KeyManager(
            ctx.host.gt_base, token, ca_bundle=ctx.ca_bundle, timeout=ctx.timeout, max_retries=0
        ) as manager:
            return {p.name for p in await manager.published()}
    except OperationFailed:
        return set()


async def _user_leaks(
    ctx: CheckContext, allowed: list[str], evidence: dict[str, Any]
) -> CheckOutcome | None:
    """What the ordinary user's picker shows outside the allowlist, over every connection.

    Every connection to the tenant's host counts (a second one with a broader key leaks as
    surely as the first), and so does any other source whose names the tenant publishes.
    """
    config = await ctx.openai_config()
    connections = await ctx.gt_connections()
    evidence["gt_connections"] = [c.url for c in connections]
    if not connections:
        return failed(
            f"Open WebUI has no connection to the tenant {ctx.host.netloc}: nothing proves what "
            "its users can reach there",
            "apply the profile again (setup) so Open WebUI has the GT connection",
            **evidence,
            urls=config.urls,
        )
    seen = await asyncio.gather(*(_names_seen_by(ctx, c.key) for c in connections))
    gt_names = {n for names in seen if names for n in names} | await _published(ctx)
    wider = {
        c.url: [n for n in names if n not in allowed]
        for c, names in zip(connections, seen, strict=True)
        if names and any(n not in allowed for n in names)
    }
    async with ctx.as_user() as user:
        entries = await user.list_model_entries()
    by_index = {c.index: c for c in connections}
    leaked: dict[str, str] = {}
    shown: list[str] = []
    for entry in entries:
        index = entry.get("urlIdx")
        conf = config.configs.get(str(index)) if isinstance(index, int) else None
        name = _strip_prefix(str(entry["id"]), conf if isinstance(conf, dict) else {})
        conn = by_index.get(index) if isinstance(index, int) else None
        if conn is not None:
            shown.append(name)
        if name in allowed or (conn is None and name not in gt_names):
            continue
        where = conn.url if conn is not None else f"connection {index}"
        leaked.setdefault(name, where if isinstance(index, int) else "a non-OpenAI source")
    evidence.update(user_models=sorted(set(shown)), wider_keys=wider)
    if leaked:
        return failed(
            f"{ctx.test_user_label} sees GT names outside the allowlist in Open WebUI: "
            + ", ".join(f"{n} (via {w})" for n, w in sorted(leaked.items())),
            "remove the extra connection to the tenant or narrow its key and model_ids "
            "(apply the profile again), and revoke broader keys in /gt-api",
            **evidence,
        )
    if wider:
        return warned(
            "no user sees a name outside the allowlist, but Open WebUI holds a key that GT lets "
            "reach more: "
            + "; ".join(f"{url}: {', '.join(names)}" for url, names in wider.items()),
            "replace that connection's key with one limited to the allowlist; one access grant "
            "would expose those names to users",
            **evidence,
        )
    return None


async def no_leak(ctx: CheckContext) -> CheckOutcome:
    allowed = allowlist(ctx.profile)
    async with ctx.gt_client() as client:
        gt_models = sorted(m.id for m in await client.list_models())
    evidence: dict[str, Any] = {"allowlist": allowed, "gt_models": gt_models}
    extra = [m for m in gt_models if m not in allowed]
    missing = [m for m in allowed if m not in gt_models]
    if extra:
        return failed(
            f"GT lists names outside the allowlist for this key: {', '.join(extra)}",
            "narrow the key's allowlist in /gt-api (or rotate to a key with the intended list)",
            **evidence,
        )
    gap = f"; allowlisted but missing on GT: {', '.join(missing)}" if missing else ""
    if not ctx.profile.for_openwebui and not missing:  # the key's list is what the client sees
        return passed(
            f"GT lists exactly the {len(allowed)} allowlisted name(s) for the key: the most "
            f"{ctx.client} can reach with it",
            **evidence,
        )
    if not ctx.profile.for_openwebui:
        return warned(
            f"GT lists none outside the allowlist, but these allowlisted names are missing: "
            f"{', '.join(missing)}",
            "publish them in the tenant, or remove them from the allowlist",
            **evidence,
        )
    if not ctx.openwebui_known:
        # Titled for the picker a user sees: the key's own list alone is only a warning.
        return warned(
            f"GT lists no name outside the allowlist for the key{gap}; the Open WebUI picker "
            f"was not checked: {ctx.openwebui_missing()}",
            ctx.openwebui_missing_hint(),
            **evidence,
        )
    outcome = await _user_leaks(ctx, allowed, evidence)
    if outcome is not None:
        return outcome
    user_note = (
        f"; {ctx.test_user_label}'s picker shows {len(evidence['user_models'])} GT model(s) over "
        f"{len(evidence['gt_connections'])} connection(s) to the tenant, none outside it"
    )
    if missing:
        return warned(
            f"GT lists none outside the allowlist, but these allowlisted names are missing: "
            f"{', '.join(missing)}{user_note}",
            "publish them in the tenant, or remove them from the allowlist",
            **evidence,
        )
    return passed(f"GT lists exactly the {len(allowed)} allowlisted name(s){user_note}", **evidence)


# ---- rotation-documented -------------------------------------------------------------------------


def runbook_path(profile: Any) -> Path:
    """Where `gtwizard runbook` keeps a profile's operator runbook, unless the profile says."""
    from gtwizard.runbook import default_runbook_path

    named = profile.runbook_path
    if isinstance(named, str) and named:
        return Path(named)
    return default_runbook_path(profile)


async def rotation_documented(ctx: CheckContext) -> CheckOutcome:
    profile = ctx.profile
    path = runbook_path(profile)
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except FileNotFoundError:
        return failed(
            f"no operator runbook at {path}",
            f"write it: gtwizard runbook --profile {profile.name}",
        )
    facts = {
        "key id": profile.key_id,
        "base": ctx.openai_base,
        "target": profile.target_place,
        "storage": profile.storage_kind,
    }
    stale = [name for name, value in facts.items() if value and value not in text]
    if stale:
        return failed(
            f"the runbook at {path} is out of date (does not mention the current {', '.join(stale)})",
            f"write it again: gtwizard runbook --profile {profile.name}",
        )
    gaps: list[str] = []
    if profile.target_kind not in (TargetKind.ADMIN_API, TargetKind.NONE):  # a file or folder
        target = Path(profile.target_place)
        writable = target if target.exists() else target.parent
        if not os.access(writable, os.W_OK):
            gaps.append(f"{target} is not writable by this user")
    elif profile.target_kind == TargetKind.ADMIN_API and not ctx.openwebui_token:
        gaps.append("no Open WebUI admin credential is available to apply a new key")
    if gaps:
        return failed(
            "the runbook is current, but a rotation could not apply the new key: "
            + "; ".join(gaps),
            "give gtwizard write access to the target (or store the admin credential)",
        )
    mint = (
        "automatic minting (operator token set)"
        if ctx.operator_token
        else f"guided minting in {ctx.host.gt_api_console}"
    )
    return passed(f"runbook {path} is current; rotation can use {mint} and write the target")


CHECKLIST_CHECKS: tuple[Check, ...] = (
    Check(
        "chat",
        "A user completes a chat with a published alias",
        "Every allowlisted name answers through GT, plain and streamed, and an ordinary Open WebUI "
        "user (not the admin) completes a chat through Open WebUI.",
        "publish and allowlist the names, and grant users access to the models in Open WebUI",
        chat,
        requires=("key-accepted",),
        checklist=True,
    ),
    Check(
        "no-leak",
        "The model picker does not leak disallowed aliases",
        "GT's /v1/models for this key equals the allowlist, and an ordinary user's model picker "
        "shows no GT model outside it.",
        "narrow the key's allowlist and the connection's model_ids",
        no_leak,
        requires=("key-accepted",),
        checklist=True,
    ),
    Check(
        "rotation-documented",
        "Key rotation is documented for operators",
        "The profile's operator runbook exists and names the current key, base, target and "
        "storage, and a rotation has what it needs (a way to mint, write access to the target).",
        "write the runbook (gtwizard runbook) and make the target writable",
        rotation_documented,
        checklist=True,
    ),
)
