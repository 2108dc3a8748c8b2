"""The child process of the crash-safety suite: apply numbered versions in a loop until killed.

Run as `python crash_driver.py env|config DIR`. It continues from the version it finds on disk,
applies the next one through the real product code (`apply_plan` for the env file,
`save_profile` for config.toml), prints `ready` once the first new version is complete, and keeps
going until the test kills it with SIGKILL. The test imports the same version builders to know
exactly which bytes a complete version has.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from gtwizard.openwebui.envfile import EnvFile, apply_plan, plan_env_file, plan_text
from gtwizard.openwebui.gtentry import GtConnection
from gtwizard.profiles import Profile, load_profiles, save_profile

ENV_NAME = "owui.env"
KEY_PREFIX = "gtak_crash"
BASE = "https://tenant.example.com/api/tenant/v1"
PROFILE = "crash"


def initial_env() -> bytes:
    """Version 0: an operator's file with unrelated lines (large enough that a write takes time)."""
    lines = ["# Open WebUI settings, kept by hand", "WEBUI_NAME=Crash lab", "export PORT=8080"]
    lines += [f"# note {i:04d}: unrelated text that must survive every apply" for i in range(400)]
    return ("\n".join(lines) + "\n").encode()


def env_connection(version: int) -> GtConnection:
    return GtConnection(BASE, f"{KEY_PREFIX}{version:08d}", ("helpdesk", "finance-analyst"))


def env_version(data: bytes) -> int:
    """Which version these bytes claim to be (0 before the first apply)."""
    key = EnvFile.parse(data).get("OPENAI_API_KEY")
    return int(key[len(KEY_PREFIX) :]) if key else 0


def next_env_bytes(previous: bytes, version: int) -> bytes:
    return plan_text(previous, env_connection(version)).new_bytes


def profile_for(version: int) -> Profile:
    """Version N of the one profile; the long lists make each write take a little while."""
    return Profile(
        name=PROFILE,
        tenant_host="tenant.example.com",
        openai_base=BASE,
        key_id=f"key-{version:08d}",
        raw_models=[f"model-{version:08d}-{i:03d}" for i in range(300)],
    )


def config_version() -> int:
    profile = load_profiles().get(PROFILE)
    return int(profile.key_id.removeprefix("key-")) if profile else 0


def run_env(directory: Path) -> None:
    path = directory / ENV_NAME
    version = env_version(path.read_bytes())
    first = True
    while True:
        version += 1
        apply_plan(plan_env_file(path, env_connection(version)))
        if first:
            print("ready", flush=True)
            first = False


def run_config(directory: Path) -> None:
    os.environ["GTWIZARD_CONFIG_DIR"] = str(directory)
    version = config_version()
    first = True
    while True:
        version += 1
        save_profile(profile_for(version))
        if first:
            print("ready", flush=True)
            first = False


if __name__ == "__main__":
    kind, where = sys.argv[1], Path(sys.argv[2])
    (run_env if kind == "env" else run_config)(where)
