"""Start the real LiteLLM proxy (the pip package in a cache venv) on loopback for tests.

The venv comes from scripts/install-litellm.sh; GTWIZARD_LITELLM_VENV overrides its location. The
proxy gets `--config FILE --port P` and exactly the variables of its env file (as systemd's
EnvironmentFile or `docker run --env-file` give them), plus a minimal PATH/HOME: nothing leaks in
from the test runner. A start takes about 20 s on 2 cores: tests start it as few times as they can.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from conftest import missing_service

from support.owui_fixture import docker_env_file, free_port, stop_openwebui

LITELLM_VERSION = "1.108.5"
START_BUDGET_S = 180.0
PASS_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
QUIET = {
    "LITELLM_LOG": "ERROR",
    "LITELLM_TELEMETRY": "False",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no download of the cost map at start
    "DISABLE_SCHEMA_UPDATE": "True",
    "NO_DOCS": "True",
}


def litellm_venv() -> Path:
    explicit = os.environ.get("GTWIZARD_LITELLM_VENV")
    if explicit:
        return Path(explicit)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "gtwizard" / f"litellm-{LITELLM_VERSION}"


def require_litellm() -> Path:
    """The litellm executable, or a skip (a failure under GTWIZARD_REQUIRE_REAL_SERVICES=1)."""
    exe = litellm_venv() / "bin" / "litellm"
    if not (litellm_venv() / ".gtwizard-complete").exists() or not os.access(exe, os.X_OK):
        missing_service(
            f"LiteLLM {LITELLM_VERSION} is not installed in {litellm_venv()} "
            "(run scripts/install-litellm.sh)"
        )
    return exe


@dataclass
class Proxy:
    url: str
    process: subprocess.Popen[bytes] = field(repr=False)
    log: Path


def start_proxy(config: Path, env_file: Path, *, port: int | None = None) -> Proxy:
    """`litellm --config CONFIG --port P` with ENV_FILE's variables; waits until it answers."""
    exe = require_litellm()
    port = port or free_port()
    env = {k: os.environ[k] for k in PASS_THROUGH if k in os.environ}
    env.update(QUIET)
    if env_file.exists():
        env.update(docker_env_file(env_file))
    log = config.parent / f"litellm-{port}.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [str(exe), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)],
            cwd=config.parent,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    proxy = Proxy(f"http://127.0.0.1:{port}", proc, log)
    deadline = time.monotonic() + START_BUDGET_S
    while True:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            pytest.fail(f"LiteLLM exited during start (code {proc.returncode}):\n{tail}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(proxy.url + "/health/readiness", timeout=2.0).status_code == 200:
                return proxy
        if time.monotonic() > deadline:
            stop_proxy(proxy)
            pytest.fail(f"LiteLLM was not ready within {START_BUDGET_S:.0f} s; log {log}")
        time.sleep(0.5)


def stop_proxy(proxy: Proxy) -> None:
    """Stop the proxy we started (its own process group), politely first."""
    stop_openwebui(proxy)  # type: ignore[arg-type]  # it only needs the process


@contextlib.contextmanager
def running_proxy(config: Path, env_file: Path, *, port: int | None = None) -> Iterator[Proxy]:
    proxy = start_proxy(config, env_file, port=port)
    try:
        yield proxy
    finally:
        stop_proxy(proxy)
