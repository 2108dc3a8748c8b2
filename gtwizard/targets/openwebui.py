"""Open WebUI targets: the env file it reads at start, or its admin API (live).

Setup applies through these, rotation re-applies and proves through them (an ordinary user chats
through Open WebUI), checks read back through openwebui.connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from gtwizard.errors import InvalidInput, OperationFailed
from gtwizard.kinds import TargetKind
from gtwizard.openwebui.envfile import EnvPlan, apply_plan, plan_env_file
from gtwizard.openwebui.gtentry import GtConnection
from gtwizard.targets.openwebui_proof import prove_in_openwebui, refuse_ignored_env_file, uses_key

if TYPE_CHECKING:  # the key's choice is the setup service's; targets only read its names
    from gtwizard.nextsteps import NextStep
    from gtwizard.openwebui.admin import OpenWebUIAdmin
    from gtwizard.openwebui.envfile import ApplyResult
    from gtwizard.profiles import Profile
    from gtwizard.setup.keys import KeyChoice
    from gtwizard.targets.base import ProofRequest

ENV_FILE = TargetKind.ENV_FILE
PRODUCT = "Open WebUI"
PLACEHOLDER_KEY = "gtak_" + "0" * 40  # the shape of a key, never a real one
ADMIN_API = TargetKind.ADMIN_API
PERSISTENT_HINT = (
    "apply through the admin API instead (--openwebui-url URL), or add "
    "--disable-persistent-config (Open WebUI then takes these settings from the env file at every "
    "start, and changes made in its admin UI are lost at restart)"
)


@dataclass(frozen=True)
class EnvFileTarget:
    """An env file Open WebUI reads (docker --env-file, compose .env, systemd EnvironmentFile)."""

    path: Path
    dialect: str = "docker"
    data_dir: Path | None = None
    admin_url: str | None = None  # the proof channel: Open WebUI's URL, to prove the key there
    admin_token: str | None = field(default=None, repr=False)  # its admin credential, if given
    disable_persistent_config: bool = False
    allow_http: bool = False  # plain http to a non-loopback proof channel, on the operator's word

    kind = ENV_FILE
    product = PRODUCT

    @property
    def place(self) -> str:
        return str(self.path)

    @property
    def can_prove(self) -> bool:
        return bool(self.admin_url and self.admin_token)

    # --- gtwizard.targets.base.ClientTarget --------------------------------------------------

    @property
    def reads_at_start(self) -> bool:
        return True

    @property
    def applies(self) -> bool:
        return True

    @property
    def proof_url(self) -> str | None:
        return self.admin_url

    @property
    def credential(self) -> str | None:
        return self.admin_token

    async def preflight(
        self, *, ca_bundle: str | None, gt_base: str, names: tuple[str, ...], profile: str
    ) -> list[str]:
        return await _preflight_env(self, ca_bundle=ca_bundle, profile=profile)

    def check_edit(self, choice: KeyChoice, openai_base: str) -> None:
        """Plan the edit with a placeholder key: every refusal happens here, before a mint."""
        from gtwizard.fileio import check_replaceable, real_path

        real = real_path(self.path)  # a link another user controls is refused before any mint
        plan_env(self, connection_for(choice, openai_base, PLACEHOLDER_KEY))
        check_replaceable(real)

    async def ready(
        self, choice: KeyChoice, openai_base: str, *, ca_bundle: str | None, profile: Profile
    ) -> str:
        self.check_edit(choice, openai_base)
        await refuse_ignored_env_file(self, profile, ca_bundle=ca_bundle)
        return f"env file {self.path} writable and editable"

    def plan(self, connection: GtConnection, choice: KeyChoice) -> EnvPlan:
        return plan_env(self, connection)

    async def apply(
        self, connection: GtConnection, *, ca_bundle: str | None, plan: EnvPlan | None
    ) -> ApplyResult:
        return apply_plan(plan or plan_env(self, connection))

    def describe(self, applied: ApplyResult) -> tuple[str, bool]:
        return applied.message, applied.changed

    @property
    def action(self) -> str:
        return f"write {self.path} (0600; the previous version kept as .bak)"

    def review(self, plan: EnvPlan) -> tuple[str, dict[str, object]]:
        diff = plan.diff or ""
        lines = [diff or f"{plan.path}: already up to date", *(f"note: {n}" for n in plan.notes)]
        return "\n".join(lines), {"diff": diff}

    def summary(self, plan: EnvPlan | None, applied: ApplyResult | None) -> dict[str, object]:
        if plan is None:
            return {}
        backup = applied.backup if applied is not None else None
        return {
            "changed": applied.changed if applied is not None else plan.changed,
            "backup": str(backup) if backup else None,
        }

    async def read_key(self, openai_base: str, *, ca_bundle: str | None) -> str | None:
        from gtwizard.openwebui.connection import env_file_key

        return await env_file_key(str(self.path), self.dialect, openai_base)

    async def holds(self, secret: str, openai_base: str, *, ca_bundle: str | None) -> bool | None:
        if not self.can_prove:
            return None
        return await uses_key(
            self.admin_url or "",
            self.admin_token or "",
            secret,
            openai_base,
            ca_bundle=ca_bundle,
            allow_http=self.allow_http,
        )

    def restart_step(self, profile: Profile) -> NextStep | None:
        from gtwizard.nextsteps import restart_step

        return restart_step(profile)

    async def prove(self, request: ProofRequest) -> str:
        return await prove_in_openwebui(
            self,
            self.admin_url,
            self.admin_token,
            request,
            embeddings=False,
            allow_http=self.allow_http,
        )

    def record_in(self, profile: Profile) -> None:
        profile.env_dialect = self.dialect
        if self.admin_url:  # the proof channel
            profile.openwebui_url = self.admin_url
        if self.allow_http:
            profile.allow_http_openwebui = True

    def access_notes(self, choice: KeyChoice) -> list[str]:
        from gtwizard.nextsteps import GRANT_PATH

        names = ", ".join(choice.names)
        return [
            f"ordinary Open WebUI users see none of {names} until access is granted: {GRANT_PATH}"
        ]


@dataclass(frozen=True)
class AdminApiTarget:
    """A running Open WebUI, changed live through its admin API with an admin credential."""

    url: str
    token: str = field(repr=False)
    audience: str = "all"
    allow_http: bool = False  # plain http to a host other than loopback, on the operator's word

    kind = ADMIN_API
    product = PRODUCT

    @property
    def place(self) -> str:
        return self.url.rstrip("/")

    @property
    def can_prove(self) -> bool:
        return bool(self.token)

    # --- gtwizard.targets.base.ClientTarget --------------------------------------------------

    @property
    def reads_at_start(self) -> bool:
        return False

    @property
    def applies(self) -> bool:
        return True

    @property
    def proof_url(self) -> str | None:
        return self.url

    @property
    def credential(self) -> str | None:
        return self.token or None

    async def preflight(
        self, *, ca_bundle: str | None, gt_base: str, names: tuple[str, ...], profile: str
    ) -> list[str]:
        from gtwizard.openwebui.url import check_openwebui_url

        warning = check_openwebui_url(self.url, allow_http=self.allow_http).warning
        notes = [warning] if warning else []
        return notes + await _preflight_admin(
            self, ca_bundle=ca_bundle, gt_base=gt_base, names=names
        )

    def check_edit(self, choice: KeyChoice, openai_base: str) -> None:
        return None  # Open WebUI checks the connection itself when it is applied

    async def ready(
        self, choice: KeyChoice, openai_base: str, *, ca_bundle: str | None, profile: Profile
    ) -> str:
        from gtwizard.openwebui.admin import OpenWebUIAdmin

        if not self.token:
            raise InvalidInput(
                "the admin-API target needs an Open WebUI admin credential",
                "export GTWIZARD_OPENWEBUI_TOKEN (admin API key or JWT)",
            )
        async with OpenWebUIAdmin(
            self.url, self.token, ca_bundle=ca_bundle, allow_http=self.allow_http
        ) as admin:
            await admin.require_admin()
        return f"Open WebUI admin API at {self.url} reachable as admin"

    def plan(self, connection: GtConnection, choice: KeyChoice) -> dict[str, object]:
        from gtwizard.redact import mask

        return {
            "url": self.place,
            "connection": {
                "url": connection.openai_base,
                "key": mask(connection.api_key),
                "config": connection.connection_config(),
            },
            "access": self.audience,
            "embeddings": choice.embedding_model if choice.embeddings else None,
        }

    async def apply(
        self, connection: GtConnection, *, ca_bundle: str | None, plan: object
    ) -> AdminApplyResult:
        return await apply_admin(self, connection, ca_bundle=ca_bundle)

    def describe(self, applied: AdminApplyResult) -> tuple[str, bool]:
        return f"Open WebUI at {self.url} now uses key …{applied.key_tail}", True

    @property
    def action(self) -> str:
        return f"configure Open WebUI at {self.place} through its admin API"

    def review(self, plan: object) -> tuple[str, dict[str, object]]:
        return f"admin API payload (key masked): {plan}", {"payload": plan}

    def summary(self, plan: object, applied: AdminApplyResult | None) -> dict[str, object]:
        if applied is None:
            return {}
        return {"connection_index": applied.index, "granted": list(applied.granted)}

    async def read_key(self, openai_base: str, *, ca_bundle: str | None) -> str | None:
        from gtwizard.openwebui.connection import admin_api_key

        if not self.token:
            raise InvalidInput(
                f"reading Open WebUI at {self.place} needs its admin credential",
                "export GTWIZARD_OPENWEBUI_TOKEN and run the command again",
            )
        return await admin_api_key(
            self.url, self.token, openai_base, ca_bundle=ca_bundle, allow_http=self.allow_http
        )

    async def holds(self, secret: str, openai_base: str, *, ca_bundle: str | None) -> bool | None:
        if not self.can_prove:
            return None
        return await uses_key(
            self.url,
            self.token,
            secret,
            openai_base,
            ca_bundle=ca_bundle,
            allow_http=self.allow_http,
        )

    def restart_step(self, profile: Profile) -> NextStep | None:
        return None  # applied live

    async def prove(self, request: ProofRequest) -> str:
        return await prove_in_openwebui(
            self, self.url, self.token, request, embeddings=True, allow_http=self.allow_http
        )

    def record_in(self, profile: Profile) -> None:
        profile.openwebui_url = self.place
        profile.audience = self.audience
        if self.allow_http:
            profile.allow_http_openwebui = True

    def access_notes(self, choice: KeyChoice) -> list[str]:
        return []  # the setup granted access to its audience


Target = EnvFileTarget | AdminApiTarget


def parse_audience(text: str) -> str | list[str] | None:
    """`all` -> "*", `group:a,b` -> ["a", "b"], `none` -> None (no grants: users will see nothing)."""
    text = text.strip()
    if text == "all":
        return "*"
    if text == "none":
        return None
    if text.startswith("group:"):
        groups = [g.strip() for g in text[len("group:") :].split(",") if g.strip()]
        if groups:
            return groups
    raise InvalidInput(f"unknown audience {text!r}", "use all, group:NAME[,NAME] or none")


def connection_for(choice: KeyChoice, openai_base: str, secret: str) -> GtConnection:
    return GtConnection(
        openai_base=openai_base,
        api_key=secret,
        model_ids=choice.names,
        embeddings=choice.embeddings,
        embedding_model=choice.embedding_model,
    )


def loopback_warning(openai_base: str, openwebui_url: str | None) -> str | None:
    """A loopback base only works when Open WebUI runs on this machine, outside a container."""
    host = urlsplit(openai_base).hostname or ""
    if host not in ("localhost", "127.0.0.1", "::1") and not host.startswith("127."):
        return None
    where = urlsplit(openwebui_url).hostname if openwebui_url else None
    if where and where in ("localhost", "127.0.0.1", "::1"):
        return (
            f"the base {openai_base} is a loopback address: it works only if Open WebUI runs on "
            "this machine outside a container (inside Docker, localhost is the container itself)"
        )
    return (
        f"the base {openai_base} is a loopback address, and Open WebUI may run elsewhere: there "
        "it would reach itself, not the tenant"
    )


async def preflight(
    target: Target,
    *,
    ca_bundle: str | None = None,
    gt_base: str = "",
    names: tuple[str, ...] = (),
    profile: str = "default",
) -> list[str]:
    """Everything that can be checked before a key exists; returns warnings, raises on blockers.

    `profile`: the name the setup saves, for the commands a warning names."""
    return await target.preflight(
        ca_bundle=ca_bundle, gt_base=gt_base, names=names, profile=profile
    )


async def _preflight_admin(
    target: AdminApiTarget, *, ca_bundle: str | None, gt_base: str, names: tuple[str, ...]
) -> list[str]:
    """Open WebUI answers as admin, its version is known to work, no other connection serves
    the same names, and the audience parses."""
    from gtwizard.openwebui.admin import OpenWebUIAdmin

    async with OpenWebUIAdmin(
        target.url, target.token, ca_bundle=ca_bundle, allow_http=target.allow_http
    ) as admin:
        await admin.require_admin()
        note = await admin.version_note()
        if names:
            await _refuse_collisions(admin, gt_base, names)
    parse_audience(target.audience)
    return [note] if note else []


async def _preflight_env(
    target: EnvFileTarget, *, ca_bundle: str | None, profile: str = "default"
) -> list[str]:
    """The file can take the edit; and will Open WebUI read it? An Open WebUI that has started
    (a webui.db in DATA_DIR, or an answer at the proof channel's URL) keeps its connection in its
    database unless the env file says it wins: refused. Where that cannot be known, say so and
    what tells it after the restart. A credential for the proof channel is verified when that
    Open WebUI answers."""
    from gtwizard.fileio import real_path
    from gtwizard.openwebui.envfile import EnvFile, read_env_bytes
    from gtwizard.openwebui.persistent import (
        check_admin_url,
        check_data_dir,
        env_is_authoritative,
        not_known_note,
    )
    from gtwizard.openwebui.url import check_openwebui_url
    from gtwizard.proofchannel import check_line, verify_credential

    data, _ = read_env_bytes(target.path)  # a directory or unreadable file fails here
    parent = real_path(target.path).parent  # a link another user controls is refused here
    if not parent.is_dir():
        raise InvalidInput(
            f"the folder for {target.path} does not exist", "create it first, or pick another path"
        )
    values = EnvFile.parse(data, target.dialect).values()
    notes: list[str] = []
    answered = None
    if target.admin_url:
        warning = check_openwebui_url(target.admin_url, allow_http=target.allow_http).warning
        notes += [warning] if warning else []
        answered = await check_admin_url(target.admin_url, ca_bundle=ca_bundle)
    env_wins = target.disable_persistent_config or env_is_authoritative(values)
    started = check_data_dir(target.data_dir, values) if target.data_dir is not None else None
    started = started or answered
    if started is not None and not env_wins:
        raise OperationFailed(f"{started.message} ({started.evidence})", PERSISTENT_HINT)
    if answered is not None and target.admin_url and target.admin_token:
        await verify_credential(
            target.admin_url, target.admin_token, ca_bundle=ca_bundle, allow_http=target.allow_http
        )
    if started is None and not env_wins and target.data_dir is None:
        line = check_line(profile, url_known=bool(target.admin_url))
        notes.append(not_known_note(line, target.admin_url))
    return notes


def plan_env(target: EnvFileTarget, connection: GtConnection) -> EnvPlan:
    return plan_env_file(
        target.path,
        connection,
        dialect=target.dialect,
        disable_persistent_config=target.disable_persistent_config,
    )


def apply_env(plan: EnvPlan) -> ApplyResult:
    return apply_plan(plan)


async def _refuse_collisions(admin: OpenWebUIAdmin, gt_base: str, names: tuple[str, ...]) -> None:
    """Refuse GT names that another connection also serves.

    With duplicate ids Open WebUI keeps one entry and routes every chat for that id to a single
    connection, so a GT alias could silently be answered elsewhere. Each other enabled
    connection's ids come from its allowlist (`model_ids`), or live from Open WebUI when it has
    none; a connection with a Prefix ID cannot collide.
    """
    from gtwizard.openwebui.connection import is_gt_entry

    config = await admin.get_openai_config()
    wanted = set(names)
    clash: set[str] = set()
    for index, url in enumerate(config.urls):
        if is_gt_entry(url, gt_base):
            continue
        settings = config.configs.get(str(index)) or config.configs.get(url) or {}
        if settings.get("enable") is False or settings.get("prefix_id"):
            continue
        ids = settings.get("model_ids") or await admin.connection_model_ids(index)
        clash |= wanted & {str(i) for i in ids}
    if clash:
        raise OperationFailed(
            f"{', '.join(sorted(clash))} already exist(s) as model id(s) of another Open WebUI connection; "
            "Open WebUI would route those chats to the first connection, not to GT",
            "remove or rename them on the other connection, or give one connection a Prefix ID in "
            "Open WebUI's Admin → Settings → Connections, then run setup again",
        )


@dataclass(frozen=True)
class AdminApplyResult:
    index: int
    verify_status: int
    models: tuple[str, ...]
    granted: tuple[str, ...]
    embeddings: bool
    key_tail: str = ""  # the key's last four characters, to name it without its secret


async def apply_admin(
    target: AdminApiTarget, connection: GtConnection, *, ca_bundle: str | None = None
) -> AdminApplyResult:
    """Verify from Open WebUI's side, save the connection, grant access, check; undo on failure."""
    from gtwizard.openwebui.admin import OpenWebUIAdmin

    audience = parse_audience(target.audience)
    async with OpenWebUIAdmin(
        target.url, target.token, ca_bundle=ca_bundle, allow_http=target.allow_http
    ) as admin:
        verify = await admin.verify_connection(connection.openai_base, connection.api_key)
        if not verify.ok:
            raise OperationFailed(
                f"Open WebUI cannot reach the tenant from its side: {connection.openai_base}/models "
                f"answered {verify.status or 'nothing'} there",
                "the base must resolve and verify inside Open WebUI's host or container "
                "(DNS, a private CA in its trust store, NO_PROXY for the tenant host)",
            )
        before = await admin.get_openai_config()
        index = await admin.upsert_gt_connection(
            connection.openai_base, connection.api_key, connection.model_ids
        )
        try:
            granted: list[str] = []
            if audience is not None:
                for model_id in connection.model_ids:
                    await admin.grant_model_access(model_id, audience)
                    granted.append(model_id)
            if connection.embeddings and connection.embedding_model:
                await admin.update_embedding_config(
                    connection.openai_base, connection.api_key, connection.embedding_model
                )
            models = await admin.list_models()
            missing = [m for m in connection.model_ids if m not in models]
            if missing:
                raise OperationFailed(
                    f"Open WebUI does not list {', '.join(missing)} after the change",
                    "the previous connection list was restored; check Open WebUI's log",
                )
        except BaseException:
            await admin.update_openai_config(before)
            raise
    return AdminApplyResult(
        index,
        verify.status,
        tuple(models),
        tuple(granted),
        connection.embeddings,
        key_tail=connection.api_key[-4:],
    )
