#!/usr/bin/env python3
"""Run ansible-test on the collection in ansible/, the way a collection's own CI runs it.

    uv run scripts/ansible-test-collection.py sanity [more ansible-test arguments]
    uv run scripts/ansible-test-collection.py units

ansible-test needs the collection at .../ansible_collections/<namespace>/<name>/: a copy is made
in a temporary directory (removed afterwards; nothing is written into ansible/). It runs with
`--venv --python X.Y` (the Python of this project's environment): ansible-test makes its own
virtual environments with the pinned linters (cached in ~/.ansible/test/venv, as always).

Those environments are bootstrapped by a pip script that ansible-test downloads from its own host
unless ~/.ansible/test/cache/get_pip_<version>.py exists. When it does not, this script puts
scripts/get-pip-standin.py there (never over a real one): it installs the same pip version from
the package index pip is configured for. See ansible/README.md.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COLLECTION = REPO / "ansible"
STANDIN = REPO / "scripts" / "get-pip-standin.py"
MARK = b"# gtwizard: a stand-in for ansible-test's pip bootstrap script"


def ansible_test() -> Path:
    found = Path(sys.executable).parent / "ansible-test"
    if not found.exists():
        sys.exit("ansible-test is not installed (ansible-core, a dev dependency: uv sync)")
    return found


def pip_version() -> str:
    """The pip version ansible-test bootstraps its venvs with (pinned in ansible-test itself)."""
    import ansible_test

    source = Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
    found = re.search(r"pip='([0-9.]+)'", source.read_text())
    if not found:
        sys.exit(f"cannot tell which pip ansible-test bootstraps (no pip='X.Y' in {source})")
    return found.group(1)


def place_standin() -> Path:
    version = pip_version().replace(".", "_")
    cached = Path.home() / ".ansible" / "test" / "cache" / f"get_pip_{version}.py"
    if cached.exists() and not cached.read_bytes().startswith(MARK):
        return cached  # ansible-test's own download: used as it is
    if not cached.exists() or cached.read_bytes() != STANDIN.read_bytes():
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(STANDIN, cached)
    return cached


def collection_name() -> tuple[str, str]:
    import yaml

    galaxy = yaml.safe_load((COLLECTION / "galaxy.yml").read_text())
    return galaxy["namespace"], galaxy["name"]


def _left_out(directory: str, names: list[str]) -> set[str]:
    """What is not copied: caches, and ansible-test's own output (tests/output)."""
    skip = {n for n in names if n == "__pycache__" or n.endswith((".pyc", ".retry"))}
    if Path(directory) == COLLECTION / "tests" and "output" in names:
        skip.add("output")
    return skip


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print(
            "usage: uv run scripts/ansible-test-collection.py sanity|units [ansible-test args]",
            file=sys.stderr,
        )
        return 2
    command, extra = argv[0], argv[1:]
    namespace, name = collection_name()
    bootstrap = place_standin()
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    with tempfile.TemporaryDirectory(prefix="gtwizard-ansible-test-") as tmp:
        root = Path(tmp) / "ansible_collections" / namespace / name
        shutil.copytree(
            COLLECTION,
            root,
            ignore=_left_out,
        )
        print(f"ansible-test {command} in {root} (pip bootstrap: {bootstrap})", flush=True)
        run = [str(ansible_test()), command, "--venv", "--python", python, "--color", "no"]
        return subprocess.run([*run, *extra], cwd=root, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
