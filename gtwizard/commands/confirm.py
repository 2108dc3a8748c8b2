"""One rule for every command that changes something (a key, a target, a stored profile).

On a terminal the command asks first (or `--yes` skips the question). Without a terminal, or with
`--json` (automation reads one object and answers nothing), nothing can be asked, so `--yes` is
required: automation says explicitly that it means to change things, and a script that forgot
never writes by accident. `--dry-run` and the flags that resolve an interrupted run (`--resume`,
`--finish`, `--abort`, which name their change) are not asked.
"""

from __future__ import annotations

import argparse
import sys


def can_ask(args: argparse.Namespace) -> bool:
    """A question can be put: stdin is a terminal and no JSON object is expected."""
    return sys.stdin.isatty() and not getattr(args, "json", False)


async def ask_on_terminal(question: str) -> bool:
    """A yes/no question a run puts mid-way (only where `can_ask`): `[y/N]`, so anything but
    y/yes is no; end of input cancels (nothing was changed). Ctrl-C interrupts at once
    (KeyboardInterrupt): the read is the run's only work while it waits for the operator, so it
    holds the loop's thread, where a read in a worker thread kept asyncio.run from ending."""
    from gtwizard.errors import InvalidInput
    from gtwizard.setup.keys import interruptible

    try:
        with interruptible():
            answer = input(f"{question} [y/N] ")
    except EOFError:
        raise InvalidInput("cancelled; nothing was changed") from None
    return answer.strip().lower() in ("y", "yes")


def require_confirmation(args: argparse.Namespace, what: str) -> None:
    """Refuse (exit 2, nothing changed) when `what` would happen unasked and without `--yes`."""
    from gtwizard.errors import InvalidInput

    if getattr(args, "yes", False) or can_ask(args):
        return
    why = "with --json" if getattr(args, "json", False) else "without a terminal"
    raise InvalidInput(
        f"refusing to {what} {why} and without --yes (nothing was changed)",
        "pass --yes to confirm in scripts and automation",
    )
