"""Helpers for the rotation and runbook tests: run the CLI, set up a profile, read keys back."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gtwizard.gt.client import GTClient
from gtwizard.gt.errors import Unauthorized
from gtwizard.gt.keys import KeyManager, KeyRecord
from gtwizard.profiles import Profile, get_profile
from gtwizard.rotation import journal_path
from gtwizard.secrets import key_entry, open_store
from support.cli_helpers import mint_setup_args, run_cli

NAMES = ["helpdesk", "research-assistant"]


def command_line(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "gtwizard", *args]


def gtwizard(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    drop: Sequence[str] = (),
    stdin: str = "",
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run gtwizard in a child process with the test's environment (rotation runs are long)."""
    return run_cli(args, env=env, drop=drop, stdin=stdin, timeout=timeout)


def setup_profile(
    sandbox: Any,
    profile: str,
    target: Sequence[str],
    env: Mapping[str, str],
    storage: str = "file",
    names: Sequence[str] = NAMES,
) -> Profile:
    """`gtwizard setup --mint` for `names` into `target` (flags), then the saved profile."""
    out = run_cli(
        mint_setup_args(
            sandbox.base_url,
            names,
            "--profile",
            profile,
            "--yes",
            "--json",
            *target,
            storage=storage,
        ),
        env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token, **env},
    )
    assert out.returncode == 0, out.stderr
    return get_profile(profile)


def stored_key(profile: Profile, key_id: str | None = None) -> str | None:
    path = Path(profile.storage_location) if profile.storage_kind == "file" else None
    return open_store(profile.storage_kind, path=path).get(
        key_entry(profile.name, key_id or profile.key_id)
    )


def journal(profile: str) -> dict[str, Any]:
    return json.loads(journal_path(profile).read_text())


async def _key_status(base_url: str, secret: str) -> int:
    async with GTClient(base_url, secret, max_retries=0) as client:
        try:
            await client.list_models()
        except Unauthorized:
            return 401
    return 200


def key_status(sandbox: Any, secret: str) -> int:
    """200 when the tenant accepts the key, 401 when it refuses it."""
    return asyncio.run(_key_status(sandbox.base_url, secret))


def tenant_key(sandbox: Any, key_id: str) -> KeyRecord:
    async def go() -> KeyRecord:
        async with KeyManager(sandbox.base_url, sandbox.operator_token) as manager:
            return await manager.get_key(key_id)

    return asyncio.run(go())


def tenant_keys(sandbox: Any) -> list[KeyRecord]:
    async def go() -> list[KeyRecord]:
        async with KeyManager(sandbox.base_url, sandbox.operator_token) as manager:
            return await manager.list_keys()

    return asyncio.run(go())
