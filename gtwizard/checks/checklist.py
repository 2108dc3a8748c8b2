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

PROMPT = "gtwizard check: please answer with one short sentence."


# ---- chat ----------------------------------------------------------------------------------------


async def _gt_chat(ctx: CheckContext, names: list[str]) -> list[str]:
    """Problems with plain and streamed chat through GT, one per failing name."""
    from gtwizard.gt.errors import GTError

    messages = [{"role": "user", "content": PROMPT}]

    async def one(client: Any, name: str) -> str | None:
        try:
            plain, stream = await asyncio.gather(
                client.chat(name, messages), client.chat_stream(name, messages)
            )
        except GTError as exc:
            return f"{name}: {exc.message}"
        if not plain.text.strip():
            return f"{name}: the plain answer was empty"
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
                answer = await user.chat(name, PROMPT, stream=index == 0)
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
    if not ctx.openwebui_known:
        # The user's path through Open WebUI is part of this check only when an Open WebUI is
        # known (issue 5): say plainly that it was not taken, without calling it a problem.
        return passed(
            f"{gt_done}; no Open WebUI to chat through as a user: " + ctx.openwebui_missing(),
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
            "grant users access to the models (Admin > Workspace > Models > access, or setup "
            "--audience all); 'Model not found' for a user means no access grant",
            names=names,
            **evidence,
        )
    return passed(
        f"{gt_done}; {ctx.test_user_label} chatted with each through Open WebUI", names=names
    )


# ---- no-leak -------------------------------------------------------------------------------------


async def _user_gt_models(ctx: CheckContext) -> list[str]:
    """Ids the ordinary user sees that come from the GT connection (prefix removed)."""
    conn = await ctx.gt_connection()
    if conn is None:
        return []
    prefix = str(conn.config.get("prefix_id") or "")
    async with ctx.as_user() as user:
        entries = await user.list_model_entries()
    ids = []
    for item in entries:
        if item.get("urlIdx") == conn.index:
            model_id = str(item["id"])
            ids.append(model_id.removeprefix(prefix + ".") if prefix else model_id)
    return sorted(ids)


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
    user_note = ""
    if ctx.openwebui_known:
        user_models = await _user_gt_models(ctx)
        evidence["user_models"] = user_models
        leaked = [m for m in user_models if m not in allowed]
        if leaked:
            return failed(
                f"{ctx.test_user_label} sees GT models outside the allowlist in Open WebUI: "
                + ", ".join(leaked),
                "set the connection's model_ids to the allowlist (apply the profile again)",
                **evidence,
            )
        user_note = f"; {ctx.test_user_label}'s picker shows {len(user_models)} GT model(s), none outside it"
    else:
        user_note = "; the Open WebUI picker was not checked: " + ctx.openwebui_missing()
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

    named = profile.extra.get("runbook_path")
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
    if profile.target_kind == "env-file":
        target = Path(profile.target_place)
        writable = target if target.exists() else target.parent
        if not os.access(writable, os.W_OK):
            gaps.append(f"{target} is not writable by this user")
    elif not ctx.openwebui_token:
        gaps.append("no Open WebUI admin credential is available to apply a new key")
    if gaps:
        return failed(
            "the runbook is current, but a rotation could not apply the new key: "
            + "; ".join(gaps),
            "give gtwizard write access to the target (or store the admin credential)",
        )
    mint = (
        "automatic minting (operator token set)"
        if os.environ.get("GTWIZARD_OPERATOR_TOKEN")
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
