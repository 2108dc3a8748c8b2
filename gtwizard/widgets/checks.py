"""Check rows and evidence: status in words and symbols, so results read without colour."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

STATUS_LABELS = {
    "pass": ("✓ PASS", "bold green"),
    "fail": ("✗ FAIL", "bold red"),
    "warn": ("! WARN", "bold yellow"),
    "skip": ("- SKIP", "dim"),
}


def status_text(status: str) -> Text:
    label, style = STATUS_LABELS.get(status, (status.upper(), ""))
    return Text.assemble((label, style))  # the colour on the word only, never the whole row


def check_row(result: Any) -> Text:
    """One line for an overview list: `✓ PASS  Title — detail`."""
    row = status_text(result.status)
    row.append(f"  {result.title}")
    if result.detail:
        row.append(f" — {result.detail}", style="dim")
    return row


def evidence_table(evidence: dict[str, Any]) -> Table | None:
    """List-valued evidence side by side (e.g. allowlist | GT's list | the user's picker)."""
    lists = {k: list(v) for k, v in evidence.items() if isinstance(v, list | tuple)}
    if not lists:
        return None
    table = Table(box=None, padding=(0, 2, 0, 0), show_edge=False)
    for name in lists:
        table.add_column(name.replace("_", " "), no_wrap=True)
    depth = max(len(v) for v in lists.values())
    for i in range(depth):
        table.add_row(*[str(v[i]) if i < len(v) else "" for v in lists.values()])
    return table


def remedy(result: Any, remediation: str) -> tuple[str, str] | None:
    """The one line that says what to do, labelled, or None for a pass.

    A failed check's hint is, unless the check found something more precise, its remediation:
    shown once, under one label. A skipped check says how to make it run.
    """
    hint = (getattr(result, "hint", "") or "").strip()
    if result.status in ("fail", "warn"):
        return ("To fix", hint or remediation)
    if result.status == "skip":
        return (
            "To run it",
            hint
            or "nothing is wrong if that is by choice; otherwise remove the reason above and "
            "press r to run it again",
        )
    return None
