"""What the operator has chosen so far in the setup flow (core: no Textual).

The TUI screens read and write this one object; Back never loses anything because the answers live
here, not in the widgets. `setup_request()` turns them into the same `SetupRequest` the CLI builds
from flags, so both front ends run the same core steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gtwizard.kinds import TargetKind

if TYPE_CHECKING:  # the setup core loads when the flow needs it, not at start-up
    from gtwizard.credentials import ProfileGrants, Settings
    from gtwizard.presets.catalog import Catalog
    from gtwizard.setup.session import SetupRequest, SetupSession
    from gtwizard.targets.base import ClientTarget
    from gtwizard.targets.registry import TargetSpec
    from gtwizard.tenant import TenantHost

# the target is chosen and checked before the key is minted (or pasted): a target that would be
# refused never costs a key
STEPS: tuple[str, ...] = (
    "product",
    "tenant",
    "key",
    "target",
    "mint",
    "storage",
    "review",
    "apply",
    "checks",
    "summary",
)

STEP_TITLES: dict[str, str] = {
    "product": "Product",
    "tenant": "Tenant",
    "key": "Key",
    "target": "Target",
    "mint": "Mint",
    "storage": "Storage",
    "review": "Review",
    "apply": "Apply",
    "checks": "Checks",
    "summary": "Summary",
}


# what each part of `WizardState.key_choices()` is, in the operator's words
KEY_CHOICE_WORDS = ("tenant", "product", "key preset", "allowlist", "embeddings", "way to mint")


@dataclass
class WizardState:
    """The operator's answers, step by step. Secrets live here only in memory, never saved."""

    product_slug: str | None = "open-webui"
    host_text: str = ""
    host: TenantHost | None = None
    probe_result: Any = None
    ca_bundle: str | None = None
    demo: bool = False
    profile_name: str = "default"
    # the operator confirmed that an existing profile of this name may be replaced (setup's
    # `replace=True`); reset whenever the name changes
    replace_profile: bool = False
    # Key
    key_preset_slug: str | None = None
    names: tuple[str, ...] = ()
    embeddings: bool = False
    published: list[tuple[str, str]] | None = None
    # Mint
    mint_mode: str = "auto"  # "auto" (operator token) or "manual" (pasted key)
    operator_token: str | None = field(default=None, repr=False)
    keep_operator_token: bool = False  # only when the operator ticks it (for later rotations)
    # guided manual: the name the operator is asked to give the key at /gt-api, for the profile
    # and product it was made for (it carries a time stamp: made once, shown the same each time)
    manual_key_name: tuple[str, str | None, str] | None = None
    # Storage: None = the OS keyring (probed); "file" or "none" only by the operator's choice
    storage_kind: str | None = None
    secrets_file: Path | None = None
    # Target
    target_kind: TargetKind = TargetKind.ENV_FILE
    env_path: str = ""
    env_dialect: str = "docker"
    openwebui_data_dir: str = ""
    openwebui_url: str = ""
    openwebui_token: str | None = field(default=None, repr=False)
    audience: str = "all"
    keep_admin_token: bool = False  # only when ticked: rotation then needs no token in the env
    disable_persistent_config: bool = False
    # a target built from its declared settings (gtwizard.targets.registry): the values typed,
    # per target kind, so Back and another choice never lose them
    target_settings: dict[str, dict[str, str]] = field(default_factory=dict)
    # what the Target step's check said (warnings): a key run started after it reports them too
    target_notes: list[str] = field(default_factory=list)
    # The environment's credentials, read once at launch. A saved profile's rotation or checks
    # get them only as gtwizard/credentials.py allows: the session covers every saved profile.
    credentials: Settings | None = field(default=None, repr=False)
    # Results
    session: SetupSession | None = None
    key_signature: tuple[Any, ...] | None = None
    profile: Any = None
    check_report: Any = None
    # saved profiles a rotation (or its abort) acted on in this run: the quit message says
    # what each uses now
    rotated: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    def grants_for_saved(self, profile: Any) -> ProfileGrants:
        """The environment's credentials as they may go to a saved profile in this session (the
        welcome screen's rotate and check): a session over profiles on several tenants sends an
        unbound token to none of them."""
        from gtwizard.credentials import Scope, Settings, grants_for
        from gtwizard.errors import GtwizardError
        from gtwizard.profiles import load_profiles

        try:
            saved = [*load_profiles().values(), profile]
        except GtwizardError:
            saved = [profile]
        return grants_for(self.credentials or Settings(), profile, Scope.of_profiles(saved))

    def set_up_here(self, profile: Any) -> bool:
        """Is `profile` the one this session's setup flow made (its credentials are the flow's)?"""
        return self.session is not None and profile.name == self.profile_name

    def rotate_credentials(self, profile: Any) -> tuple[str | None, str | None, list[str]]:
        """(operator token, Open WebUI admin credential, what was withheld) for rotating
        `profile` here: the setup flow's own for the profile it made, else the environment's as
        they may go to it."""
        if self.set_up_here(profile):
            return self.operator_token, self.openwebui_token, []
        grants = self.grants_for_saved(profile)
        withheld = [w for w in (grants.needs_operator, grants.needs_openwebui) if w]
        return grants.operator.token, grants.openwebui.token, withheld

    def check_credentials(self, profile: Any) -> tuple[str | None, str | None, str | None]:
        """(Open WebUI admin credential, operator token, why the first was withheld) for checking
        `profile` here. For the profile the setup flow made: the flow's admin credential, and the
        environment's operator token for its one tenant; else the environment's as they may go."""
        if self.set_up_here(profile):
            from gtwizard.credentials import Settings, grants_for

            alone = grants_for(self.credentials or Settings(), profile)
            return self.openwebui_token, alone.operator.token, None
        grants = self.grants_for_saved(profile)
        return grants.openwebui.token, grants.operator.token, grants.needs_openwebui

    def suggested_key_name(self) -> str:
        """The key name guided manual minting suggests (the form automatic mints use)."""
        from gtwizard.setup.keys import key_name

        made = self.manual_key_name
        if made is None or made[:2] != (self.profile_name, self.product_slug):
            name = key_name(self.profile_name, self.product_slug or "client")
            made = self.manual_key_name = (self.profile_name, self.product_slug, name)
        return made[2]

    def key_choices(self) -> tuple[Any, ...]:
        """What the key depends on: if this changes after minting, the key must be made again."""
        return (
            self.host.gt_base if self.host else None,
            self.product_slug,
            self.key_preset_slug,
            self.names,
            self.embeddings,
            self.mint_mode,
        )

    def changed_choices(self, before: tuple[Any, ...]) -> list[str]:
        """What changed, in the operator's words, between `before` (an earlier `key_choices()`)
        and the answers now."""
        return [
            label
            for label, old, new in zip(KEY_CHOICE_WORDS, before, self.key_choices(), strict=True)
            if old != new
        ]

    def target(self) -> ClientTarget | None:
        """The target the Target step describes (None: not described yet); one built from its
        settings refuses a missing required one in one line."""
        from gtwizard.targets.openwebui import AdminApiTarget, EnvFileTarget

        spec = settings_spec(self.target_kind)
        if spec is not None:
            from gtwizard.targets.registry import from_settings

            url = self.openwebui_url.strip() if spec.proof_channel else ""
            return from_settings(
                spec,
                self.target_settings.get(str(spec.kind), {}),
                proof_url=url or None,  # the proof channel, if given
                credential=self.openwebui_token if url else None,
            )
        if self.target_kind == TargetKind.ADMIN_API and self.openwebui_url:
            return AdminApiTarget(
                url=self.openwebui_url.strip(),
                token=self.openwebui_token or "",
                audience=self.audience,
            )
        if self.target_kind == TargetKind.ENV_FILE and self.env_path.strip():
            return EnvFileTarget(
                path=Path(self.env_path.strip()).expanduser().absolute(),
                dialect=self.env_dialect,
                data_dir=(
                    Path(self.openwebui_data_dir.strip()).expanduser()
                    if self.openwebui_data_dir.strip()
                    else None
                ),
                admin_url=self.openwebui_url.strip() or None,  # the proof channel, if given
                admin_token=self.openwebui_token if self.openwebui_url.strip() else None,
                disable_persistent_config=self.disable_persistent_config,
            )
        return None

    def setup_request(self, catalog: Catalog) -> SetupRequest:
        from gtwizard.setup.session import SetupRequest

        assert self.host is not None and self.product_slug is not None
        product = catalog.product(self.product_slug)
        preset = catalog.key_preset(self.key_preset_slug or product.recommended_key_preset)
        return SetupRequest(
            profile=self.profile_name,
            product=product,
            key_preset=preset,
            host=self.host,
            names=self.names,
            embeddings=self.embeddings,
            storage=self.storage_kind,
            target=self.target(),
            ca_bundle=self.ca_bundle,
            secrets_file=self.secrets_file,
            keep_operator_token=self.keep_operator_token and self.mint_mode == "auto",
            keep_admin_token=self.keep_admin_token,
            replace=self.replace_profile,
        )


def targets_for(product_slug: str | None) -> list[TargetSpec]:
    """The targets the Target step offers for a product: every one registered for it (Open
    WebUI's own, and those built from their settings); a product with none registered is offered
    Open WebUI's env file and admin API, as before there was a registry."""
    from gtwizard.targets.registry import SPECS

    own = [
        spec
        for spec in SPECS.values()
        if spec.kind != TargetKind.NONE and (product_slug or "") in spec.presets
    ]
    return own or [SPECS[TargetKind.ENV_FILE], SPECS[TargetKind.ADMIN_API]]


def settings_spec(kind: str) -> TargetSpec | None:
    """The spec of a target built from its declared settings (None: Open WebUI's own, or none)."""
    from gtwizard.targets.registry import settings_kinds

    return next((spec for spec in settings_kinds() if spec.kind == kind), None)
