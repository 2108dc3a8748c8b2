"""The audit log: one JSON line per thing gtwizard did to a key or a client, never the key itself.

Operators (and whoever reviews their work) need to answer "when was this key minted, where was it
applied, when was it revoked" without gtwizard's memory. The file is append-only JSON lines, mode
0600, in the state dir. Every string is redacted before it is written, as a safety net behind the
rule that callers never pass secrets here at all. Control and bidi characters in any value (a
tenant's message, say) are written as JSON escapes, so reading the log shows them, not obeys them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from gtwizard.paths import ensure_private_dir, state_dir
from gtwizard.redact import redact
from gtwizard.safetext import guard_json

ACTIONS = ("mint", "store", "apply", "check", "rotate-step", "revoke", "remove")
OUTCOMES = ("ok", "failed", "skipped")


def audit_path() -> Path:
    return state_dir() / "audit.log"


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(k)): _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def record(
    action: str,
    *,
    profile: str | None = None,
    key_id: str | None = None,
    outcome: str = "ok",
    detail: str = "",
    **fields: Any,
) -> Path | None:
    """Append one entry; return the log path, or None when it could not be written.

    A failing audit write must not break an operation half-way (a rotation, say), so it is
    reported to the diagnostic log instead of raised.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    base: dict[str, Any] = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "action": action,
        "profile": profile,
        "key_id": key_id,
        "outcome": outcome,
    }
    if detail:
        base["detail"] = detail
    entry = {**fields, **base}  # extra fields never override the standard ones
    text = json.dumps(_scrub(entry), ensure_ascii=False, sort_keys=False, default=str)
    line = guard_json(text) + "\n"
    path = audit_path()
    try:
        ensure_private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as exc:
        from gtwizard.logfile import write_log

        write_log(f"audit log {path} not written ({exc.strerror}): {line}")
        return None
    return path


def read_entries(profile: str | None = None) -> list[dict[str, Any]]:
    """All entries (for one profile when given), oldest first; unreadable lines are skipped."""
    try:
        lines = audit_path().read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    entries = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and (profile is None or entry.get("profile") == profile):
            entries.append(entry)
    return entries
