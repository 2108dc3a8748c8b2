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


# ---- `--version` and `--help` without argparse -------------------------------------------------
# Importing argparse (with re, enum and gettext) costs more than starting Python: so the two
# answers that need no parsing are written here, exactly as argparse writes them for the parser
# above (tests/unit/test_cli_quick.py compares both at every width from 1 to 300 columns). Any
# other word, or a terminal too narrow for this layout, goes through argparse.


def _columns() -> int:
    """`shutil.get_terminal_size().columns` (argparse's width), without importing shutil."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):  # no stdout, or not a terminal
            columns = 80
    return columns


def _letter(char: str) -> bool:
    return char.isalpha() or char == "_"


def _chunks(word: str) -> list[str]:
    """A word cut after each hyphen where textwrap may break it (between letters), or [] when
    the word has dashes this does not follow (textwrap's em-dash rules)."""
    if "--" in word:
        return []
    pieces, start = [], 0
    for i, char in enumerate(word):
        after = word[i + 1 : i + 4]
        if (
            char == "-"
            and i >= 2
            and (_letter(word[i - 2]) and _letter(word[i - 1]))
            and len(after) >= 2
            and _letter(after[0])
            and (_letter(after[1]) or (after[1] == "-" and len(after) == 3 and _letter(after[2])))
        ):
            pieces.append(word[start : i + 1])
            start = i + 1
    return [*pieces, word[start:]]


def _wrap(text: str, width: int) -> list[str] | None:
    """`textwrap.wrap(text, width)` for text with no word longer than a line (else None)."""
    chunks: list[str] = []
    for word in text.split():
        pieces = _chunks(word)
        if not pieces or any(len(piece) > width for piece in pieces):
            return None
        chunks += [" ", *pieces]
    lines: list[str] = []
    line = ""
    for chunk in chunks[1:]:
        if len(line) + len(chunk) <= width:
            line += chunk
        else:
            lines.append(line.rstrip(" "))
            line = "" if chunk == " " else chunk
    return [*lines, line.rstrip(" ")] if line.strip() else lines


def _quick_answer(argv: Sequence[str]) -> str | None:
    """What `gtwizard --version` or `gtwizard --help` (alone) prints, or None: ask argparse."""
    if len(argv) != 1 or argv[0] not in ("--version", "--help", "-h"):
        return None
    width = _columns() - 2  # argparse's HelpFormatter
    if argv[0] == "--version":
        return VERSION_LINE + "\n" if len(VERSION_LINE) <= max(width, 11) else None
    usage = "usage: gtwizard [-h] [--version] COMMAND ..."
    texts = [DESCRIPTION, *COMMANDS.values()]
    if len(usage) > width or any("%" in text for text in texts):
        return None
    options = [("-h, --help", "show this help message and exit")]
    options.append(("--version", "show program's version number and exit"))
    longest = max(len(name) + 2 for name in [*COMMANDS, "COMMAND", *(name for name, _ in options)])
    position = min(longest + 2, min(24, max(width - 20, 4)))
    description = _wrap(DESCRIPTION, max(width, 11))
    if description is None:
        return None
    out = [usage, "", *description, "", "positional arguments:", "  COMMAND"]
    rows = [(4, name, summary) for name, summary in COMMANDS.items()]
    for indent, name, summary in rows + [(2, name, text) for name, text in options]:
        if indent == 2 and name == options[0][0]:
            out += ["", "options:"]
        lines = _wrap(summary, max(width - position, 11))
        if lines is None:
            return None
        room = position - indent - 2
        if len(name) <= room:
            out.append(" " * indent + name.ljust(room) + "  " + lines[0])
        else:
            out += [" " * indent + name, " " * position + lines[0]]
        out += [" " * position + line for line in lines[1:]]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    answer = _quick_answer(argv)
    if answer is not None:
        # as argparse's own print: a closed pipe is no error (contextlib would cost this path 3 ms)
        try:  # noqa: SIM105
            sys.stdout.write(answer)
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
        return _fail(f"gtwizard: {exc.one_line()}", exc.exit_code, json_out(exc.message, exc.hint))
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
