"""The Ansible collection passes `ansible-test sanity` and its own `ansible-test units`.

Both run as a collection's CI runs them, through scripts/ansible-test-collection.py (the collection
copied under ansible_collections/gtwizard/gtwizard/ in a temporary directory, `--venv --python` of
this environment; see ansible/README.md). ansible-test installs its pinned linters from the
package index into its own cached venvs the first time (about a minute), so this is slow.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import missing_service

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "ansible-test-collection.py"
# never skipped, and each must have run (the others have nothing to check here or check files
# the collection does not have, e.g. pslint and shellcheck; they run all the same)
MUST_RUN = ("compile", "import", "pylint", "validate-modules", "ansible-doc", "ignores", "pep8")
UNREACHABLE = ("Download failed", "NewConnectionError", "No matching distribution found")

pytestmark = pytest.mark.slow


def ansible_test(*args: str) -> subprocess.CompletedProcess[str]:
    if not (Path(sys.executable).parent / "ansible-test").exists():
        missing_service("ansible-test is not installed (ansible-core, a dev dependency: uv sync)")
    out = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    text = out.stdout + out.stderr
    if out.returncode != 0 and any(sign in text for sign in UNREACHABLE):
        missing_service(f"the package index is unreachable for ansible-test's venvs: {text[-800:]}")
    return out


def test_sanity_reports_no_error() -> None:
    listed = ansible_test("sanity", "--list-tests")
    assert listed.returncode == 0, listed.stderr
    tests = [line for line in listed.stdout.splitlines() if re.fullmatch(r"[a-z0-9-]+", line)]
    assert set(MUST_RUN) <= set(tests), tests

    out = ansible_test("sanity")
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-6000:]
    ran = set(re.findall(r'^Running sanity test "([a-z0-9-]+)"', text, re.M))
    assert ran == set(tests), set(tests) - ran  # every test ran, none was skipped
    assert not re.search(r"^ERROR: ", text, re.M), text[-6000:]
    assert "Skipping sanity test" not in text


def test_units_pass() -> None:
    out = ansible_test("units")
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-6000:]
    summary = re.search(r"=+ (\d+) passed(?:, (\d+) \w+)*", text)
    assert summary and int(summary.group(1)) >= 30, text[-3000:]
    assert not re.search(r"\d+ (failed|error|skipped)", summary.group(0)), summary.group(0)
