"""The ordered list of checks a run uses (prerequisites always come first)."""

from __future__ import annotations

from gtwizard.checks.base import Check
from gtwizard.checks.checklist import CHECKLIST_CHECKS
from gtwizard.checks.technical import TECHNICAL_CHECKS

# The checklist items the checks module knows how to back with live probes.
CHECKLIST_IDS: tuple[str, ...] = tuple(c.id for c in CHECKLIST_CHECKS)


def all_checks() -> list[Check]:
    """Technical checks first (the checklist depends on some), then the checklist items."""
    return [*TECHNICAL_CHECKS, *CHECKLIST_CHECKS]
