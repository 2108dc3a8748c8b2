"""The commands that prove a profile through its Open WebUI (its proof channel), as advice prints
them: with `--openwebui-url URL` when no channel is known, and with the credential's variable in
front when none is kept. A leaf beside gtwizard/proofchannel.py (which changes the channel), so
the checks and the runbook can word a command without importing what changes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gtwizard.credentials import OPENWEBUI_TOKEN_ENV, openwebui_place, openwebui_url_of
from gtwizard.errors import InvalidInput

if TYPE_CHECKING:
    from gtwizard.profiles import Profile

URL_FLAG = "--openwebui-url URL"  # how `check` and `rotate --finish` are given a channel


def proof_command(command: str, *, url_known: bool, kept: bool) -> str:
    """`command` as it proves through Open WebUI: with `--openwebui-url URL` when no URL is known,
    and with the credential's variable in front when none is kept."""
    line = command if url_known else f"{command} {URL_FLAG}"
    return line if kept else f"{OPENWEBUI_TOKEN_ENV}=... {line}"


def check_line(profile: str, *, url_known: bool, kept: bool = False) -> str:
    """The `gtwizard check` that proves this profile through Open WebUI."""
    return proof_command(f"gtwizard check --profile {profile}", url_known=url_known, kept=kept)


def profile_proof_command(profile: Profile, command: str) -> str:
    """`proof_command` for a saved profile (its channel and whether it keeps a credential)."""
    return proof_command(
        command, url_known=bool(openwebui_url_of(profile)), kept=profile.admin_token_kept
    )


def same_place(a: str, b: str) -> bool:
    """Two Open WebUI URLs name the same place (as the credential rule compares them)."""
    try:
        return openwebui_place(a) == openwebui_place(b)
    except InvalidInput:
        return False
