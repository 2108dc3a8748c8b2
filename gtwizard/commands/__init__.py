"""One module per CLI subcommand; each exposes `register(subparsers)`.

Modules here must stay cheap to import (no Textual, no httpx at module level) so `gtwizard --help`
starts fast; heavy imports happen inside the command's run function.
"""

# Order is the order shown in `gtwizard --help`.
COMMAND_MODULES: tuple[str, ...] = (
    "tui",
    "demo",
    "presets",
    "probe",
    "sandbox",
    "setup",
    "check",
    "rotate",
    "runbook",
    "status",
    "profiles",
    "serve",
)
