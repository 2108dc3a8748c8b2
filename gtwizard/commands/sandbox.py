"""`gtwizard sandbox`: run the sandbox GT tenant in the foreground.

When it accepts connections it prints exactly one JSON line on stdout (base URL, operator token,
CA file, published names) so scripts and other tools can drive it, then serves until SIGINT or
SIGTERM and exits 0. The operator token it prints is a throwaway local test token.
"""

from __future__ import annotations

import argparse

from gtwizard.commands import COMMANDS


def register(sub: argparse._SubParsersAction) -> None:
    from gtwizard.sandbox.hostile import HOSTILE_MODES

    p = sub.add_parser(
        "sandbox",
        help=COMMANDS["sandbox"],
        description="Run the sandbox GT tenant on 127.0.0.1 until interrupted.",
    )
    p.add_argument("--port", type=int, default=0, help="port to listen on (0 picks a free one)")
    p.add_argument("--tls", action="store_true", help="serve HTTPS with a generated private CA")
    p.add_argument("--state", metavar="FILE", help="keep keys and the operator token in FILE")
    p.add_argument("--latency-ms", type=int, default=0, help="delay every request by N ms")
    p.add_argument(
        "--hostile",
        choices=HOSTILE_MODES,
        help="answer as a hostile tenant would (tests: escape sequences, odd ids, huge bodies)",
    )
    p.add_argument(
        "--unversioned-paths",
        action="store_true",
        help="also serve /api/tenant/models etc. without the /v1 segment",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    import signal
    import sys
    import threading

    from gtwizard.errors import InvalidInput, OperationFailed

    if not 0 <= args.port <= 65535:
        raise InvalidInput(
            f"--port {args.port} is out of range", "use 0 to 65535 (0 = any free port)"
        )
    if not 0 <= args.latency_ms <= 600_000:
        raise InvalidInput("--latency-ms must be from 0 to 600000", "pass a smaller delay")

    from gtwizard.sandbox import start_in_thread

    try:
        handle = start_in_thread(
            tls=args.tls,
            port=args.port,
            unversioned_paths=args.unversioned_paths,
            latency_ms=args.latency_ms,
            state_file=args.state,
            hostile=args.hostile,
        )
    except OSError as exc:
        raise OperationFailed(
            f"cannot listen on 127.0.0.1:{args.port} ({exc.strerror or type(exc).__name__})",
            "choose another --port or use --port 0",
        ) from None

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        sys.stdout.write(json.dumps(handle.ready_line()) + "\n")
        sys.stdout.flush()
        while not stop.wait(0.5):
            if not handle.running:
                raise OperationFailed(
                    "the sandbox server stopped unexpectedly", "see the log above"
                )
    finally:
        handle.stop()
        for sig, old in previous.items():
            signal.signal(sig, old)
    return 0
