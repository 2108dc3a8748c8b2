"""Every target gtwizard can configure, as data: its kind, its words, its settings, its builder.

The CLI (`setup --target KIND` and one flag per setting) and the TUI (the Target step) are built
from `SPECS`; setup, rotation, checks and recovery build a profile's target with `for_profile`
(or `for_draft`, from an interrupted setup's journal). Adding a target is one module with a class
that satisfies gtwizard.targets.base.ClientTarget, plus one `TargetSpec` line in `SPECS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtwizard.kinds import TargetKind
from gtwizard.targets.base import ClientTarget, NoTarget

if TYPE_CHECKING:
    from gtwizard.profiles import Profile


@dataclass(frozen=True)
class Setting:
    """One thing a target needs from the operator (never a secret: secrets come from the
    environment or stdin): a CLI flag, a TUI field and a key of the profile's target_settings."""

    key: str  # in Profile.target_settings and Where.settings
    flag: str  # the CLI flag, e.g. "--continue-config"
    label: str  # the TUI field's placeholder and the CLI help
    default: str = ""
    required: bool = False
    path: bool = False  # a file or directory: `~` is expanded and the path made absolute
    # its value in `gtwizard demo`, relative to the demo folder: every place a target writes by
    # default (or must be told) is inside that folder there, never the operator's real one
    demo: str = ""


@dataclass(frozen=True)
class Where:
    """What a saved profile (or an interrupted setup's draft) says about its target, plus the
    credential this run may send to its product (gtwizard.credentials decides which)."""

    kind: str
    place: str
    dialect: str = "docker"
    proof_url: str | None = None
    credential: str | None = field(default=None, repr=False)
    audience: str = "none"
    allow_http: bool = False
    settings: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetSpec:
    """A target as the front ends offer it."""

    kind: TargetKind
    label: str  # the Target step's choice, e.g. "Continue (config.yaml and its .env)"
    product: str  # the product's name, e.g. "Continue"
    build: Callable[[Where], ClientTarget]
    settings: tuple[Setting, ...] = ()
    place_key: str = ""  # the setting that is the target's place (its main file or folder)
    presets: tuple[str, ...] = ("open-webui",)  # the product presets it configures
    # the product is proven through a URL and an admin credential the operator gives (--prove-url
    # and GTWIZARD_OPENWEBUI_TOKEN on the CLI, two fields in the TUI), as Open WebUI's env file is
    proof_channel: bool = False
    # Open WebUI's targets have checks of their own (its connection, a user's chat); the others
    # are proven by the generic product check (gtwizard.checks.product), through `prove`
    own_checks: bool = False


def _open_webui(where: Where) -> ClientTarget:
    from pathlib import Path

    from gtwizard.targets.openwebui import AdminApiTarget, EnvFileTarget

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


def _kubernetes(where: Where) -> ClientTarget:
    from gtwizard.targets.kubernetes import build

    return build(where)


def _continue(where: Where) -> ClientTarget:
    from gtwizard.targets.continue_config import build as build_continue

    return build_continue(where)


def _none(where: Where) -> ClientTarget:
    return NoTarget()


def _litellm(where: Where) -> ClientTarget:
    from gtwizard.targets.litellm_proxy import build

    return build(where)


def _librechat(where: Where) -> ClientTarget:
    from gtwizard.targets.librechat import build

    return build(where)


# one line per target module; the Open WebUI targets keep their own flags (--env-file,
# --openwebui-url) and TUI panes, the others are built from their settings
SPECS: dict[TargetKind, TargetSpec] = {
    spec.kind: spec
    for spec in (
        TargetSpec(
            TargetKind.ENV_FILE,
            "Env file Open WebUI reads at start",
            "Open WebUI",
            _open_webui,
            own_checks=True,
        ),
        TargetSpec(
            TargetKind.ADMIN_API,
            "Admin API of a running Open WebUI (applies live)",
            "Open WebUI",
            _open_webui,
            own_checks=True,
        ),
        TargetSpec(
            TargetKind.KUBERNETES,
            "Open WebUI on Kubernetes (a Secret, Helm values, a kustomize patch)",
            "Open WebUI",
            _kubernetes,
            (
                Setting(
                    "dir",
                    "--k8s-dir",
                    "folder for the manifests",
                    required=True,
                    path=True,
                    demo="kubernetes",
                ),
                Setting("namespace", "--k8s-namespace", "Open WebUI's namespace", "default"),
                Setting("secret", "--k8s-secret", "the Secret's name", "open-webui-gt"),
                Setting(
                    "workload",
                    "--k8s-workload",
                    "statefulset/NAME or deployment/NAME",
                    "statefulset/open-webui",
                ),
                Setting("container", "--k8s-container", "Open WebUI's container", "open-webui"),
                Setting("apply", "--k8s-apply", "yes: kubectl apply with the current context"),
                Setting(
                    "disable_persistent_config",
                    "--k8s-disable-persistent-config",
                    "yes: ENABLE_PERSISTENT_CONFIG=False (Open WebUI reads the Secret at each start)",
                ),
            ),
            place_key="dir",
            proof_channel=True,
        ),
        TargetSpec(
            TargetKind.CONTINUE,
            "Continue (config.yaml and the .env beside it)",
            "Continue",
            _continue,
            settings=(
                Setting(
                    "config",
                    "--continue-config",
                    "Continue's config.yaml, in ~/.continue or a workspace's .continue folder",
                    default="~/.continue/config.yaml",
                    path=True,
                    demo="continue/.continue/config.yaml",
                ),
                Setting("model", "--continue-model", "one GT name for Continue (default: all)"),
            ),
            place_key="config",
            presets=("continue",),
        ),
        TargetSpec(
            TargetKind.LITELLM,
            "LiteLLM proxy (config.yaml and the env file it starts with)",
            "LiteLLM proxy",
            _litellm,
            settings=(
                Setting(
                    "litellm_config",
                    "--litellm-config",
                    "LiteLLM config.yaml",
                    required=True,
                    path=True,
                    demo="litellm/config.yaml",
                ),
                Setting(
                    "litellm_env",
                    "--litellm-env",
                    "env file the proxy starts with (default: .env beside the config)",
                    path=True,
                ),
                Setting(
                    "litellm_url", "--litellm-url", "the proxy's URL, to prove the key through it"
                ),
                Setting(
                    "litellm_restart",
                    "--litellm-restart",
                    "your command that restarts the proxy (shown, never run)",
                ),
            ),
            place_key="litellm_config",
            presets=("litellm",),
        ),
        TargetSpec(
            TargetKind.NONE, "No product: keep the key only", "no product", _none, own_checks=True
        ),
        TargetSpec(
            TargetKind.LIBRECHAT,
            "LibreChat (a custom endpoint in librechat.yaml, its key in LibreChat's .env)",
            "LibreChat",
            _librechat,
            (
                Setting(
                    "yaml",
                    "--librechat-yaml",
                    "LibreChat's librechat.yaml",
                    required=True,
                    path=True,
                    demo="librechat/librechat.yaml",
                ),
                Setting(
                    "env",
                    "--librechat-env",
                    "LibreChat's .env (default: beside librechat.yaml)",
                    path=True,
                ),
                Setting(
                    "endpoint",
                    "--librechat-endpoint",
                    "the custom endpoint's name",
                    default="GT API",
                ),
                Setting(
                    "restart",
                    "--librechat-restart",
                    "how LibreChat is restarted (shown, never run)",
                    default="docker compose down && docker compose up -d",
                ),
            ),
            place_key="yaml",
            presets=("librechat",),
        ),
    )
}


def settings_kinds() -> list[TargetSpec]:
    """The targets the front ends build from their declared settings (beyond Open WebUI's own)."""
    own = (TargetKind.ENV_FILE, TargetKind.ADMIN_API, TargetKind.NONE)
    return [spec for kind, spec in SPECS.items() if kind not in own]


def spec_for(kind: str) -> TargetSpec | None:
    """The spec of a kind the operator named (None: no such target here)."""
    return next((spec for k, spec in SPECS.items() if str(k) == kind), None)


def from_settings(
    spec: TargetSpec,
    values: Mapping[str, str | None],
    *,
    proof_url: str | None = None,
    credential: str | None = None,
    allow_http: bool = False,
) -> ClientTarget:
    """The target the operator described in the spec's settings (CLI flags or TUI fields):
    defaults filled in, paths made absolute, a missing required one refused in one line."""
    from pathlib import Path

    from gtwizard.errors import InvalidInput

    settings: dict[str, str] = {}
    for setting in spec.settings:
        value = (values.get(setting.key) or "").strip() or setting.default
        if not value:
            if setting.required:
                raise InvalidInput(
                    f"--target {spec.kind} needs {setting.flag} ({setting.label})",
                    f"give {setting.flag} and run the command again",
                )
            continue
        if setting.path:
            value = str(Path(value).expanduser().absolute())
        settings[setting.key] = value
    return spec.build(
        Where(
            kind=str(spec.kind),
            place=settings.get(spec.place_key, ""),
            proof_url=proof_url,
            credential=credential,
            allow_http=allow_http,
            settings=settings,
        )
    )


def build(where: Where) -> ClientTarget:
    """The target a profile or draft names (an unknown kind is the key kept with no target)."""
    known = {str(kind): kind for kind in SPECS}
    return SPECS[known.get(where.kind, TargetKind.NONE)].build(where)


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
            settings=dict(profile.target_settings),
        )
    )


def for_draft(draft: Mapping[str, Any], credential: str | None) -> ClientTarget:
    """The target an interrupted setup's journal draft names."""
    settings = draft.get("target_settings")
    return build(
        Where(
            kind=str(draft.get("target_kind") or TargetKind.NONE),
            place=str(draft.get("target_place") or ""),
            dialect=str(draft.get("env_dialect") or "docker"),
            credential=credential,
            settings=dict(settings) if isinstance(settings, dict) else {},
        )
    )
