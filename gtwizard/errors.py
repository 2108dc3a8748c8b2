"""The project's own error types.

Every failure an operator can meet is a `GtwizardError`: a one-line message (what happened and why)
plus a hint (what to do next). The CLI prints exactly that and exits with `exit_code`; nothing else
ever reaches the terminal as a traceback.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class GtwizardError(Exception):
    """A failure with a clear message and an actionable hint."""

    exit_code: int = EXIT_FAILED

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """What, why and what to do, on a single line."""
        text = self.message.rstrip(".")
        if self.hint:
            return f"{text}. {self.hint.rstrip('.')}."
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
