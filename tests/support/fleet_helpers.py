"""Many saved profiles at once, for the tests of what must stay quick with 1,000 of them."""

from __future__ import annotations

import datetime as dt

import tomli_w

from gtwizard.paths import ensure_private_dir
from gtwizard.profiles import LastCheck, Profile, config_path


def write_profiles(count: int) -> None:
    """`count` saved profiles in one write (saving them one by one takes count² time)."""
    now = dt.datetime.now(dt.UTC)
    tables = {}
    for i in range(count):
        profile = Profile(
            name=f"host{i:04d}",
            tenant_host=f"tenant{i % 7}.example.com",
            openai_base=f"https://tenant{i % 7}.example.com/api/tenant/v1",
            key_preset="chat-client",
            scopes=["inference:chat"],
            agent_aliases=["helpdesk"],
            key_id=f"key_{i:016x}",
            key_created_at=now - dt.timedelta(days=i % 120),
            storage_kind="none",
            target_kind="env-file",
            target_place=f"/srv/owui{i}/env",
            last_check=LastCheck(now, True, {"pass": 5}),
        )
        tables[profile.name] = profile.to_dict()
    ensure_private_dir(config_path().parent)
    doc = {"version": 1, "default_profile": "host0000", "profiles": tables}
    config_path().write_text(tomli_w.dumps(doc))
