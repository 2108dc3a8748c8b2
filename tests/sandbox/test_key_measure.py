"""A pasted key is measured on the tenant (key list or probes), not trusted: against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from gtwizard.gt import errors as gterr
from gtwizard.gt.measure import SCOPE_PROBES, measure_key, scope_open
from gtwizard.presets.catalog import load_catalog
from gtwizard.sandbox.catalog import DATASETS, KNOWN_SCOPES
from gtwizard.setup.keys import KeyChoice, measure_pasted_key, scopes_for
from gtwizard.tenant import parse_host

WIDE_SCOPES = ["inference:chat", "inference:image", "inference:speech", "datasets:write"]


def chat_choice(*names: str) -> KeyChoice:
    preset = load_catalog().key_preset("chat-client")
    return KeyChoice(preset, scopes_for(preset, False), tuple(names), ())


def host_of(sandbox: Any) -> Any:
    return parse_host(f"http://{sandbox.host}")


def test_every_known_scope_has_a_probe() -> None:
    assert set(SCOPE_PROBES) == set(KNOWN_SCOPES)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (403, "insufficient_scope", False),
        (403, "wrong_purpose", False),
        (404, "model_not_found", True),
        (404, "dataset_not_found", True),
        (404, "not_found", False),
        (400, "invalid_request", True),
        (200, "", True),
        (429, "rate_limited", None),
        (502, "server_error", None),
    ],
)
def test_what_a_probe_answer_means(status: int, code: str, expected: bool | None) -> None:
    assert scope_open(status, code) is expected


async def test_probes_find_scopes_and_names_wider_than_chosen(sandbox: Any) -> None:
    """The issue's case: image, speech and datasets on a key the operator chose as chat-only."""
    _, secret = sandbox.seed_key(WIDE_SCOPES, agent_aliases=["helpdesk", "finance-analyst"])
    width = await measure_pasted_key(host_of(sandbox), secret, chat_choice("helpdesk"))
    assert width.source == "probes" and width.wider
    assert set(width.extra_scopes) == {"inference:image", "inference:speech"}
    # an inference key cannot upload whatever its scopes say: the probe sees the route closed
    assert "datasets:write" not in width.scopes
    assert width.extra_names == ("finance-analyst",)
    assert width.missing_scopes == width.missing_names == ()
    line = width.describe()
    assert "inference:image" in line and "finance-analyst" in line and secret not in line


async def test_the_key_list_tells_scopes_purpose_and_datasets(sandbox: Any) -> None:
    key_id, secret = sandbox.seed_key(WIDE_SCOPES, agent_aliases=["helpdesk"], datasets=DATASETS)
    width = await measure_pasted_key(
        host_of(sandbox), secret, chat_choice("helpdesk"), operator_token=sandbox.operator_token
    )
    assert width.source == "key list" and width.wider
    assert set(width.extra_scopes) == {"inference:image", "inference:speech", "datasets:write"}
    assert width.extra_datasets == tuple(DATASETS)
    assert width.purpose == "inference" and not width.purpose_differs
    reach = await measure_key(sandbox.base_url, secret, operator_token=sandbox.operator_token)
    assert reach.key_id == key_id


@pytest.mark.parametrize("operator", [False, True], ids=["probes", "key-list"])
async def test_a_key_as_chosen_is_not_wider(sandbox: Any, operator: bool) -> None:
    _, secret = sandbox.seed_key(["inference:chat"], agent_aliases=["helpdesk"])
    token = sandbox.operator_token if operator else None
    width = await measure_pasted_key(
        host_of(sandbox), secret, chat_choice("helpdesk"), operator_token=token
    )
    assert not width.wider, width
    assert width.scopes == ("inference:chat",) and width.names == ("helpdesk",)
    assert "no wider" in width.describe()


async def test_a_narrower_key_is_missing_things_but_not_wider(sandbox: Any) -> None:
    _, secret = sandbox.seed_key(["inference:embed"], agent_aliases=["helpdesk"])
    width = await measure_pasted_key(
        host_of(sandbox), secret, chat_choice("helpdesk", "research-assistant")
    )
    assert width.extra_scopes == ("inference:embed",)  # embed was not chosen: wider there
    assert width.missing_scopes == ("inference:chat",)
    assert width.missing_names == ("research-assistant",)


async def test_a_purpose_other_than_chosen_is_wider(sandbox: Any) -> None:
    _, secret = sandbox.seed_key(["inference:chat"], ["helpdesk"], purpose="conversation")
    width = await measure_pasted_key(
        host_of(sandbox), secret, chat_choice("helpdesk"), operator_token=sandbox.operator_token
    )
    assert width.purpose_differs and width.wider and "purpose conversation" in width.describe()


async def test_a_revoked_key_cannot_be_measured(sandbox: Any) -> None:
    key_id, secret = sandbox.seed_key(["inference:chat"], agent_aliases=["helpdesk"])
    sandbox.revoke(key_id)
    for token in (None, sandbox.operator_token):
        with pytest.raises(gterr.Unauthorized) as err:
            await measure_pasted_key(
                host_of(sandbox), secret, chat_choice("helpdesk"), operator_token=token
            )
        assert secret not in err.value.one_line()
