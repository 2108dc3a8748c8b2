"""Live checks against a real Open WebUI 0.12.4 and the sandbox tenant (one Open WebUI per module).

Tests here share one instance and run in file order: access grants and settings made by an earlier
test stay in place for later ones, and each test says what it relies on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.checks_helpers import context, make_profile, statuses, write_runbook
from support.owui_fixture import OpenWebUI, start_openwebui, stop_openwebui
from support.owui_fixture import admin_token as sign_in

from gtwizard.checks import all_checks, run_checks
from gtwizard.checks.context import applied_models, chat_models
from gtwizard.commands import check as check_command
from gtwizard.openwebui.admin import OpenAIConfig, OpenWebUIAdmin
from gtwizard.profiles import Profile

pytestmark = pytest.mark.openwebui

TIMEOUT = 30.0


@pytest.fixture(scope="module")
def owui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenWebUI]:
    inst = start_openwebui(tmp_path_factory.mktemp("owui-checks"))
    try:
        yield inst
    finally:
        stop_openwebui(inst)


@pytest.fixture(scope="module")
def admin_token(owui: OpenWebUI) -> str:
    return sign_in(owui)


async def apply(owui: OpenWebUI, token: str, profile: Profile, key: str, models: list[str]) -> None:
    """What setup does through the admin API: the GT connection with the applied model_ids."""
    async with OpenWebUIAdmin(owui.url, token) as admin:
        await admin.upsert_gt_connection(profile.openai_base, key, models)


def setup_profile(sandbox: Any, tmp_path: Path, owui: OpenWebUI, **kw: Any) -> tuple[Profile, str]:
    profile, key = make_profile(
        sandbox, tmp_path, target_kind="admin-api", target_place=owui.url, **kw
    )
    write_runbook(profile)
    return profile, key


async def check_all(profile: Profile, key: str, owui: OpenWebUI, token: str) -> Any:
    ctx = context(profile, key, openwebui_url=owui.url, openwebui_token=token, timeout=TIMEOUT)
    return await run_checks(all_checks(), ctx)


async def user_emails(owui: OpenWebUI, token: str) -> list[str]:
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:
        body = (await http.get(owui.url + "/api/v1/users/", timeout=30)).json()
    users = body.get("users", []) if isinstance(body, dict) else body
    return [u["email"] for u in users]


async def test_user_without_grant_fails_while_admin_works_then_all_pass(
    sandbox: Any, tmp_path: Path, owui: OpenWebUI, admin_token: str
) -> None:
    profile, key = setup_profile(sandbox, tmp_path, owui)
    models = applied_models(profile)  # the whole allowlist, as setup applies it
    await apply(owui, admin_token, profile, key, models)

    report = await check_all(profile, key, owui, admin_token)
    chat = report.result("chat")
    assert chat.status == "fail", chat
    assert "Model not found" in chat.detail
    assert "the admin sees" in chat.detail
    assert "access" in chat.hint
    assert sorted(chat.evidence["admin_models"]) == sorted(models)
    async with OpenWebUIAdmin(owui.url, admin_token) as admin:
        assert (
            await admin.chat(chat_models(profile)[0], "hello")
        ).text  # the admin's view looks fine
        for name in models:
            await admin.grant_model_access(name, "*")

    report = await check_all(profile, key, owui, admin_token)
    got = statuses(report)
    assert got.pop("embeddings") == "skip"  # not configured, and Open WebUI does not embed via GT
    assert set(got.values()) == {"pass"}, [r for r in report.results if r.status != "pass"]
    assert report.result("no-leak").evidence["user_models"] == sorted(models)
    assert report.ok
    # the temporary user was deleted again
    assert not [e for e in await user_emails(owui, admin_token) if e.startswith("gtwizard-check")]


def test_command_reports_all_passing_as_json(
    sandbox: Any,
    tmp_path: Path,
    owui: OpenWebUI,
    admin_token: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Relies on the grants made by the previous test (same model names)."""
    profile, key = setup_profile(sandbox, tmp_path, owui)
    asyncio.run(apply(owui, admin_token, profile, key, applied_models(profile)))
    monkeypatch.setenv("GTWIZARD_OPENWEBUI_TOKEN", admin_token)
    parser = argparse.ArgumentParser(prog="gtwizard")
    check_command.register(parser.add_subparsers())
    args = parser.parse_args(["check", "--json", "--timeout", str(TIMEOUT)])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert key not in out and admin_token not in out
    data = json.loads(out)
    assert data["ok"] is True
    failing = [c for c in data["checks"] if c["status"] not in ("pass", "skip")]
    assert failing == []


async def test_existing_test_user_is_used_and_kept(
    sandbox: Any, tmp_path: Path, owui: OpenWebUI, admin_token: str
) -> None:
    profile, key = setup_profile(sandbox, tmp_path, owui)
    await apply(owui, admin_token, profile, key, applied_models(profile))
    email, password = "plain-checker@owui.test", "plain-checker-pass-1"
    async with OpenWebUIAdmin(owui.url, admin_token) as admin:
        user_id = await admin.add_user("Plain Checker", email, password)
    try:
        ctx = context(
            profile,
            key,
            openwebui_url=owui.url,
            openwebui_token=admin_token,
            test_user=(email, password),
            timeout=TIMEOUT,
        )
        report = await run_checks(all_checks(), ctx)
        assert report.result("chat").status == "pass"
        assert email in report.result("chat").detail
        assert email in await user_emails(owui, admin_token)
        # an admin as "test user" proves nothing and is refused
        ctx = context(
            profile,
            key,
            openwebui_url=owui.url,
            openwebui_token=admin_token,
            test_user=(owui.admin_email, owui.admin_password),
            timeout=TIMEOUT,
        )
        refused = (await run_checks(all_checks(), ctx)).result("chat")
        assert refused.status == "fail" and "admin" in refused.detail
    finally:
        async with OpenWebUIAdmin(owui.url, admin_token) as admin:
            await admin.delete_user(user_id)


async def test_config_changed_behind_the_wizards_back_fails_drift_and_no_leak(
    sandbox: Any, tmp_path: Path, owui: OpenWebUI, admin_token: str
) -> None:
    profile, key = setup_profile(sandbox, tmp_path, owui)
    models = applied_models(profile)
    await apply(owui, admin_token, profile, key, models)
    assert (await check_all(profile, key, owui, admin_token)).result("openwebui-config").status == (
        "pass"
    )
    # someone widens model_ids in Open WebUI and grants the extra model to everyone
    await apply(owui, admin_token, profile, key, [*models, "finance-analyst"])
    async with OpenWebUIAdmin(owui.url, admin_token) as admin:
        await admin.grant_model_access("finance-analyst", "*")
    report = await check_all(profile, key, owui, admin_token)
    drift = report.result("openwebui-config")
    assert drift.status == "fail" and "finance-analyst" in drift.detail
    leak = report.result("no-leak")
    assert leak.status == "fail" and "finance-analyst" in leak.detail
    assert "finance-analyst" in leak.evidence["user_models"]
    # and a key swapped behind our back: named by its last four characters only
    _, other = sandbox.seed_key(["inference:chat"], agent_aliases=["helpdesk"])
    async with OpenWebUIAdmin(owui.url, admin_token) as admin:
        config = await admin.get_openai_config()
        keys = [other if k == key else k for k in config.keys]
        await admin.update_openai_config(OpenAIConfig(True, config.urls, keys, config.configs))
    drift = (await check_all(profile, key, owui, admin_token)).result("openwebui-config")
    assert drift.status == "fail" and f"key is …{other[-4:]}" in drift.detail
    assert other not in drift.detail


async def test_task_model_outside_the_allowlist_fails(
    sandbox: Any, tmp_path: Path, owui: OpenWebUI, admin_token: str
) -> None:
    profile, key = setup_profile(sandbox, tmp_path, owui)
    await apply(owui, admin_token, profile, key, applied_models(profile))
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with httpx.AsyncClient(base_url=owui.url, headers=headers, timeout=30) as http:
        tasks = (await http.get("/api/v1/tasks/config")).json()
        tasks["TASK_MODEL_EXTERNAL"] = "finance-analyst"
        (await http.post("/api/v1/tasks/config/update", json=tasks)).raise_for_status()
        try:
            result = (await check_all(profile, key, owui, admin_token)).result("task-model")
            assert result.status == "fail" and "finance-analyst" in result.detail
            tasks["TASK_MODEL_EXTERNAL"] = chat_models(profile)[0]
            (await http.post("/api/v1/tasks/config/update", json=tasks)).raise_for_status()
            result = (await check_all(profile, key, owui, admin_token)).result("task-model")
            assert result.status == "pass"
        finally:
            tasks["TASK_MODEL_EXTERNAL"] = ""
            await http.post("/api/v1/tasks/config/update", json=tasks)


async def test_embeddings_through_gt_without_embed_scope_fail(
    sandbox: Any, tmp_path: Path, owui: OpenWebUI, admin_token: str
) -> None:
    """Last in the module: it leaves Open WebUI embedding through GT."""
    profile, key = setup_profile(sandbox, tmp_path, owui)
    await apply(owui, admin_token, profile, key, applied_models(profile))
    async with OpenWebUIAdmin(owui.url, admin_token) as admin:
        await admin.update_embedding_config(profile.openai_base, key, "text-embedding-small")
    report = await check_all(profile, key, owui, admin_token)
    assert report.result("least-privilege").status == "pass"  # the key itself is as narrow as asked
    result = report.result("embeddings")
    assert result.status == "fail"
    assert "inference:embed" in result.detail and "403" in result.detail

    wide, wide_key = setup_profile(
        sandbox,
        tmp_path,
        owui,
        name="wide",
        scopes=["inference:chat", "inference:embed"],
        embeddings=True,
    )
    await apply(owui, admin_token, wide, wide_key, applied_models(wide))
    async with OpenWebUIAdmin(owui.url, admin_token) as admin:
        await admin.update_embedding_config(wide.openai_base, wide_key, "text-embedding-small")
    report = await check_all(wide, wide_key, owui, admin_token)
    assert report.result("embeddings").status == "pass", report.result("embeddings")
    assert report.result("least-privilege").status == "pass"


async def test_no_leak_reads_every_connection_to_the_tenant_and_fails_without_one(
    sandbox: Any, tmp_path: Path, owui: OpenWebUI, admin_token: str
) -> None:
    """Issue 12: a second connection to the same tenant with a broader key leaks through the
    picker even though the applied connection is exact; with no GT connection nothing is proven."""
    from gtwizard.sandbox.catalog import AGENT_ALIASES, RAW_MODELS

    profile, key = setup_profile(sandbox, tmp_path, owui)
    models = applied_models(profile)
    await apply(owui, admin_token, profile, key, models)
    _, broad = sandbox.seed_key(["inference:chat"], AGENT_ALIASES, RAW_MODELS)
    extra = sorted({*AGENT_ALIASES, *RAW_MODELS} - set(models))
    assert extra == ["finance-analyst", "mixtral-8x7b-internal"]
    async with OpenWebUIAdmin(owui.url, admin_token) as admin:
        before = await admin.get_openai_config()
        for name in [*models, *extra]:
            await admin.grant_model_access(name, "*")
    try:
        report = await check_all(profile, key, owui, admin_token)
        assert report.result("no-leak").status == "pass", report.result("no-leak")
        assert report.result("chat").status == "pass", report.result("chat")

        # the same tenant again, a broader key, no model_ids (every name its key reaches)
        second = sandbox.base_url + "/v1"
        configs = {**before.configs, str(len(before.urls)): {"enable": True}}
        async with OpenWebUIAdmin(owui.url, admin_token) as admin:
            await admin.update_openai_config(
                OpenAIConfig(True, [*before.urls, second], [*before.keys, broad], configs)
            )
        leak = (await check_all(profile, key, owui, admin_token)).result("no-leak")
        assert leak.status == "fail", leak
        for name in extra:
            assert name in leak.detail and name in leak.evidence["user_models"]
        assert second in leak.detail  # named with the connection it came through
        assert broad not in json.dumps(leak.evidence) and broad not in leak.detail

        # no connection to the tenant at all: nothing proves what users can reach
        async with OpenWebUIAdmin(owui.url, admin_token) as admin:
            await admin.update_openai_config(OpenAIConfig(True, [], [], {}))
        none = (await check_all(profile, key, owui, admin_token)).result("no-leak")
        assert none.status == "fail" and "no connection to the tenant" in none.detail
    finally:
        async with OpenWebUIAdmin(owui.url, admin_token) as admin:
            await admin.update_openai_config(before)
