"""Setup's key step: mint with the operator token (journaled, then stored at once), and the live
verification of a key's allowlist (a pasted key's kinds and width measured too)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from gtwizard import audit
from gtwizard.errors import InvalidInput
from gtwizard.lifecycle.journal import parse_time
from gtwizard.secrets import operator_entry
from gtwizard.setup.keys import (
    KeyChoice,
    check_expires_days,
    fetch_published,
    key_name,
    mint_journaled,
    pick_embedding_model,
    scopes_for,
    split_names,
    verify_key,
)

if TYPE_CHECKING:
    from gtwizard.setup.session import SetupSession


async def mint(session: SetupSession, operator_token: str) -> None:
    """Mint with the operator token, then store at once (storage was verified before)."""
    req, choice = session.request, session._need_choice()
    session._operator_token = operator_token
    journal = await session._begin("auto")
    days = check_expires_days(req.expires_days)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=days) if days is not None else None
    minted = await mint_journaled(
        req.host,
        operator_token,
        choice,
        journal=journal,
        name=key_name(req.profile, req.product.slug),
        record=session._ledger,
        expires_at=expires,
        ca_bundle=req.ca_bundle,
    )
    session.minted = True
    session.key_id = minted.id
    session.key_prefix, session.key_name = journal.new_key_prefix, journal.new_key_name
    session.key_created_at = parse_time(minted.created_at) or dt.datetime.now(dt.UTC)
    session.key_expires_at = parse_time(minted.expires_at)
    session._secret = minted.secret
    journal.mark("mint", f"minted {minted.id}")
    audit.record("mint", profile=req.profile, key_id=minted.id, scopes=list(choice.scopes))
    await session._store_or_undo()
    if req.keep_operator_token and session.storage is not None:
        await session._keep(operator_entry(req.profile), operator_token, "operator token")


async def verify(session: SetupSession) -> None:
    """`/v1/models` with the key lists exactly the chosen names; sorts kinds for pasted keys."""
    req, choice = session.request, session._need_choice()
    session.visible = await verify_key(
        req.host, session._need_secret(), choice.names, ca_bundle=req.ca_bundle
    )
    session._verified = True
    if not session.minted:
        from gtwizard.setup.keys import measure_pasted_key, refuse_if_wider

        width = await measure_pasted_key(
            req.host, session._need_secret(), choice, ca_bundle=req.ca_bundle
        )
        session.accepted_wider = refuse_if_wider(width, accept=req.accept_wider_key)
        if session.accepted_wider:
            session.warnings.append(f"accepted: {session.accepted_wider}")
        kinds = dict(session.visible)
        session.choice = KeyChoice(
            preset=choice.preset,
            scopes=width.scopes if session.accepted_wider else choice.scopes,
            agent_aliases=tuple(n for n in choice.names if kinds.get(n) != "raw_model"),
            raw_models=tuple(n for n in choice.names if kinds.get(n) == "raw_model"),
            embeddings=choice.embeddings,
            embedding_model=choice.embedding_model,
        )


async def resolve_names(session: SetupSession, operator_token: str | None) -> KeyChoice:
    """Sort the chosen names by kind (from the tenant when an operator token is known)."""
    req = session.request
    if not req.names:
        raise InvalidInput(
            "no names were chosen for the key's allowlist",
            "pick published agent aliases or raw-model names (--aliases a,b)",
        )
    if operator_token:
        published = await fetch_published(req.host, operator_token, ca_bundle=req.ca_bundle)
        aliases, raws = split_names(req.names, published)
    else:  # guided manual: the kinds come from what the pasted key sees
        aliases, raws = tuple(req.names), ()
    embedding_model = (
        pick_embedding_model(req.names, req.embedding_model) if req.embeddings else None
    )
    session.choice = KeyChoice(
        preset=req.key_preset,
        scopes=scopes_for(req.key_preset, req.embeddings),
        agent_aliases=aliases,
        raw_models=raws,
        embeddings=req.embeddings,
        embedding_model=embedding_model,
    )
    return session.choice
