"""Run the sandbox with uvicorn in a background thread; `SandboxHandle` is what callers hold.

The listening socket is bound before the thread starts (port 0 picks a free port, known at once),
and `start_in_thread` returns only after uvicorn's startup finished, so the first request connects.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from gtwizard.sandbox import catalog
from gtwizard.sandbox.app import build_app
from gtwizard.sandbox.authlog import AuthLog
from gtwizard.sandbox.faults import BASE_PATH, TRANSPORT_EXTENSION, FaultHolder
from gtwizard.sandbox.manage import parse_key_spec
from gtwizard.sandbox.state import SandboxState

LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class TransportExposingH11(H11Protocol):
    """uvicorn's h11 protocol that also hands the connection's transport to the app.

    The drop fault needs it: closing the transport is the one reliable way to end a connection
    without sending a single response byte.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inner = self.app

        async def app_with_transport(scope: Any, receive: Any, send: Any) -> None:
            scope.setdefault("extensions", {})[TRANSPORT_EXTENSION] = self.transport
            await inner(scope, receive, send)

        self.app = app_with_transport


class _ReadyServer(uvicorn.Server):
    """A uvicorn server that signals a threading.Event once it accepts connections."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


class SandboxHandle:
    """A running sandbox tenant: its addresses, operator token, CA file and test controls."""

    def __init__(
        self,
        *,
        server: _ReadyServer,
        thread: threading.Thread,
        state: SandboxState,
        faults: FaultHolder,
        scheme: str,
        port: int,
        ca_file: Path | None,
        authlog: AuthLog | None = None,
    ) -> None:
        self._server = server
        self._authlog = authlog or AuthLog()
        self._thread = thread
        self._state = state
        self._faults = faults
        self.scheme = scheme
        self.port = port
        self.host = f"{LOOPBACK}:{port}"
        self.base_url = f"{scheme}://{self.host}{BASE_PATH}"
        self.operator_token = state.operator_token
        self.ca_file = str(ca_file) if ca_file else None
        self.published = catalog.published()

    def ready_line(self) -> dict[str, Any]:
        """The fields `gtwizard sandbox` prints when ready."""
        return {
            "base_url": self.base_url,
            "host": self.host,
            "scheme": self.scheme,
            "operator_token": self.operator_token,
            "ca_file": self.ca_file,
            "published": self.published,
        }

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def set_faults(self, **fields: Any) -> dict[str, Any]:
        """Replace the active faults (same fields and rules as POST /_sandbox/faults)."""
        return self._faults.set(**fields).as_dict()

    def clear_faults(self) -> dict[str, Any]:
        return self._faults.clear().as_dict()

    @property
    def hostile_sent(self) -> int:
        """Body bytes the `huge` hostile mode handed to connections so far (see sandbox.hostile)."""
        return self._faults.hostile_sent

    def record_authorization(self) -> None:
        """Tests: from now on, note the hash of every Authorization credential received."""
        self._authlog.start()

    def authorizations_seen(self) -> list[tuple[str, str, str]]:
        """(method, path, SHA-256 of the credential) since `record_authorization`."""
        return self._authlog.seen()

    def seed_key(
        self,
        scopes: list[str] | tuple[str, ...],
        agent_aliases: list[str] | tuple[str, ...] = (),
        raw_models: list[str] | tuple[str, ...] = (),
        purpose: str = "inference",
        name: str = "seeded",
        expires_at: str | None = None,
        datasets: list[str] | tuple[str, ...] = (),
    ) -> tuple[str, str]:
        """Mint a key directly (validated like POST /keys); return (key id, secret)."""
        spec = parse_key_spec(
            {
                "name": name,
                "purpose": purpose,
                "scopes": list(scopes),
                "agent_aliases": list(agent_aliases),
                "raw_models": list(raw_models),
                "datasets": list(datasets),
                "expires_at": expires_at,
            }
        )
        record, secret = self._state.mint(**spec)
        return record.id, secret

    def revoke(self, key_id: str) -> None:
        if self._state.revoke(key_id) is None:
            raise KeyError(key_id)

    def expire(self, key_id: str) -> None:
        """Let a key's expiry pass now (tests: the tenant never mints one already expired)."""
        if self._state.expire(key_id) is None:
            raise KeyError(key_id)

    def stop(self) -> None:
        """Ask uvicorn to shut down and wait for the thread; force it if connections linger."""
        self._server.should_exit = True
        self._thread.join(STOP_TIMEOUT)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(STOP_TIMEOUT)

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((LOOPBACK, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.setblocking(False)
    return sock


def start_in_thread(
    *,
    tls: bool = False,
    port: int = 0,
    unversioned_paths: bool = False,
    latency_ms: int = 0,
    state_file: str | Path | None = None,
    cert_mode: str = "valid",
    seed: int | None = None,
    hostile: str | None = None,
) -> SandboxHandle:
    """Start the sandbox tenant on loopback and return once it accepts connections.

    `seed` is for tests only: it makes the operator token, key ids and secrets reproducible.
    `hostile` starts it as a hostile tenant (a mode of gtwizard.sandbox.hostile; clearing the
    faults keeps it, as it keeps the start latency).
    """
    state_path = Path(state_file) if state_file is not None else None
    state = SandboxState(state_path, seed=seed)
    faults = FaultHolder(latency_ms, hostile)
    app = build_app(state, faults, unversioned_paths=unversioned_paths)
    ssl_factory = None
    ca_file: Path | None = None
    if tls:
        from gtwizard.sandbox.tls import make_server_context

        tls_dir = state_path.with_name(state_path.name + ".tls") if state_path else None
        context, ca_file = make_server_context(cert_mode, tls_dir)

        def ssl_factory(config: Any, default: Any) -> Any:
            return context

    config = uvicorn.Config(
        app,
        http=TransportExposingH11,
        lifespan="off",
        log_config=None,
        log_level="warning",
        access_log=False,
        ssl_context_factory=ssl_factory,
        timeout_graceful_shutdown=2,
    )
    sock = _bind(port)
    server = _ReadyServer(config)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])),
        name=f"gtwizard-sandbox-{sock.getsockname()[1]}",
        daemon=True,
    )
    thread.start()
    if not server.ready.wait(STARTUP_TIMEOUT) or not thread.is_alive():
        server.should_exit = True
        sock.close()
        raise RuntimeError("the sandbox tenant did not start")
    return SandboxHandle(
        server=server,
        thread=thread,
        state=state,
        faults=faults,
        scheme="https" if tls else "http",
        port=sock.getsockname()[1],
        ca_file=ca_file,
        authlog=app.state.authlog,
    )
