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


@pytest.mark.parametrize(("slug", "name"), [("aider", "Aider"), ("langchain", "LangChain")])
def test_checks_of_another_product_prove_its_side_without_open_webui(
    sandbox, slug: str, name: str
) -> None:
    """No Open WebUI check runs for it, and chat and no-leak pass on what GT proves, saying
    where the product's own side stands (configured by hand here: nothing can ask it)."""
    dry = setup(sandbox, slug, f"{slug}-dry", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    would_run = next(line for line in dry.stdout.splitlines() if "checks that would run" in line)
    assert "openwebui" not in would_run and "task-model" not in would_run
    assert "chat" in would_run and "no-leak" in would_run

    assert setup(sandbox, slug, slug).returncode == 0
    out = run_cli(["check", "--profile", slug, "--json"])
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert "Open WebUI" not in json.dumps(report)
    results = {r["id"]: r for r in report["checks"]}
    assert not [i for i in results if i.startswith("openwebui") or i == "task-model"]
    assert results["chat"]["status"] == "pass"
    assert f"{name} is configured by hand" in results["chat"]["detail"]
    assert results["no-leak"]["status"] == "pass"
    assert f"as {name} composes it" in results["base-form"]["detail"]
    # a framework's preset key carries inference:embed by design: least privilege says so
    assert results["least-privilege"]["status"] == "pass"


def test_a_continue_dry_run_lists_its_product_proof(sandbox, tmp_path) -> None:
    folder = tmp_path / "ws" / ".continue"
    folder.mkdir(parents=True)
    target = ["--target", "continue", "--continue-config", str(folder / "config.yaml")]
    dry = setup(sandbox, "continue", "cont-dry", *target, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    checks = json.loads(dry.stdout)["preview"]["checks"]
    assert "product-proof" in checks and "openwebui-config" not in checks
