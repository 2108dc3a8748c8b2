"""`gtwizard tui` (and `gtwizard` with no command): the interactive wizard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gtwizard.commands import COMMANDS

if TYPE_CHECKING:
    import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tui", help=COMMANDS["tui"])
    p.add_argument("--host", help="prefill the tenant host")
    p.add_argument("--ca-bundle", help="PEM file with extra CA certificates to trust")
    p.set_defaults(func=run)


def run(args: argparse.Namespace | None) -> int:
    """`args` is None for a bare `gtwizard` (nothing to parse: argparse is not even imported)."""
    from gtwizard.credentials import Settings
    from gtwizard.wizard import WizardState

    state = WizardState(host_text=getattr(args, "host", None) or "")
    state.ca_bundle = getattr(args, "ca_bundle", None)
    state.credentials = Settings.from_environ()
    # the setup flow's fields start with them (it involves the one host the operator types);
    # a saved profile's rotation and checks go through state.grants_for_saved instead
    state.operator_token = state.credentials.operator.token
    state.openwebui_token = state.credentials.openwebui.token
    start = "product"
    from gtwizard.paths import config_file

    if not state.host_text and config_file().exists():  # no config.toml: no profiles to list
        from gtwizard.errors import GtwizardError
        from gtwizard.profiles import load_profiles

        try:
            start = "welcome" if load_profiles() else "product"
        except GtwizardError:
            start = "welcome"  # the welcome screen shows the config error in one line
    return run_app(state, start_step=start)


def run_app(state, **kwargs) -> int:
    """Run the TUI; Textual is imported only here. After a crash: its one line, exit 70."""
    import sys

    from gtwizard.app import WizardApp

    app = WizardApp(state, **kwargs)
    result = app.run()
    if app.crash_message:
        print(app.crash_message, file=sys.stderr, flush=True)
    return app.return_code or int(result or 0)
