"""Command line entry point: argument parsing, dispatch, and the top-level error handler.

Every error an operator sees is one line (what, why, what to do). Unexpected exceptions are written,
redacted, to the log file in the state dir and reported as one line naming that file (exit 70).
With `--json` a failure is also one JSON object on stdout: `{"ok": false, "error", "hint"}`, unless
the command already printed its own object (as `rotate --json` does, with its steps).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from gtwizard import __version__
from gtwizard.commands import COMMANDS, print_json
from gtwizard.errors import EXIT_INTERRUPTED, GtwizardError, InvalidInput


class _Parser(argparse.ArgumentParser):
    """argparse with our exit code (2) and a one-line error instead of the usage dump."""

    def error(self, message: str) -> NoReturn:
        raise InvalidInput(message, f"Run '{self.prog} --help' for usage")


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


def failure_object(error: str, hint: str = "") -> dict[str, Any]:
    """The one JSON object every `--json` command prints when it fails."""
    return {"ok": False, "error": " ".join(error.split()), "hint": " ".join(hint.split())}


class _WatchedStdout:
    """sys.stdout, noting whether the command wrote anything (then it printed its own object)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.written = False

    def write(self, text: str) -> int:
        self.written = self.written or bool(text)
        return self.stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _wants_json(argv: Sequence[str]) -> bool:
    words = argv[: argv.index("--")] if "--" in argv else argv
    return "--json" in words


def _fail(line: str, code: int, json_out: dict[str, Any] | None) -> int:
    """Print the one line on stderr (and the JSON object on stdout when asked); return `code`."""
    print(line, file=sys.stderr)
    if json_out is not None:
        print_json(json_out)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    watched = _WatchedStdout(sys.stdout) if _wants_json(argv) else None

    def json_out(error: str, hint: str = "") -> dict[str, Any] | None:
        if watched is None or watched.written:
            return None
        return failure_object(error, hint)

    if watched is not None:
        sys.stdout = watched
    try:
        return _dispatch(argv)
    except GtwizardError as exc:
        return _fail(f"gtwizard: {exc.one_line()}", exc.exit_code, json_out(exc.message, exc.hint))
    except BrokenPipeError:
        # the reader went away (`gtwizard presets --json | head`): not an error worth a log
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        line = "gtwizard: interrupted; nothing was left half-written."
        return _fail(
            line, EXIT_INTERRUPTED, json_out("interrupted", "nothing was left half-written")
        )
    except Exception as exc:  # the last line of defence: no traceback reaches the terminal
        from gtwizard.crash import EXIT_CRASH, crash_report

        what, todo = crash_report(exc)
        return _fail(f"gtwizard: {what}. {todo}.", EXIT_CRASH, json_out(what, todo))
    finally:
        if watched is not None:
            sys.stdout = watched.stream


def _dispatch(argv: list[str]) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        from gtwizard.commands import tui

        func = tui.run
    from gtwizard.crash import crash_for_test

    crash_for_test("cli")
    return int(func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
