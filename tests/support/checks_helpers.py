"""Build real check state for tests: a key seeded on the sandbox, a stored key, a saved profile."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from gtwizard.checks.context import CheckContext, applied_models
from gtwizard.presets.catalog import load_catalog
from gtwizard.profiles import Profile, save_profile
from gtwizard.sandbox.catalog import DEMO_AGENT_ALIASES, DEMO_RAW_MODELS
from gtwizard.secrets import FileStore, key_entry

CHAT = ["inference:chat"]


def make_profile(
    sandbox: Any,
    tmp: Path,
    *,
    scopes: list[str] | None = None,
    key_aliases: list[str] | None = None,
    key_raw: list[str] | None = None,
    name: str = "work",
    **fields: Any,
) -> tuple[Profile, str]:
    """Seed a key on the sandbox, store it in a file store, save a profile; return it and the key."""
    scopes = scopes or CHAT
    key_id, secret = sandbox.seed_key(
        scopes,
        agent_aliases=DEMO_AGENT_ALIASES if key_aliases is None else key_aliases,
        raw_models=DEMO_RAW_MODELS if key_raw is None else key_raw,
    )
    store_path = tmp / "secrets" / "secrets.json"
    FileStore(store_path).put(key_entry(name, key_id), secret)
    values: dict[str, Any] = {
        "tenant_host": f"http://{sandbox.host}",
        "openai_base": sandbox.base_url + "/v1",
        "key_preset": "chat-client",
        "scopes": list(scopes),
        "agent_aliases": list(DEMO_AGENT_ALIASES),
        "raw_models": list(DEMO_RAW_MODELS),
        "key_id": key_id,
        "key_created_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
        "storage_kind": "file",
        "storage_location": str(store_path),
        "target_kind": "env-file",
        "target_place": str(tmp / "openwebui.env"),
    }
    values.update(fields)
    profile = Profile(name=name, **values)
    save_profile(profile)
    return profile, secret


def write_env_file(profile: Profile, key: str, model_ids: list[str] | None = None) -> None:
    """The env file setup would have written for this profile."""
    configs = {
        "0": {
            "enable": True,
            "model_ids": applied_models(profile) if model_ids is None else model_ids,
            "prefix_id": "",
            "tags": [],
            "connection_type": "external",
        }
    }
    Path(profile.target_place).write_text(
        f"ENABLE_OPENAI_API=true\nOPENAI_API_BASE_URL={profile.openai_base}\n"
        f"OPENAI_API_KEY={key}\nOPENAI_API_CONFIGS={json.dumps(configs, separators=(',', ':'))}\n"
    )


def write_runbook(profile: Profile) -> Path:
    """The runbook `gtwizard runbook` writes (it also records its path in the profile)."""
    from gtwizard.runbook import write_runbook as write

    return write(profile)


def context(profile: Profile, key: str | None, **kw: Any) -> CheckContext:
    kw.setdefault("timeout", 10.0)
    return CheckContext(profile=profile, api_key=key, catalog=load_catalog(), **kw)


def statuses(report: Any) -> dict[str, str]:
    return {r.id: r.status for r in report.results}
