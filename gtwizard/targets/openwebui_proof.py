"""Proof through Open WebUI, for every target that configures it (env file, admin API, a
Kubernetes Secret): it holds the key (read back through its admin API) and an ordinary user chats
through it with every model; and the env-file edit a started Open WebUI would ignore, refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gtwizard.errors import OperationFailed

if TYPE_CHECKING:
    from gtwizard.profiles import Profile
    from gtwizard.targets.base import ClientTarget, ProofRequest
    from gtwizard.targets.openwebui import EnvFileTarget

CHAT_PROMPT = "gtwizard rotation check: reply with one short sentence."
CLEANUP_TIMEOUT = 10.0  # the temporary user is deleted even after a failed proof


async def uses_key(
    url: str,
    token: str,
    secret: str,
    openai_base: str,
    *,
    ca_bundle: str | None,
    allow_http: bool,
) -> bool:
    """Open WebUI's GT connection holds `secret` now (what it really uses, from its admin API)."""
    from gtwizard.openwebui.connection import admin_api_key

    held = await admin_api_key(url, token, openai_base, ca_bundle=ca_bundle, allow_http=allow_http)
    return held == secret


async def prove_in_openwebui(
    target: ClientTarget,
    url: str | None,
    token: str | None,
    request: ProofRequest,
    *,
    embeddings: bool,
    allow_http: bool = False,
) -> str:
    """Open WebUI holds the new key and an ordinary (temporary) user chats through it with
    every model; with `embeddings`, its embedding settings hold the key too."""
    from gtwizard.targets.base import ProofUnavailable

    if not (url and token):
        missing = (
            f"no admin credential for Open WebUI at {url}" if url else "no Open WebUI URL is known"
        )
        raise ProofUnavailable(f"the key cannot be proven where Open WebUI uses it: {missing}")
    ca = request.ca_bundle
    if not await uses_key(
        url, token, request.secret, request.openai_base, ca_bundle=ca, allow_http=allow_http
    ):
        hint = ""
        step = target.restart_step(request.profile)
        if step is not None:
            hint = (
                f"restart it so it reads {target.place} ({'; '.join(step.commands)}) and run this "
                f"again; if it has restarted, gtwizard check --profile {request.profile.name} "
                "says whether its database kept the old connection"
            )
        raise OperationFailed(
            f"Open WebUI at {url} does not use the new key: its GT connection holds another", hint
        )
    proofs = [await _chat_as_user(url, token, request, allow_http=allow_http)]
    if embeddings and request.profile.embeddings:
        proofs.append(await _embedding_key(url, token, request, allow_http=allow_http))
    return "; ".join(proofs)


async def _chat_as_user(url: str, token: str, request: ProofRequest, *, allow_http: bool) -> str:
    """A chat per model through Open WebUI as an ordinary (temporary) user: the client's view."""
    import asyncio
    import contextlib

    from gtwizard.openwebui.admin import OpenWebUIAdmin
    from gtwizard.openwebui.gtentry import chat_models
    from gtwizard.openwebui.users import add_temporary_user, sign_in_ordinary

    def client(credential: str | None) -> OpenWebUIAdmin:
        return OpenWebUIAdmin(
            url,
            credential,
            ca_bundle=request.ca_bundle,
            timeout=request.timeout,
            allow_http=allow_http,
        )

    models = chat_models(request.profile)
    async with client(token) as admin:
        user_id, email, password = await add_temporary_user(admin)
    try:
        async with client(None) as anonymous:
            user_token = await sign_in_ordinary(anonymous, email, password)
        async with client(user_token) as user:
            for index, model in enumerate(models):
                # the one proof rule of checks and rotation: an answer with text; the first
                # model streamed, as Open WebUI's chat does
                await user.chat_proof(model, CHAT_PROMPT, stream=index == 0)
    finally:
        with contextlib.suppress(Exception):
            async with client(token) as admin:
                await asyncio.wait_for(admin.delete_user(user_id), CLEANUP_TIMEOUT)
    return f"an ordinary Open WebUI user chatted with {', '.join(models)}"


async def _embedding_key(url: str, token: str, request: ProofRequest, *, allow_http: bool) -> str:
    from gtwizard.openwebui.admin import OpenWebUIAdmin

    async with OpenWebUIAdmin(
        url, token, ca_bundle=request.ca_bundle, allow_http=allow_http
    ) as admin:
        config = await admin.get_embedding_config()
    openai_config = config.get("openai_config") if isinstance(config, dict) else None
    key = openai_config.get("key") if isinstance(openai_config, dict) else None
    if key != request.secret:
        raise OperationFailed("Open WebUI's embedding settings do not hold the new key")
    return "Open WebUI embeds with the new key"


async def refuse_ignored_env_file(
    target: EnvFileTarget, profile: Profile, *, ca_bundle: str | None
) -> None:
    """An Open WebUI that has started keeps its connections in its database: an env-file edit
    would change nothing there, so say so before minting instead of pretending."""
    from gtwizard.openwebui.envfile import EnvFile, read_env_bytes
    from gtwizard.openwebui.persistent import check_admin_url, env_is_authoritative

    if not target.admin_url:
        return
    data, _ = read_env_bytes(target.path)
    if env_is_authoritative(EnvFile.parse(data, target.dialect).values()):
        return
    warning = await check_admin_url(target.admin_url, ca_bundle=ca_bundle)
    if warning is not None:
        from gtwizard.nextsteps import resetup_command

        admin = resetup_command(profile, "--openwebui-url", target.admin_url)
        raise OperationFailed(
            f"an env-file rotation would not take effect: {warning.message} ({warning.evidence})",
            f"rotate through its admin API instead: {admin}; or add the line "
            f"ENABLE_PERSISTENT_CONFIG=false to {target.path} and restart Open WebUI",
        )
