"""The operator runbook for one profile: what was set up, why, and how to rotate and check it.

The runbook is for the person on call months later, who may not have gtwizard at hand: it names the
tenant, the base URL and why that form was chosen, the key's preset, scopes and allowlist, where the
key lives, and the rotation steps both with gtwizard and by hand. It never holds a secret; only the
key id. `write_runbook` records the path and key id in the profile so the checks can tell whether
the file on disk still describes the current key.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from gtwizard.errors import GtwizardError
from gtwizard.fileio import atomic_write
from gtwizard.kinds import TargetKind
from gtwizard.profiles import Profile, save_profile
from gtwizard.redact import redact
from gtwizard.safetext import guard
from gtwizard.tenant import parse_host

STORAGE_WORDS = {
    "keyring": "the OS keyring (service 'gtwizard')",
    "file": "a plain-text 0600 file",
    "none": "nowhere on this machine: only in the client's configuration",
}


def default_runbook_path(profile: Profile) -> Path:
    """Where the runbook goes when no -o is given (the checks look there too)."""
    from gtwizard.paths import state_dir

    return state_dir() / "runbooks" / f"{profile.name}.md"


def _bullets(items: list[str], empty: str = "none") -> str:
    return "\n".join(f"- `{item}`" for item in items) if items else f"- {empty}"


def _product_name(slug: str) -> str:
    try:
        from gtwizard.presets.catalog import load_catalog

        return load_catalog().product(slug).name
    except Exception:  # a missing or broken preset must not stop the runbook
        return slug


def _where_applied(profile: Profile) -> str:
    if profile.target_kind == TargetKind.ADMIN_API:
        return (
            f"Open WebUI at {profile.target_place}, changed live through its admin API "
            "(Admin Panel > Settings > Connections; stored in Open WebUI's database)"
        )
    if profile.target_kind == TargetKind.ENV_FILE:
        url = profile.openwebui_url
        seen = f"; Open WebUI itself runs at {url}" if url else ""
        return (
            f"the env file {profile.target_place} "
            f"({(profile.env_dialect or 'docker')} syntax), read when Open WebUI starts"
            f"{seen}"
        )
    if profile.target_place:  # a product beyond Open WebUI's own two ways (targets/registry.py)
        return (
            f"{_product_name(profile.product_preset)}'s configuration at {profile.target_place}, "
            "written by gtwizard (`gtwizard setup --target "
            f"{profile.target_kind}`), the key kept where that configuration refers to it"
        )
    return "no client target: the key is only stored"


# What users of the client notice while its key changes, by target kind: said in the runbook and
# before a rotation starts (CLI and Rotate screen). Open WebUI 0.12.4 empties its model table on
# every connection save (clear_models_cache); benchmarks/openwebui_save_race.py measures the cost.
INTERRUPTIONS: dict[str, str] = {
    TargetKind.ADMIN_API: (
        "The new key reaches Open WebUI in one save of its connections, and Open WebUI forgets "
        "its model list on every such save: a chat in flight at that instant can fail once with "
        'Open WebUI\'s own "Model not found" (sent again, it works). Rotate at a quiet time.'
    ),
    TargetKind.ENV_FILE: (
        "Open WebUI reads the env file only when it starts: the new key takes effect with one "
        "restart, and chats fail while it restarts. Rotate at a quiet time."
    ),
}


def rotation_interruption(target_kind: str) -> str | None:
    """What the client's users may notice during a rotation with this target, if anything."""
    return INTERRUPTIONS.get(target_kind)


def env_key_place(profile: Profile, base: str) -> str:
    """Where the key goes in the profile's env file, in the variables the file actually holds.

    Only variable names are read from the file, never a value. A file gtwizard cannot read here
    (the runbook may be written on another machine) gets both forms, the plural one as Open WebUI
    reads it first.
    """
    from gtwizard.openwebui.envfile import EnvFile

    try:
        data = Path(profile.target_place).read_bytes()
        names = set(EnvFile.parse(data, str(profile.env_dialect or "docker")).values())
    except (OSError, ValueError, GtwizardError):
        names = set()
    plural = f"the OPENAI_API_KEYS entry at the same position as `{base}` in OPENAI_API_BASE_URLS"
    singular = f"OPENAI_API_KEY, beside OPENAI_API_BASE_URL=`{base}`"
    if "OPENAI_API_BASE_URLS" in names:
        place = plural
    elif "OPENAI_API_KEY" in names:
        place = singular
    else:
        place = f"{plural}; or, when the file has only the single pair, {singular}"
    if "RAG_OPENAI_API_KEY" in names:
        place += "; and RAG_OPENAI_API_KEY, which embeds with the same key"
    return place


def render_runbook(profile: Profile) -> str:
    """The markdown text; built only from the profile, so it cannot contain a secret."""
    from gtwizard.proofcommand import profile_proof_command

    finish = profile_proof_command(profile, f"gtwizard rotate --finish --profile {profile.name}")
    host = parse_host(profile.tenant_host)
    product = _product_name(profile.product_preset)
    base = (profile.openai_base or host.openai_base_v1).rstrip("/")
    reason = str(profile.base_reason or "not recorded")
    embed = profile.embedding_model
    storage = STORAGE_WORDS.get(profile.storage_kind, profile.storage_kind)
    if profile.storage_kind == "file" and profile.storage_location:
        storage += f" at {profile.storage_location}"
    created = profile.key_created_at.date().isoformat() if profile.key_created_at else "unknown"
    expires = profile.key_expires_at.date().isoformat() if profile.key_expires_at else "never"
    console = host.gt_api_console
    by_hand_apply = (
        "In Open WebUI: Admin Panel > Settings > Connections, edit the OpenAI connection whose URL is "
        f"`{base}`, paste the new key, save, and press the connection's verify button."
    )
    if profile.target_kind == TargetKind.ENV_FILE:
        by_hand_apply = (
            f"Put the new key into `{profile.target_place}` ({env_key_place(profile, base)}) "
            "and restart Open WebUI. After "
            "its first start Open WebUI keeps its settings in its database, so unless "
            "ENABLE_PERSISTENT_CONFIG=false is set, change the key in Admin Panel > "
            "Settings > Connections as well."
        )
    lines = [
        f"# Operator runbook: {product} on GT (profile `{profile.name}`)",
        "",
        "Written by gtwizard. It holds no secret; the key itself is only where 'Key' says.",
        "",
        "## Connection",
        f"- Product: {product} (preset `{profile.product_preset}`)",
        f"- Tenant: `{host.netloc}` (GT base `{host.gt_base}`)",
        f"- OpenAI base used by the client: `{base}` (form: {profile.base_form})",
        f"- Why this base: {reason}",
        f"- Applied to: {_where_applied(profile)}",
        "",
        "## Key",
        f"- Key: `{profile.key_label}` (created {created}, expires {expires})",
        f"- Key preset: `{profile.key_preset}`",
        f"- Rotation policy: every {profile.rotation_days} days",
        f"- Stored in ({profile.storage_kind}): {storage}",
        *(
            [f"- WIDER THAN CHOSEN, accepted at setup: {profile.accepted_wider_key}"]
            if profile.accepted_wider_key
            else []
        ),
        "- Scopes:",
        _bullets(list(profile.scopes)),
        "- Agent aliases allowed:",
        _bullets(list(profile.agent_aliases)),
        "- Raw models allowed:",
        _bullets(list(profile.raw_models)),
        f"- Embeddings through GT: {'yes, model `' + str(embed) + '`' if embed else 'no'}",
        "",
        "## Rotate the key with gtwizard",
        f"1. `gtwizard rotate --profile {profile.name}` (add `--yes` to skip the question).",
        "   With GTWIZARD_OPERATOR_TOKEN set the new key is minted and the old one revoked for you;",
        f"   without it, make the new key in {console} and pass it with `--key-stdin`",
        "   (and `--key-name NAME`, the name you gave it there), and revoke the old one there",
        "   when gtwizard asks.",
        "2. The new key is stored as pending, applied, and verified where the client uses it",
        "   (a chat as an ordinary Open WebUI user) before the old key is revoked.",
        *(
            [
                "   With this env file Open WebUI reads the new key only when it restarts. Unless",
                "   gtwizard sees it restart with the key (through Open WebUI's URL and an admin",
                "   credential, within `--wait`), the rotation stops `waiting` with both keys",
                f"   valid. Restart Open WebUI, then `{finish}`",
                "   proves it as an ordinary user and revokes the old key;",
                "   `--finish --revoke-without-proof` revokes on your word instead.",
            ]
            if profile.target_kind == TargetKind.ENV_FILE
            else []
        ),
        f"3. If it stops half-way, `gtwizard status` names the command that resolves it "
        f"(`gtwizard rotate --profile {profile.name} --resume`, `--finish` or `--abort`).",
        "",
        "## Rotate the key by hand",
        f"1. In {console}, make a new key with preset `{profile.key_preset}`, the same scopes and",
        "   the same allowlist as above. Copy the secret: it is shown once.",
        f"2. {by_hand_apply}",
        "3. As an ordinary user (not the admin), chat with each allowed model in Open WebUI.",
        f"4. Only then revoke the old key `{profile.key_label}` in {console}, and check that it now",
        "   gets 401.",
        *_interruption_lines(profile.target_kind),
        "",
        "## Check",
        f"- `gtwizard check --profile {profile.name}` runs the validation checklist live.",
        f"- By hand: `curl -H 'Authorization: Bearer <key>' {base}/models` lists exactly the",
        "  allowed names; an ordinary Open WebUI user sees only those in the model picker.",
        "",
    ]
    # the last check before the file: a tenant's text (a key id kept from before ids were
    # checked, a model name) never carries a terminal sequence into a runbook someone will `cat`
    return guard(redact("\n".join(lines)))


def _interruption_lines(target_kind: str) -> list[str]:
    note = rotation_interruption(target_kind)
    if note is None:
        return []
    return ["", *textwrap.wrap("What users notice: " + note, width=92)]


def export_runbook(profile: Profile, path: Path | None = None) -> Path:
    """Write the runbook atomically and record where, and for which key, in the profile object;
    the caller saves the profile (once, with whatever else it changed)."""
    target = Path(path) if path is not None else default_runbook_path(profile)
    if target.parent == default_runbook_path(profile).parent:
        from gtwizard.paths import ensure_private_dir

        ensure_private_dir(target.parent)
    atomic_write(target, render_runbook(profile).encode("utf-8"), mode=0o644, backup=False)
    profile.runbook_path = str(target.absolute())
    profile.runbook_key_id = profile.key_id
    return target


def write_runbook(profile: Profile, path: Path | None = None) -> Path:
    """Write the runbook and save the profile that records it."""
    target = export_runbook(profile, path)
    save_profile(profile)
    return target


def refresh_if_exported(profile: Profile) -> Path | None:
    """Rewrite the runbook if one was exported before (the caller saves the profile); None
    otherwise."""
    recorded = profile.runbook_path
    if not isinstance(recorded, str) or not recorded:
        return None
    return export_runbook(profile, Path(recorded))
