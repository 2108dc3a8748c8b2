"""The technical checks that make the checklist trustworthy.

Each one probes the real thing the way the client uses it: the URL exactly as Open WebUI composes
it, the key Open WebUI actually holds, Open WebUI's effective (database) config rather than the env
file, the network path from Open WebUI's side. Naive checks lie (see the project's notes on Open
WebUI traps); these try not to.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from gtwizard.checks.base import Check, CheckOutcome, failed, passed, skipped, warned
from gtwizard.checks.context import CheckContext, applied_models, chat_models, fingerprint
from gtwizard.gt.measure import SCOPE_PROBES, probe_path
from gtwizard.kinds import TargetKind
from gtwizard.tenant import TenantHost

# Routes Open WebUI never needs, with the scope that would open them and a harmless body
# (the same probes that measure a pasted key).
DENIED_PROBES: dict[str, tuple[str, dict[str, Any]]] = {
    f"{method} {path}": (scope, body)
    for scope, (method, path, body) in SCOPE_PROBES.items()
    if scope not in ("inference:chat", "inference:embed")
}
EMBED_ROUTE = "POST /v1/embeddings"
EMBED_SCOPE = "inference:embed"


async def raw_status(
    ctx: CheckContext, method: str, url: str, body: Any, key: str | None = None
) -> tuple[int, str, Any]:
    """Status, OpenAI error code and JSON body of one bare request (no retries, no redirects)."""
    import httpx

    from gtwizard.gt.errors import error_body, to_gt_error
    from gtwizard.gt.http import make_client

    api_key = key if key is not None else ctx.api_key
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    async with make_client(ca_bundle=ctx.ca_bundle, timeout=ctx.timeout, headers=headers) as http:
        try:
            response = await http.request(method, url, json=body)
        except httpx.HTTPError as exc:
            raise to_gt_error(exc, url=url, secrets=ctx.secrets()) from None
    from gtwizard.safetext import loads_untrusted

    err = error_body(response) or {}
    try:
        data = loads_untrusted(response.content)
    except ValueError:
        data = None
    return response.status_code, str(err.get("code") or ""), data


# ---- tenant and key ------------------------------------------------------------------------------


async def tenant_reachable(ctx: CheckContext) -> CheckOutcome:
    from gtwizard.gt.probe import probe_host

    report = await probe_host(ctx.profile.tenant_host, ca_bundle=ctx.ca_bundle, timeout=ctx.timeout)
    steps = {s.name: s.detail for s in report.steps}
    if report.gt_api:
        tls = steps.get("tls", "plain http to a loopback address (sandbox only)")
        return passed(f"{ctx.host.netloc}: {tls}; a GT API answers", steps=steps)
    broken = next((s for s in report.steps if not s.ok), None)
    return failed(
        f"{ctx.host.netloc}: {broken.name} step failed: {broken.detail}"
        if broken
        else f"{ctx.host.netloc} does not answer like a GT API",
        stopped_sandbox_hint(ctx.host) if broken and broken.name == "tcp" else "",
        steps=steps,
    )


def stopped_sandbox_hint(host: TenantHost) -> str:
    """Nothing listens on a loopback tenant: that is a sandbox (demo) that stopped, not DNS/VPN."""
    if not host.is_loopback:
        return ""
    port = host.port or (443 if host.scheme == "https" else 80)
    tunnel = (
        " (or, if it is a tunnel to your tenant, open the tunnel)" if host.scheme == "https" else ""
    )
    return (
        f"the sandbox tenant at {host.netloc} is not running; start it with gtwizard sandbox "
        f"--port {port} or gtwizard demo{tunnel}; a new sandbox does not know this profile's "
        "key: set the profile up again"
    )


async def key_accepted(ctx: CheckContext) -> CheckOutcome:
    if not ctx.api_key:
        return failed(
            "no GT key to check: the stored key could not be read and no target copy was found",
            "see 'Stored key readable'; rotate to mint and store a new key",
        )
    async with ctx.gt_client() as client:
        models = await client.list_models()
    return passed(
        f"the tenant accepts key {fingerprint(ctx.api_key)} ({len(models)} names visible to it)",
        models=[m.id for m in models],
    )


async def key_stored(ctx: CheckContext) -> CheckOutcome:
    from pathlib import Path

    from gtwizard.secrets import key_entry, open_store

    profile = ctx.profile
    if profile.storage_kind == "none":
        return skipped("target-only storage: by choice nothing is kept on this machine")
    if not profile.key_id:
        return failed("the profile records no key id, so there is no entry to read")
    path = Path(profile.storage_location) if profile.storage_kind == "file" else None
    if path is not None and not profile.storage_location:
        path = None
    store = open_store(profile.storage_kind, path=path, timeout=ctx.timeout)
    entry = key_entry(profile.name, profile.key_id)
    secret = await asyncio.to_thread(store.get, entry)
    if not secret:
        return failed(f"no key under {entry} in {store.location}", where=store.location)
    ctx.remember_secret(secret)
    if ctx.api_key and secret != ctx.api_key:
        return warned(
            f"{store.location} holds {fingerprint(secret)}, but the key checked is "
            f"{fingerprint(ctx.api_key)}",
            "rotate, or store the key in use again, so both agree",
        )
    return passed(f"key {profile.key_label} is readable from {store.location}")


async def key_age(ctx: CheckContext) -> CheckOutcome:
    from gtwizard.profiles import key_health

    health = key_health(ctx.profile)
    facts = {"age_days": health.age_days, "expires_in_days": health.expires_in_days}
    if health.expired:
        return failed(health.reason, "rotate now: gtwizard rotate", **facts)
    if health.rotation_due:
        return warned(health.reason, "rotate soon: gtwizard rotate", **facts)
    if health.age_days is None:
        return warned("the key's creation time is unknown", "rotate to start a known age", **facts)
    return passed(
        f"{health.age_days} day(s) old; policy rotates every {ctx.profile.rotation_days} days",
        **facts,
    )


# ---- how the client composes URLs; least privilege -----------------------------------------------


async def base_form(ctx: CheckContext) -> CheckOutcome:
    from gtwizard.baseform import probe_candidate

    base = ctx.openai_base
    result = await probe_candidate(
        base, ctx.api_key or "", ca_bundle=ctx.ca_bundle, timeout=ctx.timeout
    )
    evidence = {"base": base, "status": result.status, "note": result.note}
    if result.status == 200 and not result.final_base:
        return passed(f"{base}/models answers 200, exactly as Open WebUI composes it", **evidence)
    if result.status == 200:
        return failed(
            f"{base} redirects to {result.final_base}: Open WebUI would drop the key on a redirect",
            f"configure {result.final_base} as the base",
            **evidence,
        )
    other = ctx.host.openai_base_v1 if base != ctx.host.openai_base_v1 else ctx.host.gt_base
    why = f"; {result.note}" if result.note else ""
    return failed(
        f"{base}/models answers {result.status}{why}",
        f"the other base form is {other}: run setup again so the wizard probes and picks one",
        **evidence,
    )


async def least_privilege(ctx: CheckContext) -> CheckOutcome:
    product = ctx.catalog.product(ctx.profile.product_preset)
    unneeded = [r.key for r in product.routes if r.verdict != "native" and r.key in DENIED_PROBES]
    base = ctx.host.openai_base_v1

    async def probe(route: str, body: Any) -> tuple[str, int, str]:
        method, path = route.split(" ", 1)
        url = base + probe_path(path.removeprefix("/v1"))
        status, code, _ = await raw_status(ctx, method, url, body)
        return route, status, code

    jobs = [probe(r, DENIED_PROBES[r][1]) for r in unneeded]
    embed_body = {"model": _embed_model(ctx, None), "input": "gtwizard least-privilege probe"}
    jobs.append(probe(EMBED_ROUTE, embed_body))
    answers = await asyncio.gather(*jobs)
    statuses = {route: status for route, status, _ in answers}
    problems: list[str] = []
    for route, status, code in answers:
        denied = status in (401, 403) or (status == 404 and code != "model_not_found")
        if route == EMBED_ROUTE:
            if ctx.profile.embeddings and denied:
                problems.append(
                    f"{route} is denied ({status}) but embeddings are configured: "
                    f"the key needs {EMBED_SCOPE}"
                )
            elif not ctx.profile.embeddings and not denied:
                problems.append(
                    f"{route} is allowed ({status}) though embeddings are not configured: "
                    f"drop {EMBED_SCOPE}"
                )
        elif not denied:
            problems.append(f"{route} is allowed ({status}); it needs {DENIED_PROBES[route][0]}")
    if problems:
        return failed(
            "the key can do more (or less) than the preset needs: " + "; ".join(problems),
            "mint a key with the preset's scopes only (gtwizard rotate keeps the preset)",
            routes=statuses,
        )
    embed = "allowed" if ctx.profile.embeddings else "denied"
    return passed(
        f"unneeded routes denied ({', '.join(f'{r} {statuses[r]}' for r in unneeded)}); "
        f"embeddings {embed} as configured",
        routes=statuses,
    )


def _embed_model(ctx: CheckContext, configured: str | None) -> str:
    if configured:
        return configured
    named = ctx.profile.embedding_model
    if isinstance(named, str) and named:
        return named
    raw = [m for m in ctx.profile.raw_models if "embed" in m.lower()]
    return (raw or ctx.profile.raw_models or ["text-embedding"])[0]


async def embeddings(ctx: CheckContext) -> CheckOutcome:
    from gtwizard.openwebui.gtentry import is_gt_entry

    owui: dict[str, Any] | None = None
    if ctx.openwebui_known:
        async with ctx.admin() as admin:
            conf = await admin.get_embedding_config()
        openai_conf = conf.get("openai_config") or {}
        url = str(openai_conf.get("url") or "")
        if (
            conf.get("RAG_EMBEDDING_ENGINE") == "openai"
            and url
            and is_gt_entry(url, ctx.openai_base)
        ):
            owui = {
                "url": url.rstrip("/"),
                "key": str(openai_conf.get("key") or ""),
                "model": str(conf.get("RAG_EMBEDDING_MODEL") or ""),
            }
            ctx.remember_secret(owui["key"])
        elif ctx.profile.embeddings:
            engine = conf.get("RAG_EMBEDDING_ENGINE") or "local"
            return failed(
                f"embeddings are configured for this profile, but Open WebUI embeds with engine "
                f"'{engine}' at '{url or 'no URL'}', not through GT",
                "apply the profile again (setup) so Open WebUI's embedding settings use the GT base",
            )
    if owui is None and not ctx.profile.embeddings:
        where = " and Open WebUI does not send embeddings to GT" if ctx.openwebui_known else ""
        return skipped(f"embeddings are not configured for this profile{where}")
    url = owui["url"] if owui else ctx.openai_base
    key = owui["key"] if owui else ctx.api_key
    model = _embed_model(ctx, owui["model"] if owui else None)
    who = f"Open WebUI's embedding key {fingerprint(key)}" if owui else "the key"
    # No encoding_format: Open WebUI sends none and reads data[*].embedding as float lists.
    body = {"model": model, "input": ["gtwizard check"]}
    status, code, data = await raw_status(ctx, "POST", url + "/embeddings", body, key=key or "")
    if status == 403:
        return failed(
            f"{url}/embeddings answers 403 for {who}: it lacks {EMBED_SCOPE}",
            "mint a key with the embed scope (chat-embeddings preset), or point Open WebUI's "
            "embeddings elsewhere",
        )
    if status != 200:
        return failed(
            f"{url}/embeddings with model {model} answers {status} ({code or 'no code'}) for {who}"
        )
    items = data.get("data") if isinstance(data, dict) else None
    vectors = [i.get("embedding") for i in items or [] if isinstance(i, dict)]
    if not vectors or not all(
        isinstance(v, list)
        and v
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
        for v in vectors
    ):
        kind = "base64 text" if vectors and isinstance(vectors[0], str) else "not number lists"
        return failed(
            f"{url}/embeddings answered {kind}; Open WebUI needs plain float vectors",
            "the tenant must default to encoding_format float",
        )
    dims = sorted({len(v) for v in vectors if isinstance(v, list)})  # all are, checked above
    note = ""
    if owui and ctx.api_key and owui["key"] != ctx.api_key:
        return warned(
            f"plain float vectors of dimension {dims[0]}, but Open WebUI embeds with "
            f"{fingerprint(owui['key'])}, not the profile's key {fingerprint(ctx.api_key)}",
            "apply the profile again so both use the same key",
            dimension=dims[0],
        )
    return passed(
        f"model {model} returns plain float vectors of dimension {dims[0]}{note}", dimension=dims[0]
    )


# ---- Open WebUI's side ---------------------------------------------------------------------------


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


TECHNICAL_CHECKS: tuple[Check, ...] = (
    Check(
        "tenant-reachable",
        "Tenant reachable",
        "The tenant host resolves, accepts connections, presents a trusted certificate (https; "
        "plain http only to loopback) and serves a GT API.",
        "check the host name, DNS/VPN and proxy; for a private CA pass its certificate "
        "(--ca-bundle)",
        tenant_reachable,
    ),
    Check(
        "key-accepted",
        "Key accepted",
        "The tenant accepts the key the profile uses (GET /v1/models answers 200).",
        "the key is wrong, revoked or expired: rotate (gtwizard rotate) or mint a new one in /gt-api",
        key_accepted,
        requires=("tenant-reachable",),
    ),
    Check(
        "key-stored",
        "Stored key readable",
        "The key can be read back from where the profile says it is stored.",
        "unlock the keyring, or store the key again; a rotation mints and stores a new one",
        key_stored,
    ),
    Check(
        "key-age",
        "Key age within rotation policy",
        "The key is younger than the profile's rotation period and not about to expire.",
        "rotate the key: gtwizard rotate",
        key_age,
    ),
    Check(
        "base-form",
        "Base URL works as the client composes it",
        "GET <base>/models answers 200 for the exact base Open WebUI uses, without redirects.",
        "run setup again so the wizard probes both base forms and picks the working one",
        base_form,
        requires=("key-accepted",),
    ),
    Check(
        "least-privilege",
        "Least privilege",
        "Routes the product does not need are denied to the key, and embeddings are allowed only "
        "when configured.",
        "mint a key with only the preset's scopes and rotate to it",
        least_privilege,
        requires=("key-accepted",),
    ),
    Check(
        "embeddings",
        "Embeddings return float vectors",
        "When embeddings go through GT, the key Open WebUI uses gets plain float vectors without "
        "asking for a format.",
        "give the embedding key the inference:embed scope, or stop routing embeddings to GT",
        embeddings,
        requires=("tenant-reachable",),
    ),
    Check(
        "openwebui-config",
        "Open WebUI config as applied",
        "Open WebUI's effective connection (URL, key, model_ids, OpenAI switch) is what the "
        "wizard applied: no PersistentConfig drift, lost allowlist or shifted index.",
        "apply the profile again through the admin API",
        openwebui_config,
    ),
    Check(
        "openwebui-reach",
        "Open WebUI reaches the tenant",
        "Open WebUI's server, from its own network, reaches the GT base with its stored key.",
        "fix DNS, proxy or CA trust where Open WebUI runs",
        openwebui_reach,
    ),
    Check(
        "task-model",
        "Task model allowed",
        "Open WebUI's background task model (titles, tags) is a name the key may use.",
        "set the external task model to an allowlisted name, or clear it",
        task_model,
    ),
)
