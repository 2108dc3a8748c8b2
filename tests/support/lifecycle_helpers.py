"""The key-lifecycle invariants (DESIGN §6b), checked against the tenant's own key list.

After any ending of a setup or rotation, and after resolving it the way gtwizard tells the
operator to: no live key that nothing refers to; every client target holds a live key; no full
secret in any output or state file; and what the run said it revoked is revoked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gtwizard.lifecycle.journal import all_open_journals, open_journal
from gtwizard.profiles import load_profiles
from support.cli_helpers import on_terminal, run_cli
from support.owui_fixture import docker_env_file
from support.rotation_helpers import key_status, tenant_keys

FULL_KEY = re.compile(r"gtak_[A-Za-z0-9_\-]{20,}")
REVOKED_CLAIM = re.compile(r"revoked (?:the new key |the key |new key )(key_[0-9a-f]+)")


def env_key(path: Path) -> str | None:
    if not path.exists():
        return None
    values = docker_env_file(path)
    return values.get("OPENAI_API_KEY") or values.get("OPENAI_API_KEYS") or None


def referenced() -> tuple[set[str], set[str]]:
    """Key ids and key names that a profile or a setup/rotation in progress refers to."""
    ids = {p.key_id for p in load_profiles().values() if p.key_id}
    names: set[str] = set()
    for journal in all_open_journals():
        ids |= {k for k in (journal.old_key_id, journal.new_key_id) if k}
        if journal.new_key_name:
            names.add(journal.new_key_name)
    return ids, names


def assert_no_orphan(
    sandbox: Any, prefix: str, where: str, earlier: frozenset[str] = frozenset()
) -> None:
    """`earlier`: ids of keys made before this test (other tests share the tenant)."""
    ids, names = referenced()
    for key in tenant_keys(sandbox):
        if key.revoked or not key.name.startswith(prefix) or key.id in earlier:
            continue
        assert key.id in ids or key.name in names, f"{where}: orphan {key.id} ({key.name})"


def assert_targets_live(sandbox: Any, env_files: Iterable[Path], where: str) -> None:
    for path in env_files:
        secret = env_key(path)
        if secret is not None:
            assert key_status(sandbox, secret) == 200, f"{where}: {path.name} holds a revoked key"


def assert_no_secret(texts: Sequence[str], state_dir: Path, where: str) -> None:
    for text in texts:
        assert not FULL_KEY.search(text), f"{where}: a full key in the output"
    for path in state_dir.rglob("*"):
        if path.is_file() and path.name != "secrets.json" and not path.name.endswith(".tmp"):
            data = path.read_text(errors="replace")
            assert not FULL_KEY.search(data), f"{where}: a full key in {path.name}"


def assert_truthful(sandbox: Any, text: str, where: str) -> None:
    """A key the run says it revoked is revoked on the tenant."""
    revoked = {k.id for k in tenant_keys(sandbox) if k.revoked}
    for key_id in REVOKED_CLAIM.findall(text):
        assert key_id in revoked, f"{where}: said it revoked {key_id}, the tenant disagrees"


def assert_invariants(
    sandbox: Any,
    *,
    prefix: str,
    env_files: Iterable[Path],
    texts: Sequence[str],
    state_dir: Path,
    where: str,
) -> None:
    assert_no_orphan(sandbox, prefix, where)
    assert_targets_live(sandbox, list(env_files), where)
    assert_no_secret(texts, state_dir, where)
    for text in texts:
        assert_truthful(sandbox, text, where)


def resolve(
    profile: str,
    env: Mapping[str, str],
    *,
    prefer_abort: bool,
    finish: Sequence[str] = ("--finish", "--revoke-without-proof"),
) -> list[str]:
    """Run what gtwizard says resolves the profile's open work until none is left.

    `status --json` names the commands; the operator runs the first (or the abort, when asked),
    falling back to the other when gtwizard refuses it (for example an abort of a fresh setup
    whose key is already in the target). A rotation left waiting is finished on the operator's
    word, as there is no Open WebUI to prove it here. Returns every output seen.
    """
    outputs: list[str] = []
    for _ in range(4):
        journal = open_journal(profile)
        if journal is None:
            return outputs
        commands = journal.next_commands()
        if prefer_abort:
            commands = sorted(commands, key=lambda c: "--abort" not in c)
        for command in commands:
            words = command.split()
            while "=" in words[0]:  # `GTWIZARD_OPERATOR_TOKEN=… gtwizard …`: `env` holds it
                words.pop(0)
            words = words[1:]
            if "--finish" in words:
                words = [w for w in words if w != "--finish"] + list(finish)
            # an abort runs on a terminal: asked whether Open WebUI was restarted (none here)
            aborts = "--abort" in words
            out = on_terminal(words, b"n\n", dict(env)) if aborts else run_cli(words, env=env)
            outputs += [out.stdout, out.stderr]
            if out.returncode == 0 or open_journal(profile) is None:
                break  # done, or refused after settling it (a resume that had to roll back)
        else:
            raise AssertionError(f"{profile}: no command resolved it: {outputs[-1]}")
    raise AssertionError(f"{profile}: still open after four resolutions")
