"""`gtwizard setup` end to end against the sandbox tenant and a real Open WebUI 0.12.4.

Two Open WebUI starts in this module: one configured through its admin API (with a connection
that was there before the wizard), one fresh instance started with the env file the wizard wrote.
Each proves the issue's "done when" from Open WebUI's side, not from the wizard's own report.
"""

from __future__ import annotations

import contextlib
import re
import stat
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from support.cli_helpers import mint_setup_args, run_cli
from support.owui_fixture import (
    OpenWebUI,
    admin_token,
    docker_env_file,
    running_openwebui,
    start_openwebui,
    stop_openwebui,
)

from gtwizard.gt.keys import KeyManager
from gtwizard.openwebui.admin import OpenWebUIAdmin, OpenWebUIError
from gtwizard.secrets import key_entry, open_store

pytestmark = pytest.mark.openwebui

ALLOW = ("helpdesk", "research-assistant")
EMBED_MODEL = "text-embedding-small"
# a connection that was there before the wizard; nothing listens on port 9 (discard)
OTHER_URL = "http://127.0.0.1:9/v1"
OTHER_KEY = "sk-other-connection-0000"
OTHER_CONFIG = {"enable": True, "prefix_id": "other", "tags": [], "model_ids": []}
MINTED = re.compile(r"minted key (\S+);")


def setup_args(host: str, names: tuple[str, ...], *extra: str) -> list[str]:
    return mint_setup_args(host, names, *extra)


def stored_key(profile: str, stdout: str) -> str:
    match = MINTED.search(stdout)
    assert match, stdout
    secret = open_store("file").get(key_entry(profile, match.group(1)))
    assert secret and secret.startswith("gtak_")
    return secret


async def key_ids(sandbox) -> set[str]:
    async with KeyManager(sandbox.base_url, sandbox.operator_token) as manager:
        return {k.id for k in await manager.list_keys()}


@contextlib.asynccontextmanager
async def signed_in(url: str, email: str, password: str) -> AsyncIterator[OpenWebUIAdmin]:
    async with OpenWebUIAdmin(url) as client:
        await client.signin(email, password)
        yield client


def assert_sandbox_answer(text: str, model: str, prompt: str) -> None:
    """The sandbox's reply names the model and echoes the prompt: the chat really reached GT."""
    assert f"Hello from {model} on the GT sandbox" in text
    assert prompt in text


# --- admin API -----------------------------------------------------------------------------


@dataclass
class Applied:
    owui: OpenWebUI
    token: str
    before: dict
    stdout: str
    key: str
    key_ids_before: set[str]


@pytest.fixture(scope="module")
def owui(sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenWebUI]:
    extra = {
        "OPENAI_API_BASE_URLS": OTHER_URL,
        "OPENAI_API_KEYS": OTHER_KEY,
        "OPENAI_API_CONFIGS": '{"0": ' + _json(OTHER_CONFIG) + "}",
    }
    inst = start_openwebui(tmp_path_factory.mktemp("owui-setup"), extra)
    try:
        yield inst
    finally:
        stop_openwebui(inst)


def _json(value: object) -> str:
    import json

    return json.dumps(value)


@pytest.fixture(scope="module")
def applied(owui: OpenWebUI, sandbox, tmp_path_factory: pytest.TempPathFactory) -> Applied:
    """`gtwizard setup ... --mint --openwebui-url URL` run once, as an operator would."""
    import asyncio

    token = admin_token(owui)
    before = httpx.get(
        owui.url + "/openai/config", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ).json()
    ids_before = asyncio.run(key_ids(sandbox))
    home = tmp_path_factory.mktemp("gtwizard-admin")
    env = {
        "GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token,
        "GTWIZARD_OPENWEBUI_TOKEN": token,
        "GTWIZARD_CONFIG_DIR": str(home / "config"),
        "GTWIZARD_STATE_DIR": str(home / "state"),
    }
    out = run_cli(setup_args(sandbox.base_url, ALLOW, "--openwebui-url", owui.url), env=env)
    assert out.returncode == 0, out.stderr
    match = MINTED.search(out.stdout)
    assert match, out.stdout
    key = _read_file_store(home, "default", match.group(1))
    assert token not in out.stdout + out.stderr and key not in out.stdout + out.stderr
    return Applied(owui, token, before, out.stdout, key, ids_before)


def _read_file_store(home: Path, profile: str, key_id: str) -> str:
    """Read the key from the file store of the CLI run (its config dir, not the test's)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GTWIZARD_CONFIG_DIR", str(home / "config"))
        mp.setenv("GTWIZARD_STATE_DIR", str(home / "state"))
        secret = open_store("file").get(key_entry(profile, key_id))
    assert secret and secret.startswith("gtak_")
    return secret


async def test_output_names_the_base_and_why(applied: Applied, sandbox) -> None:
    base = sandbox.base_url + "/v1"
    assert f"base: {base}\n" in applied.stdout
    why = applied.stdout.split("why:", 1)[1].splitlines()[0]
    assert "does not work for Open WebUI" in why and f"{base}/models answered 200" in why
    assert f"applied to {applied.owui.url}" in applied.stdout
    assert len(await key_ids(sandbox) - applied.key_ids_before) == 1


async def test_gt_connection_stored_and_other_connection_untouched(
    applied: Applied, sandbox
) -> None:
    owui = applied.owui
    async with signed_in(owui.url, owui.admin_email, owui.admin_password) as admin:
        cfg = await admin.get_openai_config()
        assert cfg.enable is True
        before = applied.before
        assert cfg.urls[0] == before["OPENAI_API_BASE_URLS"][0] == OTHER_URL
        assert cfg.keys[0] == before["OPENAI_API_KEYS"][0] == OTHER_KEY
        assert cfg.configs["0"] == before["OPENAI_API_CONFIGS"]["0"]
        assert cfg.configs["0"]["prefix_id"] == "other"
        gt = cfg.urls.index(sandbox.base_url + "/v1")
        assert cfg.keys[gt] == applied.key, "Open WebUI holds the key the wizard stored"
        assert sorted(cfg.configs[str(gt)]["model_ids"]) == sorted(ALLOW)
        # Open WebUI's own request to the tenant with that key works (verify runs inside it)
        verify = await admin.verify_connection(cfg.urls[gt], cfg.keys[gt])
        assert verify.ok and sorted(verify.model_ids) == sorted(ALLOW)


async def test_admin_and_ordinary_user_see_exactly_the_allowlist_and_chat(
    applied: Applied,
) -> None:
    owui = applied.owui
    async with signed_in(owui.url, owui.admin_email, owui.admin_password) as admin:
        assert sorted(await admin.list_models()) == sorted(ALLOW)
        email = f"user-{uuid.uuid4().hex[:8]}@owui.test"
        user_id = await admin.add_user("Plain User", email, "plain-pass-1")
        try:
            async with signed_in(owui.url, email, "plain-pass-1") as user:
                assert (await user.whoami())["role"] == "user"
                assert sorted(await user.list_models()) == sorted(ALLOW)
                plain = await user.chat(ALLOW[0], "plain turn")
                assert_sandbox_answer(plain.text, ALLOW[0], "plain turn")
                streamed = await user.chat(ALLOW[1], "streamed turn", stream=True)
                assert streamed.chunks > 1
                assert_sandbox_answer(streamed.text, ALLOW[1], "streamed turn")
                # a name outside the allowlist is not reachable through Open WebUI either
                with pytest.raises(OpenWebUIError):
                    await user.chat("finance-analyst", "leak?")
        finally:
            await admin.delete_user(user_id)


@pytest.mark.parametrize("case", ["not-openwebui", "wrong-credential", "not-admin"])
async def test_admin_api_errors_are_one_line_and_mint_nothing(
    applied: Applied, sandbox, case: str
) -> None:
    owui = applied.owui
    url, token = owui.url, "owui-wrong-credential-1234"
    user_id = None
    if case == "not-openwebui":
        url, token = f"http://{sandbox.host}", applied.token  # the GT tenant, not Open WebUI
    elif case == "not-admin":
        async with signed_in(owui.url, owui.admin_email, owui.admin_password) as admin:
            email = f"plain-{uuid.uuid4().hex[:8]}@owui.test"
            user_id = await admin.add_user("Plain", email, "plain-pass-2")
        async with OpenWebUIAdmin(owui.url) as plain:
            token = await plain.signin(email, "plain-pass-2")
    before = await key_ids(sandbox)
    try:
        out = run_cli(
            setup_args(sandbox.base_url, ALLOW, "--openwebui-url", url, "--profile", case),
            env={
                "GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token,
                "GTWIZARD_OPENWEBUI_TOKEN": token,
            },
        )
    finally:
        if user_id:
            async with signed_in(owui.url, owui.admin_email, owui.admin_password) as admin:
                await admin.delete_user(user_id)
    assert out.returncode in (1, 2), out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert token not in out.stderr and token not in out.stdout
    expected = {
        "not-openwebui": "not an Open WebUI",
        "wrong-credential": "rejected the admin credential",
        "not-admin": "not admin",
    }[case]
    assert expected in out.stderr
    assert await key_ids(sandbox) == before, "nothing may be minted"


async def test_embeddings_reach_the_sandbox(applied: Applied, sandbox) -> None:
    owui = applied.owui
    names = (*ALLOW, EMBED_MODEL)
    out = run_cli(
        setup_args(
            sandbox.base_url,
            names,
            "--embeddings",
            "--openwebui-url",
            owui.url,
            "--profile",
            "emb",
        ),
        env={
            "GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token,
            "GTWIZARD_OPENWEBUI_TOKEN": applied.token,
        },
    )
    assert out.returncode == 0, out.stderr
    key = stored_key("emb", out.stdout)
    async with signed_in(owui.url, owui.admin_email, owui.admin_password) as admin:
        emb = await admin.get_embedding_config()
        assert emb["RAG_EMBEDDING_ENGINE"] == "openai"
        assert emb["RAG_EMBEDDING_MODEL"] == EMBED_MODEL
        assert emb["openai_config"]["url"] == sandbox.base_url + "/v1"
        assert emb["openai_config"]["key"] == key
        indexed = await admin.process_text("doc", "GT embeddings smoke text.", "gt-setup-1")
        assert indexed.get("status") is True
        # the same call fails once the sandbox's /v1/embeddings fails: it really went there
        sandbox.set_faults(error_status=500, path_prefix="/v1/embeddings")
        try:
            with pytest.raises(OpenWebUIError) as failed:
                await admin.process_text("doc2", "Another smoke text.", "gt-setup-2")
            assert failed.value.status >= 400, failed.value.one_line()  # an answer, not a hang-up
        finally:
            sandbox.clear_faults()
    # a new session: Open WebUI may close the connection that carried the failed call
    async with signed_in(owui.url, owui.admin_email, owui.admin_password) as admin:
        assert sorted(await admin.list_models()) == sorted(names)
        cfg = await admin.get_openai_config()
        assert cfg.urls[0] == OTHER_URL and cfg.keys[0] == OTHER_KEY  # still untouched
        assert cfg.urls.count(sandbox.base_url + "/v1") == 1  # replaced, not appended


# --- env file --------------------------------------------------------------------------------


async def test_env_file_fresh_start_then_persistent_config_refusal(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Unversioned tenant: the documented base works; a fresh Open WebUI picks the file up."""
    from gtwizard.sandbox import start_in_thread

    work = tmp_path_factory.mktemp("owui-envfile")
    env_path, data_dir = work / "owui.env", work / "data"
    env_path.write_text("# operator's own settings\nWEBUI_NAME=GT-Env\n")
    with start_in_thread(unversioned_paths=True) as tenant:
        env = {"GTWIZARD_OPERATOR_TOKEN": tenant.operator_token}
        args = setup_args(
            tenant.base_url,
            ALLOW,
            "--env-file",
            str(env_path),
            "--openwebui-data-dir",
            str(data_dir),
        )
        out = run_cli(args, env=env)
        assert out.returncode == 0, out.stderr
        key = stored_key("default", out.stdout)
        assert f"base: {tenant.base_url}\n" in out.stdout
        assert "serves unversioned paths" in out.stdout.split("why:", 1)[1]
        assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
        values = docker_env_file(env_path)
        assert values["OPENAI_API_BASE_URL"] == tenant.base_url and values["OPENAI_API_KEY"] == key
        assert env_path.read_text().startswith("# operator's own settings\nWEBUI_NAME=GT-Env\n")

        with running_openwebui(data_dir, values) as fresh:
            async with signed_in(fresh.url, fresh.admin_email, fresh.admin_password) as admin:
                cfg = await admin.get_openai_config()
                assert cfg.urls == [tenant.base_url] and cfg.keys == [key]
                assert sorted(await admin.list_models()) == sorted(ALLOW)
                verify = await admin.verify_connection(tenant.base_url, key)
                assert verify.ok and sorted(verify.model_ids) == sorted(ALLOW)
                answer = await admin.chat(ALLOW[0], "env file turn")
                assert_sandbox_answer(answer.text, ALLOW[0], "env file turn")
                streamed = await admin.chat(ALLOW[1], "env stream", stream=True)
                assert_sandbox_answer(streamed.text, ALLOW[1], "env stream")

        # the same data dir has a webui.db now: a changed env file would be ignored (the file is
        # the profile's own: a change to it is a re-setup of that profile)
        written = env_path.read_bytes()
        before = await key_ids(tenant)
        changed = setup_args(
            tenant.base_url,
            (ALLOW[0],),
            "--env-file",
            str(env_path),
            "--openwebui-data-dir",
            str(data_dir),
            "--replace",
        )
        refused = run_cli(changed, env=env)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "already started once" in refused.stderr and "webui.db" in refused.stderr
        assert "--disable-persistent-config" in refused.stderr
        assert refused.stderr.count("\n") == 1
        assert await key_ids(tenant) == before, "nothing may be minted"
        assert env_path.read_bytes() == written

        accepted = run_cli([*changed, "--disable-persistent-config"], env=env)
        assert accepted.returncode == 0, accepted.stderr
        assert len(await key_ids(tenant) - before) == 1
        values = docker_env_file(env_path)
        assert values["ENABLE_PERSISTENT_CONFIG"] == "false"
        assert values["OPENAI_API_KEY"] == stored_key("default", accepted.stdout)
        assert "RESET_CONFIG_ON_START" not in values


async def test_name_colliding_with_another_connection_is_refused_before_minting(
    applied: Applied, sandbox, tmp_path: Path
) -> None:
    """A GT name that another connection already lists would be routed there: refuse, mint nothing."""
    owui = applied.owui
    async with OpenWebUIAdmin(owui.url, applied.token) as admin:
        before = await admin.get_openai_config()
        configs = dict(before.configs)
        configs["0"] = {**configs["0"], "prefix_id": "", "model_ids": [ALLOW[0]]}
        await admin.update_openai_config(type(before)(True, before.urls, before.keys, configs))
    ids_before = await key_ids(sandbox)
    try:
        out = run_cli(
            setup_args(sandbox.base_url, ALLOW, "--openwebui-url", owui.url, "--profile", "clash"),
            env={
                "GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token,
                "GTWIZARD_OPENWEBUI_TOKEN": applied.token,
                "GTWIZARD_CONFIG_DIR": str(tmp_path / "config"),
                "GTWIZARD_STATE_DIR": str(tmp_path / "state"),
            },
        )
    finally:
        async with OpenWebUIAdmin(owui.url, applied.token) as admin:
            await admin.update_openai_config(before)
    assert out.returncode == 1, out.stdout + out.stderr
    assert ALLOW[0] in out.stderr and "another Open WebUI connection" in out.stderr
    assert "Prefix ID" in out.stderr
    assert await key_ids(sandbox) == ids_before, "nothing may be minted"
