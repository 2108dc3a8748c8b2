"""The key-management API contract: every path in one place.

GT documents no HTTP API for minting or revoking `gtak_` keys (keys are made in the tenant app
at /gt-api). This project defines one (docs/key-management-api.md) and the sandbox implements it.
Should a real tenant offer such an API under other paths, re-point them here and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from gtwizard.safetext import is_clean

OPERATOR_TOKEN_ENV = "GTWIZARD_OPERATOR_TOKEN"
KEY_PREFIX = "gtak_"

PURPOSES = ("inference", "upload", "conversation")
KNOWN_SCOPES = (
    "inference:chat",
    "inference:embed",
    "inference:transcribe",
    "inference:speech",
    "inference:image",
    "datasets:write",
)
KINDS = ("agent_alias", "raw_model")

# The shapes a tenant's answers must have (docs/key-management-api.md, "What gtwizard accepts").
# A key id goes into URLs, config.toml, the ledger, the journal and onto the terminal: it is held
# to a plain form. A name may be what a person typed in the tenant app (spaces, any letters), so it
# is only bounded and kept free of control, format and bidi characters. A secret has the same form
# whether it was pasted or minted.
KEY_ID_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
KEY_ID_RULE = "1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit"
KEY_NAME_MAX = 200
KEY_NAME_RULE = (
    f"1-{KEY_NAME_MAX} characters, not only spaces, no control, format or bidi characters"
)
KEY_FORM = re.compile(r"gtak_[A-Za-z0-9_\-]{16,256}")
# the operator token's form (docs/key-management-api.md, "Authentication": `gtop_...`)
OPERATOR_TOKEN_FORM = re.compile(r"gtop_[A-Za-z0-9_\-]{16,256}")
PREFIX_SHAPE = re.compile(r"[A-Za-z0-9_\-]{0,64}")
# Timestamps, scopes, purposes and allowlist names in a record: bounded, like any text field.
FIELD_MAX = 200


def key_id_problem(value: object) -> str | None:
    """Why `value` is not a key id of the contract's shape (never quoting it), or None."""
    if not isinstance(value, str):
        return "the id is not a string"
    if not KEY_ID_SHAPE.fullmatch(value):
        return f"the id is not of the contract's shape ({KEY_ID_RULE})"
    return None


def key_name_problem(value: object) -> str | None:
    """Why `value` is not a key name the contract allows (never quoting it), or None."""
    if not isinstance(value, str):
        return "the name is not a string"
    if not value.strip() or len(value) > KEY_NAME_MAX or not is_clean(value):
        return f"the name is not of the contract's shape ({KEY_NAME_RULE})"
    return None


def is_key_form(secret: str) -> bool:
    """Whether `secret` has the form of a GT key (`gtak_` and 16-256 URL-safe characters)."""
    return KEY_FORM.fullmatch(secret) is not None


def is_operator_token_form(token: str) -> bool:
    """Whether `token` has the form of an operator token (`gtop_` and 16-256 URL-safe
    characters)."""
    return OPERATOR_TOKEN_FORM.fullmatch(token) is not None


@dataclass(frozen=True)
class KeyApiPaths:
    """Paths relative to the GT base (`https://host/api/tenant`)."""

    root: str = "/manage/v1"
    published: str = "/published"
    keys: str = "/keys"
    key: str = "/keys/{id}"

    def published_url(self, gt_base: str) -> str:
        return self._join(gt_base, self.published)

    def keys_url(self, gt_base: str) -> str:
        return self._join(gt_base, self.keys)

    def key_url(self, gt_base: str, key_id: str) -> str:
        return self._join(gt_base, self.key.format(id=quote(key_id, safe="")))

    def _join(self, gt_base: str, path: str) -> str:
        return f"{gt_base.rstrip('/')}{self.root}{path}"


DEFAULT_PATHS = KeyApiPaths()

# the longest key lifetime gtwizard asks for, in days (ten years; the tenant documents no limit)
EXPIRES_DAYS_MAX = 3650
