"""The kinds a profile is made of, as enums shared by the core and both front ends.

StrEnum members compare equal to their text, so config.toml, JSON output and older callers that
use the plain strings keep working.
"""

from __future__ import annotations

import enum


class TargetKind(enum.StrEnum):
    """Where the key was applied: Open WebUI's env file, its admin API, Open WebUI on
    Kubernetes, Continue's config, the LiteLLM proxy's config, LibreChat's config, or nowhere
    yet (gtwizard.targets.registry: one spec per kind)."""

    ENV_FILE = "env-file"
    ADMIN_API = "admin-api"
    KUBERNETES = "kubernetes"
    CONTINUE = "continue"
    LITELLM = "litellm"
    LIBRECHAT = "librechat"
    NONE = "none"


class StorageKind(enum.StrEnum):
    """Where the key is kept on this machine."""

    KEYRING = "keyring"
    FILE = "file"
    NONE = "none"
