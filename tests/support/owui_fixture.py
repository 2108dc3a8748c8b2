"""Start a real Open WebUI (the pip package in a cache venv) offline on loopback for tests.

The venv comes from scripts/install-openwebui.sh; GTWIZARD_OWUI_VENV overrides its location. Each
instance gets its own DATA_DIR, a free port, a headless admin account and only the environment we
give it (nothing leaks in from the test runner's environment). A start takes ~30 s on 2 cores, so
test modules start one instance and reuse it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from conftest import missing_service

OWUI_VERSION = "0.12.4"
START_BUDGET_S = 180.0
ADMIN_EMAIL = "admin@owui.test"
ADMIN_NAME = "Test Admin"

# Offline and quiet: no hub downloads, no update check, no telemetry, no local embedding model,
# no Ollama probing. A test's own extra env wins over these.
OFFLINE_ENV: dict[str, str] = {
    "OFFLINE_MODE": "true",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ENABLE_VERSION_UPDATE_CHECK": "false",
    "ANONYMIZED_TELEMETRY": "false",
    "SCARF_NO_ANALYTICS": "true",
    "DO_NOT_TRACK": "true",
    "RAG_EMBEDDING_ENGINE": "openai",
    "ENABLE_OLLAMA_API": "false",
    "WEBUI_SECRET_KEY": "owui-fixture-secret-not-for-production",
}
PASS_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE")


def owui_venv() -> Path:
    """Where scripts/install-openwebui.sh put Open WebUI."""
    explicit = os.environ.get("GTWIZARD_OWUI_VENV")
    if explicit:
        return Path(explicit)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "gtwizard" / f"openwebui-{OWUI_VERSION}"


def require_openwebui() -> Path:
    """The open-webui executable, or a skip (a failure under GTWIZARD_REQUIRE_REAL_SERVICES=1)."""
    exe = owui_venv() / "bin" / "open-webui"
    if not os.access(exe, os.X_OK):
        missing_service(
            f"Open WebUI {OWUI_VERSION} is not installed in {owui_venv()} "
            "(run scripts/install-openwebui.sh)"
        )
    return exe


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def docker_env_file(path: Path) -> dict[str, str]:
    """Read an env file with docker's `--env-file` rules (an independent reader, on purpose).

    Docker trims leading whitespace, skips blank and `#` lines, splits at the first `=` and takes
    the rest literally (quotes included).
    """
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        line = line.lstrip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, value = line.split("=", 1)
        values[name] = value
    return values


@dataclass
class OpenWebUI:
    """A running instance: where it listens, its admin account and files."""

    url: str
    admin_email: str
    admin_password: str = field(repr=False)
    data_dir: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    log: Path


def start_openwebui(
    data_dir: Path,
    extra_env: Mapping[str, str] | None = None,
    *,
    admin_password: str = "owui-admin-pass-1",
    port: int | None = None,
) -> OpenWebUI:
    """Start Open WebUI on `port` (default: a free one) with `data_dir` and wait for /health.

    A fixed port lets a test restart the same Open WebUI where gtwizard already knows its URL."""
    exe = require_openwebui()
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    env = {k: os.environ[k] for k in PASS_THROUGH if k in os.environ}
    env.update(OFFLINE_ENV)
    env.update(
        DATA_DIR=str(data_dir),
        WEBUI_ADMIN_EMAIL=ADMIN_EMAIL,
        WEBUI_ADMIN_PASSWORD=admin_password,
        WEBUI_ADMIN_NAME=ADMIN_NAME,
    )
    env.update(extra_env or {})
    log = data_dir / f"owui-{port}.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=data_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    inst = OpenWebUI(f"http://127.0.0.1:{port}", ADMIN_EMAIL, admin_password, data_dir, proc, log)
    deadline = time.monotonic() + START_BUDGET_S
    while True:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            pytest.fail(f"Open WebUI exited during start (code {proc.returncode}):\n{tail}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(inst.url + "/health", timeout=2.0).status_code == 200:
                return inst
        if time.monotonic() > deadline:
            stop_openwebui(inst)
            pytest.fail(f"Open WebUI gave no /health within {START_BUDGET_S:.0f} s; log {log}")
        time.sleep(0.5)


def stop_openwebui(inst: OpenWebUI) -> None:
    """Stop the instance we started (its own process group), politely first."""
    proc = inst.process
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def running_openwebui(
    data_dir: Path, extra_env: Mapping[str, str] | None = None
) -> Iterator[OpenWebUI]:
    """`with running_openwebui(dir, env) as owui:` — stopped on exit, whatever happens."""
    inst = start_openwebui(data_dir, extra_env)
    try:
        yield inst
    finally:
        stop_openwebui(inst)


def admin_token(owui: OpenWebUI) -> str:
    """The admin's JWT from a real sign-in, as an operator copies it for GTWIZARD_OPENWEBUI_TOKEN."""
    reply = httpx.post(
        owui.url + "/api/v1/auths/signin",
        json={"email": owui.admin_email, "password": owui.admin_password},
        timeout=30,
    )
    reply.raise_for_status()
    return reply.json()["token"]


class Site:
    """One Open WebUI beside one env file, on a fixed port, restarted as an operator would."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env_file = folder / "openwebui.env"
        self.data_dir = folder / "data"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.owui: OpenWebUI | None = None

    def start(self, env: dict[str, str] | None = None) -> OpenWebUI:
        """(Re)start Open WebUI reading the env file (or `env`), as `docker run --env-file` does."""
        self.stop()
        values = env if env is not None else docker_env_file(self.env_file)
        self.owui = start_openwebui(self.data_dir, values, port=self.port)
        return self.owui

    def stop(self) -> None:
        if self.owui is not None:
            stop_openwebui(self.owui)
            self.owui = None


def grant_users(owui: OpenWebUI, token: str, names: Iterable[str]) -> None:
    """What the next steps tell an env-file operator: give ordinary users the models."""
    from gtwizard.openwebui.admin import OpenWebUIAdmin

    async def go() -> None:
        async with OpenWebUIAdmin(owui.url, token) as admin:
            for name in names:
                await admin.grant_model_access(name, "*")

    asyncio.run(go())
