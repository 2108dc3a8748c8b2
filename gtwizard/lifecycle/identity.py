"""This installation's identity, and how it marks the keys the installation mints.

Several installations may share one tenant (the hosts of one Ansible inventory, each with profile
`openwebui`). A key name alone used to say only "some gtwizard made this", so one host's `keys
--revoke-orphans` took another host's live key for an orphan. Now each installation has an
identity, made once and kept in its state dir (`installation.json`), and every key it mints
carries it at the end of its name:

    gtwizard-<profile>-<product>-<YYYYmmdd-HHMMSS>-<4 hex>.<installation id>

The id is 12 lowercase hex characters, so the name stays within the contract's letters, digits,
`.`, `_`, `-`, and the head `gtwizard-<profile>-` is unchanged (scripts that filter by it keep
working). The tail is anchored at the end, so a name is unambiguous whatever the profile name
holds: a name minted before identities ends in `-<4 hex>` (or has no such tail at all) and is
*legacy*; it is ours only when this installation's ledger or journal names it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from gtwizard.errors import OperationFailed
from gtwizard.paths import ensure_private_dir, state_dir

KEY_NAME_HEAD = "gtwizard-"
IDENTITY_FILE = "installation.json"
ID_FORM = re.compile(r"^[0-9a-f]{12}$")
_STAMPED = re.compile(r"^(?P<label>.+)-\d{8}-\d{6}-[0-9a-f]{4}\.(?P<id>[0-9a-f]{12})$")


def identity_path() -> Path:
    return state_dir() / IDENTITY_FILE


def _read(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise _unreadable(path, type(exc).__name__) from None
    found = data.get("id") if isinstance(data, dict) else None
    if not isinstance(found, str) or not ID_FORM.match(found):
        raise _unreadable(path, "no valid id in it")
    return found


def _unreadable(path: Path, why: str) -> OperationFailed:
    return OperationFailed(
        f"this installation's identity {path} is unreadable ({why})",
        "restore it from a backup of the state dir; moving it away makes a new identity, and "
        "then the keys minted under the old one show as another installation's in gtwizard keys",
    )


def known_installation_id() -> str | None:
    """This installation's id, or None when it has none yet (nothing was minted under one)."""
    return _read(identity_path())


def installation_id() -> str:
    """This installation's id: read from the state dir, made there on first use.

    Two processes making it at once both end with the same id: the file is created atomically
    and only if absent, so the first writer wins and the other reads what it wrote."""
    path = identity_path()
    found = _read(path)
    if found is not None:
        return found
    ensure_private_dir(path.parent)
    from gtwizard.fileio import create_once

    record = {
        "id": secrets.token_hex(6),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "note": "this installation's identity: the keys it mints carry it (do not copy it)",
    }
    create_once(path, (json.dumps(record, indent=2) + "\n").encode("utf-8"), mode=0o600)
    made = _read(path)  # ours, or the one a concurrent process created first
    if made is None:
        raise _unreadable(path, "it vanished as it was made")
    return made


@dataclass(frozen=True)
class KeyName:
    """What a gtwizard key name says: its label (`<profile>-<product>`) and installation id."""

    name: str
    installation: str | None  # None: a legacy name, minted before installations had identities

    @property
    def legacy(self) -> bool:
        return self.installation is None


def parse_key_name(name: str) -> KeyName | None:
    """The parts of a gtwizard key name; None for a name gtwizard did not give."""
    if not name.startswith(KEY_NAME_HEAD):
        return None
    stamped = _STAMPED.match(name.removeprefix(KEY_NAME_HEAD))
    return KeyName(name, stamped.group("id") if stamped else None)


def stamp_name(base: str, identity: str) -> str:
    """`base` (the legacy form, `...-<4 hex>`) marked with the installation's id."""
    return f"{base}.{identity}"


def lost_mint_matches(listed_name: str, intended: str | None) -> bool:
    """Is a listed key the one whose mint answer was lost? Its name must be the journal's intended
    name exactly, and that name must carry this installation's identity (or be legacy: minted
    before identities, when the exact unique name was all there was)."""
    if not intended or listed_name != intended:
        return False
    parsed = parse_key_name(intended)
    return parsed is None or parsed.legacy or parsed.installation == known_installation_id()
