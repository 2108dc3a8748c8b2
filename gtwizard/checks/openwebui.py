"""The checks of Open WebUI's side: its effective connection (as applied, not drifted by its
database), its own network path to the tenant, and its task model.

A rotation in progress is recognised (its new key in the connection is work in progress, not
drift); an env file is compared with what was applied and with what Open WebUI really uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gtwizard.checks.base import CheckOutcome, failed, passed, skipped, warned
from gtwizard.checks.context import CheckContext, applied_models, chat_models, fingerprint
from gtwizard.kinds import TargetKind


def _rotation_holding(ctx: CheckContext, key: str) -> Any:
    """The profile's setup or rotation in progress whose new key `key` is, if any (then the
    target holding it is that work's step, not drift)."""
    from gtwizard.errors import GtwizardError
    from gtwizard.lifecycle.journal import open_journal
    from gtwizard.lifecycle.target import NEW, KeyMarks, identify

    try:
        journal = open_journal(ctx.profile.name)
    except GtwizardError:
        return None
    if journal is None or not journal.new_key_id:
        return None
    old = KeyMarks(journal.old_key_id, journal.old_key_prefix)
    new = KeyMarks(journal.new_key_id, journal.new_key_prefix)
    return journal if identify(key, old, new) == NEW else None


def _held_by_rotation(ctx: CheckContext, key: str, place: str) -> CheckOutcome | None:
    journal = _rotation_holding(ctx, key)
    if journal is None:
        return None
    return warned(
        f"{place} holds the new key {journal.new_key} of work in progress: {journal.summary()}",
        "finish it (or undo it): " + " or ".join(journal.next_commands()),
        key=fingerprint(key),
    )


def _differences(
    ctx: CheckContext, enable: bool, url: str, key: str, conf: dict[str, Any]
) -> list[str]:
    """Where a stored connection differs from what the wizard applied (key shown as last 4)."""
    diffs: list[str] = []
    if not enable:
        diffs.append("ENABLE_OPENAI_API is off (all OpenAI connections disabled)")
    if url.rstrip("/") != ctx.openai_base:
        diffs.append(f"URL is {url}, applied {ctx.openai_base}")
    if ctx.api_key and key != ctx.api_key and _rotation_holding(ctx, key) is None:
        diffs.append(f"key is {fingerprint(key)}, applied {fingerprint(ctx.api_key)}")
    if conf.get("enable") is False:
        diffs.append("the connection itself is disabled")
    want = sorted(applied_models(ctx.profile))
    have = conf.get("model_ids")
    if not isinstance(have, list) or sorted(map(str, have)) != want:
        diffs.append(
            f"model_ids are {have if have else 'empty (all upstream models)'}, applied {want}"
        )
    prefix = str(ctx.profile.extra.get("prefix_id", ""))
    if str(conf.get("prefix_id") or "") != prefix:
        diffs.append(f"prefix_id is {conf.get('prefix_id')!r}, applied {prefix!r}")
    if conf.get("api_type") == "responses" or conf.get("azure"):
        diffs.append("the connection is switched to a non-default API type (responses/azure)")
    return diffs


async def openwebui_config(ctx: CheckContext) -> CheckOutcome:
    profile = ctx.profile
    env_file = profile.target_place if profile.target_kind == TargetKind.ENV_FILE else ""
    if ctx.openwebui_known:
        config = await ctx.openai_config()
        conn = await ctx.gt_connection()
        diffs = _differences(ctx, config.enable, conn.url, conn.key, conn.config) if conn else []
        if env_file:  # the env file is the target: is it as applied, and is it in effect?
            found = _env_file_outcome(ctx, env_file)
            if found is not None and found.status == "fail":
                return found
            if conn is None or diffs:
                return _env_file_not_in_effect(ctx, env_file, conn, diffs, config.urls)
            if found is not None:
                return found  # the file holds the new key of work in progress
        if conn is None:
            return failed(
                f"Open WebUI has no connection to {ctx.openai_base}",
                "apply the profile again (setup); an edited env file alone does not change a "
                "started Open WebUI",
                urls=config.urls,
            )
        evidence = {"index": conn.index, "url": conn.url, "key": fingerprint(conn.key)}
        pending = _held_by_rotation(ctx, conn.key or "", f"Open WebUI at {ctx.openwebui_url}")
        if pending is not None and not diffs:
            return pending
        if diffs:
            return failed(
                "Open WebUI's effective config differs from what was applied: " + "; ".join(diffs),
                "someone changed it in Open WebUI, or the env file lost to its database "
                "(PersistentConfig): apply the profile again through the admin API",
                **evidence,
            )
        what = f"the connection in {env_file}" if env_file else "URL, key and model_ids as applied"
        return passed(
            f"connection {conn.index} of Open WebUI at {ctx.openwebui_url}: {what} "
            f"(key {fingerprint(conn.key)})",
            **evidence,
        )
    if env_file:
        found = _env_file_outcome(ctx, env_file)
        if found is not None:
            return found
        return _not_known(ctx, env_file)
    return skipped(ctx.openwebui_missing())


def _env_file_outcome(ctx: CheckContext, path: str) -> CheckOutcome | None:
    """The env file against what was applied: a failure, the new key of work in progress, or
    None when the file is as applied."""
    from gtwizard.checks.load import env_dialect
    from gtwizard.openwebui.gtentry import is_gt_entry
    from gtwizard.openwebui.persistent import read_env_config

    env = read_env_config(Path(path), env_dialect(ctx.profile))
    # effective_openai_config types its values `object`; these two are lists, the last a dict
    urls = list(env.openai["OPENAI_API_BASE_URLS"])  # type: ignore[call-overload]
    keys = list(env.openai["OPENAI_API_KEYS"])  # type: ignore[call-overload]
    configs: dict[str, Any] = env.openai["OPENAI_API_CONFIGS"]  # type: ignore[assignment]
    index = next((i for i, u in enumerate(urls) if is_gt_entry(u, ctx.openai_base)), None)
    if index is None:
        return failed(f"{path} configures no connection to {ctx.openai_base}")
    key = keys[index] if index < len(keys) else ""
    ctx.remember_secret(key)
    conf = configs.get(str(index)) or {}
    diffs = _differences(ctx, bool(env.openai["ENABLE_OPENAI_API"]), urls[index], key, conf)
    pending = _held_by_rotation(ctx, key, path)
    if pending is not None and not diffs:
        return pending
    if diffs:
        return failed(f"{path} differs from what was applied: " + "; ".join(diffs))
    return None


def _not_known(ctx: CheckContext, path: str) -> CheckOutcome:
    """No proof channel: the file is as applied; whether Open WebUI uses it cannot be known."""
    from gtwizard.checks.load import env_dialect
    from gtwizard.openwebui.persistent import TRAP, env_wins
    from gtwizard.proofcommand import check_line

    if env_wins(Path(path), env_dialect(ctx.profile)):
        why = "ENABLE_PERSISTENT_CONFIG=false in it, so Open WebUI reads it at every start"
    else:
        why = TRAP
    line = check_line(ctx.profile.name, url_known=bool(ctx.openwebui_url))
    return CheckOutcome(
        "skip",
        f"{path} matches what was applied; whether Open WebUI uses it is not known here "
        f"({why}): {ctx.openwebui_missing()}",
        f"after Open WebUI's restart, read the connection it uses: {line}",
    )


def _env_file_not_in_effect(
    ctx: CheckContext, path: str, conn: Any, diffs: list[str], urls: list[str]
) -> CheckOutcome:
    """Open WebUI does not use what its (correct) env file says: it has not restarted, or its
    database kept the old connection (PersistentConfig)."""
    from gtwizard.checks.load import env_dialect
    from gtwizard.nextsteps import resetup_command, restart_step
    from gtwizard.openwebui.persistent import env_wins

    live = "; ".join(diffs) if conn else f"it has no connection to {ctx.openai_base}"
    evidence: dict[str, Any] = {"env_file": path, "open_webui": ctx.openwebui_url, "urls": urls}
    if conn is not None:
        evidence |= {"index": conn.index, "url": conn.url, "key": fingerprint(conn.key)}
    restart = restart_step(ctx.profile)
    how = "; ".join(restart.commands)
    if env_wins(Path(path), env_dialect(ctx.profile)):
        return failed(
            f"Open WebUI at {ctx.openwebui_url} does not use the connection in {path} yet "
            f"({live}): it has not restarted since the file was written",
            f"restart it so it reads the file ({how}), then check again",
            persistent_config=False,
            **evidence,
        )
    admin = resetup_command(ctx.profile, "--openwebui-url", ctx.openwebui_url or "URL")
    return failed(
        f"Open WebUI at {ctx.openwebui_url} does not use the connection in {path} ({live}). If "
        "it has restarted since the file was written, its database still holds the old "
        "connection: it started before without ENABLE_PERSISTENT_CONFIG=false, so it ignores "
        "edits to the env file (PersistentConfig)",
        f"if it has not restarted yet: {how}, then check again. Otherwise pick one: apply "
        f"through its admin API instead (no restart; the env file no longer matters): {admin}; "
        f"or add the line ENABLE_PERSISTENT_CONFIG=false to {path} and restart it ({how}): it "
        "then takes the connection from the file at every start, and settings changed in its "
        "admin UI are lost at each restart",
        persistent_config=True,
        fixes=["admin-api", "disable-persistent-config"],
        **evidence,
    )


async def openwebui_reach(ctx: CheckContext) -> CheckOutcome:
    if not ctx.openwebui_known:
        return skipped(ctx.openwebui_missing())
    conn = await ctx.gt_connection()
    if conn is None:
        return failed(f"Open WebUI has no connection to {ctx.openai_base} to verify")
    async with ctx.admin() as admin:
        result = await admin.verify_connection(conn.url, conn.key)
    evidence = {"status": result.status, "models": result.model_ids}
    if result.ok:
        return passed(
            f"Open WebUI itself reached {conn.url}/models with its key ({len(result.model_ids)} names)",
            **evidence,
        )
    meaning = {
        401: "the tenant rejected the key Open WebUI holds",
        403: "the key Open WebUI holds is not allowed to list models",
        404: "the base is wrong for Open WebUI (it appends /models to it)",
    }.get(result.status, "Open WebUI could not reach the tenant from its own network")
    return failed(
        f"Open WebUI's own request to {conn.url}/models answered {result.status}: {meaning}"
        + (f" ({result.detail})" if result.detail else ""),
        "check DNS, proxy (NO_PROXY) and CA trust inside the Open WebUI host or container, "
        "and the key in its connection",
        **evidence,
    )


async def task_model(ctx: CheckContext) -> CheckOutcome:
    if not ctx.openwebui_known:
        return skipped(ctx.openwebui_missing())
    async with ctx.admin() as admin:
        tasks = await admin.get_tasks_config()
    chosen = str(tasks.get("TASK_MODEL_EXTERNAL") or "")
    if not chosen:
        return passed("no external task model is set: titles use the chat model itself")
    conn = await ctx.gt_connection()
    prefix = str((conn.config.get("prefix_id") if conn else "") or "")
    name = chosen.removeprefix(prefix + ".") if prefix else chosen
    allowed = chat_models(ctx.profile)
    if name in allowed:
        return passed(f"the task model {chosen} is a name the key may use", task_model=chosen)
    return failed(
        f"Open WebUI's task model (title generation) is {chosen}, not a name this key may use "
        f"({', '.join(allowed) or 'none'})",
        f"set TASK_MODEL_EXTERNAL to one of {', '.join(allowed) or 'the allowlisted names'} "
        "(Admin Panel > Settings > Interface), or clear it",
        task_model=chosen,
        allowed=allowed,
    )
