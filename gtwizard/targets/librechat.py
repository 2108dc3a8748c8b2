"""LibreChat: a custom endpoint in its `librechat.yaml`, the key in its `.env`.

gtwizard owns one entry of `endpoints.custom` (the one whose `name` is the endpoint's name, "GT API"
unless the operator names another): `apiKey: ${GT_API_KEY}`, `baseURL: <GT base>/v1` and
`models: {default: [the allowlisted chat names], fetch: false}`, edited in place through
gtwizard.targets.yamlblock (the operator's other endpoints and comments keep their bytes), and one
line of the `.env` beside it (gtwizard.openwebui.envfile's parser and atomic apply: 0600, the
previous version kept as .bak). The key is never in the YAML.

LibreChat reads both files only when it starts (compose bakes `.env` into the container when it
creates it, so `docker compose restart` keeps the old key). Its server needs MongoDB and is not a
package: it does not run beside gtwizard, so nothing here can chat through it. `prove` says "not
proven in LibreChat" (a check's warning, never a pass) and a rotation waits, both keys live, until
`gtwizard rotate --finish`, which is the operator's word that LibreChat restarted with the new key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from gtwizard.errors import InvalidInput, OperationFailed
from gtwizard.kinds import TargetKind
from gtwizard.openwebui.envfile import (
    EnvFile,
    EnvPlan,
    apply_plan,
    check_writable,
    masked_diff,
    read_env_bytes,
)

if TYPE_CHECKING:
    from gtwizard.nextsteps import NextStep
    from gtwizard.openwebui.envfile import ApplyResult, GtConnection
    from gtwizard.profiles import Profile
    from gtwizard.setup.keys import KeyChoice
    from gtwizard.targets.base import ProofRequest
    from gtwizard.targets.registry import Where

PRODUCT = "LibreChat"
DEFAULT_ENDPOINT = "GT API"
# LibreChat's docs: after a change to librechat.yaml or .env, `docker compose down` and
# `docker compose up -d` in its folder (compose reads .env when it creates the container)
DEFAULT_RESTART = "docker compose down && docker compose up -d"
# the config version librechat-data-provider 0.8.524 declares (Constants.CONFIG_VERSION); its
# schema refuses a file without one, so a new librechat.yaml starts with it
CONFIG_VERSION = "1.3.17"
# LibreChat's own endpoints (EModelEndpoint): its schema refuses them as a custom endpoint's name
RESERVED = (
    "azureOpenAI",
    "openAI",
    "google",
    "anthropic",
    "assistants",
    "azureAssistants",
    "agents",
    "custom",
    "bedrock",
)
PLACEHOLDER_KEY = "gtak_" + "0" * 40  # the shape of a key, never a real one
PLACEHOLDER_BASE = "https://gt.invalid/api/tenant/v1"
ENV_DIALECT = "compose"  # compose's env_file and LibreChat's dotenv both strip quotes
PATH = ("endpoints", "custom")
YAML_MODE = 0o644  # a new librechat.yaml holds no secret; LibreChat's container user reads it
_REFERENCE = re.compile(r"^\$\{([^}]+)\}$")  # LibreChat's envVarRegex


def variable_for(endpoint: str) -> str:
    """The .env variable an endpoint's key lives in: GT_API_KEY for "GT API", GT_<NAME>_KEY for
    another name, so two endpoints (two tenants) in one LibreChat never share one, and none is one
    of LibreChat's own (OPENAI_API_KEY, for an endpoint named "OpenAI API")."""
    slug = re.sub(r"[^A-Z0-9]+", "_", endpoint.upper()).strip("_") or "GT"
    if slug != "GT" and not slug.startswith("GT_"):
        slug = "GT_" + slug
    return slug + "_KEY"


def chat_names(names: tuple[str, ...], embedding_model: str | None) -> list[str]:
    """The names LibreChat offers for chats: every allowlisted name but embedding models (the
    rule of gtwizard.openwebui.gtentry.chat_models)."""
    return [n for n in names if n and n != embedding_model and "embed" not in n.lower()]


@dataclass
class LibreChatPlan:
    """Both files' change; nothing is written until `apply`."""

    yaml_path: Path
    yaml_existed: bool
    yaml_old: bytes = field(repr=False)
    yaml_new: bytes = field(repr=False)
    yaml_diff: str
    yaml_mode: int
    env: EnvPlan
    variable: str
    models: tuple[str, ...]
    notes: list[str] = field(default_factory=list)

    @property
    def yaml_changed(self) -> bool:
        return self.yaml_new != self.yaml_old or not self.yaml_existed

    @property
    def changed(self) -> bool:
        return self.yaml_changed or self.env.changed


@dataclass(frozen=True)
class LibreChatApplied:
    yaml_written: bool
    yaml_backup: Path | None
    env: ApplyResult
    message: str

    @property
    def changed(self) -> bool:
        return self.yaml_written or self.env.changed


@dataclass(frozen=True)
class LibreChatTarget:
    """LibreChat's `librechat.yaml` (one custom endpoint) and the `.env` that holds its key."""

    yaml_path: Path
    env_path: Path
    endpoint: str = DEFAULT_ENDPOINT
    restart: str = DEFAULT_RESTART

    kind = TargetKind.LIBRECHAT
    product = PRODUCT

    @property
    def variable(self) -> str:
        return variable_for(self.endpoint)

    # --- gtwizard.targets.base.ClientTarget --------------------------------------------------

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
        return False  # LibreChat's server (it needs MongoDB) does not run beside gtwizard

    async def preflight(
        self, *, ca_bundle: str | None, gt_base: str, names: tuple[str, ...], profile: str
    ) -> list[str]:
        base = gt_base.rstrip("/") + "/v1" if gt_base else PLACEHOLDER_BASE
        plan = self._plan(base, PLACEHOLDER_KEY, tuple(names) or ("placeholder",), None)
        return plan.notes

    def check_edit(self, choice: KeyChoice, openai_base: str) -> None:
        """Plan both edits with a placeholder key: every refusal happens here, before a mint."""
        from gtwizard.fileio import check_replaceable, real_path

        real = [real_path(self.yaml_path), real_path(self.env_path)]  # a foreign link: refused
        self._plan(openai_base, PLACEHOLDER_KEY, choice.names, choice.embedding_model)
        for path in real:
            check_replaceable(path)

    async def ready(
        self, choice: KeyChoice, openai_base: str, *, ca_bundle: str | None, profile: Profile
    ) -> str:
        self.check_edit(choice, openai_base)
        return f"{self.yaml_path} and {self.env_path} writable and editable"

    def plan(self, connection: GtConnection, choice: KeyChoice) -> LibreChatPlan:
        return self._plan(
            connection.openai_base, connection.api_key, choice.names, choice.embedding_model
        )

    async def apply(
        self, connection: GtConnection, *, ca_bundle: str | None, plan: LibreChatPlan | None
    ) -> LibreChatApplied:
        if plan is None:
            plan = self._plan(
                connection.openai_base,
                connection.api_key,
                connection.model_ids,
                connection.embedding_model,
            )
        return _apply(plan)

    def describe(self, applied: LibreChatApplied) -> tuple[str, bool]:
        return applied.message, applied.changed

    @property
    def action(self) -> str:
        return (
            f"write the custom endpoint {self.endpoint!r} into {self.yaml_path} (nothing else in "
            f"it changes) and {self.variable} into {self.env_path} (0600); previous versions "
            "kept as .bak"
        )

    def review(self, plan: LibreChatPlan) -> tuple[str, dict[str, Any]]:
        yaml_diff = plan.yaml_diff or f"{plan.yaml_path}: already up to date"
        env_diff = plan.env.diff or f"{plan.env.path}: already up to date"
        text = "\n".join([yaml_diff, env_diff, *(f"note: {n}" for n in plan.notes)])
        return text, {
            "diff": "\n".join(d for d in (plan.yaml_diff, plan.env.diff) if d),
            "yaml_diff": plan.yaml_diff,
            "env_diff": plan.env.diff,
            "endpoint": self.endpoint,
            "variable": plan.variable,
            "models": list(plan.models),
            "notes": list(plan.notes),
        }

    def summary(
        self, plan: LibreChatPlan | None, applied: LibreChatApplied | None
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "yaml": str(self.yaml_path),
            "env": str(self.env_path),
            "endpoint": self.endpoint,
            "variable": self.variable,
        }
        if plan is not None:
            fields["models"] = list(plan.models)
            fields["changed"] = plan.changed
        if applied is not None:
            fields["changed"] = applied.changed
            backups = (applied.yaml_backup, applied.env.backup)
            fields["backups"] = [str(b) for b in backups if b]
        return fields

    async def read_key(self, openai_base: str, *, ca_bundle: str | None) -> str | None:
        """The key LibreChat would send for the endpoint: its `apiKey`, a `${VAR}` reference
        resolved through the .env as LibreChat resolves it (None: no entry, or unresolved)."""
        from gtwizard.targets import yamlblock

        data, existed = _read_yaml(self.yaml_path)
        if not existed:
            return None
        entry = yamlblock.find(
            yamlblock.load(data.decode("utf-8"), str(self.yaml_path)),
            PATH,
            {"name": self.endpoint},
        )
        value = entry.get("apiKey") if entry else None
        if not isinstance(value, str) or not value.strip():
            return None
        reference = _REFERENCE.match(value.strip())
        if reference is None:
            return value.strip()  # written inline by hand: what LibreChat sends
        env, env_existed = read_env_bytes(self.env_path)
        if not env_existed:
            return None
        return EnvFile.parse(env, ENV_DIALECT).get(reference.group(1)) or None

    async def holds(self, secret: str, openai_base: str, *, ca_bundle: str | None) -> bool | None:
        return None  # nothing here can ask a running LibreChat which key it uses

    def restart_step(self, profile: Profile) -> NextStep | None:
        from gtwizard.nextsteps import NextStep

        return NextStep(
            f"Restart LibreChat so it reads {self.yaml_path} and {self.env_path}",
            f"In LibreChat's folder ({self.yaml_path.parent}): LibreChat reads librechat.yaml and "
            "its .env only when it starts, and `docker compose restart` keeps the old "
            "environment, so take the containers down and up again.",
            (self.restart,),
            f"Running LibreChat from source (npm run backend)? Stop it and start it again. Then "
            f"send one chat with the endpoint {self.endpoint!r} in LibreChat's model menu: "
            "nothing here can do that for you.",
        )

    async def prove(self, request: ProofRequest) -> str:
        """Nothing here can chat through LibreChat, so never a pass: ProofUnavailable (a check
        warns; `rotate --finish` is the operator's word), once its files hold the key to prove.
        Files that hold another key fail instead: a rotation must not revoke the old key while
        LibreChat's configuration does not even name the new one."""
        from gtwizard.redact import mask
        from gtwizard.targets.base import ProofUnavailable

        name = request.profile.name
        held = await self.read_key(request.openai_base, ca_bundle=request.ca_bundle)
        rotation = held != request.secret and _new_key_of_rotation(name, held)
        if held != request.secret and not rotation:
            what = f"the key {mask(held)}" if held else "no GT key"
            raise OperationFailed(
                f"LibreChat's endpoint {self.endpoint!r} in {self.yaml_path} resolves to {what}, "
                f"not the profile's {mask(request.secret)}",
                f"apply it again (gtwizard setup --replace --profile {name}), then restart "
                f"LibreChat ({self.restart})",
            )
        files = (
            "its files hold the new key of the waiting rotation"
            if rotation
            else "its files hold the key"
        )
        raise ProofUnavailable(
            "not proven in LibreChat: its server does not run beside gtwizard, so nothing here "
            f"can chat through it ({files})",
            f"restart LibreChat ({self.restart}), send one chat with the endpoint "
            f"{self.endpoint!r}; during a rotation, `gtwizard rotate --finish --profile {name}` "
            "is then your word that LibreChat uses the new key",
            operator_word=True,
        )

    def record_in(self, profile: Profile) -> None:
        profile.target_settings = {
            "yaml": str(self.yaml_path),
            "env": str(self.env_path),
            "endpoint": self.endpoint,
            "restart": self.restart,
        }

    def access_notes(self, choice: KeyChoice) -> list[str]:
        names = ", ".join(chat_names(choice.names, choice.embedding_model))
        return [
            f"every LibreChat user sees the endpoint {self.endpoint!r} with {names} after the "
            "restart (LibreChat has no per-model grants)"
        ]

    # --- the plan ----------------------------------------------------------------------------

    def _plan(
        self, openai_base: str, secret: str, names: tuple[str, ...], embedding: str | None
    ) -> LibreChatPlan:
        from gtwizard.targets import yamlblock

        where = str(self.yaml_path)
        if self.endpoint in RESERVED:
            raise InvalidInput(
                f"--librechat-endpoint {self.endpoint!r} is one of LibreChat's own endpoints",
                "give the custom endpoint another name (for example 'GT API')",
            )
        models = chat_names(tuple(names), embedding)
        if not models:
            raise InvalidInput(
                "LibreChat's custom endpoint needs at least one chat model, and the key allows "
                "only embedding models",
                "allow a chat alias or model (--aliases/--models) and run the command again",
            )
        base = openai_base.rstrip("/")
        old, existed = _read_yaml(self.yaml_path)
        text = old.decode("utf-8")
        data = yamlblock.load(text, where)
        notes: list[str] = []
        if data is None or (isinstance(data, dict) and "version" not in data):
            if data is not None:
                notes.append(
                    f"added version: {CONFIG_VERSION} to {where} (LibreChat's schema refuses a "
                    "file without one)"
                )
            text = f"version: {CONFIG_VERSION}\n" + text
        reference = "${" + self.variable + "}"
        current = yamlblock.find(data, PATH, {"name": self.endpoint})
        _refuse_shared_variable(data, self.endpoint, reference, where)
        entry = _entry(current, self.endpoint, reference, base, models)
        new_text = yamlblock.upsert(text, PATH, {"name": self.endpoint}, entry, where)
        env_plan = self._plan_env(secret, current, reference)
        host = urlsplit(base).hostname or ""
        if host in ("localhost", "::1") or host.startswith("127."):
            notes.append(
                f"the base {base} is a loopback address: inside LibreChat's container that is "
                "the container itself, not the tenant"
            )
        new = new_text.encode("utf-8")
        return LibreChatPlan(
            yaml_path=self.yaml_path,
            yaml_existed=existed,
            yaml_old=old,
            yaml_new=new,
            yaml_diff=_diff(old, new, where) if new != old or not existed else "",
            yaml_mode=(self.yaml_path.stat().st_mode & 0o777) if existed else YAML_MODE,
            env=env_plan,
            variable=self.variable,
            models=tuple(models),
            notes=notes,
        )

    def _plan_env(self, secret: str, current: dict[str, Any] | None, reference: str) -> EnvPlan:
        data, existed = read_env_bytes(self.env_path)
        env = EnvFile.parse(data, ENV_DIALECT)
        before = EnvFile(list(env.lines), env.bom, ENV_DIALECT)
        held = env.get(self.variable)
        ours = current is not None and str(current.get("apiKey", "")).strip() == reference
        if held and not ours and not held.startswith("gtak_"):
            raise InvalidInput(
                f"{self.env_path} already sets {self.variable} to a value that is not a GT key, "
                f"and LibreChat's endpoint {self.endpoint!r} does not use it",
                "name the endpoint differently (--librechat-endpoint) so gtwizard uses another "
                "variable, or remove that line; nothing was changed",
            )
        check_writable(self.variable, secret)
        env.set(self.variable, secret)
        new_bytes = env.to_bytes()
        return EnvPlan(
            path=self.env_path,
            dialect=ENV_DIALECT,
            existed=existed,
            old_bytes=data,
            new_bytes=new_bytes,
            diff=masked_diff(before, env, str(self.env_path), [secret]),
            changed=new_bytes != data or not existed,
            connection_index=0,
            form="singular",
            expected_config={},
        )


def build(where: Where) -> LibreChatTarget:
    """The target a profile's settings (or the setup flags) describe (gtwizard.targets.registry)."""
    settings = where.settings
    yaml_path = Path(settings.get("yaml") or where.place)
    env = settings.get("env")
    endpoint = (settings.get("endpoint") or "").strip() or DEFAULT_ENDPOINT
    return LibreChatTarget(
        yaml_path,
        Path(env) if env else yaml_path.parent / ".env",
        endpoint,
        (settings.get("restart") or "").strip() or DEFAULT_RESTART,
    )


def _entry(
    current: dict[str, Any] | None, name: str, reference: str, base: str, models: list[str]
) -> dict[str, Any]:
    """gtwizard's fields first; what the operator added to this entry (titleConvo, iconURL, ...)
    is kept after them."""
    entry: dict[str, Any] = {
        "name": name,
        "apiKey": reference,
        "baseURL": base,
        # the allowlist is what the key may use: fetching /models instead would show whatever the
        # tenant lists, and a failed fetch at LibreChat's start would hide the endpoint's models
        "models": {"default": list(models), "fetch": False},
    }
    for key, value in (current or {}).items():
        if key == "models" and isinstance(value, dict):
            entry["models"].update(
                {k: v for k, v in value.items() if k not in ("default", "fetch")}
            )
        elif key not in entry:
            entry[key] = value
    return entry


def _refuse_shared_variable(data: Any, endpoint: str, reference: str, where: str) -> None:
    """Another part of the file uses the same variable: writing the key would change it there."""

    def uses(node: Any) -> bool:
        if isinstance(node, str):
            return reference in node
        if isinstance(node, dict):
            return any(uses(v) for v in node.values())
        if isinstance(node, list):
            return any(uses(v) for v in node)
        return False

    if not isinstance(data, dict):
        return
    others = dict(data)
    endpoints = others.get("endpoints")
    if isinstance(endpoints, dict) and isinstance(endpoints.get("custom"), list):
        custom = endpoints["custom"]
        kept = [e for e in custom if not (isinstance(e, dict) and e.get("name") == endpoint)]
        others["endpoints"] = {**endpoints, "custom": kept}
    if uses(others):
        raise InvalidInput(
            f"{where} already uses {reference} outside the endpoint {endpoint!r}: the GT key "
            "written there would change that setting too",
            "name the endpoint differently (--librechat-endpoint) so gtwizard uses another "
            "variable; nothing was changed",
        )


def _read_yaml(path: Path) -> tuple[bytes, bool]:
    if path.is_dir():
        raise InvalidInput(f"{path} is a directory", "give the path of librechat.yaml")
    if not path.exists() and not path.parent.is_dir():
        raise InvalidInput(
            f"the folder of {path} does not exist",
            "give the path of librechat.yaml in LibreChat's folder; nothing was changed",
        )
    data, existed = read_env_bytes(path)  # its clear lines for a missing or unreadable file
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            f"{path} is not UTF-8 text", "save it as UTF-8 and run the command again"
        ) from None
    return data, existed


def _diff(old: bytes, new: bytes, label: str) -> str:
    import difflib

    a = old.decode("utf-8").splitlines()
    b = new.decode("utf-8").splitlines()
    return "\n".join(difflib.unified_diff(a, b, label, label, lineterm=""))


def _new_key_of_rotation(profile: str, held: str | None) -> bool:
    """`held` is the new key of this profile's waiting rotation (that work's step, not drift)."""
    from gtwizard.errors import GtwizardError
    from gtwizard.lifecycle.journal import open_journal
    from gtwizard.lifecycle.target import NEW, KeyMarks, identify

    if not held:
        return False
    try:
        journal = open_journal(profile)
    except GtwizardError:
        return False
    if journal is None or not journal.new_key_id:
        return False
    old = KeyMarks(journal.old_key_id, journal.old_key_prefix)
    new = KeyMarks(journal.new_key_id, journal.new_key_prefix)
    return identify(held, old, new) == NEW


def _apply(plan: LibreChatPlan) -> LibreChatApplied:
    """The key first (.env), then the reference to it (librechat.yaml): a crash between the two
    never leaves a YAML that names a variable the .env does not set."""
    from gtwizard.fileio import atomic_write

    env = apply_plan(plan.env)
    written, backup = False, None
    if plan.yaml_changed:
        current, existed = _read_yaml(plan.yaml_path)
        if current != plan.yaml_old or existed != plan.yaml_existed:
            raise OperationFailed(
                f"{plan.yaml_path} changed since the plan was made",
                "plan again and review the new diff",
            )
        try:
            backup = atomic_write(
                plan.yaml_path, plan.yaml_new, mode=plan.yaml_mode, backup=existed
            )
        except PermissionError:
            raise OperationFailed(
                f"cannot write {plan.yaml_path}: permission denied", "run as the file's owner"
            ) from None
        written = True
    parts = [env.message if env.changed else f"{plan.env.path} already holds the key"]
    parts.append(f"wrote {plan.yaml_path}" if written else f"{plan.yaml_path} unchanged")
    parts.append("LibreChat reads them when it starts")
    return LibreChatApplied(written, backup, env, "; ".join(parts))
