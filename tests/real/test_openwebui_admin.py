"""Against a real Open WebUI 0.12.4 and the sandbox tenant: admin API and env-file paths."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from support.owui_fixture import (
    OpenWebUI,
    docker_env_file,
    running_openwebui,
    start_openwebui,
    stop_openwebui,
)

from gtwizard.errors import InvalidInput
from gtwizard.openwebui.admin import OpenWebUIAdmin, OpenWebUIError
from gtwizard.openwebui.envfile import EnvFile, apply_plan, plan_env_file
from gtwizard.openwebui.gtentry import GtConnection
from gtwizard.openwebui.persistent import check_admin_url, check_data_dir

pytestmark = pytest.mark.openwebui

ALLOW = ["helpdesk", "research-assistant"]
CHAT_SCOPES = ["inference:chat"]
# a connection that was there before the wizard; nothing listens on port 9 (discard)
OTHER_URL = "http://127.0.0.1:9/v1"
OTHER_KEY = "sk-other-connection-0000"


@pytest.fixture(scope="module")
def owui(sandbox: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenWebUI]:
    """One Open WebUI per module, with a pre-existing non-GT connection."""
    extra = {"OPENAI_API_BASE_URLS": OTHER_URL, "OPENAI_API_KEYS": OTHER_KEY}
    inst = start_openwebui(tmp_path_factory.mktemp("owui-admin"), extra)
    try:
        yield inst
    finally:
        stop_openwebui(inst)


def openai_base(sandbox: object) -> str:
    return sandbox.base_url + "/v1"  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def admin_session(owui: OpenWebUI) -> AsyncIterator[OpenWebUIAdmin]:
    async with OpenWebUIAdmin(owui.url) as client:
        await client.signin(owui.admin_email, owui.admin_password)
        yield client


async def test_identity_and_version(owui: OpenWebUI) -> None:
    async with OpenWebUIAdmin(owui.url) as anon:
        assert await anon.health() is True
        assert await anon.version_note() is None  # 0.12.4 is the tested version
        with pytest.raises(OpenWebUIError) as err:
            await anon.get_openai_config()
        assert err.value.status in (401, 403)
    async with OpenWebUIAdmin(owui.url, "not-a-valid-token") as bad:
        with pytest.raises(OpenWebUIError) as err:
            await bad.get_openai_config()
        assert err.value.status == 401 and "not-a-valid-token" not in err.value.one_line()
    async with OpenWebUIAdmin(owui.url) as admin:
        token = await admin.signin(owui.admin_email, owui.admin_password)
        assert (await admin.require_admin())["role"] == "admin"
        assert token not in repr(admin)


async def test_upsert_keeps_other_connection_and_users_need_grants(
    owui: OpenWebUI, sandbox: object
) -> None:
    _, key = sandbox.seed_key(CHAT_SCOPES, agent_aliases=ALLOW)  # type: ignore[attr-defined]
    async with admin_session(owui) as admin:
        index = await admin.upsert_gt_connection(openai_base(sandbox) + "/", key, ALLOW)
        assert index == 1
        cfg = await admin.get_openai_config()
        assert cfg.enable is True
        assert cfg.urls == [OTHER_URL, openai_base(sandbox)]  # trailing slash stripped
        assert cfg.keys == [OTHER_KEY, key]
        assert cfg.configs["1"]["model_ids"] == ALLOW
        assert "0" not in cfg.configs or cfg.configs["0"].get("model_ids") in (None, [])

        # a second upsert edits the same entry instead of appending
        assert await admin.upsert_gt_connection(openai_base(sandbox), key, ALLOW) == 1
        assert len((await admin.get_openai_config()).urls) == 2

        assert sorted(await admin.list_models()) == sorted(ALLOW)

        email = f"user-{uuid.uuid4().hex[:8]}@owui.test"
        user_id = await admin.add_user("Plain User", email, "plain-pass-1")
        try:
            async with OpenWebUIAdmin(owui.url) as user:
                await user.signin(email, "plain-pass-1")
                assert await user.list_models() == []  # the admin's view proves nothing
                with pytest.raises(OpenWebUIError) as err:
                    await user.chat(ALLOW[0], "hello")
                assert err.value.status in (400, 403, 404)
                with pytest.raises(OpenWebUIError) as err:
                    await user.require_admin()
                assert err.value.status == 403

                for model in ALLOW:
                    await admin.grant_model_access(model, "*")
                assert sorted(await user.list_models()) == sorted(ALLOW)
                plain = await user.chat(ALLOW[0], "hello")
                assert plain.text
                streamed = await user.chat(ALLOW[1], "hello", stream=True)
                assert streamed.text and streamed.chunks > 1
        finally:
            await admin.delete_user(user_id)
        with pytest.raises(InvalidInput, match="no group"):
            await admin.grant_model_access(ALLOW[0], ["no-such-group"])


async def test_verify_runs_inside_open_webui(owui: OpenWebUI, sandbox: object) -> None:
    key_id, key = sandbox.seed_key(CHAT_SCOPES, agent_aliases=ALLOW)  # type: ignore[attr-defined]
    async with admin_session(owui) as admin:
        good = await admin.verify_connection(openai_base(sandbox), key)
        assert good.ok and set(ALLOW) <= set(good.model_ids)
        assert "finance-analyst" not in good.model_ids  # the key's allowlist filters /models
        sandbox.revoke(key_id)  # type: ignore[attr-defined]
        revoked = await admin.verify_connection(openai_base(sandbox), key)
        assert revoked.status == 401 and not revoked.ok
        assert key not in revoked.detail


async def test_embedding_and_tasks_config(owui: OpenWebUI, sandbox: object) -> None:
    _, key = sandbox.seed_key(["inference:embed"], raw_models=["text-embedding-small"])  # type: ignore[attr-defined]
    async with admin_session(owui) as admin:
        await admin.update_embedding_config(openai_base(sandbox), key, "text-embedding-small")
        emb = await admin.get_embedding_config()
        assert emb["RAG_EMBEDDING_ENGINE"] == "openai"
        assert emb["RAG_EMBEDDING_MODEL"] == "text-embedding-small"
        assert emb["openai_config"]["url"] == openai_base(sandbox)
        assert emb["RAG_EMBEDDING_CONCURRENT_REQUESTS"] == 4
        # indexing a text makes Open WebUI call the sandbox's /v1/embeddings with this key
        indexed = await admin.process_text("doc", "GT embeddings smoke text.", "gt-smoke")
        assert indexed.get("status") is True
        assert "TASK_MODEL_EXTERNAL" in await admin.get_tasks_config()


async def test_env_file_is_read_as_planned_then_persistent_config_wins(
    sandbox: object, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = openai_base(sandbox)
    _, key = sandbox.seed_key(CHAT_SCOPES, agent_aliases=ALLOW)  # type: ignore[attr-defined]
    work = tmp_path_factory.mktemp("owui-env")
    env_path, data_dir = work / "owui.env", work / "data"
    env_path.write_text("# operator's own settings\nWEBUI_NAME=GT-Test\n")
    plan = plan_env_file(env_path, GtConnection(base, key, tuple(ALLOW)))
    assert apply_plan(plan).changed
    # the independent docker reader and our own parser agree on every value
    assert docker_env_file(env_path) == EnvFile.parse(env_path.read_bytes()).values()
    assert check_data_dir(data_dir) is None  # never started: env edits will work

    with running_openwebui(data_dir, docker_env_file(env_path)) as first:
        async with OpenWebUIAdmin(first.url) as admin:
            await admin.signin(first.admin_email, first.admin_password)
            live = await admin.get_openai_config()
            assert live.payload() == plan.expected_config  # unquoted format read as intended
            assert sorted(await admin.list_models()) == sorted(ALLOW)
            assert (await admin.chat(ALLOW[0], "hi")).text
        assert await check_admin_url(first.url) is not None

    changed = plan_env_file(env_path, GtConnection(base, key, (ALLOW[0],)))
    assert changed.changed and apply_plan(changed).changed
    warning = check_data_dir(data_dir, docker_env_file(env_path))
    assert warning is not None and "webui.db" in warning.evidence
    assert {o.id for o in warning.options} >= {"admin-api", "disable-persistent-config"}

    with running_openwebui(data_dir, docker_env_file(env_path)) as second:
        async with OpenWebUIAdmin(second.url) as admin:
            await admin.signin(second.admin_email, second.admin_password)
            live = await admin.get_openai_config()
            assert live.configs["0"]["model_ids"] == ALLOW  # the DB won: env edit ignored
            assert live.payload() != changed.expected_config
