"""Shared fixtures: an isolated config/state dir for every test, real-service gating, the sandbox.

Tests live by tier (unit/, sandbox/, tui/, real/); what they share is the support package.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRE_REAL = os.environ.get("GTWIZARD_REQUIRE_REAL_SERVICES") == "1"

# Fixture modules shared by several test files (tests/ is on sys.path: its conftest).
pytest_plugins = ["support.secret_service", "support.tui_helpers"]


def pytest_configure(config: pytest.Config) -> None:
    """Children get Ctrl-C as an operator's terminal would send it, however the suite started.

    A shell without job control starts `cmd &` with SIGINT ignored, and an ignored signal stays
    ignored across exec: every gtwizard the tests start would then shrug off the SIGINT that the
    interruption tests send. A Python handler here is reset to the default in each child."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def missing_service(reason: str) -> None:
    """Skip locally when a real service is missing; fail when CI requires real services."""
    if REQUIRE_REAL:
        pytest.fail(f"real service required (GTWIZARD_REQUIRE_REAL_SERVICES=1): {reason}")
    pytest.skip(reason)


# the suite's own knobs, read from the caller's environment on purpose
SUITE_SETTINGS = {
    "GTWIZARD_REQUIRE_REAL_SERVICES",
    "GTWIZARD_OWUI_VENV",
    "GTWIZARD_LIBRECHAT_SCHEMA",  # where LibreChat's schema is installed
    "GTWIZARD_K8S_VENV",
    "GTWIZARD_CRASH_SEED",
}
# what else in the caller's environment changes what a test sees: colours, and the caller's keyring
# (its session bus and backend choice). A test that needs one sets it. (Textual's TEXTUAL_* settings
# are read when Textual is imported, before any fixture, by the snapshot plugin: not cleared here.)
CALLER_ONLY = ("NO_COLOR", "FORCE_COLOR", "DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND")


@pytest.fixture(autouse=True)
def hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts from the same environment, whatever the caller exported (a shell with
    NO_COLOR=1 or a desktop session bus must not change a snapshot or reach a real keyring)."""
    for name in list(os.environ):
        if name in CALLER_ONLY or (name.startswith("GTWIZARD_") and name not in SUITE_SETTINGS):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def isolated_dirs(
    hermetic_environment: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point config and state dirs at a per-test temp dir; never touch the real home."""
    config = tmp_path / "config"
    state = tmp_path / "state"
    monkeypatch.setenv("GTWIZARD_CONFIG_DIR", str(config))
    monkeypatch.setenv("GTWIZARD_STATE_DIR", str(state))
    monkeypatch.setenv("GTWIZARD_CACHE_DIR", str(tmp_path / "cache"))
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


@pytest.fixture
def own_sandbox() -> Iterator[object]:
    """A tenant of this test's own: every key on it is this test's (`keys` and orphans see only
    them, where the module's shared sandbox holds other tests' keys too)."""
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
