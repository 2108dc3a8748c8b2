"""Where a key is applied, behind one protocol: the client product's configuration.

Setup, rotation, checks and recovery never branch on the target's kind: they ask the profile's
target (gtwizard.targets.registry: `for_profile`, `for_draft`) to check, plan, apply, read back,
tell whether the running product uses a key, and prove it from the product's side; it answers in
its own terms. Adding a target means one module with a class that satisfies `ClientTarget` and a
`TargetSpec` for it in gtwizard.targets.registry, plus its tests. `NoTarget` is the key kept with
nothing to apply it to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from gtwizard.errors import InvalidInput
from gtwizard.kinds import TargetKind

if TYPE_CHECKING:
    from gtwizard.nextsteps import NextStep
    from gtwizard.openwebui.gtentry import GtConnection
    from gtwizard.profiles import Profile
    from gtwizard.setup.keys import KeyChoice


class ProofUnavailable(InvalidInput):
    """The key cannot be proven from the product's side from here (no channel to it, or the
    product cannot run here): a rotation waits for the operator's word; a check warns.

    `operator_word`: nothing here can ever prove it (LibreChat's server does not run beside
    gtwizard), so `rotate --finish` itself is the operator's word that the product uses the new
    key; otherwise `--finish` needs the proof channel or `--revoke-without-proof`."""

    def __init__(self, message: str, hint: str = "", *, operator_word: bool = False) -> None:
        super().__init__(message, hint)
        self.operator_word = operator_word


@dataclass(frozen=True)
class ProofRequest:
    """What a proof from the product's side needs: the key to prove and the profile it is for."""

    secret: str = field(repr=False)
    profile: Profile  # the names to prove (agent_aliases, raw_models, embeddings) are its own
    openai_base: str
    gt_base: str
    ca_bundle: str | None = None
    timeout: float = 30.0
    choice: KeyChoice | None = None  # a key run's choice; None from a check (use the profile)


class ClientTarget(Protocol):
    """What a key run needs from the place the key is applied to."""

    kind: TargetKind
    product: str  # the product's name, in the operator's words ("Open WebUI", "Continue")

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

    @property
    def can_prove(self) -> bool:
        """A proof from the product's side (`prove`) can be tried from here now."""
        ...

    async def preflight(
        self, *, ca_bundle: str | None, gt_base: str, names: tuple[str, ...], profile: str
    ) -> list[str]:
        """Everything checkable before a key exists (nothing written); warnings, or raises."""
        ...

    def check_edit(self, choice: KeyChoice, openai_base: str) -> None:
        """The edit can be made (with a placeholder key); raises before any mint if not."""
        ...

    async def ready(
        self, choice: KeyChoice, openai_base: str, *, ca_bundle: str | None, profile: Profile
    ) -> str:
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

    @property
    def action(self) -> str:
        """What applying does, in the operator's words, said before anything is minted."""
        ...

    def review(self, plan: Any) -> tuple[str, dict[str, Any]]:
        """`plan` as the operator reviews it before the write (text), and as `--json` shows it
        (fields of the dry run's preview); secrets masked."""
        ...

    def summary(self, plan: Any, applied: Any) -> dict[str, Any]:
        """The JSON fields of a setup's `target` beyond kind and place."""
        ...

    async def read_key(self, openai_base: str, *, ca_bundle: str | None) -> str | None:
        """The GT key the client's configuration holds now (None: none, or unreadable)."""
        ...

    async def holds(self, secret: str, openai_base: str, *, ca_bundle: str | None) -> bool | None:
        """The running product uses `secret` now (True/False); None when nothing here can tell
        (then a rotation waits for the operator's word that it restarted)."""
        ...

    def restart_step(self, profile: Profile) -> NextStep | None:
        """What makes the product read a changed key (None: it reads it on its own)."""
        ...

    async def prove(self, request: ProofRequest) -> str:
        """Use the key through the product as its users do; one line of what was proven.
        Raises ProofUnavailable when that cannot run from here, another GtwizardError when the
        product refused or does not use the key."""
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
    product = "no product"
    place: str = ""
    reads_at_start: bool = False
    applies: bool = False
    proof_url: str | None = None
    credential: str | None = None
    can_prove: bool = False

    async def preflight(
        self, *, ca_bundle: str | None, gt_base: str, names: tuple[str, ...], profile: str
    ) -> list[str]:
        return []

    def check_edit(self, choice: KeyChoice, openai_base: str) -> None:
        return None

    async def ready(
        self, choice: KeyChoice, openai_base: str, *, ca_bundle: str | None, profile: Profile
    ) -> str:
        return "no client target: the key is only stored"

    def plan(self, connection: GtConnection, choice: KeyChoice) -> Any:
        return None

    async def apply(self, connection: GtConnection, *, ca_bundle: str | None, plan: Any) -> Any:
        return None

    def describe(self, applied: Any) -> tuple[str, bool]:
        return "no client target: the key is only stored", False

    action: str = "keep the key only (no product to configure)"

    def review(self, plan: Any) -> tuple[str, dict[str, Any]]:
        return "", {}

    def summary(self, plan: Any, applied: Any) -> dict[str, Any]:
        return {}

    async def read_key(self, openai_base: str, *, ca_bundle: str | None) -> str | None:
        return None

    async def holds(self, secret: str, openai_base: str, *, ca_bundle: str | None) -> bool | None:
        return None

    def restart_step(self, profile: Profile) -> NextStep | None:
        return None

    async def prove(self, request: ProofRequest) -> str:
        raise ProofUnavailable("no client target: there is no product to prove the key in")

    def record_in(self, profile: Profile) -> None:
        return None

    def access_notes(self, choice: KeyChoice) -> list[str]:
        return []
