"""What the operator has chosen so far in the setup flow (core: no Textual).

The TUI screens read and write this one object; Back never loses anything because the answers live
here, not in the widgets. The CLI's `setup` builds the same object from flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gtwizard.tenant import TenantHost

# The full flow, in order. Later issues fill in the steps after "tenant".
STEPS: tuple[str, ...] = (
    "product",
    "tenant",
    "key",
    "mint",
    "storage",
    "target",
    "review",
    "apply",
    "checks",
    "summary",
)

STEP_TITLES: dict[str, str] = {
    "product": "Product",
    "tenant": "Tenant",
    "key": "Key",
    "mint": "Mint",
    "storage": "Storage",
    "target": "Target",
    "review": "Review",
    "apply": "Apply",
    "checks": "Checks",
    "summary": "Summary",
}


@dataclass
class WizardState:
    """The operator's answers, step by step. Never holds a secret longer than a step needs it."""

    product_slug: str | None = "open-webui"
    host_text: str = ""
    host: TenantHost | None = None
    probe_result: Any = None
    ca_bundle: str | None = None
    demo: bool = False
    profile_name: str = "default"
    extras: dict[str, Any] = field(default_factory=dict)
