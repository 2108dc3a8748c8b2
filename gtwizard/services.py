"""The core calls the TUI makes for live work: the tenant probe, the keyring canary, a token's form.

Screens render state, collect input and call core services; they never talk HTTP or the keyring
themselves. tests/unit/test_architecture.py holds them to it: the TUI (app.py, screens/,
widgets/) imports neither gtwizard.gt, gtwizard.secrets, gtwizard.openwebui, httpx nor keyring.
Each function loads its client when called, so importing a screen stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from gtwizard.gt.probe import ProbeReport
    from gtwizard.secrets import KeyringProbe, StorageChoice


async def probe_tenant(text: str, *, ca_bundle: str | Path | None = None) -> ProbeReport:
    """Parse the host as typed (HostError when invalid) and probe DNS, TCP, TLS and the GT API."""
    from gtwizard.gt.probe import probe_host

    return await probe_host(text, ca_bundle=ca_bundle)


def probe_keyring() -> KeyringProbe:
    """Prove the OS keyring with a canary entry. Blocking (up to its timeout): call it from a
    thread worker, never on the event loop."""
    from gtwizard.secrets import probe_keyring as probe

    return probe()


def fallback_choices(file_path: Path | None = None) -> list[StorageChoice]:
    """The two fallbacks when the keyring is unusable: target only, or a 0600 file."""
    from gtwizard.secrets import fallback_choices as choices

    return choices(file_path)


def file_consent_given(typed: str) -> bool:
    """Whether the operator typed the exact consent word for a plain-text secrets file."""
    from gtwizard.secrets import file_consent_given as given

    return given(typed)


def typed_token_refusal(token: str | None, given: str | None) -> str | None:
    """Why an operator token typed in the TUI cannot be used, in one line that never repeats it
    (None: it can, or it was not typed: `given`, the environment's or the one kept with the
    profile, is the tenant's to judge). A stray keystroke is never sent, nor redacted as a secret."""
    from gtwizard.errors import InvalidInput
    from gtwizard.gt.keys import check_operator_token

    if token is None or token == given:
        return None
    try:
        check_operator_token(token, typed=True)
    except InvalidInput as exc:
        return exc.one_line()
    return None
