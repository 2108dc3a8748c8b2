"""`gtwizard demo`: the whole wizard against the embedded sandbox tenant, nothing real touched.

The sandbox runs in a background thread on loopback; its operator token is handed to the wizard
in memory (automatic minting), and everything the demo writes goes under a demo folder in the
state dir.
"""

from __future__ import annotations

import argparse
import os

from gtwizard.commands import COMMANDS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help=COMMANDS["demo"],
        description="Start the sandbox GT tenant on loopback and open the wizard with its host "
        "filled in. Nothing outside the demo folder is written.",
    )
    p.add_argument("--tls", action="store_true", help="serve the sandbox over HTTPS (own CA)")
    p.add_argument(
        "--openwebui-url", metavar="URL", help="use a running Open WebUI instead of an env file"
    )
    p.set_defaults(func=run)


def demo_dir():
    """Where the demo keeps its env file and other outputs."""
    from gtwizard.paths import state_dir

    return state_dir() / "demo"


def demo_state(sandbox, folder):
    """The answers the demo starts with: sandbox host and token, demo-local files."""
    from gtwizard.wizard import WizardState

    return WizardState(
        host_text=sandbox.base_url.removesuffix("/api/tenant"),
        demo=True,
        profile_name="demo",
        operator_token=sandbox.operator_token,
        ca_bundle=sandbox.ca_file,
        secrets_file=folder / "demo-secrets.json",
        env_path=str(folder / "openwebui.env"),
    )


def run(args: argparse.Namespace) -> int:
    from gtwizard.commands.tui import run_app
    from gtwizard.paths import ensure_private_dir
    from gtwizard.sandbox import start_in_thread

    folder = ensure_private_dir(demo_dir())
    sandbox = start_in_thread(tls=bool(args.tls))
    try:
        state = demo_state(sandbox, folder)
        if args.openwebui_url:
            state.target_kind = "admin-api"
            state.openwebui_url = args.openwebui_url
            state.openwebui_token = os.environ.get("GTWIZARD_OPENWEBUI_TOKEN") or None
        return run_app(state)
    finally:
        sandbox.stop()
