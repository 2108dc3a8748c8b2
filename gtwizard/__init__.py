"""gtwizard: connect a client product to a tenant's GT API, verify it live, rotate keys safely."""

import sys as _sys

__version__ = "0.1.0"


def _skip_httpx_cli() -> None:
    """Keep httpx from loading its command-line client, which gtwizard never uses.

    httpx imports `httpx._main` (click, rich.syntax, pygments lexers) whenever click is installed,
    and uvicorn (the sandbox's server) brings click: about 100 ms and 7 MiB on every start that
    touches the network. A stub registered before httpx is imported makes `httpx.main` say so
    instead; nothing else in httpx depends on that module.
    """
    if "httpx._main" in _sys.modules or "httpx" in _sys.modules:
        return
    stub = type(_sys)("httpx._main")  # a module (types.ModuleType, without importing types)

    def main() -> None:
        raise SystemExit("httpx's command-line client is not loaded inside gtwizard")

    # ModuleType declares no attributes; a stub module takes any, as a real one does
    stub.main = main  # type: ignore[attr-defined]
    _sys.modules["httpx._main"] = stub


_skip_httpx_cli()
