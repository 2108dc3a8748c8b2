"""Command line entry point: argument parsing, dispatch, and the top-level error handler.

Every error an operator sees is one line (what, why, what to do). Unexpected exceptions are written,
redacted, to the log file in the state dir and reported as one line naming that file (exit 70).
With `--json` a failure is also one JSON object on stdout: `{"ok": false, "error", "hint"}`, unless
the command already printed its own object (as `rotate --json` does, with its steps).
"""

from __future__ import annotations

import os
import sys

from gtwizard import __version__
from gtwizard.commands import COMMANDS, print_json

TYPE_CHECKING = False  # typing itself costs `gtwizard --version` a third of a Python start-up
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Any

DESCRIPTION = (
    "Connect a client product (first Open WebUI) to a tenant's GT API, verify it live, and rotate "
    "its key without downtime. Run without a command for the TUI."
)
VERSION_LINE = f"gtwizard {__version__}"


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
    import argparse
    import importlib
    from typing import NoReturn

    from gtwizard.errors import InvalidInput

    class _Parser(argparse.ArgumentParser):
        """argparse with our exit code (2) and a one-line error instead of the usage dump."""

        def error(self, message: str) -> NoReturn:
            raise InvalidInput(message, f"Run '{self.prog} --help' for usage")

    parser = _Parser(prog="gtwizard", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=VERSION_LINE)
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


def _default_hint(code: int, argv: Sequence[str]) -> str:
    """What to do after an error that names none: the command's usage for bad input, else the
    fix of what the message names."""
    from gtwizard.errors import EXIT_USAGE

    command = chosen_command(argv)
    if code == EXIT_USAGE:
        return f"see gtwizard {command} --help" if command else "see gtwizard --help"
    return "fix what the message names, then run the command again"


def _fail(line: str, code: int, json_out: dict[str, Any] | None) -> int:
    """Print the one line on stderr (and the JSON object on stdout when asked); return `code`."""
    print(line, file=sys.stderr)
    if json_out is not None:
        print_json(json_out)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # argparse's answer, without importing it (or any command)
        try:  # noqa: SIM105 (as argparse prints: a closed pipe is no error; no contextlib)
            sys.stdout.write(VERSION_LINE + "\n")
        except (AttributeError, OSError):
            pass
        return 0
    from gtwizard.safetext import guard_std_streams

    # the last check where output leaves: nothing a tenant said acts on the terminal (safetext)
    streams = guard_std_streams()
    watched = _WatchedStdout(sys.stdout) if _wants_json(argv) else None

    def json_out(error: str, hint: str = "") -> dict[str, Any] | None:
        if watched is None or watched.written:
            return None
        return failure_object(error, hint)

    from gtwizard.errors import EXIT_INTERRUPTED, GtwizardError

    if watched is not None:
        sys.stdout = watched
    try:
        return _dispatch(argv)
    except GtwizardError as exc:
        exc.hint = exc.hint or _default_hint(exc.exit_code, argv)  # every failure: what to do
        code = _fail(f"gtwizard: {exc.one_line()}", exc.exit_code, json_out(exc.message, exc.hint))
        for line in exc.then:
            print(line, file=sys.stderr)
        return code
    except BrokenPipeError:
        # the reader went away (`gtwizard presets --json | head`): not an error worth a log
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        line = "gtwizard: interrupted; nothing was left half-written."
        return _fail(
            line, EXIT_INTERRUPTED, json_out("interrupted", "nothing was left half-written")
        )
    except Exception as exc:  # the last line of defence: no traceback reaches the terminal
        from gtwizard.crash import EXIT_CRASH, crash_report, tenant_fault

        fault = tenant_fault(exc)  # a sender's fault that escaped every check: exit 1, no bug
        if fault is not None:
            line = f"gtwizard: {fault.one_line()}"
            return _fail(line, fault.exit_code, json_out(fault.message, fault.hint))
        what, todo = crash_report(exc)
        return _fail(f"gtwizard: {what}. {todo}.", EXIT_CRASH, json_out(what, todo))
    finally:
        sys.stdout, sys.stderr = streams


def _dispatch(argv: list[str]) -> int:
    from gtwizard.testhooks import crash_for_test

    if not argv:  # bare `gtwizard`: the TUI, with nothing to parse (the first screen comes sooner)
        from gtwizard.commands import tui

        crash_for_test("cli")
        return int(tui.run(None) or 0)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        from gtwizard.commands import tui

        func = tui.run
    crash_for_test("cli")
    return int(func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
