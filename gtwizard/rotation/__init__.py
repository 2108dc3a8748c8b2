"""Key rotation with no downtime, as a journaled state machine.

Steps, in order: preflight -> mint -> store-pending -> apply -> verify -> revoke-old -> promote.
The rules behind the order (DESIGN §6b): the old key is revoked only after the new one has been
proven where the client uses it (through Open WebUI, as an ordinary user); where that cannot be
proven (an env-file target with no Open WebUI URL), the rotation stops in the visible state
`waiting` with both keys live, and `gtwizard rotate --finish` proves and revokes later (or, with
`--revoke-without-proof`, revokes on the operator's word). The target never keeps a revoked key:
an undo first puts the old key back into the target, then revokes the new one.

The journal and the key ledger (gtwizard.lifecycle) are written after every step, before the
mint request and before every revocation (gtwizard.lifecycle.revoke); neither ever holds a secret.
`--resume` re-reads the secrets (old key from the store or the target, the pending key from the
store) and reads which key the target holds by its id or prefix, never by assuming; every step is
safe to run twice. `--abort` undoes, unless the old key's revocation was begun and the tenant does
not say it is still live: then only the way forward is left. A per-profile lock keeps a second run
out. With storage "none" the new key exists only in memory until it is applied.
"""

from __future__ import annotations

from gtwizard.lifecycle.journal import (
    CRASH_HOOK_ENV,
    DONE,
    ROLLED_BACK,
    RUNNING,
    WAITING,
    Journal,
    journal_path,
)
from gtwizard.rotation.model import (
    CANNOT_TELL,
    STEPS,
    ClientOnNewKey,
    RotationOptions,
    StepReport,
    Undo,
    revoke_by_hand_note,
    suggested_key_name,
)
from gtwizard.rotation.run import Rotation
from gtwizard.targets.base import ProofUnavailable

__all__ = [
    "CANNOT_TELL",
    "CRASH_HOOK_ENV",
    "DONE",
    "ROLLED_BACK",
    "RUNNING",
    "STEPS",
    "WAITING",
    "ClientOnNewKey",
    "Journal",
    "ProofUnavailable",
    "Rotation",
    "RotationOptions",
    "StepReport",
    "Undo",
    "journal_path",
    "revoke_by_hand_note",
    "suggested_key_name",
]
