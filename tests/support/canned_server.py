"""A tiny real HTTP server on loopback that answers each (method, path) with a canned reply.

Used to feed clients bodies of the wrong shape (a list where an object belongs, a number where a
list belongs, not JSON at all) over a real socket. Unlisted paths answer 404 in Open WebUI's shape.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None  # JSON-encoded unless `raw` is given
    raw: bytes | None = None
    content_type: str = "application/json"
    cut: bool = False  # promise more bytes than are sent, then close: a connection that breaks
    headers: tuple[tuple[str, str], ...] = ()  # sent as well (a Content-Length here wins)
    repeat: int = 1  # >1: the payload that many times, streamed, ended by closing the connection

    def payload(self) -> bytes:
        return self.raw if self.raw is not None else json.dumps(self.body).encode()


def sse(*events: Any) -> Reply:
    """A text/event-stream reply: each event JSON-encoded (strings sent as they are)."""
    lines = [f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events]
    return Reply(raw="".join(lines).encode(), content_type="text/event-stream")


# A reply, or a function of the request body that picks one (e.g. plain vs streamed chat).
Answer = Reply | Callable[[Any], Reply]


def by_stream(plain: Reply, streamed: Reply) -> Answer:
    """Answer a chat request by its `stream` field."""
    return lambda body: streamed if isinstance(body, dict) and body.get("stream") else plain


@dataclass
class CannedServer:
    replies: dict[tuple[str, str], Answer]
    seen: list[tuple[str, str, bytes]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)  # of each request, in order
    url: str = ""
    sent: int = 0  # body bytes written to clients (what a streamed `repeat` reply got out)
    authorizations: list[str] = field(default_factory=list)  # each request's Authorization value


@contextlib.contextmanager
def canned_server(replies: dict[tuple[str, str], Answer]) -> Iterator[CannedServer]:
    """Serve `replies` ({("POST", "/openai/verify"): Reply(200, [])}) until the block ends."""
    state = CannedServer(dict(replies))

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            state.seen.append((self.command, path, body))
            state.headers.append(dict(self.headers.items()))
            if self.headers.get("Authorization"):
                state.authorizations.append(self.headers["Authorization"])
            reply = state.replies.get((self.command, path), Reply(404, {"detail": "Not Found"}))
            if callable(reply):
                try:
                    reply = reply(json.loads(body or b"null"))
                except ValueError:
                    reply = reply(None)
            data = reply.payload()
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            extra = dict(reply.headers)
            for name, value in extra.items():
                self.send_header(name, value)
            if "Content-Length" not in extra and reply.repeat == 1:
                self.send_header("Content-Length", str(len(data) + (4096 if reply.cut else 0)))
            self.end_headers()
            if reply.repeat > 1:
                self.close_connection = True
                try:
                    for _ in range(reply.repeat):
                        self.wfile.write(data)
                        state.sent += len(data)
                except OSError:  # the client stopped reading and closed: what a cap does
                    pass
                return
            self.wfile.write(data)
            state.sent += len(data)
            if reply.cut:
                self.wfile.flush()
                self.close_connection = True

        do_GET = do_POST = do_DELETE = do_PATCH = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
