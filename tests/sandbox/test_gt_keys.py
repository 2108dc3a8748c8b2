"""Automatic key management against the real sandbox: mint, use, list, revoke, and the errors an
operator meets on the way."""

from __future__ import annotations

import pytest

from gtwizard.errors import InvalidInput
from gtwizard.gt import errors as gterr
from gtwizard.gt.client import GTClient
from gtwizard.gt.contract import KeyApiPaths
from gtwizard.gt.keys import KeyManager, KeyRecord, MintRequest
from gtwizard.sandbox.catalog import DEMO_AGENT_ALIASES, DEMO_RAW_MODELS


@pytest.fixture(autouse=True)
def no_faults(sandbox):
    sandbox.clear_faults()
    yield
    sandbox.clear_faults()


def demo_request(name: str = "open-webui-test", **changes) -> MintRequest:
    fields = {
        "name": name,
        "purpose": "inference",
        "scopes": ("inference:chat", "inference:embed"),
        "agent_aliases": tuple(DEMO_AGENT_ALIASES),
        "raw_models": tuple(DEMO_RAW_MODELS),
        "expires_at": None,
    }
    fields.update(changes)
    return MintRequest(**fields)


async def test_published_names_match_the_tenant(sandbox):
    async with KeyManager(sandbox.base_url, sandbox.operator_token) as km:
        names = await km.published()
    assert {(n.name, n.kind) for n in names} == {(p["name"], p["kind"]) for p in sandbox.published}


async def test_mint_use_list_and_revoke(sandbox):
    async with KeyManager(sandbox.base_url, sandbox.operator_token) as km:
        minted = await km.mint(demo_request("lifecycle"))
        assert minted.secret.startswith("gtak_") and len(minted.secret) == 45
        assert minted.secret.startswith(minted.prefix)
        assert minted.id.startswith("key_")
        assert minted.secret not in repr(minted) and minted.secret not in str(minted)
        assert minted.scopes == ("inference:chat", "inference:embed")
        assert minted.revoked_at is None

        async with GTClient(sandbox.base_url, minted.secret) as gt:
            ids = {m.id for m in await gt.list_models()}
            assert ids == set(DEMO_AGENT_ALIASES) | set(DEMO_RAW_MODELS)

            listed = {k.id: k for k in await km.list_keys()}
            assert type(listed[minted.id]) is KeyRecord  # records never carry a secret
            assert listed[minted.id].name == "lifecycle"
            assert (await km.get_key(minted.id)).last_used_at is not None

            revocation = await km.revoke(minted.id)
            assert revocation.id == minted.id
            with pytest.raises(gterr.Unauthorized):  # effective at once
                await gt.list_models()

        record = await km.get_key(minted.id)
        assert record.revoked and record.revoked_at == revocation.revoked_at
        again = await km.revoke(minted.id)  # idempotent: an interrupted rotation may repeat it
        assert again.id == minted.id


async def test_minted_key_gets_exactly_its_scopes(sandbox):
    async with KeyManager(sandbox.base_url, sandbox.operator_token) as km:
        minted = await km.mint(demo_request("chat-only", scopes=("inference:chat",)))
    async with GTClient(sandbox.base_url, minted.secret) as gt:
        assert "helpdesk" in (await gt.chat("helpdesk", [{"role": "user", "content": "hi"}])).text
        with pytest.raises(gterr.Forbidden) as info:
            await gt.embeddings("text-embedding-small", "hi")
    assert info.value.scope == "inference:embed"


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"scopes": ("inference:everything",)}, "scopes"),
        ({"agent_aliases": ("not-published",)}, "agent_aliases"),
        ({"agent_aliases": ("llama-3.1-8b-instruct",)}, "agent_aliases"),  # a raw model, wrong kind
        ({"raw_models": ("helpdesk",)}, "raw_models"),  # an alias, wrong kind
    ],
)
async def test_invalid_mint_requests_name_the_field(sandbox, changes, param):
    async with KeyManager(sandbox.base_url, sandbox.operator_token) as km:
        with pytest.raises(gterr.BadRequest) as info:
            await km.mint(demo_request(**changes))
    assert info.value.param == param
    assert param in info.value.one_line()


def test_mint_request_is_checked_before_sending():
    with pytest.raises(InvalidInput):
        demo_request(name="  ").body()
    with pytest.raises(InvalidInput):
        demo_request(purpose="admin").body()


async def test_wrong_operator_token_is_unauthorized_and_not_echoed(sandbox):
    wrong = "gtop_" + "w" * 40
    async with KeyManager(sandbox.base_url, wrong) as km:
        with pytest.raises(gterr.Unauthorized) as info:
            await km.list_keys()
    assert "GTWIZARD_OPERATOR_TOKEN" in info.value.hint
    assert wrong not in info.value.one_line()


def test_an_inference_key_is_not_an_operator_token(sandbox):
    with pytest.raises(InvalidInput):
        KeyManager(sandbox.base_url, "gtak_" + "k" * 40)
    with pytest.raises(InvalidInput):
        KeyManager(sandbox.base_url, "")


async def test_unknown_key_id_is_not_found(sandbox):
    async with KeyManager(sandbox.base_url, sandbox.operator_token) as km:
        with pytest.raises(gterr.NotFound, match="no such key"):
            await km.revoke("key_0000000000")
        with pytest.raises(gterr.NotFound, match="no such key"):
            await km.get_key("key_0000000000")


async def test_tenant_without_the_api_points_to_manual_minting(sandbox):
    paths = KeyApiPaths(root="/no-such-api/v1")
    async with KeyManager(sandbox.base_url, sandbox.operator_token, paths=paths) as km:
        with pytest.raises(gterr.NotFound) as info:
            await km.published()
    assert "/gt-api" in info.value.hint


async def test_mint_is_not_retried_on_server_errors_but_reads_are(sandbox):
    """A retried mint could create a second key; the hook clears the fault, so a retry passes."""
    retries: list[str] = []

    def clear_on_retry(attempt: int, delay: float, reason: str) -> None:
        retries.append(reason)
        sandbox.clear_faults()

    sandbox.set_faults(error_status=500, error_rate=1.0, path_prefix="/manage/v1/keys")
    async with KeyManager(sandbox.base_url, sandbox.operator_token, on_retry=clear_on_retry) as km:
        with pytest.raises(gterr.ServerError):
            await km.mint(demo_request("never-created"))
        assert retries == []
        sandbox.set_faults(error_status=500, error_rate=1.0, path_prefix="/manage/v1/keys")
        names = {k.name for k in await km.list_keys()}
    assert retries == ["HTTP 500"]
    assert "never-created" not in names


async def test_key_management_over_tls_with_the_tenant_ca(tls_sandbox):
    async with KeyManager(
        tls_sandbox.base_url, tls_sandbox.operator_token, ca_bundle=tls_sandbox.ca_file
    ) as km:
        minted = await km.mint(demo_request("tls"))
        await km.revoke(minted.id)
    async with GTClient(tls_sandbox.base_url, minted.secret, ca_bundle=tls_sandbox.ca_file) as gt:
        with pytest.raises(gterr.Unauthorized):
            await gt.list_models()


async def test_update_allowlists_takes_effect_at_once_and_checks_names(sandbox):
    async with KeyManager(sandbox.base_url, sandbox.operator_token) as manager:
        minted = await manager.mint(demo_request("widen-me"))
        async with GTClient(sandbox.base_url, minted.secret) as client:
            before = {m.id for m in await client.list_models()}
            record = await manager.update_allowlists(
                minted.id, agent_aliases=[*DEMO_AGENT_ALIASES, "finance-analyst"]
            )
            after = {m.id for m in await client.list_models()}
        assert after - before == {"finance-analyst"}
        assert record.raw_models == tuple(DEMO_RAW_MODELS), "a list left out stays as it was"
        with pytest.raises(gterr.BadRequest) as caught:
            await manager.update_allowlists(minted.id, raw_models=["no-such-model"])
        assert caught.value.param == "raw_models"
        with pytest.raises(gterr.GTError) as missing:
            await manager.update_allowlists("key_" + "0" * 16, agent_aliases=[])
        assert missing.value.status == 404
