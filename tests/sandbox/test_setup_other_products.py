"""Setup for a product other than Open WebUI speaks of that product: its base-form reason, its
snippet and its next steps never send the operator to Open WebUI's menus."""

from __future__ import annotations

import json

import pytest
from support.cli_helpers import run_cli

from gtwizard.nextsteps import format_next_steps, next_steps
from gtwizard.profiles import load_profiles


def setup(sandbox, slug: str, profile: str, *extra: str):
    args = ["setup", "--preset", slug, "--host", sandbox.base_url, "--aliases", "helpdesk"]
    args += ["--mint", "--storage", "file", "--yes", "--profile", profile, *extra]
    return run_cli(args, env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token})


@pytest.mark.parametrize(("slug", "name"), [("continue", "Continue"), ("langchain", "LangChain")])
def test_setup_for_another_product_never_talks_about_open_webui(
    sandbox, slug: str, name: str
) -> None:
    out = setup(sandbox, slug, slug)
    assert out.returncode == 0, out.stderr
    assert "Open WebUI" not in out.stdout + out.stderr
    assert f"does not work for {name}" in out.stdout, out.stdout
    assert f"Put the settings into {name}" in out.stdout

    as_json = setup(sandbox, slug, slug + "-json", "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert "Open WebUI" not in json.dumps(json.loads(as_json.stdout))

    steps = format_next_steps(next_steps(load_profiles()[slug]))
    assert "Open WebUI" not in steps and name in steps
