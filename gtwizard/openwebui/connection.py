"""Which Open WebUI connection is the GT one, and which key it holds: one place for setup, checks
and rotation.

Open WebUI keeps OpenAI connections as parallel lists (base URLs, keys, per-index configs), in its
env file at first start and in its database after. A connection is a GT one when it has the
tenant's scheme and host and a path under /api/tenant (gtwizard/openwebui/gtentry.py, the
package's leaf); the key it holds is read back here, never assumed.
"""

from __future__ import annotations

from pathlib import Path

from gtwizard.errors import GtwizardError
from gtwizard.openwebui.gtentry import (
    is_gt_entry as is_gt_entry,
)  # targets/openwebui.py imports it from here


async def env_file_key(path: str, dialect: str, openai_base: str) -> str | None:
    """The key of the GT connection in an Open WebUI env file, as Open WebUI would read it."""
    from gtwizard.openwebui.persistent import read_env_config

    try:
        env = read_env_config(Path(path), dialect)
    except (GtwizardError, OSError):
        return None
    # effective_openai_config types its values `object`; these two are lists of strings
    urls = list(env.openai.get("OPENAI_API_BASE_URLS") or [])  # type: ignore[call-overload]
    keys = list(env.openai.get("OPENAI_API_KEYS") or [])  # type: ignore[call-overload]
    for index, url in enumerate(urls):
        if is_gt_entry(str(url), openai_base) and index < len(keys) and keys[index]:
            return str(keys[index])
    return None


async def admin_api_key(
    url: str,
    token: str,
    openai_base: str,
    *,
    ca_bundle: str | None = None,
    allow_http: bool = False,
) -> str | None:
    """The key of the GT connection in Open WebUI's saved connections (its database)."""
    from gtwizard.openwebui.admin import OpenWebUIAdmin

    async with OpenWebUIAdmin(url, token, ca_bundle=ca_bundle, allow_http=allow_http) as admin:
        config = await admin.get_openai_config()
    for index, entry in enumerate(config.urls):
        if is_gt_entry(entry, openai_base) and index < len(config.keys):
            return config.keys[index] or None
    return None
