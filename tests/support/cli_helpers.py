"""Run the real `gtwizard` CLI in a child process, as automation would."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path


def run_cli(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    drop: Sequence[str] = (),
    stdin: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """`python -m gtwizard ARGS` with the test's environment plus `env`, minus `drop`."""
    full = dict(os.environ)
    full.update(env or {})
    for name in drop:
        full.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "gtwizard", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=full,
        timeout=timeout,
    )


def files_containing(root: Path, needle: str) -> list[Path]:
    """Every file under `root` whose bytes contain `needle` (the secret canary)."""
    hits = []
    data = needle.encode()
    for path in root.rglob("*"):
        if path.is_file() and data in path.read_bytes():
            hits.append(path)
    return hits


def setup_args(
    host: str, names: Sequence[str] | str, how: str, *extra: str, storage: str | None = "file"
) -> list[str]:
    """`gtwizard setup` for Open WebUI with the given names; `how` is --mint or --key-stdin.

    `storage=None` leaves the choice to gtwizard (the keyring, probed)."""
    aliases = names if isinstance(names, str) else ",".join(names)
    chosen = ["--storage", storage] if storage else []
    return [
        "setup",
        "--preset",
        "open-webui",
        "--host",
        host,
        "--aliases",
        aliases,
        how,
        "--yes",  # no terminal here: a change needs --yes
        *chosen,
        *extra,
    ]


def mint_setup_args(
    host: str, names: Sequence[str] | str, *extra: str, storage: str | None = "file"
) -> list[str]:
    """`gtwizard setup` that mints (GTWIZARD_OPERATOR_TOKEN) the given names."""
    return setup_args(host, names, "--mint", *extra, storage=storage)


def pasted_setup_args(host: str, names: Sequence[str] | str, env_file: Path) -> list[str]:
    """`gtwizard setup` with a key on stdin, kept nowhere but the env file."""
    return setup_args(host, names, "--key-stdin", "--env-file", str(env_file), storage="none")


def on_terminal(args: list[str], answer: bytes, env: dict[str, str]):
    """`gtwizard ARGS` with stdin a terminal that answers `answer`."""
    master, slave = pty.openpty()
    try:
        os.write(master, answer)
        return subprocess.run(
            [sys.executable, "-m", "gtwizard", *args],
            stdin=slave,
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=120,
        )
    finally:
        os.close(slave)
        os.close(master)
