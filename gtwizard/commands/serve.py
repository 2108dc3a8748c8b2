"""`gtwizard serve`: the TUI in a browser through textual-serve, on 127.0.0.1 by default.

textual-serve has no login: anyone who can reach the port drives the wizard as you. So it binds
to loopback, and another address needs an explicit flag and prints a warning. From a laptop, reach
a server's wizard through an SSH tunnel instead:  ssh -L 8000:127.0.0.1:8000 server
"""

from __future__ import annotations

import argparse
import shlex
import sys

from gtwizard.commands import COMMANDS

LOOPBACK = "127.0.0.1"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help=COMMANDS["serve"],
        description="Serve the wizard in a browser through textual-serve. It binds to 127.0.0.1 "
        "only; from another machine use an SSH tunnel: ssh -L 8000:127.0.0.1:8000 SERVER, then "
        "open http://127.0.0.1:8000. textual-serve has no login of its own.",
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
        help="accept --bind with a non-loopback address (anyone who can reach it drives the wizard)",
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
        f"WARNING: listening on {bind}: textual-serve has no login; anyone who can reach this "
        "port can drive the wizard (and mint keys) as you"
    )


def run(args: argparse.Namespace) -> int:
    from gtwizard.errors import InvalidInput

    if not 1 <= args.port <= 65535:
        raise InvalidInput(f"--port {args.port} is outside 1-65535")
    warning = check_bind(args.bind, args.allow_remote)
    if warning:
        print(warning, file=sys.stderr)
    from textual_serve.server import Server

    command = shlex.join([sys.executable, "-m", "gtwizard", "tui"])
    print(f"gtwizard in a browser: http://{args.bind}:{args.port}  (Ctrl+C stops it)", flush=True)
    Server(command, host=args.bind, port=args.port, title="gtwizard").serve()
    return 0
