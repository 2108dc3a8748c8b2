"""The embedded GT tenant: a real HTTP(S) server on loopback for the demo and the tests.

Importing this package stays cheap (catalog constants need no web stack); the server parts load on
first use of `start_in_thread` or `SandboxHandle`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gtwizard.sandbox.server import SandboxHandle

__all__ = ["SandboxHandle", "start_in_thread"]


def start_in_thread(**kwargs: Any) -> SandboxHandle:
    """Start the sandbox tenant in a background thread (see server.start_in_thread)."""
    from gtwizard.sandbox.server import start_in_thread as start

    return start(**kwargs)


def __getattr__(name: str) -> Any:
    if name == "SandboxHandle":
        from gtwizard.sandbox.server import SandboxHandle

        return SandboxHandle
    raise AttributeError(name)
