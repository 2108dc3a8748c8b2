"""The admin client's errors against real servers that are not Open WebUI (no venv needed)."""

from __future__ import annotations

import pytest
from support.owui_fixture import free_port

from gtwizard.openwebui.admin import OpenWebUIAdmin, OpenWebUIError


async def test_gt_tenant_is_not_mistaken_for_open_webui(sandbox: object) -> None:
    root = "http://" + sandbox.host  # type: ignore[attr-defined]
    async with OpenWebUIAdmin(root, "gtak_notatokenforowui") as owui:
        with pytest.raises(OpenWebUIError) as err:
            await owui.get_openai_config()
    assert err.value.status == 404
    assert "not an Open WebUI" in err.value.one_line()
    assert "gtak_notatokenforowui" not in err.value.one_line()


async def test_nothing_listening_is_one_clear_error() -> None:
    async with OpenWebUIAdmin(f"http://127.0.0.1:{free_port()}", "t") as owui:
        with pytest.raises(OpenWebUIError, match="cannot connect") as err:
            await owui.health()
    assert err.value.status == 0 and "\n" not in err.value.one_line()


async def test_client_must_be_entered() -> None:
    with pytest.raises(RuntimeError, match="context manager"):
        await OpenWebUIAdmin("http://127.0.0.1:1").health()
