"""What is still to do after a setup, in order: one list for the TUI's Summary and `setup`'s output.

Built from the saved profile only (no secret in it). The last mile is where a working setup still
fails for users: Open WebUI reads an env file only when its container or service starts, and the
models of a new connection are visible only to admins until ordinary users are granted access.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gtwizard.kinds import TargetKind

if TYPE_CHECKING:
    from gtwizard.profiles import Profile
    from gtwizard.targets.base import ClientTarget


@dataclass(frozen=True)
class NextStep:
    title: str
    detail: str = ""
    commands: tuple[str, ...] = ()
    note: str = ""  # said after the commands


# How each env-file reader picks up a changed file. `docker restart` is not enough for
# `docker run --env-file`: the environment is fixed when the container is created.
RESTARTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "docker": (
        "docker run --env-file reads it only when the container is created (docker restart "
        "keeps the old key): re-create the container with your usual options.",
        ("docker rm -f open-webui", "docker run -d --env-file {path} …"),
    ),
    "compose": (
        "In the compose project's folder (up -d re-creates the container whose environment "
        "changed).",
        ("docker compose up -d",),
    ),
    "systemd": (
        "The service whose EnvironmentFile= is this file.",
        ("sudo systemctl restart open-webui",),
    ),
}


def restart_step(profile: Profile) -> NextStep:
    dialect = str(profile.env_dialect or "docker")
    detail, commands = RESTARTS.get(dialect, RESTARTS["docker"])
    return NextStep(
        f"Restart Open WebUI so it reads {profile.target_place}",
        detail,
        tuple(c.format(path=profile.target_place) for c in commands),
        persistent_note(profile),
    )


def persistent_note(profile: Profile) -> str:
    """Will Open WebUI take the env file after the restart? What the file says, or what tells."""
    from pathlib import Path

    from gtwizard.openwebui.persistent import env_wins
    from gtwizard.proofcommand import profile_proof_command

    if env_wins(Path(profile.target_place), str(profile.env_dialect or "docker")):
        return (
            "ENABLE_PERSISTENT_CONFIG=false is set in it, so Open WebUI takes the connection from "
            "the file at every start."
        )
    check = profile_proof_command(profile, f"gtwizard check --profile {profile.name}")
    return (
        "If Open WebUI started before without ENABLE_PERSISTENT_CONFIG=false, its database keeps "
        "the old connection and ignores the file. After the restart, this reads the connection "
        f"Open WebUI uses and says whether that happened: {check}"
    )


def resetup_command(profile: Profile, *target: str) -> str:
    """`gtwizard setup --replace` for this profile with the same tenant, names and storage,
    minting a new key into `target` (flags); the old key goes once the new one is proven."""
    names = ",".join([*profile.agent_aliases, *profile.raw_models])
    parts = [
        "GTWIZARD_OPERATOR_TOKEN=...",
        *(["GTWIZARD_OPENWEBUI_TOKEN=..."] if "--openwebui-url" in target else []),
        "gtwizard setup --replace",
        f"--profile {profile.name}",
        f"--preset {profile.product_preset}",
        f"--host {profile.tenant_host}",
        f"--aliases {names}",
        "--mint",
    ]
    if profile.storage_kind != "keyring":
        parts.append(f"--storage {profile.storage_kind}")
    if profile.embeddings:
        parts.append("--embeddings")
        if profile.embedding_model:
            parts.append(f"--embedding-model {profile.embedding_model}")
    if profile.ca_bundle:
        parts.append(f"--ca-bundle {profile.ca_bundle}")
    if profile.key_preset:
        parts.append(f"--key-preset {profile.key_preset}")
    return " ".join([*parts, *target])


# Where Open WebUI 0.12.4 grants a connection's models to users (its Workspace > Models is for
# custom models built on top of them): one wording for every place that says it
GRANT_PATH = (
    "in Open WebUI, Admin Panel > Settings > Models, open each model and set its access to "
    "Public or to your users' group"
)


def access_step(profile: Profile) -> NextStep | None:
    names = ", ".join(profile.agent_aliases + profile.raw_models) or "the allowed models"
    audience = profile.audience
    if profile.target_kind == TargetKind.ADMIN_API and audience and audience != "none":
        return None  # granted by the setup itself
    return NextStep(
        "Give ordinary users access to the models",
        f"Until then only admins see {names}: {GRANT_PATH}.",
    )


def product_name(profile: Profile) -> str:
    """The product's name as its preset says it (the slug when the preset is unknown)."""
    from gtwizard.errors import GtwizardError
    from gtwizard.presets.catalog import load_catalog

    try:
        return load_catalog().product(profile.product_preset).name
    except GtwizardError:
        return profile.product_preset


def snippet_steps(profile: Profile) -> list[NextStep]:
    """A product gtwizard does not configure itself: the snippet goes in, then check and rotate."""
    name = product_name(profile)
    return [
        NextStep(
            f"Put the settings into {name}",
            f"The snippet above goes into {name}'s configuration; its key comes from where the "
            "snippet says (an environment variable or the product's secret store), never the "
            "snippet itself.",
        ),
        NextStep(
            "Check the key from here",
            f"gtwizard checks the key against the tenant; a chat through {name} itself is "
            "yours to try.",
            (f"gtwizard check --profile {profile.name}",),
        ),
        rotate_step(profile),
    ]


def rotate_step(profile: Profile) -> NextStep:
    return NextStep(
        f"Rotate the key every {profile.rotation_days} days",
        "The runbook says how, with gtwizard and by hand.",
        (
            f"gtwizard rotate --profile {profile.name}",
            f"gtwizard runbook --profile {profile.name} -o RUNBOOK.md",
        ),
    )


def configured_steps(profile: Profile, target: ClientTarget) -> list[NextStep]:
    """A product beyond Open WebUI that gtwizard configured: its restart (when it reads the key
    at start), the proof through it, and rotation."""
    restart = target.restart_step(profile)
    return [
        *([restart] if restart is not None else []),
        NextStep(
            f"Check it through {target.product}",
            f"gtwizard proves the key through {target.product} itself (the product-proof "
            "check) as well as at the tenant.",
            (f"gtwizard check --profile {profile.name}",),
        ),
        rotate_step(profile),
    ]


def next_steps(profile: Profile, target: ClientTarget | None = None) -> list[NextStep]:
    """The operator's remaining steps after setup, in the order to do them. `target`: the
    profile's (gtwizard.targets.registry.for_profile), whose restart step is said."""
    if target is not None and target.applies and not profile.for_openwebui:
        return configured_steps(profile, target)
    if not profile.for_openwebui:
        return snippet_steps(profile)
    steps: list[NextStep] = []
    restart = target.restart_step(profile) if target is not None else None
    if restart is None and profile.target_kind == TargetKind.ENV_FILE:
        restart = restart_step(profile)
    if restart is not None:
        steps.append(restart)
    access = access_step(profile)
    if access is not None:
        steps.append(access)
    from gtwizard.credentials import openwebui_url_of
    from gtwizard.proofcommand import profile_proof_command

    check = profile_proof_command(profile, f"gtwizard check --profile {profile.name}")
    if openwebui_url_of(profile):
        steps.append(
            NextStep(
                "Check it as an ordinary user",
                "A chat and the model picker as a temporary user who is not an admin prove what "
                "users get (--test-user EMAIL checks as one of yours).",
                (check,),
            )
        )
    else:
        steps.append(
            NextStep(
                "Check it once Open WebUI runs, then as an ordinary user",
                "With Open WebUI's URL and an admin credential, gtwizard chats as a temporary "
                "user who is not an admin and reads the model picker (the URL is then kept with "
                "the profile).",
                (check,),
            )
        )
    steps.append(rotate_step(profile))
    return steps


def step_line(step: NextStep) -> str:
    """One step as one line, its commands in brackets: a `remaining` entry of the JSON answers."""
    line = f"{step.title[:1].lower()}{step.title[1:]}"
    return line + (f" ({'; '.join(step.commands)})" if step.commands else "")


def remaining_after_setup(profile: Profile, target: ClientTarget | None = None) -> list[str]:
    """`remaining` of `setup --json` (and `setup --resume --json`): the next steps, one a line."""
    return [step_line(step) for step in next_steps(profile, target)]


def format_next_steps(steps: list[NextStep]) -> str:
    """Numbered plain text, commands indented: what `setup` prints and the Summary shows."""
    lines: list[str] = []
    for number, step in enumerate(steps, 1):
        lines.append(f"{number}. {step.title}")
        if step.detail:
            lines.append(f"   {step.detail}")
        lines.extend(f"     $ {command}" for command in step.commands)
        if step.note:
            lines.append(f"   {step.note}")
    return "\n".join(lines)
