"""Test use only: the Authorization credentials the sandbox received, as SHA-256 hashes.

Off until a test turns it on (`SandboxHandle.record_authorization()`); then every request's
credential (the part after `Bearer `) is kept as its hash with the method and path, so a test can
prove that a token was never sent to this tenant without the log holding the token itself.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any


def credential_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


class AuthLog:
    """What was received, when recording is on."""

    def __init__(self) -> None:
        self.enabled = False
        self._seen: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            self._seen.clear()
            self.enabled = True

    def add(self, method: str, path: str, value: str) -> None:
        credential = value.removeprefix("Bearer ").removeprefix("bearer ")
        with self._lock:
            self._seen.append((method, path, credential_hash(credential)))

    def seen(self) -> list[tuple[str, str, str]]:
        """(method, path, credential hash) for every request with an Authorization header."""
        with self._lock:
            return list(self._seen)


class AuthRecorder:
    """ASGI middleware: note each request's Authorization header when the log is on."""

    def __init__(self, app: Any, log: AuthLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and self.log.enabled:
            for name, value in scope.get("headers") or []:
                if name.lower() == b"authorization":
                    text = value.decode("latin-1")
                    self.log.add(str(scope.get("method")), str(scope.get("path")), text)
        await self.app(scope, receive, send)
