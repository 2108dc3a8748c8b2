"""A tenant that went silent: a loopback port that accepts connections and never sends a byte.

What a hung gateway looks like to a client (the TCP handshake succeeds, no answer ever comes), so
the dead-tenant test and the dead-tenant benchmark can prove that every wait is bounded.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def silent_listener(port: int = 0) -> Iterator[int]:
    """Listen on 127.0.0.1:`port` (0: any free one), accept everything, answer nothing; yields
    the port. SO_REUSEADDR so it can take over the port of a server that just stopped."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(64)
    server.settimeout(0.1)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, name="gtwizard-silent-listener", daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()
