"""The project's own error types.

Every failure an operator can meet is a `GtwizardError`: a one-line message (what happened and why)
plus a hint (what to do next). The CLI prints exactly that and exits with `exit_code`; nothing else
ever reaches the terminal as a traceback.
"""

from __future__ import annotations

from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def sentence(text: str) -> str:
    """`text` as the start of a sentence: its first word capitalised when it is a plain word
    ("create it" -> "Create it"); a command, flag, path or URL is left as it is typed
    ("gtwizard check", "--mint", "~/.continue", "http://...")."""
    first = text.split(" ", 1)[0].rstrip(",:;")
    if not first.isalpha() or not first.islower() or first in COMMAND_WORDS:
        return text
    return text[0].upper() + text[1:]


# the words a hint may start with that are commands, typed as they are
COMMAND_WORDS = frozenset({"gtwizard", "kubectl", "docker", "systemctl", "mkdir", "litellm"})


class GtwizardError(Exception):
    """A failure with a clear message and an actionable hint."""

    exit_code: int = EXIT_FAILED

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        # printed after the one line, one each: the commands that resolve what the run left open
        self.then: list[str] = []

    def one_line(self) -> str:
        """What, why and what to do, on a single line (the CLI's: the hint as it was given, which
        `--json` shows too and scripts match)."""
        text = self.message.rstrip(".")
        if self.hint:
            return f"{text}. {self.hint.rstrip('.')}."
        return f"{text}."

    def on_screen(self) -> str:
        """`one_line` as the TUI shows it: what happened and what to do each start a sentence
        ("The folder ... does not exist. Create it ...")."""
        text = sentence(self.message.rstrip("."))
        if self.hint:
            return f"{text}. {sentence(self.hint.rstrip('.'))}."
        return f"{text}."

    def __str__(self) -> str:
        return self.one_line()


class InvalidInput(GtwizardError):
    """The operator gave a value we cannot use (exit code 2)."""

    exit_code = EXIT_USAGE


class ConfigError(GtwizardError):
    """A configuration or data file is broken (exit code 2: the input is bad, nothing was changed)."""

    exit_code = EXIT_USAGE


class OperationFailed(GtwizardError):
    """An operation or a live check failed (exit code 1)."""

    exit_code = EXIT_FAILED


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {
        dict: "a JSON object",
        list: "a JSON list",
        str: "a string",
        bool: "true or false",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def expect_shape(
    value: object,
    kind: type | tuple[type, ...],
    *,
    endpoint: str,
    what: str = "the answer",
    error: type[GtwizardError] = OperationFailed,
    hint: str = "the server does not behave as expected there, or a proxy rewrote the answer",
) -> Any:
    """`value` if it is of `kind`, else `error` naming `endpoint` and both shapes (never the value).

    The one check for bodies from GT and Open WebUI: a wrong shape becomes a clear error, never an
    AttributeError later. `endpoint` must hold no secret (a path or a URL without credentials).
    """
    kinds = kind if isinstance(kind, tuple) else (kind,)
    ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if ok:
        return value
    raise error(
        f"unexpected answer from {endpoint}: {what} is {_kind_name(type(value))}, "
        f"not {_kind_name(kind)}",
        hint,
    )


def expect_field(
    body: dict[str, Any],
    name: str,
    kind: type | tuple[type, ...],
    *,
    endpoint: str,
    error: type[GtwizardError] = OperationFailed,
    default: Any = ...,
) -> Any:
    """`body[name]` checked with `expect_shape`; missing or null is `default` when one is given."""
    missing = name not in body or body[name] is None
    if missing and default is not ...:
        return default
    if name not in body:
        raise error(
            f"unexpected answer from {endpoint}: the field '{name}' is missing",
            "the server does not behave as expected there, or a proxy rewrote the answer",
        )
    return expect_shape(body[name], kind, endpoint=endpoint, what=f"'{name}'", error=error)
