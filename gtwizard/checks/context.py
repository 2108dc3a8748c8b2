"""Everything a check run needs, and the shared pieces several checks use.

Why shared: several checks read Open WebUI's connection config and act as the same ordinary user;
doing that once keeps the run to a few round trips and creates at most one temporary user, which
`aclose` deletes again whatever happened.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from gtwizard.openwebui.gtentry import applied_models as applied_models
from gtwizard.openwebui.gtentry import chat_models as chat_models
from gtwizard.tenant import TenantHost, parse_host

if TYPE_CHECKING:
    from gtwizard.gt.client import GTClient
    from gtwizard.openwebui.admin import OpenAIConfig, OpenWebUIAdmin
    from gtwizard.presets.catalog import Catalog
    from gtwizard.profiles import Profile

T = TypeVar("T")
CLEANUP_TIMEOUT = 10.0


def fingerprint(key: str | None) -> str:
    """The last four characters: enough to tell keys apart, useless to anyone else."""
    return f"…{key[-4:]}" if key and len(key) > 8 else "(none)"


def allowlist(profile: Profile) -> list[str]:
    """Every name the key is meant to reach (agent aliases and raw models)."""
    return sorted({*profile.agent_aliases, *profile.raw_models})


@dataclass(frozen=True)
class GtConnectionView:
    """The GT connection as Open WebUI stores it (index, URL, key, per-connection config)."""

    index: int
    url: str
    key: str = field(repr=False)
    config: dict[str, Any]
    enabled: bool


@dataclass
class CheckContext:
    """Inputs of one run; secrets stay out of repr."""

    profile: Profile
    api_key: str | None = field(repr=False)
    catalog: Catalog
    openwebui_url: str | None = None
    openwebui_token: str | None = field(default=None, repr=False)
    operator_token: str | None = field(default=None, repr=False)  # the tenant's, when given
    openwebui_withheld: str | None = None  # why the environment's admin credential was not sent
    test_user: tuple[str, str] | None = field(default=None, repr=False)
    ca_bundle: str | None = None
    timeout: float = 20.0
    allow_http_openwebui: bool = False
    _memo: dict[str, asyncio.Task[Any]] = field(default_factory=dict, repr=False)
    _temp_user_id: str | None = field(default=None, repr=False)
    _extra_secrets: list[str] = field(default_factory=list, repr=False)

    # ---- facts derived from the profile ----------------------------------------------------

    @property
    def host(self) -> TenantHost:
        return parse_host(self.profile.tenant_host)

    @property
    def openai_base(self) -> str:
        return (self.profile.openai_base or self.host.openai_base_v1).rstrip("/")

    @property
    def client(self) -> str:
        """The client the key is for, by name ("Open WebUI", "Continue", ...), for the details."""
        if self.profile.for_openwebui:
            return "Open WebUI"
        from gtwizard.errors import GtwizardError

        try:
            return self.catalog.product(self.profile.product_preset).name
        except GtwizardError:
            return "an OpenAI client"

    def proven_elsewhere(self) -> str:
        """For a client that is not Open WebUI: where its own side is proven, or that nothing
        here can ask it (a product configured by hand from the printed settings)."""
        from gtwizard.targets.registry import spec_for

        spec = spec_for(str(self.profile.target_kind))
        if spec is not None and not spec.own_checks:
            return f"{self.client} itself is proven by the product-proof check"
        return (
            f"{self.client} is configured by hand from the printed settings; gtwizard cannot ask "
            "it, so chat in it once to see the names"
        )

    @property
    def openwebui_known(self) -> bool:
        return bool(self.openwebui_url and self.openwebui_token)

    def openwebui_missing(self) -> str:
        """Why Open WebUI checks cannot run (for their skip detail)."""
        if not self.openwebui_url:
            return (
                "no Open WebUI URL is known for this profile (no proof channel beside its env file)"
            )
        if self.openwebui_withheld:
            return f"no Open WebUI admin credential: {self.openwebui_withheld}"
        return "no Open WebUI admin credential (set GTWIZARD_OPENWEBUI_TOKEN)"

    def openwebui_missing_hint(self) -> str:
        """What would let a user-side check be proven as a user (for a `warn`'s hint): the
        command with the proof channel, as this profile needs it."""
        from gtwizard.proofcommand import check_line

        name = self.profile.name
        line = check_line(name, url_known=bool(self.openwebui_url))
        if not self.openwebui_url:
            return (
                f"to prove it as an ordinary Open WebUI user: {line} (the URL is then kept as "
                f"the profile's proof channel; or gtwizard profiles set {name} --prove-url URL)"
            )
        return (
            f"to prove it as an ordinary user, give Open WebUI's admin credential: {line} (or "
            f"keep one: gtwizard profiles set {name} --keep-admin-token)"
        )

    def points_at_tenant(self, url: str) -> bool:
        """Whether a connection URL reaches this tenant's host, in any form and under any path.

        Same host name; and the same port when the tenant host names one (a loopback sandbox).
        """
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            return False
        host = self.host
        if (parts.hostname or "").rstrip(".") != host.hostname.lower().rstrip("."):
            return False
        if host.port is None:
            return True
        default = {"https": 443, "http": 80}.get(parts.scheme.lower())
        return (port or default) == host.port

    def secrets(self) -> list[str]:
        """Everything that must never appear in a result."""
        found = [self.api_key, self.openwebui_token, self.operator_token, *self._extra_secrets]
        if self.test_user:
            found.append(self.test_user[1])
        return [s for s in found if s]

    def remember_secret(self, value: str | None) -> None:
        if value:
            self._extra_secrets.append(value)

    # ---- clients ---------------------------------------------------------------------------

    def gt_client(self, api_key: str | None = None) -> GTClient:
        """A GT client with no retries: a check reports what the tenant does, it does not hide it."""
        from gtwizard.gt.client import GTClient

        key = api_key if api_key is not None else self.api_key
        return GTClient(
            self.host.gt_base, key, ca_bundle=self.ca_bundle, timeout=self.timeout, max_retries=0
        )

    def admin(self) -> OpenWebUIAdmin:
        return self._openwebui(self.openwebui_token)

    def _openwebui(self, token: str | None) -> OpenWebUIAdmin:
        """An Open WebUI client for this run (the URL rule applies: https, or http to loopback)."""
        from gtwizard.openwebui.admin import OpenWebUIAdmin

        assert self.openwebui_url
        return OpenWebUIAdmin(
            self.openwebui_url,
            token,
            ca_bundle=self.ca_bundle,
            timeout=self.timeout,
            allow_http=self.allow_http_openwebui,
        )

    async def _once(self, name: str, make: Callable[[], Awaitable[T]]) -> T:
        """Run `make` once per run, shared by every check; a cancelled waiter leaves it running."""
        task = self._memo.get(name)
        if task is None:
            task = asyncio.ensure_future(make())
            self._memo[name] = task
        return await asyncio.shield(task)

    async def openai_config(self) -> OpenAIConfig:
        """Open WebUI's stored OpenAI connections, read once per run."""

        async def read() -> OpenAIConfig:
            async with self.admin() as admin:
                config = await admin.get_openai_config()
            for key in config.keys:
                self.remember_secret(key)
            return config

        return await self._once("openai_config", read)

    async def gt_connections(self) -> list[GtConnectionView]:
        """Every connection whose URL points at the tenant's host (any base form, any path)."""
        config = await self.openai_config()
        found = []
        for index, url in enumerate(config.urls):
            if self.points_at_tenant(url):
                key = config.keys[index] if index < len(config.keys) else ""
                conf = config.configs.get(str(index)) or config.configs.get(url) or {}
                enabled = config.enable and conf.get("enable", True) is not False
                found.append(GtConnectionView(index, url, key, dict(conf), enabled))
        return found

    async def gt_connection(self) -> GtConnectionView | None:
        """The connection the wizard applied (the GT base under /api/tenant), else the first one
        that points at the tenant's host; None when Open WebUI has none."""
        from gtwizard.openwebui.gtentry import is_gt_entry

        connections = await self.gt_connections()
        applied = [c for c in connections if is_gt_entry(c.url, self.openai_base)]
        found = applied or connections
        return found[0] if found else None

    # ---- the ordinary user -----------------------------------------------------------------

    async def _user_token(self) -> str:
        """Sign in as the test user, creating a temporary one through the admin API if needed."""
        from gtwizard.openwebui.users import add_temporary_user, sign_in_ordinary

        if self.test_user:
            email, password = self.test_user
        else:
            async with self.admin() as admin:
                self._temp_user_id, email, password = await add_temporary_user(admin)
            self.remember_secret(password)
        async with self._openwebui(None) as user:
            token = await sign_in_ordinary(user, email, password)
        self.remember_secret(token)
        return token

    @contextlib.asynccontextmanager
    async def as_user(self) -> AsyncIterator[OpenWebUIAdmin]:
        """An Open WebUI client signed in as the ordinary test user."""
        token = await self._once("user_token", self._user_token)
        async with self._openwebui(token) as user:
            yield user

    @property
    def test_user_label(self) -> str:
        return self.test_user[0] if self.test_user else "a temporary ordinary user"

    async def aclose(self) -> None:
        """Delete the temporary user (if one was made), even after timeouts or cancellation."""
        task = self._memo.get("user_token")
        if task is not None and not task.done():
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, CLEANUP_TIMEOUT)
        if self._temp_user_id is None:
            return
        user_id, self._temp_user_id = self._temp_user_id, None
        with contextlib.suppress(Exception):
            async with self.admin() as admin:
                await asyncio.wait_for(admin.delete_user(user_id), CLEANUP_TIMEOUT)
        for task in self._memo.values():
            if not task.done():
                task.cancel()
