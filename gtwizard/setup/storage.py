"""Decide where the key will live before anything is minted."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gtwizard.errors import InvalidInput
from gtwizard.secrets import (
    KeyringProbe,
    SecretStorageError,
    SecretStore,
    StorageKind,
    open_store,
    probe_keyring,
)


@dataclass(frozen=True)
class StorageDecision:
    """The store to use, and (for the keyring) the probe that proved it usable."""

    store: SecretStore
    probe: KeyringProbe | None = None

    @property
    def kind(self) -> str:
        return str(self.store.kind)

    @property
    def location(self) -> str:
        return self.store.location


def decide_storage(
    kind: str | None,
    *,
    has_target: bool,
    timeout: float = 10.0,
    file_path: Path | None = None,
) -> StorageDecision:
    """Check the chosen storage works; the keyring is probed with a canary write/read/delete.

    `kind=None` means the default (keyring); an unusable keyring never silently becomes a file:
    the caller gets a SecretStorageError whose message explains the two fallbacks.
    """
    chosen = kind or StorageKind.KEYRING
    if chosen == StorageKind.NONE and not has_target:
        raise InvalidInput(
            "--storage none keeps the key nowhere, and no target was given to receive it",
            "add --env-file PATH or --openwebui-url URL, or choose --storage keyring|file",
        )
    if chosen == StorageKind.KEYRING:
        probe = probe_keyring(timeout=timeout)
        if not probe.usable:
            first_line = f"the OS keyring cannot be used: {probe.message}"
            raise SecretStorageError(
                first_line,
                (probe.hint.rstrip(".") + "; or " if probe.hint else "")
                + "rerun with --storage none (target only) or --storage file (a 0600 file); "
                "no key was minted",
                probe.failure,
            )
        return StorageDecision(open_store(chosen, timeout=timeout), probe)
    return StorageDecision(open_store(chosen, timeout=timeout, path=file_path))
