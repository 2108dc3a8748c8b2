"""gtwizard.targets.yamlblock: our entry edited in a product's YAML, every other byte kept."""

from __future__ import annotations

import pytest
import yaml

from gtwizard.errors import InvalidInput
from gtwizard.targets.yamlblock import find, remove, upsert

OURS = {"name": "GT API", "provider": "openai", "apiKey": "${{ secrets.GT_API_KEY }}"}
OPERATORS = """\
# my config
name: Local
schema: v1
models:
  # first
  - name: Ollama  # local
    provider: ollama
    model: llama3

  # trailing comment
context: []
"""


def test_appends_after_the_last_entry_and_keeps_every_other_line() -> None:
    out = upsert(OPERATORS, ["models"], {"name": "GT API"}, OURS, "config.yaml")
    added = [line for line in out.splitlines() if line not in OPERATORS.splitlines()]
    assert added == [
        "  - name: GT API",
        "    provider: openai",
        "    apiKey: ${{ secrets.GT_API_KEY }}",
    ]
    kept = [line for line in out.splitlines() if line not in added]
    assert kept == OPERATORS.splitlines()  # the operator's lines, in their order, byte for byte
    assert yaml.safe_load(out)["models"][1] == OURS


def test_replaces_only_its_own_entry() -> None:
    first = upsert(OPERATORS, ["models"], {"name": "GT API"}, OURS, "config.yaml")
    newer = {**OURS, "apiBase": "https://gt.example/api/tenant/v1"}
    second = upsert(first, ["models"], {"name": "GT API"}, newer, "config.yaml")
    assert second.count("name: GT API") == 1
    assert find(yaml.safe_load(second), ["models"], {"name": "GT API"}) == newer
    assert second.replace("    apiBase: https://gt.example/api/tenant/v1\n", "") == first


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("", ["models"]),
        ("name: x\n", ["models"]),
        ("models:\nname: x\n", ["models"]),
        ("models: []  # none yet\nname: x\n", ["models"]),
        ("version: 1\nendpoints:\n  agents:\n    x: 1\ncache: true\n", ["endpoints", "custom"]),
        (
            "endpoints:\n  custom:\n    - name: M\n      baseURL: https://m\n# end\n",
            ["endpoints", "custom"],
        ),
    ],
)
def test_makes_the_list_where_it_is_missing(text: str, path: list[str]) -> None:
    out = upsert(text, path, {"name": "GT API"}, OURS, "f.yaml")
    data = yaml.safe_load(out)
    assert find(data, path, {"name": "GT API"}) == OURS
    before = yaml.safe_load(text) or {}
    for key, value in before.items():
        if key != path[0]:
            assert data[key] == value


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("models: [{name: a}]\n", "flow style"),
        ("models:\n\t- name: a\n", "tab"),
        ("models: [\n", "not valid YAML"),
        ("- a\n- b\n", "not a YAML mapping"),
        ("models: 3\n", "not a list"),
    ],
)
def test_refuses_what_it_cannot_edit_in_place(text: str, why: str) -> None:
    with pytest.raises(InvalidInput) as err:
        upsert(text, ["models"], {"name": "GT API"}, OURS, "f.yaml")
    assert why in err.value.message


def test_removes_exactly_its_entry_and_keeps_every_other_line() -> None:
    with_ours = upsert(OPERATORS, ["models"], {"name": "GT API"}, OURS, "config.yaml")
    assert remove(with_ours, ["models"], {"name": "GT API"}, "config.yaml") == OPERATORS
    # in the middle of the list too: the entries around it stay as they were
    middle = with_ours.replace("  # trailing comment\n", "  - name: Last\n    provider: x\n")
    out = remove(middle, ["models"], {"name": "GT API"}, "config.yaml")
    assert [m["name"] for m in yaml.safe_load(out)["models"]] == ["Ollama", "Last"]
    assert out == middle.replace(
        "  - name: GT API\n    provider: openai\n    apiKey: ${{ secrets.GT_API_KEY }}\n", ""
    )


def test_remove_leaves_what_it_does_not_find_or_would_empty() -> None:
    assert remove(OPERATORS, ["models"], {"name": "GT API"}, "c.yaml") == OPERATORS
    only = "models:\n  - name: GT API\n    provider: openai\n"
    assert remove(only, ["models"], {"name": "GT API"}, "c.yaml") == only
