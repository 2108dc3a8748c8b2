"""Build a CheckContext for a saved profile: find the key, Open WebUI and its credential.

Shared by `gtwizard check` and the check screens so both check exactly the same things. A store
that cannot be read does not stop the run: the key is then looked up in the target, and the
'Stored key readable' check reports the store's problem.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from gtwizard.checks.context import CheckContext
from gtwizard.kinds import TargetKind

if TYPE_CHECKING:
    from gtwizard.presets.catalog import Catalog
    from gtwizard.profiles import Profile
    from gtwizard.secrets import SecretStore


def env_dialect(profile: Profile) -> str:
    """How the env file is read (docker, compose, systemd), as setup recorded it."""
    dialect = profile.env_dialect
    return dialect if isinstance(dialect, str) and dialect else "docker"


async def _read(store: SecretStore, entry: str) -> str | None:
    from gtwizard.errors import GtwizardError

    try:
        return await asyncio.to_thread(store.get, entry)
    except GtwizardError:
        return None


def _key_from_env_file(profile: Profile, openai_base: str) -> str | None:
    from gtwizard.errors import GtwizardError
    from gtwizard.openwebui.gtentry import is_gt_entry
    from gtwizard.openwebui.persistent import read_env_config

    try:
        env = read_env_config(Path(profile.target_place), env_dialect(profile))
    except (GtwizardError, OSError):
        return None
    # effective_openai_config types its values `object`; these two are lists of strings
    urls = list(env.openai["OPENAI_API_BASE_URLS"])  # type: ignore[call-overload]
    keys = list(env.openai["OPENAI_API_KEYS"])  # type: ignore[call-overload]
    for index, url in enumerate(urls):
        if is_gt_entry(url, openai_base) and index < len(keys) and keys[index]:
            return keys[index]
    return None


async def context_for_profile(
    profile: Profile,
    catalog: Catalog,
    *,
    timeout: float,
    test_user: tuple[str, str] | None = None,
    openwebui_token: str | None = None,
    operator_token: str | None = None,
    withheld: str | None = None,
) -> CheckContext:
    """Resolve the key (store, then target) and the Open WebUI admin credential: the one passed,
    else the one stored with the profile. Keyring calls run off the event loop.

    The environment is never read here: the edge of the run decides which of its credentials may
    go to this profile (gtwizard/credentials.py) and passes them, with `withheld` saying why the
    environment's admin credential was not (shown where the Open WebUI checks cannot run)."""
    from gtwizard.credentials import openwebui_url_of
    from gtwizard.errors import GtwizardError
    from gtwizard.profiles import profile_store
    from gtwizard.secrets import admin_entry, key_entry

    try:
        store: SecretStore | None = await asyncio.to_thread(profile_store, profile, timeout)
    except GtwizardError:
        store = None
    api_key = None
    if store is not None and profile.key_id:
        api_key = await _read(store, key_entry(profile.name, profile.key_id))
    token = openwebui_token or None
    if token is None and store is not None:
        token = await _read(store, admin_entry(profile.name))
    ca = profile.ca_bundle
    ctx = CheckContext(
        profile=profile,
        api_key=api_key,
        catalog=catalog,
        openwebui_url=openwebui_url_of(profile),
        openwebui_token=token,
        operator_token=operator_token,
        openwebui_withheld=None if token else withheld,
        test_user=test_user,
        ca_bundle=ca if isinstance(ca, str) and ca else None,
        timeout=timeout,
        allow_http_openwebui=profile.allow_http_openwebui is True,
    )
    if ctx.api_key is None and profile.target_kind == TargetKind.ENV_FILE and profile.target_place:
        ctx.api_key = _key_from_env_file(profile, ctx.openai_base)
    if ctx.api_key is None and ctx.openwebui_known:
        try:
            conn = await asyncio.wait_for(ctx.gt_connection(), timeout)
        except (GtwizardError, TimeoutError):
            conn = None
        ctx.api_key = conn.key if conn and conn.key else None
    return ctx
