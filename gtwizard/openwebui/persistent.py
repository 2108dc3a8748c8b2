"""The PersistentConfig trap: after Open WebUI's first start its database wins over the env file.

Open WebUI 0.12 copies env values into the `config` table of `DATA_DIR/webui.db` on first start
and reads that table ever after, so editing the env file later silently changes nothing. This
module tells whether an install has started before, what that means for the operator, and what
the env file alone would configure (for checks that compare intent with the live config).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gtwizard.openwebui.envfile import EnvFile, effective_openai_config, read_env_bytes

DB_NAME = "webui.db"


@dataclass(frozen=True)
class Option:
    """One way out of the trap, with what it costs."""

    id: str
    title: str
    tradeoff: str


OPTIONS: tuple[Option, ...] = (
    Option(
        "admin-api",
        "Apply through Open WebUI's admin API instead of the env file",
        "needs the Open WebUI URL and an admin credential; takes effect at once, no restart",
    ),
    Option(
        "disable-persistent-config",
        "Set ENABLE_PERSISTENT_CONFIG=false in the env file and restart",
        "Open WebUI then reads the env file at every start, but settings changed in the admin "
        "UI live only in memory and are lost at the next restart",
    ),
    Option(
        "reset-config-on-start",
        "Set RESET_CONFIG_ON_START=true for one restart",
        "wipes every stored setting (not only the connection) and reseeds from the env file; "
        "only with the operator's explicit choice",
    ),
)


@dataclass(frozen=True)
class PersistentConfigWarning:
    """Open WebUI has started before: env edits will not reach it."""

    evidence: str
    message: str = (
        "this Open WebUI has already started once, so its database overrides the env file: "
        "edits to the env file will not take effect"
    )
    options: tuple[Option, ...] = OPTIONS


def _flag(values: dict[str, str], name: str, default: str) -> bool:
    return values.get(name, default).strip().lower() == "true"


def env_is_authoritative(values: dict[str, str]) -> bool:
    """True when the env file itself says it wins (persistence off, or a reset on start)."""
    persistent = _flag(values, "ENABLE_PERSISTENT_CONFIG", "true")
    return not persistent or _flag(values, "RESET_CONFIG_ON_START", "false")


def check_data_dir(
    data_dir: Path, env_values: dict[str, str] | None = None
) -> PersistentConfigWarning | None:
    """Warn when `data_dir` holds a webui.db and the env file does not override it."""
    db = Path(data_dir) / DB_NAME
    if not db.is_file():
        return None
    if env_values is not None and env_is_authoritative(env_values):
        return None
    return PersistentConfigWarning(evidence=f"{db} exists")


async def check_admin_url(
    url: str, *, ca_bundle: str | Path | None = None, timeout: float = 5.0
) -> PersistentConfigWarning | None:
    """Warn when an Open WebUI answers /health at `url` (it is running, so it has started)."""
    import httpx

    from gtwizard.gt.http import make_client

    base = url.rstrip("/")
    async with make_client(ca_bundle=ca_bundle, timeout=timeout) as client:
        try:
            resp = await client.get(f"{base}/health")
        except httpx.HTTPError:
            return None
    if resp.status_code != 200:
        return None
    from gtwizard.safetext import loads_untrusted

    try:
        ok = loads_untrusted(resp.content).get("status") is True
    except (ValueError, AttributeError):
        ok = False
    return PersistentConfigWarning(evidence=f"{base} answers /health") if ok else None


TRAP = (
    "if Open WebUI started before without ENABLE_PERSISTENT_CONFIG=false, its database keeps its "
    "old connection and ignores the env file (PersistentConfig)"
)


def not_known_note(check_line: str, url: str | None = None) -> str:
    """Setup could not tell whether Open WebUI has started before: say so, and what tells.

    `check_line` is the command that reads the connection Open WebUI uses after the restart;
    `url` the proof channel that did not answer (None: none was given, nor a DATA_DIR)."""
    why = (
        f"Open WebUI at {url} did not answer now"
        if url
        else "no DATA_DIR and no Open WebUI URL were given"
    )
    return (
        f"Open WebUI may have started before; that is not known here ({why}). If it has, "
        "without ENABLE_PERSISTENT_CONFIG=false, its database keeps its old connection and "
        "ignores this env file (PersistentConfig). After the restart, this reads the connection "
        f"it uses and says whether that happened: {check_line}"
    )


def env_wins(path: Path, dialect: str = "docker") -> bool:
    """True when the env file says it wins over the database (False also when unreadable)."""
    from gtwizard.errors import GtwizardError

    try:
        data, _ = read_env_bytes(Path(path))
        values = EnvFile.parse(data, dialect).values()
    except (GtwizardError, OSError, ValueError):
        return False
    return env_is_authoritative(values)


@dataclass(frozen=True)
class EnvConfig:
    """What the env file alone configures on a fresh start (no secrets in repr)."""

    openai: dict[str, object] = field(repr=False)
    rag_engine: str
    rag_base_url: str
    rag_key: str = field(repr=False)
    rag_model: str
    persistent_config: bool
    reset_on_start: bool


def read_env_config(path: Path, dialect: str = "docker") -> EnvConfig:
    """Read the env file as `dialect` does and derive Open WebUI's effective settings."""
    data, _ = read_env_bytes(Path(path))
    values = EnvFile.parse(data, dialect).values()
    return EnvConfig(
        openai=effective_openai_config(values),
        rag_engine=values.get("RAG_EMBEDDING_ENGINE", ""),
        rag_base_url=values.get("RAG_OPENAI_API_BASE_URL", ""),
        rag_key=values.get("RAG_OPENAI_API_KEY", ""),
        rag_model=values.get("RAG_EMBEDDING_MODEL", ""),
        persistent_config=_flag(values, "ENABLE_PERSISTENT_CONFIG", "true"),
        reset_on_start=_flag(values, "RESET_CONFIG_ON_START", "false"),
    )
