"""The ordered list of checks a run uses (prerequisites always come first)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gtwizard.checks.base import Check
from gtwizard.checks.checklist import CHECKLIST_CHECKS
from gtwizard.checks.product import PRODUCT_CHECK
from gtwizard.checks.technical import TECHNICAL_CHECKS

if TYPE_CHECKING:
    from gtwizard.profiles import Profile

# The checklist items the checks module knows how to back with live probes.
CHECKLIST_IDS: tuple[str, ...] = tuple(c.id for c in CHECKLIST_CHECKS)


def all_checks(profile: Profile | None = None) -> list[Check]:
    """Technical checks first (the checklist depends on some), then the checklist items; for a
    profile whose product is proven through its target (beyond Open WebUI), the product's own
    proof after the technical checks."""
    from gtwizard.targets.registry import spec_for

    spec = spec_for(str(profile.target_kind)) if profile is not None else None
    product = [PRODUCT_CHECK] if spec is not None and not spec.own_checks else []
    return [*TECHNICAL_CHECKS, *product, *CHECKLIST_CHECKS]
