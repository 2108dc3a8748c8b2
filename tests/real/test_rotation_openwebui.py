"""Rotation against the sandbox tenant and a real Open WebUI 0.12.4 (admin-API target).

An ordinary Open WebUI user chats through Open WebUI the whole time a rotation runs (a background
thread); not one of those requests may fail, including across a SIGKILL after any step and the
--resume that follows, except Open WebUI's own "Model not found" at the instant a connection is
saved, which it does to in-flight chats on any save (counted apart, at most one per save; see
chat_stream.py and benchmarks/openwebui_save_race.py). One Open WebUI instance serves the whole
module.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Iterator

import pytest
from support.chat_stream import ChatStream
from support.owui_fixture import OpenWebUI, admin_token, start_openwebui, stop_openwebui
from support.rotation_helpers import (
    NAMES,
    gtwizard,
    journal,
    key_status,
    setup_profile,
    stored_key,
    tenant_key,
)

from gtwizard.openwebui.admin import OpenWebUIAdmin
from gtwizard.profiles import get_profile
from gtwizard.rotation import CRASH_HOOK_ENV, STEPS, journal_path

pytestmark = pytest.mark.openwebui

EMBED_MODEL = "text-embedding-small"


@pytest.fixture(scope="module")
def owui(sandbox: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenWebUI]:
    inst = start_openwebui(tmp_path_factory.mktemp("owui-rotate"))
    try:
        yield inst
    finally:
        stop_openwebui(inst)


@pytest.fixture(scope="module")
def env(owui: OpenWebUI, sandbox) -> dict[str, str]:
    return {
        "GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token,
        "GTWIZARD_OPENWEBUI_TOKEN": admin_token(owui),
    }


def owui_gt_key(owui: OpenWebUI, openai_base: str, token: str) -> str:
    """The key Open WebUI holds for the GT connection (read back through its admin API)."""

    async def go() -> str:
        async with OpenWebUIAdmin(owui.url, token) as admin:
            config = await admin.get_openai_config()
        return config.keys[config.urls.index(openai_base)]

    return asyncio.run(go())


def owui_embedding_key(owui: OpenWebUI, token: str) -> str:
    async def go() -> str:
        async with OpenWebUIAdmin(owui.url, token) as admin:
            return (await admin.get_embedding_config())["openai_config"]["key"]

    return asyncio.run(go())


def admin_target(owui: OpenWebUI) -> list[str]:
    return ["--openwebui-url", owui.url]


def test_rotate_under_steady_chat(owui: OpenWebUI, sandbox, env) -> None:
    before = setup_profile(
        sandbox,
        "live",
        [*admin_target(owui), "--embeddings", "--embedding-model", EMBED_MODEL],
        env,
        names=[*NAMES, EMBED_MODEL],
    )
    old_secret = stored_key(before)
    assert (
        old_secret
        and owui_gt_key(owui, before.openai_base, env["GTWIZARD_OPENWEBUI_TOKEN"]) == old_secret
    )

    with ChatStream(owui, env["GTWIZARD_OPENWEBUI_TOKEN"]) as stream:
        out = gtwizard(["rotate", "--profile", "live", "--yes", "--json"], env=env)
        stream.settle()
    assert out.returncode == 0, out.stderr
    assert stream.failures == [] and stream.ok > 0
    assert len(stream.cache_blips) <= 1, stream.cache_blips  # one connection save
    result = json.loads(out.stdout)
    assert result["ok"] and {s["status"] for s in result["steps"]} == {"done"}
    verify = next(s["detail"] for s in result["steps"] if s["name"] == "verify")
    assert "ordinary Open WebUI user" in verify and "embed" in verify

    after = get_profile("live")
    new_secret = stored_key(after)
    assert new_secret and after.key_id == result["new_key_id"] != before.key_id
    assert key_status(sandbox, old_secret) == 401
    assert (
        owui_gt_key(owui, after.openai_base, env["GTWIZARD_OPENWEBUI_TOKEN"])[-4:]
        == new_secret[-4:]
    )
    assert owui_embedding_key(owui, env["GTWIZARD_OPENWEBUI_TOKEN"]) == new_secret
    assert new_secret not in out.stdout + out.stderr


def test_crash_after_every_step_resume_keeps_chat_working(owui: OpenWebUI, sandbox, env) -> None:
    setup_profile(sandbox, "crash", admin_target(owui), env)
    with ChatStream(owui, env["GTWIZARD_OPENWEBUI_TOKEN"]) as stream:
        for step in STEPS:
            before = get_profile("crash")
            old_secret = stored_key(before)
            assert old_secret
            crashed = gtwizard(
                ["rotate", "--profile", "crash", "--yes"], env={**env, CRASH_HOOK_ENV: step}
            )
            assert crashed.returncode == -signal.SIGKILL, (step, crashed.stderr)
            # at rest after the crash, Open WebUI holds a key the tenant accepts
            assert (
                key_status(
                    sandbox, owui_gt_key(owui, before.openai_base, env["GTWIZARD_OPENWEBUI_TOKEN"])
                )
                == 200
            ), step
            resumed = gtwizard(["rotate", "--profile", "crash", "--resume", "--json"], env=env)
            assert resumed.returncode == 0, (step, resumed.stderr)
            after = get_profile("crash")
            new_secret = stored_key(after)
            assert new_secret and after.key_id != before.key_id
            assert key_status(sandbox, old_secret) == 401, step
            assert (
                owui_gt_key(owui, after.openai_base, env["GTWIZARD_OPENWEBUI_TOKEN"]) == new_secret
            ), step
            stream.settle()
            assert stream.failures == [], step
    assert stream.failures == [] and stream.ok > len(STEPS)
    assert len(stream.cache_blips) <= 2 * len(STEPS), stream.cache_blips


def test_failed_verification_rolls_back(owui: OpenWebUI, sandbox, env) -> None:
    before = setup_profile(sandbox, "undo", admin_target(owui), env)
    old_secret = stored_key(before)
    assert old_secret
    crashed = gtwizard(
        ["rotate", "--profile", "undo", "--yes"], env={**env, CRASH_HOOK_ENV: "apply"}
    )
    assert crashed.returncode == -signal.SIGKILL
    new_id = journal("undo")["new_key_id"]
    new_secret = stored_key(before, new_id)
    assert (
        new_secret
        and owui_gt_key(owui, before.openai_base, env["GTWIZARD_OPENWEBUI_TOKEN"]) == new_secret
    )
    sandbox.revoke(new_id)  # behind the rotation's back: verification must fail

    out = gtwizard(["rotate", "--profile", "undo", "--resume", "--json"], env=env)
    assert out.returncode == 1, out.stderr
    assert "failed verification" in out.stderr and "rolled back" in out.stderr
    result = json.loads(out.stdout)
    assert result["ok"] is False
    statuses = {s["name"]: s["status"] for s in result["steps"]}
    # the run is over (rolled back): a step it never ran and never will is skipped
    assert statuses["verify"] == "failed" and statuses["revoke-old"] == "skipped"
    assert statuses["rollback"] == "done"

    assert (
        owui_gt_key(owui, before.openai_base, env["GTWIZARD_OPENWEBUI_TOKEN"]) == old_secret
    )  # old key back in the target
    assert key_status(sandbox, old_secret) == 200  # never revoked
    assert tenant_key(sandbox, new_id).revoked
    assert stored_key(before, new_id) is None  # the pending entry is gone
    assert get_profile("undo").key_id == before.key_id
    assert journal("undo")["state"] == "rolled-back"
    with ChatStream(
        owui, env["GTWIZARD_OPENWEBUI_TOKEN"]
    ) as stream:  # users chat with the old key again
        stream.settle()
    assert stream.failures == []
    assert len(stream.cache_blips) <= 2, stream.cache_blips  # apply and rollback saves
    state = journal_path("undo")
    assert old_secret not in state.read_text() and new_secret not in state.read_text()


ADMIN_CASES = [
    ("rotate", "mint:answered", "KILL", False),
    ("rotate", "apply:written", "KILL", False),
    ("rotate", "apply:written", "KILL", True),
    ("rotate", "verify", "INT", False),
    ("rotate", "revoke-old", "KILL", False),
    ("rotate", "apply", "RAISE", False),
    ("setup", "apply:written", "KILL", False),
    ("setup", "apply:written", "KILL", True),
    ("setup", "save", "INT", False),
    ("setup", "mint:answered", "RAISE", False),
]


def test_admin_api_interrupted_inside_steps_then_resolved(owui: OpenWebUI, sandbox, env) -> None:
    """The fault matrix with an admin-API target: rotation and re-setup interrupted inside their
    steps (SIGKILL, Ctrl-C, an error), resolved as gtwizard says; at rest and after, Open WebUI
    holds a live key, no key is orphaned, and an old key goes only after the user-side proof."""
    from support.cli_helpers import mint_setup_args
    from support.lifecycle_helpers import assert_no_orphan, resolve

    from gtwizard.lifecycle.journal import CRASH_SIGNAL_ENV, open_journal

    token = env["GTWIZARD_OPENWEBUI_TOKEN"]
    profile = setup_profile(sandbox, "adm", admin_target(owui), env)
    codes = {"KILL": -signal.SIGKILL, "INT": 130, "RAISE": 1}
    for operation, point, how, abort in ADMIN_CASES:
        where = f"{operation} {point} {how} {'abort' if abort else 'resume'}"
        before = get_profile("adm")
        old_secret = owui_gt_key(owui, profile.openai_base, token)
        assert old_secret == stored_key(before), where
        if operation == "rotate":
            args = ["rotate", "--profile", "adm", "--yes"]
        else:
            args = mint_setup_args(
                sandbox.base_url,
                NAMES,
                "--profile",
                "adm",
                "--yes",
                "--replace",
                *admin_target(owui),
            )
        out = gtwizard(args, env={**env, CRASH_HOOK_ENV: point, CRASH_SIGNAL_ENV: how})
        assert out.returncode == codes[how], (where, out.stderr)
        held = owui_gt_key(owui, profile.openai_base, token)
        assert key_status(sandbox, held) == 200, where
        assert_no_orphan(sandbox, "gtwizard-adm-", where)
        if operation == "rotate" and point != "revoke-old":
            assert key_status(sandbox, old_secret) == 200, f"{where}: revoked before the proof"
        resolve("adm", env, prefer_abort=abort)
        assert open_journal("adm") is None, where
        after = get_profile("adm")
        held = owui_gt_key(owui, profile.openai_base, token)
        assert held == stored_key(after) and key_status(sandbox, held) == 200, where
        if after.key_id != before.key_id:
            assert key_status(sandbox, old_secret) == 401, where
        else:
            assert held == old_secret, where
        assert_no_orphan(sandbox, "gtwizard-adm-", where + " resolved")
