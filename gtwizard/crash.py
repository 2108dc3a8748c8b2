"""Unexpected errors (bugs): one line on the terminal, the redacted report in the log, exit 70.

Every front end ends here: the CLI's last `except`, the TUI's replacement for Textual's crash
screen (which prints every local variable, secrets included) and `serve`'s request handlers. The
terminal gets what happened, that it is a bug, and where the report is; never the exception's
message (it may hold a secret) and never a local variable. The report in the log is the plain
traceback (no locals) with every secret-shaped token masked.

70 is sysexits' EX_SOFTWARE ("internal software error"): automation can tell a gtwizard bug from
a failed check or operation (1), bad input (2) and an interrupt (130).
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gtwizard.errors import GtwizardError

EXIT_CRASH = 70


def tenant_fault(exc: BaseException) -> GtwizardError | None:
    """The operator-facing error for an exception that is the sender's fault, not a bug, or None.

    Every answer from a tenant or an Open WebUI is decoded with a depth limit
    (gtwizard.safetext.loads_untrusted); this is the net behind it: a RecursionError raised inside
    Python's JSON decoder means some answer nested deeper than Python can follow. That is a bad
    answer (exit 1), never "a bug in gtwizard".
    """
    if not isinstance(exc, RecursionError):
        return None
    frames = traceback.extract_tb(exc.__traceback__)
    if not any(Path(frame.filename).parent.name == "json" for frame in frames[-3:]):
        return None
    from gtwizard.errors import OperationFailed

    return OperationFailed(
        "bad answer from the tenant (or the Open WebUI): its JSON nests deeper than gtwizard "
        "decodes",
        "the server must answer with ordinary JSON: check the address, and ask its operator "
        "what answers there",
    )


def crash_report(exc: BaseException) -> tuple[str, str]:
    """Write the redacted report of `exc` to the log; return (what happened, what to do)."""
    from gtwizard.logfile import log_exception

    where = log_exception(exc)
    detail = (
        f"the report (secrets masked) is in {where}" if where else "the log could not be written"
    )
    what = f"stopped by an unexpected error ({type(exc).__name__}), a bug in gtwizard; {detail}"
    return what, "Please report it with that file" if where else "Please report it"


def crash_line(exc: BaseException) -> str:
    """Write the redacted report of `exc` to the log; return the one line for the terminal."""
    what, todo = crash_report(exc)
    return f"gtwizard: {what}. {todo}."
