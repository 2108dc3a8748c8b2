"""Where a key is applied, behind one protocol: the client product's configuration.

Setup, rotation and recovery never branch on the target's kind: they ask the profile's target
(`for_profile`, `for_draft`) to check, plan, apply and read back, and it answers in its own
terms. Adding a target means one module with a class that satisfies `ClientTarget`, registered
in `BUILDERS` under its kind, plus its tests. The Open WebUI targets (env file, admin API) live
in gtwizard.openwebui.targets; `NoTarget` is the key kept with nothing to apply it to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from gtwizard.kinds import TargetKind

if TYPE_CHECKING:
    from gtwizard.openwebui.envfile import GtConnection
    from gtwizard.profiles import Profile
    from gtwizard.setup.keys import KeyChoice


class ClientTarget(Protocol):
    """What a key run needs from the place the key is applied to."""

    kind: TargetKind

    @property
    def place(self) -> str:
        """Where it is, in the operator's words (a path, a URL; "" for none)."""
        ...

    @property
    def reads_at_start(self) -> bool:
        """The client reads the key only when it starts: a change needs its restart."""
        ...

    @property
    def applies(self) -> bool:
        """There is a client the key is applied to (and proven in)."""
        ...

    @property
    def proof_url(self) -> str | None:
        """The client's own URL to prove the key through, when known."""
        ...

    @property
    def credential(self) -> str | None:
        """The admin credential given for `proof_url` (never printed), when known."""
        ...

    async def preflight(
        self, *, ca_bundle: str | None, gt_base: str, names: tuple[str, ...], profile: str
    ) -> list[str]:
        """Everything checkable before a key exists (nothing written); warnings, or raises."""
        ...

    def check_edit(self, choice: KeyChoice, openai_base: str) -> None:
        """The edit can be made (with a placeholder key); raises before any mint if not."""
        ...

    async def ready(self, choice: KeyChoice, openai_base: str, *, ca_bundle: str | None) -> str:
        """A saved target takes a change now (a later run's preflight); one line, or raises."""
        ...

    def plan(self, connection: GtConnection, choice: KeyChoice) -> Any:
        """The diff or payload to review, secrets masked, nothing written."""
        ...

    async def apply(self, connection: GtConnection, *, ca_bundle: str | None, plan: Any) -> Any:
        """Write the connection (the key in it); returns what was done (see `describe`)."""
        ...

    def describe(self, applied: Any) -> tuple[str, bool]:
        """(one line for the operator, whether anything changed) for `apply`'s result."""
        ...

    def summary(self, plan: Any, applied: Any) -> dict[str, Any]:
        """The JSON fields of a setup's `target` beyond kind and place."""
        ...

    async def read_key(self, openai_base: str, *, ca_bundle: str | None) -> str | None:
        """The GT key the client's configuration holds now (None: none, or unreadable)."""
        ...

    def record_in(self, profile: Profile) -> None:
        """Write what a later run needs to find this target again into the profile."""
        ...

    def access_notes(self, choice: KeyChoice) -> list[str]:
        """What the operator must still do so that ordinary users can use the names."""
        ...


@dataclass(frozen=True)
class NoTarget:
    """The key is only stored: nothing to apply it to, nothing to prove there."""

    kind = TargetKind.NONE
    place: str = ""
    reads_at_start: bool = False
    applies: bool = False
    proof_url: str | None = None
    credential: str | None = None

    async def preflight(
        self, *, ca_bundle: str | None, gt_base: str, names: tuple[str, ...], profile: str
    ) -> list[str]:
        return []

    def check_edit(self, choice: KeyChoice, openai_base: str) -> None:
        return None

    async def ready(self, choice: KeyChoice, openai_base: str, *, ca_bundle: str | None) -> str:
        return "no client target: the key is only stored"

    def plan(self, connection: GtConnection, choice: KeyChoice) -> Any:
        return None

    async def apply(self, connection: GtConnection, *, ca_bundle: str | None, plan: Any) -> Any:
        return None

    def describe(self, applied: Any) -> tuple[str, bool]:
        return "no client target: the key is only stored", False

    def summary(self, plan: Any, applied: Any) -> dict[str, Any]:
        return {}

    async def read_key(self, openai_base: str, *, ca_bundle: str | None) -> str | None:
        return None

    def record_in(self, profile: Profile) -> None:
        return None

    def access_notes(self, choice: KeyChoice) -> list[str]:
        return []


@dataclass(frozen=True)
class Where:
    """What a saved profile (or an interrupted setup's draft) says about its target, plus the
    credential this run may send to its Open WebUI (gtwizard.credentials decides which)."""

    kind: str
    place: str
    dialect: str = "docker"
    proof_url: str | None = None
    credential: str | None = None
    audience: str = "none"
    allow_http: bool = False


def _open_webui(where: Where) -> ClientTarget:
    from pathlib import Path

    from gtwizard.openwebui.targets import AdminApiTarget, EnvFileTarget

    if where.kind == TargetKind.ADMIN_API:
        return AdminApiTarget(
            where.place,
            where.credential or "",
            audience=where.audience,
            allow_http=where.allow_http,
        )
    return EnvFileTarget(
        Path(where.place),
        where.dialect,
        admin_url=where.proof_url,
        admin_token=where.credential,
        allow_http=where.allow_http,
    )


# kind -> how to build its target from what a profile says; one line per target module
BUILDERS: Mapping[str, Callable[[Where], ClientTarget]] = {
    TargetKind.ENV_FILE: _open_webui,
    TargetKind.ADMIN_API: _open_webui,
    TargetKind.NONE: lambda where: NoTarget(),
}


def build(where: Where) -> ClientTarget:
    """The target a profile or draft names (an unknown kind is the key kept with no target)."""
    return BUILDERS.get(where.kind, BUILDERS[TargetKind.NONE])(where)


def for_profile(
    profile: Profile, *, proof_url: str | None = None, credential: str | None = None
) -> ClientTarget:
    """The saved profile's target; `proof_url` and `credential` as this run has them (for an
    admin-API target its own URL is the proof channel)."""
    dialect = profile.env_dialect
    return build(
        Where(
            kind=str(profile.target_kind),
            place=profile.target_place,
            dialect=dialect if isinstance(dialect, str) and dialect else "docker",
            proof_url=proof_url,
            credential=credential,
            # a later run keeps the models' access grants as setup made them: rewriting them
            # while users chat opens a window in which Open WebUI rebuilds its model list
            # without them
            audience="none",
            allow_http=profile.allow_http_openwebui is True,
        )
    )


def for_draft(draft: Mapping[str, Any], credential: str | None) -> ClientTarget:
    """The target an interrupted setup's journal draft names."""
    return build(
        Where(
            kind=str(draft.get("target_kind") or TargetKind.NONE),
            place=str(draft.get("target_place") or ""),
            dialect=str(draft.get("env_dialect") or "docker"),
            credential=credential,
        )
    )
