"""The whole wizard with Pilot against the sandbox: env-file target, Back-and-change, admin API.

No keyring here (keyring's fail backend, as over SSH), so the demo-local secrets file is used, as
`gtwizard demo` does on a machine without a Secret Service.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.owui_fixture import (
    OpenWebUI,
    admin_token,
    docker_env_file,
    start_openwebui,
    stop_openwebui,
)
from support.tui_drive import (
    ENV_FILE_EXPECTED,
    NAMES,
    back_to,
    demo_state,
    drive,
    next_to,
    paste_into,
    pick_names,
    settle,
)
from support.tui_helpers import text_of

from gtwizard.app import WizardApp
from gtwizard.wizard import STEPS

pytestmark = pytest.mark.usefixtures("fail_keyring")


@pytest.fixture
def folder(demo_folder: Path) -> Path:
    return demo_folder


def statuses(app: WizardApp) -> dict[str, str]:
    return {r.id: r.status for r in app.state.check_report.results}


def models_status(base: str, key: str) -> int:
    return httpx.get(f"{base}/models", headers={"Authorization": f"Bearer {key}"}).status_code


async def test_env_file_flow_ends_on_summary(sandbox, folder: Path) -> None:
    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "summary")
        summary = text_of(app.screen.query_one("#summary-body"))
        assert "no failures (7 pass, 2 warn, 4 skip)" in summary and "openwebui.env" in summary

    env_file = folder / "openwebui.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = docker_env_file(env_file)
    assert values["OPENAI_API_BASE_URL"] == sandbox.base_url + "/v1"
    assert json.loads(values["OPENAI_API_CONFIGS"])["0"]["model_ids"] == list(NAMES)
    assert models_status(values["OPENAI_API_BASE_URL"], values["OPENAI_API_KEY"]) == 200
    assert statuses(app) == ENV_FILE_EXPECTED
    assert app.state.check_report.ok


async def test_back_from_every_step_and_change_the_answers(sandbox, folder: Path) -> None:
    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "summary")
        first = docker_env_file(folder / "openwebui.env")
        first_key_id = app.state.profile.key_id

        for step in reversed(STEPS[:-1]):  # Back from every step down to Product
            await back_to(pilot, step)
        await next_to(pilot, "tenant")
        await next_to(pilot, "key")
        await pick_names(pilot, ("finance-analyst", "llama-3.1-8b-instruct"))
        await next_to(pilot, "target")
        await paste_into(pilot, "#target-path", str(folder / "other.env"))
        await drive(pilot, "summary")
        second_key_id = app.state.profile.key_id

    assert second_key_id != first_key_id
    values = docker_env_file(folder / "other.env")
    config = json.loads(values["OPENAI_API_CONFIGS"])["0"]
    assert config["model_ids"] == ["finance-analyst", "llama-3.1-8b-instruct"]
    base = values["OPENAI_API_BASE_URL"]
    # going Back after Apply makes the second pass a re-setup of the same profile: its first key
    # stays valid until the new one is proven where Open WebUI uses it (no Open WebUI here)
    assert models_status(base, first["OPENAI_API_KEY"]) == 200, "not revoked without a proof"
    assert models_status(base, values["OPENAI_API_KEY"]) == 200
    assert app.state.check_report.ok
    from gtwizard.lifecycle.journal import open_journal

    waiting = open_journal("demo")
    assert waiting is not None and waiting.state == "waiting"
    assert waiting.old_key_id == first_key_id and waiting.new_key_id == second_key_id


async def test_changing_only_the_target_applies_to_the_new_place(sandbox, folder: Path) -> None:
    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "summary")
        for step in ("checks", "apply", "review", "storage", "mint", "target"):
            await back_to(pilot, step)
        await paste_into(pilot, "#target-path", str(folder / "moved.env"))
        await drive(pilot, "summary")
    assert (folder / "moved.env").exists()
    assert "OPENAI_API_KEY=gtak_" in (folder / "moved.env").read_text()


@pytest.fixture(scope="module")
def owui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenWebUI]:
    """One real Open WebUI for this module, started only when a test asks for it."""
    inst = start_openwebui(tmp_path_factory.mktemp("owui-tui"))
    try:
        yield inst
    finally:
        stop_openwebui(inst)


@pytest.mark.openwebui
async def test_admin_api_flow_against_a_real_open_webui(sandbox, owui, folder: Path) -> None:
    token = admin_token(owui)
    app = WizardApp(demo_state(sandbox, folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "target")
        await pilot.press("down", "enter")  # the kind radio set has focus: pick Admin API
        await settle(pilot)
        assert app.state.target_kind == "admin-api"
        await paste_into(pilot, "#target-url", owui.url)
        await paste_into(pilot, "#target-token", token)
        await drive(pilot, "summary")
        summary = text_of(app.screen.query_one("#summary-body"))

    assert "all passed" in summary and owui.url in summary
    assert token not in summary
    assert not (folder / "openwebui.env").exists(), "the admin-API target writes no env file"
    # Every check can prove its point with a live Open WebUI; embeddings were not chosen.
    expected = {check_id: "pass" for check_id in ENV_FILE_EXPECTED} | {"embeddings": "skip"}
    assert statuses(app) == expected
    reply = httpx.get(
        owui.url + "/openai/config", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    config = reply.json()
    gt_index = config["OPENAI_API_BASE_URLS"].index(sandbox.base_url + "/v1")
    assert config["OPENAI_API_CONFIGS"][str(gt_index)]["model_ids"] == list(NAMES)
