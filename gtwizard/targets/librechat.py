"""LibreChat: a custom endpoint in its librechat.yaml, the key in its .env.

LibreChat reads `endpoints.custom[]` from librechat.yaml and resolves `apiKey: "${GT_API_KEY}"`
from its environment (the `.env` beside the yaml, which docker compose and LibreChat itself
load), both only when it starts. gtwizard owns exactly one entry of that list (matched by its
name, edited in place through gtwizard.targets.yamlblock: the operator's other endpoints and
comments keep their bytes) and one line of the .env (0600, written atomically, the previous
version kept as .bak). LibreChat's server cannot run beside gtwizard (it needs MongoDB and is not
a package), so nothing here can prove a key in it: a check warns, and a rotation waits with both
keys live until the operator's `gtwizard rotate --finish`, which is the operator's word that
LibreChat restarted and chats through the new key.
"""

from __future__ import annotations

import difflib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gtwizard.errors import InvalidInput, OperationFailed
from gtwizard.kinds import TargetKind

if TYPE_CHECKING:
    from gtwizard.nextsteps import NextStep
    from gtwizard.openwebui.envfile import GtConnection
    from gtwizard.profiles import Profile
    from gtwizard.setup.keys import KeyChoice
    from gtwizard.targets.base import ProofRequest

PRODUCT = "LibreChat"
DEFAULT_ENDPOINT = "GT API"
KEY_VARIABLE = "GT_API_KEY"
KEY_REFERENCE = "${" + KEY_VARIABLE + "}"
ENDPOINTS_PATH = ("endpoints", "custom")
# the config version of the LibreChat release whose schema the tests validate against
# (librechat-data-provider's Constants.CONFIG_VERSION); LibreChat refuses a file without one
CONFIG_VERSION = "1.3.17"
ENV_DIALECT = "compose"  # docker compose's env_file and LibreChat's own dotenv read it
YAML_MODE = 0o644  # a new librechat.yaml holds no secret; LibreChat's container user reads it
RESTART_COMMANDS = ("docker compose down", "docker compose up -d")


@dataclass(frozen=True)
class FilePlan:
    """One file's change: its bytes before and after, nothing written until `apply`."""

    path: Path
    existed: bool
    old: bytes = field(repr=False)
    new: bytes = field(repr=False)
    diff: str
    mode: int

    @property
    def changed(self) -> bool:
        return self.new != self.old or not self.existed


@dataclass(frozen=True)
class LibreChatPlan:
    yaml: FilePlan
    env: FilePlan
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LibreChatApplied:
    written: tuple[Path, ...]
    backups: tuple[Path, ...]


@dataclass(frozen=True)
class LibreChatTarget:
    """LibreChat's librechat.yaml (the custom endpoint) and its .env (the key)."""

    yaml_path: Path
    env_path: Path
    endpoint: str = DEFAULT_ENDPOINT

    kind = TargetKind.LIBRECHAT
    product = PRODUCT

    @property
    def place(self) -> str:
        return str(self.yaml_path)

    @property
    def reads_at_start(self) -> bool:
        return True

    @property
    def applies(self) -> bool:
        return True

    @property
    def proof_url(self) -> str | None:
        return None

    @property
    def credential(self) -> str | None:
        return None

    @property
    def can_prove(self) -> bool:
        return False  # LibreChat's server does not run beside gtwizard

    # --- gtwizard.targets.base.ClientTarget --------------------------------------------------

    async def preflight(
        self, *, ca_bundle: str | None, gt_base: str, names: tuple[str, ...], profile: str
    ) -> list[str]:
        from gtwizard.targets import yamlblock

        yaml_text = _read(self.yaml_path)[0].decode("utf-8", "replace")
        yamlblock.load(yaml_text, str(self.yaml_path))
        _read(self.env_path)
        return []

    def check_edit(self, choice: KeyChoice, openai_base: str) -> None:
        """Plan both edits with a placeholder key: every refusal happens here, before a mint."""
        from gtwizard.fileio import check_replaceable, real_path
        from gtwizard.targets.openwebui import PLACEHOLDER_KEY, connection_for

        real = [real_path(self.yaml_path), real_path(self.env_path)]
        self.plan(connection_for(choice, openai_base, PLACEHOLDER_KEY), choice)
        for path in real:
            check_replaceable(path)

    async def ready(
        self, choice: KeyChoice, openai_base: str, *, ca_bundle: str | None, profile: Profile
    ) -> str:
        self.check_edit(choice, openai_base)
        return f"{self.yaml_path} and {self.env_path} writable and editable"

    def plan(self, connection: GtConnection, choice: KeyChoice | None = None) -> LibreChatPlan:
        return plan_files(self, connection)

    async def apply(
        self, connection: GtConnection, *, ca_bundle: str | None, plan: LibreChatPlan | None
    ) -> LibreChatApplied:
        plan = plan or plan_files(self, connection)
        written: list[Path] = []
        backups: list[Path] = []
        # the key first: a librechat.yaml that names ${GT_API_KEY} never meets a .env without it
        for change in (plan.env, plan.yaml):
            if not change.changed:
                continue
            backup = _write(change)
            written.append(change.path)
            if backup is not None:
                backups.append(backup)
        return LibreChatApplied(tuple(written), tuple(backups))

    def describe(self, applied: LibreChatApplied) -> tuple[str, bool]:
        if not applied.written:
            return f"{self.yaml_path} and {self.env_path} already have this configuration", False
        kept = f" (previous versions kept: {', '.join(map(str, applied.backups))})"
        return (
            f"wrote {' and '.join(map(str, applied.written))}{kept if applied.backups else ''}; "
            f"LibreChat reads them when it starts",
            True,
        )

    @property
    def action(self) -> str:
        return (
            f"write the custom endpoint {self.endpoint!r} into {self.yaml_path} and "
            f"{KEY_VARIABLE} into {self.env_path} (0600; previous versions kept as .bak)"
        )

    def review(self, plan: LibreChatPlan) -> tuple[str, dict[str, Any]]:
        parts = [
            change.diff or f"{change.path}: already up to date" for change in (plan.yaml, plan.env)
        ]
        text = "\n".join([*parts, *(f"note: {n}" for n in plan.notes)])
        return text, {
            "diff": "\n".join(c.diff for c in (plan.yaml, plan.env) if c.diff),
            "yaml_diff": plan.yaml.diff,
            "env_diff": plan.env.diff,
            "notes": list(plan.notes),
        }

    def summary(
        self, plan: LibreChatPlan | None, applied: LibreChatApplied | None
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "endpoint": self.endpoint,
            "yaml": str(self.yaml_path),
            "env": str(self.env_path),
        }
        if plan is not None:
            fields["changed"] = (
                bool(applied.written) if applied is not None else plan.env.changed
            ) or plan.yaml.changed
        if applied is not None:
            fields["backups"] = [str(b) for b in applied.backups]
        return fields

    async def read_key(self, openai_base: str, *, ca_bundle: str | None) -> str | None:
        return configured_key(self)

    async def holds(self, secret: str, openai_base: str, *, ca_bundle: str | None) -> bool | None:
        return None  # nothing here can ask a running LibreChat which key it holds

    def restart_step(self, profile: Profile) -> NextStep | None:
        from gtwizard.nextsteps import NextStep

        return NextStep(
            f"Restart LibreChat so it reads {self.yaml_path} and {self.env_path}",
            f"In LibreChat's folder ({self.yaml_path.parent}): LibreChat reads librechat.yaml "
            "and its .env only when it starts, and `docker compose restart` keeps the old "
            "environment, so take the containers down and up again.",
            RESTART_COMMANDS,
            f"Running LibreChat from source (npm run backend)? Stop it and start it again. Then "
            f"send one chat with the endpoint {self.endpoint!r} in LibreChat's model menu: "
            "nothing here can do that for you.",
        )

    async def prove(self, request: ProofRequest) -> str:
        from gtwizard.targets.base import ProofUnavailable

        name = request.profile.name
        raise ProofUnavailable(
            "not proven in LibreChat: its server does not run beside gtwizard, so nothing here "
            "can chat through it",
            f"restart LibreChat ({'; '.join(RESTART_COMMANDS)}), send one chat with the endpoint "
            f"{self.endpoint!r}; during a rotation, `gtwizard rotate --finish --profile {name}` "
            "is then your word that LibreChat uses the new key",
            operator_word=True,
        )

    def record_in(self, profile: Profile) -> None:
        profile.target_settings = {
            "yaml": str(self.yaml_path),
            "env": str(self.env_path),
            "endpoint": self.endpoint,
        }

    def access_notes(self, choice: KeyChoice) -> list[str]:
        return [
            f"every LibreChat user sees the endpoint {self.endpoint!r} with "
            f"{', '.join(choice.names)} after the restart (LibreChat has no per-model grants)"
        ]


def build(where: Any) -> LibreChatTarget:
    """The target a profile's settings (or the setup flags) describe (gtwizard.targets.registry)."""
    settings = where.settings
    yaml_path = Path(settings.get("yaml") or where.place)
    env = settings.get("env") or str(yaml_path.parent / ".env")
    endpoint = (settings.get("endpoint") or DEFAULT_ENDPOINT).strip() or DEFAULT_ENDPOINT
    return LibreChatTarget(yaml_path, Path(env), endpoint)


# --- planning and writing -----------------------------------------------------------------


def _read(path: Path) -> tuple[bytes, bool]:
    from gtwizard.openwebui.envfile import read_env_bytes

    return read_env_bytes(path)


def _entry(target: LibreChatTarget, connection: GtConnection) -> dict[str, Any]:
    models = [m for m in connection.model_ids if m]
    if not models:
        raise InvalidInput(
            "LibreChat's custom endpoint needs at least one chat model",
            "allowlist a chat alias or model (--aliases/--models) and run the command again",
        )
    return {
        "name": target.endpoint,
        "apiKey": KEY_REFERENCE,
        "baseURL": connection.openai_base,
        "models": {"default": models, "fetch": False},
    }


def _yaml_text(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            f"{path} is not UTF-8 text", "save it as UTF-8 and run the command again"
        ) from None


def plan_files(target: LibreChatTarget, connection: GtConnection) -> LibreChatPlan:
    """Both edits, computed and checked (nothing written); raises on anything it cannot edit."""
    from gtwizard.openwebui.envfile import EnvFile, masked_diff, validate_connection
    from gtwizard.targets import yamlblock

    connection = validate_connection(connection)
    where = str(target.yaml_path)
    data, existed = _read(target.yaml_path)
    text = _yaml_text(data, target.yaml_path)
    notes: list[str] = []
    current = yamlblock.load(text, where)
    if not isinstance(current, dict) or "version" not in current:
        if current is not None and not isinstance(current, dict):
            raise InvalidInput(
                f"{where} is not a YAML mapping at the top",
                "fix the file and run the command again",
            )
        if existed and text.strip():
            notes.append(f"added version: {CONFIG_VERSION} (LibreChat refuses a file without one)")
        text = f'version: "{CONFIG_VERSION}"\n' + text
    new_text = yamlblock.upsert(
        text, ENDPOINTS_PATH, {"name": target.endpoint}, _entry(target, connection), where
    )
    yaml_diff = "\n".join(
        difflib.unified_diff(
            data.decode("utf-8").splitlines(),
            new_text.splitlines(),
            where,
            where,
            lineterm="",
        )
    )
    yaml_plan = FilePlan(
        target.yaml_path,
        existed,
        data,
        new_text.encode("utf-8"),
        yaml_diff,
        _mode(target.yaml_path, existed, YAML_MODE),
    )

    env_data, env_existed = _read(target.env_path)
    env = EnvFile.parse(env_data, ENV_DIALECT)
    old = EnvFile(list(env.lines), env.bom, ENV_DIALECT)
    env.set(KEY_VARIABLE, connection.api_key)
    env_plan = FilePlan(
        target.env_path,
        env_existed,
        env_data,
        env.to_bytes(),
        masked_diff(old, env, str(target.env_path), [connection.api_key]),
        0o600,
    )
    return LibreChatPlan(yaml_plan, env_plan, tuple(notes))


def _mode(path: Path, existed: bool, default: int) -> int:
    if not existed:
        return default
    return stat.S_IMODE(os.stat(path).st_mode)


def _write(change: FilePlan) -> Path | None:
    """Write one planned file atomically (its backup kept); refuse when it changed since."""
    from gtwizard.fileio import atomic_write

    current, existed = _read(change.path)
    if current != change.old or existed != change.existed:
        raise OperationFailed(
            f"{change.path} changed since the plan was made", "plan again and review the new diff"
        )
    try:
        return atomic_write(change.path, change.new, mode=change.mode, backup=change.existed)
    except PermissionError:
        raise OperationFailed(
            f"cannot write {change.path}: permission denied", "run as the file's owner"
        ) from None


def configured_key(target: LibreChatTarget) -> str | None:
    """The GT key LibreChat's configuration holds now: gtwizard's endpoint's apiKey, resolved
    through the .env when it is a `${VAR}` reference (None: no endpoint, no value)."""
    import re

    from gtwizard.openwebui.envfile import EnvFile
    from gtwizard.targets import yamlblock

    data, existed = _read(target.yaml_path)
    if not existed:
        return None
    entry = yamlblock.find(
        yamlblock.load(_yaml_text(data, target.yaml_path), str(target.yaml_path)),
        ENDPOINTS_PATH,
        {"name": target.endpoint},
    )
    if entry is None or not isinstance(entry.get("apiKey"), str):
        return None
    api_key: str = entry["apiKey"]
    reference = re.fullmatch(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", api_key.strip())
    if reference is None:
        return api_key or None  # written inline by the operator
    env_data, env_existed = _read(target.env_path)
    if not env_existed:
        return None
    return EnvFile.parse(env_data, ENV_DIALECT).get(reference.group(1)) or None
