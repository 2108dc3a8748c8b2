"""Live validation checks: the product runbook's checklist plus the technical checks behind it.

Core code: no Textual here. `all_checks()` is the ordered list; `run_checks` runs it against a
`CheckContext` and returns a `CheckReport`.
"""

from gtwizard.checks.base import Check, CheckOutcome, CheckReport, CheckResult
from gtwizard.checks.context import CheckContext
from gtwizard.checks.registry import all_checks
from gtwizard.checks.runner import run_checks

__all__ = [
    "Check",
    "CheckContext",
    "CheckOutcome",
    "CheckReport",
    "CheckResult",
    "all_checks",
    "run_checks",
]
