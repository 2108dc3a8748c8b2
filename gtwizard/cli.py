"""Command line entry point: argument parsing, dispatch, and the top-level error handler.

Every error an operator sees is one line (what, why, what to do). Unexpected exceptions are written,
redacted, to the log file in the state dir and reported as one line naming that file.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from gtwizard import __version__
from gtwizard.commands import COMMANDS
from gtwizard.errors import EXIT_FAILED, EXIT_INTERRUPTED, GtwizardError


class _Parser(argparse.ArgumentParser):
    """argparse with our exit code (2) and a one-line error instead of the usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"gtwizard: {message}. Run '{self.prog} --help' for usage.\n")


def chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first word that is one), if any."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; only the command being run has its module imported (start-up stays lean)."""
    parser = _Parser(
        prog="gtwizard",
        description="Connect a client product (first Open WebUI) to a tenant's GT API, "
        "verify it live, and rotate its key without downtime. Run without a command for the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"gtwizard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    chosen = chosen_command(argv)
    for name, summary in COMMANDS.items():
        if name == chosen:
            importlib.import_module(f"gtwizard.commands.{name}").register(sub)
        else:
            sub.add_parser(name, help=summary, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        from gtwizard.commands import tui

        func = tui.run
    try:
        return int(func(args) or 0)
    except GtwizardError as exc:
        print(f"gtwizard: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # the reader went away (`gtwizard presets --json | head`): not an error worth a log
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("gtwizard: interrupted; nothing was left half-written.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # the last line of defence: no traceback reaches the terminal
        from gtwizard.logfile import log_exception

        where = log_exception(exc)
        detail = f"details in {where}" if where else "the log could not be written"
        print(
            f"gtwizard: unexpected error ({type(exc).__name__}); {detail}. "
            "Please report it with that file.",
            file=sys.stderr,
        )
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
