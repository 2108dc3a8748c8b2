"""A profile's proof channel: how gtwizard reaches its Open WebUI to prove a key there (DESIGN §6e).

Every Open WebUI profile may have one, whatever its target: Open WebUI's URL (the admin-API target
itself, or `Profile.openwebui_url` beside an env file) and the admin credential that acts there.
The credential comes from GTWIZARD_OPENWEBUI_TOKEN as gtwizard/credentials.py allows, or is kept in
the secret store beside the key (`--keep-admin-token`: the entry setup keeps). Through the channel
`check` chats as an ordinary user, reads the picker and reads the connection Open WebUI really uses
(the PersistentConfig trap shows there); rotation proves a new key before the old one is revoked.

A kept credential belongs to the URL it was kept for: moving the channel to another URL deletes
it, unless a credential for the new URL is kept with the move.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtwizard.credentials import OPENWEBUI_TOKEN_ENV
from gtwizard.errors import InvalidInput
from gtwizard.kinds import TargetKind

# gtwizard/proofcommand.py words the commands; rotation/ and targets/openwebui.py import these
# from here (the checks and the runbook import that leaf, so they do not cycle back through here)
from gtwizard.proofcommand import check_line as check_line
from gtwizard.proofcommand import profile_proof_command as profile_proof_command
from gtwizard.proofcommand import same_place as same_place

if TYPE_CHECKING:
    from gtwizard.profiles import Profile


def check_channel(
    profile: Profile, url: str, *, allow_http: bool = False, flag: bool = True
) -> str:
    """`url` made ready to be this profile's proof channel (no trailing slash), or InvalidInput
    saying why it cannot be: a product gtwizard does not prove through Open WebUI, an admin-API
    profile whose target is another Open WebUI, or a URL the one URL rule refuses. `flag`: the
    command in use takes --allow-http-openwebui (else a refusal names the one that does)."""
    from gtwizard.openwebui.url import check_openwebui_url

    name = profile.name
    if not profile.for_openwebui:
        raise InvalidInput(
            f"profile {name!r} is for {profile.product_preset}: only an Open WebUI profile is "
            "proven through Open WebUI",
            "leave out the Open WebUI URL for this profile",
        )
    checked = check_openwebui_url(
        url,
        allow_http=allow_http or profile.allow_http_openwebui,
        profile=None if flag else name,
    )
    if profile.target_kind == TargetKind.ADMIN_API and not same_place(
        checked.url, profile.target_place
    ):
        raise InvalidInput(
            f"profile {name!r} applies through the admin API of {profile.target_place}: that "
            "Open WebUI is its proof channel",
            f"to move the profile to {checked.url}, set it up again there (gtwizard setup "
            f"--replace --profile {name} with --openwebui-url {checked.url})",
        )
    return checked.url


@dataclass(frozen=True)
class ChannelChange:
    """What `set_proof_channel` / `remove_proof_channel` did, in words (never a secret)."""

    profile: str
    url: str | None
    admin_token_kept: bool
    said: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": True,
            "profile": self.profile,
            "prove_url": self.url,
            "admin_token_kept": self.admin_token_kept,
            "said": list(self.said),
        }


async def answers(url: str, *, ca_bundle: str | None = None, timeout: float = 5.0) -> bool:
    """Whether an Open WebUI answers /health at `url` right now."""
    from gtwizard.openwebui.persistent import check_admin_url

    return await check_admin_url(url, ca_bundle=ca_bundle, timeout=timeout) is not None


async def verify_credential(
    url: str,
    token: str,
    *,
    ca_bundle: str | None = None,
    allow_http: bool = False,
    timeout: float = 10.0,
) -> str:
    """Prove that `token` acts as an admin of the Open WebUI at `url` (raises when it does not).

    An Open WebUI that does not answer (not started yet, beside a fresh env file) cannot say:
    that is reported, not refused."""
    from gtwizard.openwebui.admin import OpenWebUIAdmin, OpenWebUIError

    async with OpenWebUIAdmin(
        url, token, ca_bundle=ca_bundle, allow_http=allow_http, timeout=timeout
    ) as admin:
        try:
            await admin.require_admin()
        except OpenWebUIError as exc:
            if exc.status:
                raise
            return f"the admin credential was not verified ({exc.message})"
    return f"the admin credential acts as an admin of {url}"


def _ca(profile: Profile) -> str | None:
    ca = profile.ca_bundle
    return ca if isinstance(ca, str) and ca else None


async def set_proof_channel(
    name: str,
    url: str | None = None,
    *,
    token: str | None = None,
    keep: bool = False,
    allow_http: bool = False,
    timeout: float = 10.0,
) -> ChannelChange:
    """Record `url` as the profile's proof channel (None: keep the recorded one) and, with
    `keep`, keep `token` (the credential the run may send there) in the profile's secret store.

    A credential kept for another URL is deleted when the channel moves (it belongs there)."""
    from gtwizard import audit
    from gtwizard.credentials import openwebui_url_of
    from gtwizard.profiles import get_profile, profile_store, save_profile
    from gtwizard.runbook import refresh_if_exported
    from gtwizard.secrets import admin_entry

    profile = get_profile(name)
    current = openwebui_url_of(profile)
    chosen = check_channel(profile, url, allow_http=allow_http) if url else current
    if chosen is None:
        raise InvalidInput(
            f"profile {name!r} has no Open WebUI URL to keep a credential for",
            f"give it one: gtwizard profiles set {name} --prove-url URL --keep-admin-token",
        )
    moved = current is None or not same_place(current, chosen)
    said = [f"profile {name!r} proves its key through Open WebUI at {chosen}"]
    if keep:
        if not token:
            raise InvalidInput(
                f"keeping the admin credential needs the admin credential of {chosen}",
                f"export {OPENWEBUI_TOKEN_ENV} (an admin API key or JWT of that Open WebUI); "
                "never pass it in argv",
            )
        if profile.storage_kind == "none":
            raise InvalidInput(
                f"profile {name!r} keeps nothing on this machine (storage none)",
                f"give the credential in {OPENWEBUI_TOKEN_ENV} to each run instead",
            )
        said.append(
            await verify_credential(
                chosen,
                token,
                ca_bundle=_ca(profile),
                allow_http=allow_http or profile.allow_http_openwebui,
                timeout=timeout,
            )
        )
    drop = moved and profile.admin_token_kept and not keep
    if keep or drop:
        store = await asyncio.to_thread(profile_store, profile, timeout)
        if keep:
            assert token is not None
            await asyncio.to_thread(store.put, admin_entry(name), token)
            audit.record("store", profile=name, detail="Open WebUI admin credential")
            said.append(f"its admin credential is kept in {store.location}")
        else:
            await asyncio.to_thread(store.delete, admin_entry(name))
            audit.record("remove", profile=name, detail="Open WebUI admin credential")
            said.append(
                f"the admin credential kept for {current} was deleted from {store.location}: it "
                f"belongs to that Open WebUI (keep one for {chosen} with --keep-admin-token)"
            )
    if profile.target_kind != TargetKind.ADMIN_API:
        profile.openwebui_url = chosen
    if allow_http:
        profile.allow_http_openwebui = True
    profile.admin_token_kept = keep or (profile.admin_token_kept and not drop)
    refresh_if_exported(profile)
    save_profile(profile)
    return ChannelChange(name, chosen, profile.admin_token_kept, tuple(said))


async def remove_proof_channel(name: str, *, timeout: float = 10.0) -> ChannelChange:
    """Forget the profile's proof channel and delete a kept admin credential."""
    from gtwizard import audit
    from gtwizard.profiles import get_profile, profile_store, save_profile
    from gtwizard.runbook import refresh_if_exported
    from gtwizard.secrets import admin_entry

    profile = get_profile(name)
    if profile.target_kind == TargetKind.ADMIN_API:
        raise InvalidInput(
            f"profile {name!r} applies through the admin API of {profile.target_place}: that "
            "Open WebUI stays its proof channel",
            "nothing to remove; to stop using it, remove the profile (gtwizard profiles remove)",
        )
    said = [
        f"profile {name!r} has no proof channel now: its checks and rotations cannot prove "
        "the key as an Open WebUI user"
    ]
    if profile.admin_token_kept:
        store = await asyncio.to_thread(profile_store, profile, timeout)
        await asyncio.to_thread(store.delete, admin_entry(name))
        audit.record("remove", profile=name, detail="Open WebUI admin credential")
        said.append(f"the kept admin credential was deleted from {store.location}")
    profile.openwebui_url = None
    profile.admin_token_kept = False
    refresh_if_exported(profile)
    save_profile(profile)
    return ChannelChange(name, None, False, tuple(said))
