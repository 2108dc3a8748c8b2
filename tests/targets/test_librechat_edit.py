"""The LibreChat target's edits without a tenant: what it refuses, what it keeps, and that a saved
profile finds the same target again. LibreChat's own schema judges the files written."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from support.librechat_fixture import librechat_parse
from support.owui_fixture import docker_env_file

from gtwizard.errors import InvalidInput
from gtwizard.openwebui.envfile import GtConnection
from gtwizard.profiles import Profile
from gtwizard.targets.librechat import LibreChatTarget, variable_for
from gtwizard.targets.registry import for_profile

BASE = "https://gt.example.org/api/tenant/v1"
KEY = "gtak_" + "a" * 40


def apply(target: LibreChatTarget, names: tuple[str, ...] = ("helpdesk",), key: str = KEY) -> str:
    applied = asyncio.run(target.apply(GtConnection(BASE, key, names), ca_bundle=None, plan=None))
    return target.describe(applied)[0]


def test_the_variable_follows_the_endpoint_name() -> None:
    assert variable_for("GT API") == "GT_API_KEY"
    assert variable_for("GT prod") == "GT_PROD_KEY"
    assert variable_for("OpenAI API") == "GT_OPENAI_API_KEY"  # never LibreChat's own variable
    assert variable_for("...") == "GT_KEY"


def test_operator_fields_of_the_entry_are_kept_and_the_key_rotates_in_env_only(
    tmp_path: Path,
) -> None:
    yaml_path = tmp_path / "librechat.yaml"
    yaml_path.write_text(
        "version: 1.3.17\nendpoints:\n  custom:\n    - name: GT API\n      apiKey: gtak_inline\n"
        "      baseURL: http://old/v1\n      titleConvo: true\n      models:\n"
        "        default: [old]\n        fetch: true\n        userIdQuery: true\n"
    )
    target = LibreChatTarget(yaml_path, tmp_path / ".env")
    apply(target, ("helpdesk", "text-embed-3"))
    parsed = librechat_parse(yaml_path, "GT API", docker_env_file(tmp_path / ".env"))
    assert parsed["success"], parsed["errors"]
    entry = parsed["endpoint"]
    assert entry["apiKey"] == "${GT_API_KEY}" and entry["resolvedApiKey"] == KEY
    assert entry["baseURL"] == BASE
    # an embedding model is no chat model; the operator's own options stay
    assert entry["models"] == {"default": ["helpdesk"], "fetch": False, "userIdQuery": True}
    assert "titleConvo: true" in yaml_path.read_text()
    written = yaml_path.read_bytes()
    assert asyncio.run(target.read_key(BASE, ca_bundle=None)) == KEY

    new_key = "gtak_" + "b" * 40
    line = apply(target, ("helpdesk", "text-embed-3"), new_key)
    assert yaml_path.read_bytes() == written and "unchanged" in line
    assert asyncio.run(target.read_key(BASE, ca_bundle=None)) == new_key


@pytest.mark.parametrize(
    ("yaml_text", "env_text", "endpoint", "words"),
    [
        ("version: 1.3.17\n", "GT_API_KEY=sk-someone-else\n", "GT API", "not a GT key"),
        ("version: 1.3.17\n", "", "openAI", "LibreChat's own endpoints"),
        ("- a list\n", "", "GT API", "not a YAML mapping"),
        ("version: 1.3.17  #\tby hand\n", "", "GT API", "tab characters"),
    ],
)
def test_refusals_name_the_problem_and_change_nothing(
    tmp_path: Path, yaml_text: str, env_text: str, endpoint: str, words: str
) -> None:
    yaml_path, env_path = tmp_path / "librechat.yaml", tmp_path / ".env"
    yaml_path.write_text(yaml_text)
    env_path.write_text(env_text)
    with pytest.raises(InvalidInput) as refused:
        apply(LibreChatTarget(yaml_path, env_path, endpoint))
    assert words in refused.value.message
    assert yaml_path.read_text() == yaml_text and env_path.read_text() == env_text


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    target = LibreChatTarget(tmp_path / "nowhere" / "librechat.yaml", tmp_path / ".env")
    with pytest.raises(InvalidInput, match="does not exist"):
        apply(target)


def test_a_saved_profile_finds_the_same_target(tmp_path: Path) -> None:
    target = LibreChatTarget(tmp_path / "lc.yaml", tmp_path / "lc.env", "GT prod", "make restart")
    profile = Profile("lc", "gt.example.org", target_kind="librechat", target_place=target.place)
    target.record_in(profile)
    assert for_profile(profile) == target
    step = target.restart_step(profile)
    assert step is not None and step.commands == ("make restart",)
