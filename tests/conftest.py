"""Shared fixtures: an isolated config/state dir for every test, real-service gating, the sandbox.

Area-specific fixtures live in the test modules (or helper modules under tests/) that need them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRE_REAL = os.environ.get("GTWIZARD_REQUIRE_REAL_SERVICES") == "1"

# Fixture modules shared by several test files (tests/ is on sys.path).
pytest_plugins = ["secret_service", "tui_helpers"]


def missing_service(reason: str) -> None:
    """Skip locally when a real service is missing; fail when CI requires real services."""
    if REQUIRE_REAL:
        pytest.fail(f"real service required (GTWIZARD_REQUIRE_REAL_SERVICES=1): {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point config and state dirs at a per-test temp dir; never touch the real home."""
    config = tmp_path / "config"
    state = tmp_path / "state"
    monkeypatch.setenv("GTWIZARD_CONFIG_DIR", str(config))
    monkeypatch.setenv("GTWIZARD_STATE_DIR", str(state))
    monkeypatch.delenv("GTWIZARD_OPERATOR_TOKEN", raising=False)
    monkeypatch.delenv("GTWIZARD_OPENWEBUI_TOKEN", raising=False)
    return tmp_path


@pytest.fixture(scope="module")
def sandbox() -> Iterator[object]:
    """A plain-HTTP sandbox tenant on loopback, one per test module."""
    from gtwizard.sandbox import start_in_thread

    handle = start_in_thread(tls=False)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def tls_sandbox() -> Iterator[object]:
    """An HTTPS sandbox tenant with its own generated CA (`handle.ca_file`)."""
    from gtwizard.sandbox import start_in_thread

    handle = start_in_thread(tls=True)
    try:
        yield handle
    finally:
        handle.stop()
