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
from gtwizard.checks.context import CheckContext, fingerprint
from gtwizard.checks.openwebui import openwebui_config, openwebui_reach, task_model
from gtwizard.gt.measure import SCOPE_PROBES, probe_path
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
        return passed(f"{base}/models answers 200, exactly as {ctx.client} composes it", **evidence)
    if result.status == 200:
        return failed(
            f"{base} redirects to {result.final_base}: {ctx.client} would drop the key on a "
            "redirect",
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
    # embeddings are the key's to use when configured, or when its preset asks for them (the
    # chat-plus-embeddings key a framework's vector store calls /v1/embeddings with)
    by_preset = not ctx.profile.embeddings and EMBED_SCOPE in _preset_scopes(ctx)
    may_embed = ctx.profile.embeddings or by_preset
    for route, status, code in answers:
        denied = status in (401, 403) or (status == 404 and code != "model_not_found")
        if route == EMBED_ROUTE:
            if ctx.profile.embeddings and denied:
                problems.append(
                    f"{route} is denied ({status}) but embeddings are configured: "
                    f"the key needs {EMBED_SCOPE}"
                )
            elif not may_embed and not denied:
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
    embed = "allowed" if may_embed else "denied"
    why = f"as key preset {ctx.profile.key_preset} asks" if by_preset else "as configured"
    return passed(
        f"unneeded routes denied ({', '.join(f'{r} {statuses[r]}' for r in unneeded)}); "
        f"embeddings {embed} {why}",
        routes=statuses,
    )


def _preset_scopes(ctx: CheckContext) -> tuple[str, ...]:
    """The scopes of the profile's key preset (none when the catalog no longer has it)."""
    from gtwizard.errors import GtwizardError

    try:
        return tuple(ctx.catalog.key_preset(ctx.profile.key_preset).scopes)
    except GtwizardError:
        return ()


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
        openwebui_only=True,
    ),
    Check(
        "openwebui-reach",
        "Open WebUI reaches the tenant",
        "Open WebUI's server, from its own network, reaches the GT base with its stored key.",
        "fix DNS, proxy or CA trust where Open WebUI runs",
        openwebui_reach,
        openwebui_only=True,
    ),
    Check(
        "task-model",
        "Task model allowed",
        "Open WebUI's background task model (titles, tags) is a name the key may use.",
        "set the external task model to an allowlisted name, or clear it",
        task_model,
        openwebui_only=True,
    ),
)
