"""Which Open WebUI connection entry is the GT one, and what a GT base URL may be.

A leaf of gtwizard/openwebui/: the env file, the admin API and the key readers in connection.py
all ask it, so it imports none of them (no import cycle inside the package).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from gtwizard.errors import InvalidInput

if TYPE_CHECKING:
    from gtwizard.profiles import Profile

GT_PATH_PREFIX = "/api/tenant"


def normalise_base(url: str) -> str:
    """Strip trailing slashes and refuse what cannot be a base URL."""
    base = url.strip().rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput("the OpenAI base URL must be an http(s) URL with a host")
    if ";" in base:
        raise InvalidInput("the OpenAI base URL contains ';', which Open WebUI uses as a separator")
    return base


def is_gt_entry(entry: str, openai_base: str) -> bool:
    """Same scheme and host as the GT base, and a path under /api/tenant."""
    a, b = urlsplit(entry.strip()), urlsplit(openai_base)
    return (
        a.scheme.lower() == b.scheme.lower()
        and a.netloc.lower() == b.netloc.lower()
        and (a.path == GT_PATH_PREFIX or a.path.startswith(GT_PATH_PREFIX + "/"))
    )


def chat_models(profile: Profile) -> list[str]:
    """The names a user should be able to chat with: what was applied to the client.

    Every applied name except embedding models (a chat with an embedding model proves nothing).
    """
    embed = profile.embedding_model
    return [n for n in applied_models(profile) if n != embed and "embed" not in n.lower()]


def applied_models(profile: Profile) -> list[str]:
    """The model_ids setup wrote into Open WebUI's connection: the whole allowlist, in order."""
    applied = profile.extra.get("model_ids")
    if isinstance(applied, list) and all(isinstance(m, str) for m in applied):
        return list(applied)
    return [*profile.agent_aliases, *profile.raw_models]


@dataclass(frozen=True)
class GtConnection:
    """What the wizard wants Open WebUI to use: the GT OpenAI base, key and allowlist."""

    openai_base: str
    api_key: str = field(repr=False)
    model_ids: tuple[str, ...] = ()
    embeddings: bool = False
    embedding_model: str | None = None
    prefix_id: str = ""

    def connection_config(self) -> dict[str, object]:
        """The only per-connection fields we write (others stay at Open WebUI's defaults)."""
        return {
            "enable": True,
            "model_ids": list(self.model_ids),
            "prefix_id": self.prefix_id,
            "tags": [],
            "connection_type": "external",
        }
