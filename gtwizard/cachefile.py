"""Derived data kept in the cache dir between runs: marshal data behind a magic line and a CRC-32.

For what is slow to derive and quick to check again, such as the validated profiles of a large
config.toml. marshal reads back several times faster than JSON, but it is not meant for damaged
input: so the data is stored behind a line naming its kind and the CRC-32 of the data, and
`read_kept` answers None for anything but an intact file of that kind (missing, truncated,
damaged, another kind). Whether intact data still applies is the caller's question: it keeps its
sources beside the data and compares them, and `stamp` says what derived it. Written atomically,
mode 0600, in the private cache dir (never the state dir: a refused run writes nothing there); a
failure to write only costs the next run the slow way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

_CRC_SIZE = 4


def _crc(data: bytes | memoryview) -> bytes:
    import zlib

    return zlib.crc32(data).to_bytes(_CRC_SIZE, "big")


def stamp(module_file: str, *rules: Any) -> str:
    """What derived the data: this gtwizard's version, the deriving module's source (its size and
    modification time) and the rules it applied. Data with another stamp is derived afresh."""
    from gtwizard import __version__

    try:
        source = os.stat(module_file)
        here = f"{source.st_size}:{source.st_mtime_ns}"
    except OSError:
        here = "?"
    return repr((__version__, here, rules))


def read_kept(path: Path, magic: bytes) -> Any | None:
    """The value kept at `path` under `magic`, or None when there is no intact one."""
    import marshal

    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(magic)
    payload = memoryview(data)[head + _CRC_SIZE :]  # not a copy
    if data[:head] != magic or data[head : head + _CRC_SIZE] != _crc(payload):
        return None
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None


def keep(path: Path, magic: bytes, value: Any) -> None:
    """Keep `value` (plain values only: what marshal takes) at `path` under `magic`; best effort."""
    import marshal

    from gtwizard.fileio import atomic_write
    from gtwizard.paths import ensure_private_dir

    try:
        payload = marshal.dumps(value)
        ensure_private_dir(path.parent)
        atomic_write(path, magic + _crc(payload) + payload, mode=0o600, backup=False)
    except (OSError, ValueError):
        pass
