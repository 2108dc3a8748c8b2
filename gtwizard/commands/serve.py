"""`gtwizard serve`: the TUI in a browser through textual-serve, on 127.0.0.1 by default.

textual-serve has no login, and binding to loopback does not stop a web page in the operator's own
browser from opening a WebSocket to 127.0.0.1. So every launch makes a random token and prints the
address with it once (as Jupyter does): the page is served only with the token, and the WebSocket
that drives the wizard is accepted only at an address that ends in the token (the page carries
it) and with an Origin equal to the served origin. No cookie is set: a browser sends a cookie for
127.0.0.1 to every port of that host, so another local service would receive the token with it.
Another address than loopback needs an explicit flag and prints a warning. From a laptop, reach a
server's wizard through an SSH tunnel instead: ssh -L 8000:127.0.0.1:8000 server
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from typing import Any

from gtwizard.commands import COMMANDS

LOOPBACK = "127.0.0.1"
REFUSED = (
    "gtwizard serve: refused. Open the address gtwizard printed when it started (with its token), "
    "in the browser that loaded it."
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help=COMMANDS["serve"],
        description="Serve the wizard in a browser through textual-serve. It binds to 127.0.0.1 "
        "only; from another machine use an SSH tunnel: ssh -L 8000:127.0.0.1:8000 SERVER, then "
        "open the printed http://127.0.0.1:8000/?token=... address. Only that address (its "
        "per-launch token) can drive the wizard; in the browser alt+n is Next and alt+q quits.",
    )
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    p.add_argument(
        "--bind",
        metavar="ADDR",
        default=LOOPBACK,
        help="another address to listen on; needs --allow-remote (there is no login)",
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="accept --bind with a non-loopback address (anyone who can reach it and has the "
        "token drives the wizard, over plain http)",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="serve 'gtwizard demo' (the embedded sandbox tenant) instead of the wizard",
    )
    p.set_defaults(func=run)


def check_bind(bind: str, allow_remote: bool) -> str | None:
    """None for loopback; a warning for another address (or an error when not allowed)."""
    import ipaddress

    from gtwizard.errors import InvalidInput

    try:
        loopback = bind == "localhost" or ipaddress.ip_address(bind).is_loopback
    except ValueError:
        raise InvalidInput(f"--bind {bind!r} is not an IP address", "use e.g. 127.0.0.1") from None
    if loopback:
        return None
    if not allow_remote:
        raise InvalidInput(
            f"serving on {bind} would expose the wizard without a login",
            "keep 127.0.0.1 and use an SSH tunnel, or add --allow-remote if you really mean it",
        )
    return (
        f"WARNING: listening on {bind}: textual-serve has no login and the token travels over "
        "plain http; anyone who can reach this port and read the token can drive the wizard "
        "(and mint keys) as you"
    )


class _OneLineHandler(logging.Handler):
    """textual-serve's and aiohttp's log: one line per record on stderr, never a traceback; an
    exception's report goes, redacted and without locals, to gtwizard's log."""

    def emit(self, record: logging.LogRecord) -> None:
        from gtwizard.crash import crash_line
        from gtwizard.redact import redact

        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            line = crash_line(error)
        else:
            line = f"gtwizard serve: {redact(' '.join(record.getMessage().split()))}"
        print(line, file=sys.stderr, flush=True)


def served_origin(bind: str, port: int) -> str:
    """The origin the browser sees: scheme, host and port, as printed."""
    host = f"[{bind}]" if ":" in bind else bind
    return f"http://{host}:{port}"


def make_server(command: str, *, bind: str, port: int, token: str) -> Any:
    """textual-serve's Server, guarded by the token and the Origin (see the module docstring)."""
    import secrets

    import aiohttp_jinja2
    from aiohttp import web
    from textual_serve.server import Server

    from gtwizard.testhooks import crash_for_test

    origin = served_origin(bind, port)

    def token_ok(given: str | None) -> bool:
        return given is not None and secrets.compare_digest(given.encode(), token.encode())

    @web.middleware
    async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/static/"):  # textual-serve's own js, css and fonts
            return await handler(request)
        if request.path == "/":
            crash_for_test("serve")
            if not token_ok(request.query.get("token")):
                raise web.HTTPForbidden(text=REFUSED)
            response = await handler(request)
            response.headers["Cache-Control"] = "no-store"
            response.headers["Referrer-Policy"] = "no-referrer"
            return response
        # the WebSocket, at /ws/TOKEN: only the page's own tab, from the served origin; nothing
        # else is served (textual-serve's bare /ws and its downloads are refused)
        head, _, given = request.path.rpartition("/")
        if head != "/ws" or not token_ok(given) or request.headers.get("Origin") != origin:
            raise web.HTTPForbidden(text=REFUSED)
        return await handler(request)

    class GuardedServer(Server):
        def initialize_logging(self) -> None:
            # textual-serve's handler renders tracebacks with their locals; aiohttp's access log
            # would print every request line (the token with it)
            logging.basicConfig(level="INFO", handlers=[_OneLineHandler()], force=True)
            logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

        @aiohttp_jinja2.template("app_index.html")
        async def handle_index(self, request: web.Request) -> dict[str, Any]:
            # textual-serve's context (its undecorated handler), the WebSocket's address with the
            # token as its last segment (its script appends ?width=..&height=.. to the address)
            undecorated = Server.handle_index.__wrapped__  # type: ignore[attr-defined]  # functools.wraps sets it
            context: dict[str, Any] = await undecorated(self, request)
            context["app_websocket_url"] += "/" + token
            return context

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.router.add_get("/ws/{token}", self.handle_websocket)
            app.middlewares.append(guard)
            return app

        async def on_startup(self, app: web.Application) -> None:
            print(
                f"gtwizard in a browser: {origin}/?token={token}\n"
                "  only this address drives the wizard (its token is new at every start); "
                "Ctrl+C stops it",
                flush=True,
            )

    return GuardedServer(command, host=bind, port=port, title="gtwizard", public_url=origin)


def run(args: argparse.Namespace) -> int:
    import secrets

    from gtwizard.errors import InvalidInput

    if not 1 <= args.port <= 65535:
        raise InvalidInput(f"--port {args.port} is outside 1-65535")
    warning = check_bind(args.bind, args.allow_remote)
    if warning:
        print(warning, file=sys.stderr)
    command = shlex.join([sys.executable, "-m", "gtwizard", "demo" if args.demo else "tui"])
    server = make_server(command, bind=args.bind, port=args.port, token=secrets.token_urlsafe(32))
    server.serve()
    return 0
