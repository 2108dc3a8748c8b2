"""The key-management API contract: every path in one place.

GT documents no HTTP API for minting or revoking `gtak_` keys (keys are made in the tenant app
at /gt-api). This project defines one (docs/key-management-api.md) and the sandbox implements it.
Should a real tenant offer such an API under other paths, re-point them here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

OPERATOR_TOKEN_ENV = "GTWIZARD_OPERATOR_TOKEN"
OPERATOR_TOKEN_PREFIX = "gtop_"
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
