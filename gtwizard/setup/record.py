"""What a setup run records: the profile it saves, and its result for `--json` and Summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gtwizard.kinds import StorageKind, TargetKind
from gtwizard.profiles import Profile, iso_seconds

if TYPE_CHECKING:
    from gtwizard.setup.session import SetupSession


def profile_of(session: SetupSession) -> Profile:
    """The profile this run sets up (not saved here: `save` and the journal's draft use it)."""
    req, choice, base = session.request, session._need_choice(), session._need_base()
    storage = session.storage
    profile = Profile(
        name=req.profile,
        tenant_host=req.host.netloc if req.host.scheme == "https" else req.host.origin,
        base_form=base.form,
        openai_base=base.openai_base,
        product_preset=req.product.slug,
        key_preset=req.key_preset.slug,
        scopes=list(choice.scopes),
        agent_aliases=list(choice.agent_aliases),
        raw_models=list(choice.raw_models),
        key_id=session._need_key_id(),
        key_created_at=session.key_created_at,
        key_expires_at=session.key_expires_at,
        storage_kind=StorageKind(storage.kind) if storage else StorageKind.NONE,
        storage_location=storage.location if storage else "",
        target_kind=req.target.kind if req.target else TargetKind.NONE,
        target_place=req.target.place if req.target else "",
        embeddings=choice.embeddings,
    )
    if choice.embedding_model:
        profile.embedding_model = choice.embedding_model
    if req.ca_bundle:
        profile.ca_bundle = req.ca_bundle
    if req.target is not None:
        req.target.record_in(profile)
    profile.admin_token_kept = "Open WebUI admin credential" in session.kept
    profile.base_reason = session._need_base().reason
    if "operator token" in session.kept:
        profile.operator_token_kept = True
    if session.key_prefix:
        profile.key_prefix = session.key_prefix
    if session.key_name:
        profile.key_name = session.key_name
    if session.accepted_wider:
        profile.accepted_wider_key = session.accepted_wider
    return profile


def result_of(session: SetupSession) -> dict[str, Any]:
    """What happened, for `--json` and the Summary screen; never a secret."""
    req = session.request
    applied: dict[str, Any] | None = None
    if req.target is not None:
        applied = {"kind": req.target.kind, "place": req.target.place}
        applied |= req.target.summary(session.plan, session.applied)
    choice = session.choice
    return {
        "profile": req.profile,
        "product": req.product.slug,
        "host": req.host.netloc,
        "dry_run": req.dry_run,
        "key": {
            "id": session.key_id,
            "name": session.key_name,
            "minted": session.minted,
            "preset": req.key_preset.slug,
            "scopes": list(choice.scopes) if choice else [],
            "agent_aliases": list(choice.agent_aliases) if choice else [],
            "raw_models": list(choice.raw_models) if choice else [],
            "expires_at": iso_seconds(session.key_expires_at),
        },
        "storage": (
            {"kind": session.storage.kind, "location": session.storage.location}
            if session.storage
            else None
        ),
        "base": (
            {
                "openai_base": session.base.openai_base,
                "form": session.base.form,
                "reason": session.base.reason,
            }
            if session.base
            else None
        ),
        "target": applied,
        "accepted_wider_key": session.accepted_wider,
        "warnings": list(session.warnings),
    }
