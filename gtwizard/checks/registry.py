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
    """The checks of `profile` (`checks_for`); every check when there is none."""
    if profile is None:
        return [*TECHNICAL_CHECKS, *CHECKLIST_CHECKS]
    return checks_for(str(profile.target_kind), openwebui=profile.for_openwebui)


def checks_for(target_kind: str, *, openwebui: bool) -> list[Check]:
    """Technical checks first (the checklist depends on some), then the checklist items; for a
    target that proves its product itself (beyond Open WebUI), that proof after the technical
    checks. The checks that ask Open WebUI itself run only when the client is Open WebUI."""
    from gtwizard.targets.registry import spec_for

    spec = spec_for(target_kind)
    product = [PRODUCT_CHECK] if spec is not None and not spec.own_checks else []
    technical = [c for c in TECHNICAL_CHECKS if openwebui or not c.openwebui_only]
    return [*technical, *product, *CHECKLIST_CHECKS]
