"""What the sandbox tenant publishes, and the demo allowlist.

Tests and the demo import these names so their expectations come from one place. Two published names
(`finance-analyst`, `mixtral-8x7b-internal`) are deliberately left out of the demo allowlist: a leak
check that a demo key cannot see or use them then proves something.
"""

from __future__ import annotations

AGENT_ALIAS = "agent_alias"
RAW_MODEL = "raw_model"

AGENT_ALIASES: list[str] = ["helpdesk", "research-assistant", "finance-analyst"]
RAW_MODELS: list[str] = ["llama-3.1-8b-instruct", "text-embedding-small", "mixtral-8x7b-internal"]

DEMO_AGENT_ALIASES: list[str] = ["helpdesk", "research-assistant"]
DEMO_RAW_MODELS: list[str] = ["llama-3.1-8b-instruct", "text-embedding-small"]

EMBEDDING_MODELS: list[str] = ["text-embedding-small"]

# Dataset targets an upload key may be allowed to write to (GT's third allowlist).
DATASETS: list[str] = ["reference-briefs", "support-tickets"]

KNOWN_SCOPES: tuple[str, ...] = (
    "inference:chat",
    "inference:embed",
    "inference:transcribe",
    "inference:speech",
    "inference:image",
    "datasets:write",
)

PURPOSES: tuple[str, ...] = ("inference", "upload", "conversation")

# Which key purposes may use which routes: inference keys the model routes, upload keys the
# dataset uploads; a conversation key links to both and may use either.
INFERENCE_PURPOSES: tuple[str, ...] = ("inference", "conversation")
UPLOAD_PURPOSES: tuple[str, ...] = ("upload", "conversation")

# A fixed creation time for every published name: /v1/models stays byte-stable across restarts.
PUBLISHED_CREATED = 1_735_689_600


def published() -> list[dict[str, str]]:
    """All published names as `{"name", "kind"}`, agent aliases first."""
    return [{"name": n, "kind": AGENT_ALIAS} for n in AGENT_ALIASES] + [
        {"name": n, "kind": RAW_MODEL} for n in RAW_MODELS
    ]
