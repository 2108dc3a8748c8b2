"""`rotate --abort` asks a real Open WebUI 0.12.4 which key it runs on (env-file target).

An env-file rotation writes the new key into the file; Open WebUI reads it at its next start.
Not restarted yet, Open WebUI still runs on the old key: the abort puts the old key back in the
file and revokes the new one. Restarted, it runs on the new key: the abort refuses (revoking
that key would break its chats), changes nothing, and offers `--finish`, which then works.
One Open WebUI, started with the env file's values as docker's `--env-file` passes them, and
restarted the same way; ENABLE_PERSISTENT_CONFIG=false so the file wins at each start.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from support.owui_fixture import admin_token, docker_env_file, start_openwebui, stop_openwebui
from support.rotation_helpers import NAMES, gtwizard, journal, key_status, setup_profile

from gtwizard.openwebui.admin import OpenWebUIAdmin
from gtwizard.profiles import get_profile

pytestmark = pytest.mark.openwebui

PROFILE = "envowui"


def env_key(path: Path) -> str:
    return docker_env_file(path)["OPENAI_API_KEY"]


def owui_state(url: str, token: str, openai_base: str, prompt: str) -> tuple[str, str]:
    """The key Open WebUI's GT connection holds, and an answer through it (as its admin)."""

    async def go() -> tuple[str, str]:
        async with OpenWebUIAdmin(url, token) as admin:
            config = await admin.get_openai_config()
            key = config.keys[config.urls.index(openai_base)]
            answer = await admin.chat(NAMES[0], prompt)
        return key, answer.text

    return asyncio.run(go())


def rotate_waiting(op: dict[str, str], env_file: Path) -> str:
    out = gtwizard(["rotate", "--profile", PROFILE, "--yes", "--json"], env=op)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["state"] == "waiting"
    return env_key(env_file)


def test_abort_asks_open_webui_which_key_it_runs_on(sandbox, tmp_path: Path) -> None:
    env_file, data_dir = tmp_path / "owui.env", tmp_path / "data"
    op = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    profile = setup_profile(
        sandbox, PROFILE, ["--env-file", str(env_file), "--disable-persistent-config"], op
    )
    base = profile.openai_base
    old = env_key(env_file)
    owui = start_openwebui(data_dir, docker_env_file(env_file))
    try:
        look = {**op, "GTWIZARD_OPENWEBUI_TOKEN": admin_token(owui)}
        abort = ["rotate", "--profile", PROFILE, "--abort", "--openwebui-url", owui.url]

        # not restarted: Open WebUI runs on the old key, so the abort goes ahead (no terminal)
        first_new = rotate_waiting(op, env_file)
        assert owui_state(owui.url, look["GTWIZARD_OPENWEBUI_TOKEN"], base, "before")[0] == old
        aborted = gtwizard(abort, env=look)
        assert aborted.returncode == 0, aborted.stderr
        assert "does not use the new key" in aborted.stdout
        assert env_key(env_file) == old and key_status(sandbox, old) == 200
        assert key_status(sandbox, first_new) == 401
        assert journal(PROFILE)["state"] == "rolled-back"

        # restarted on the new key: the abort refuses and changes nothing
        new = rotate_waiting(op, env_file)
        stop_openwebui(owui)
        owui = start_openwebui(data_dir, docker_env_file(env_file))
        look["GTWIZARD_OPENWEBUI_TOKEN"] = admin_token(owui)
        abort[-1] = owui.url
        held, _ = owui_state(owui.url, look["GTWIZARD_OPENWEBUI_TOKEN"], base, "restarted")
        assert held == new, "Open WebUI read the new key at its start"
        refused = gtwizard(abort, env=look)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "restarted on the new key" in refused.stderr
        assert "would break its chats" in refused.stderr
        assert f"gtwizard rotate --finish --profile {PROFILE}" in refused.stderr
        assert env_key(env_file) == new, "the file keeps the key Open WebUI runs on"
        assert key_status(sandbox, new) == 200 and key_status(sandbox, old) == 200
        assert journal(PROFILE)["state"] == "waiting"
        held, answer = owui_state(owui.url, look["GTWIZARD_OPENWEBUI_TOKEN"], base, "still up")
        assert held == new and f"Hello from {NAMES[0]} on the GT sandbox" in answer

        # the way it offered: finish (no proof channel in this profile: on the operator's word)
        done = gtwizard(
            ["rotate", "--profile", PROFILE, "--finish", "--revoke-without-proof"], env=op
        )
        assert done.returncode == 0, done.stderr
        assert key_status(sandbox, old) == 401 and key_status(sandbox, new) == 200
        assert get_profile(PROFILE).key_id == journal(PROFILE)["new_key_id"]
        held, answer = owui_state(owui.url, look["GTWIZARD_OPENWEBUI_TOKEN"], base, "after")
        assert held == new and "after" in answer
    finally:
        stop_openwebui(owui)
