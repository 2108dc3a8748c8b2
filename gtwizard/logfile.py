"""The diagnostic log: details that must not reach the terminal go here, redacted, with control
and bidi characters made visible (a tenant's text in an error must not act on the terminal of
whoever reads the log)."""

from __future__ import annotations

import datetime as _dt
import os
import traceback
from pathlib import Path

from gtwizard.paths import ensure_private_dir, state_dir
from gtwizard.redact import redact
from gtwizard.safetext import guard


def log_path() -> Path:
    return state_dir() / "logs" / "gtwizard.log"


def write_log(text: str) -> Path | None:
    """Append a timestamped, redacted entry; return the log's path (None if it cannot be written)."""
    path = log_path()
    try:
        ensure_private_dir(path.parent)
        stamp = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(f"--- {stamp}\n{guard(redact(text))}\n")
    except OSError:
        return None
    return path


def log_exception(exc: BaseException) -> Path | None:
    """Write the full traceback of `exc` (redacted) to the log."""
    return write_log("".join(traceback.format_exception(exc)))
