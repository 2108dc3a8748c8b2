"""PersistentConfig detection and the env-file effective-config reader (no Open WebUI needed)."""

from __future__ import annotations

import socket
from pathlib import Path

from gtwizard.openwebui.persistent import check_admin_url, check_data_dir, read_env_config


def test_webui_db_means_env_edits_are_ignored(tmp_path: Path) -> None:
    assert check_data_dir(tmp_path) is None
    (tmp_path / "webui.db").write_bytes(b"")
    warning = check_data_dir(tmp_path)
    assert warning is not None and "will not take effect" in warning.message
    tradeoffs = {o.id: o.tradeoff for o in warning.options}
    assert "lost at the next restart" in tradeoffs["disable-persistent-config"]
    assert "admin-api" in tradeoffs


def test_env_that_overrides_the_database_gives_no_warning(tmp_path: Path) -> None:
    (tmp_path / "webui.db").write_bytes(b"")
    assert check_data_dir(tmp_path, {"ENABLE_PERSISTENT_CONFIG": "false"}) is None
    assert check_data_dir(tmp_path, {"RESET_CONFIG_ON_START": "True"}) is None
    assert check_data_dir(tmp_path, {"ENABLE_PERSISTENT_CONFIG": "true"}) is not None


async def test_admin_url_that_does_not_answer_gives_no_warning() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert await check_admin_url(f"http://127.0.0.1:{port}") is None


def test_effective_config_from_a_compose_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        'OPENAI_API_BASE_URL="https://acme.example/api/tenant/v1/"\n'
        "OPENAI_API_KEY='gtak_abcdefghijkl'\n"
        "RAG_EMBEDDING_ENGINE=openai # engine\n"
        "ENABLE_PERSISTENT_CONFIG=false\n"
    )
    cfg = read_env_config(env, "compose")
    assert cfg.openai["OPENAI_API_BASE_URLS"] == ["https://acme.example/api/tenant/v1"]
    assert cfg.openai["OPENAI_API_KEYS"] == ["gtak_abcdefghijkl"]
    assert cfg.rag_engine == "openai"
    assert cfg.persistent_config is False and cfg.reset_on_start is False
    assert "gtak_" not in repr(cfg)
    # docker keeps the quotes: the same file means something else there
    assert read_env_config(env, "docker").openai["OPENAI_API_KEYS"] == ["'gtak_abcdefghijkl'"]
