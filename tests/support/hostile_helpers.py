"""What a hostile tenant must never get onto a terminal, into a file or into a log, and how to look.

The list of forbidden characters is written out here on its own (not taken from gtwizard.safetext),
so a test fails if gtwizard's idea of "dangerous" shrinks: every C0 control but line feed and
tab, DEL, every C1 control, and the bidi embeddings, overrides, isolates and marks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

BIDI = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}
BIDI |= {0x200E, 0x200F, 0x061C}
FORBIDDEN = (
    {c for c in range(0x20) if c not in (0x0A, 0x09)} | {0x7F} | set(range(0x80, 0xA0)) | BIDI
)
# What the sandbox's `text` mode shows once escaped: proof the tenant's text was shown, not lost.
ESCAPED_OSC52 = "\\x1b]52;c;"


def forbidden_in(data: bytes | str) -> list[str]:
    """Every forbidden character in `data`, as its code point; bytes must be valid UTF-8 (a stray
    C1 byte is not, and fails here as loudly as a forbidden character)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return sorted({f"U+{ord(c):04X}" for c in text if ord(c) in FORBIDDEN})


def assert_terminal_safe(*outputs: bytes | str) -> None:
    for data in outputs:
        found = forbidden_in(data)
        assert not found, f"forbidden characters {found} in: {data[-600:]!r}"


def run_cli_bytes(
    args: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[bytes]:
    """`python -m gtwizard ARGS` with the test's environment plus `env`; stdout/stderr as bytes,
    exactly as a terminal would receive them."""
    return subprocess.run(
        [sys.executable, "-m", "gtwizard", *args],
        input=b"",
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def unsafe_files(*roots: Path) -> dict[str, list[str]]:
    """Files under `roots` (config, state: profiles, ledger, journal, audit log, log, runbook)
    that hold a forbidden character, with what they hold. Binary files are not expected there."""
    found: dict[str, list[str]] = {}
    for root in roots:
        for path in root.rglob("*") if root.exists() else ():
            if path.is_file():
                bad = forbidden_in(path.read_bytes())
                if bad:
                    found[str(path)] = bad
    return found
