"""`gtwizard sandbox` (placeholder until its module lands)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sandbox", help="(not yet available)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gtwizard.errors import OperationFailed

    raise OperationFailed("'sandbox' is not available yet", "use a newer build")
