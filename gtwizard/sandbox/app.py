"""The sandbox tenant as one Starlette app: inference, key management, fault injection."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from gtwizard.sandbox import responses
from gtwizard.sandbox.authlog import AuthLog, AuthRecorder
from gtwizard.sandbox.faults import BASE_PATH, FaultHolder, FaultInjector
from gtwizard.sandbox.inference import inference_routes
from gtwizard.sandbox.manage import manage_routes
from gtwizard.sandbox.state import SandboxState


async def _http_error(request: Request, exc: Exception) -> Response:
    """Router errors (unknown route, wrong method) in the contract's error shape."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return responses.not_found(f"no route {request.url.path}")
    return responses.for_status(status, str(getattr(exc, "detail", "")) or f"HTTP {status}")


async def _server_error(request: Request, exc: Exception) -> Response:
    return responses.for_status(500, "internal sandbox error")


def build_app(
    state: SandboxState, faults: FaultHolder, *, unversioned_paths: bool = False
) -> Starlette:
    """Assemble the routes; bare `/api/tenant/<route>` paths exist only when asked for."""
    routes: list[Any] = inference_routes(BASE_PATH + "/v1")
    if unversioned_paths:
        routes += inference_routes(BASE_PATH)
    routes += manage_routes(BASE_PATH)
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.sandbox = state
    app.state.faults = faults
    app.state.conversations = {}
    app.state.files = {}
    app.add_middleware(FaultInjector, holder=faults)
    app.state.authlog = AuthLog()  # off unless a test turns it on
    app.add_middleware(AuthRecorder, log=app.state.authlog)
    return app
