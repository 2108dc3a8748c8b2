"""Shared by the resilience suites: run the CLI as an operator would and judge its failure output."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path


def gw(
    args: Sequence[str], *, stdin: str = "", env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m gtwizard ARGS` with a strict UTF-8 stdout (as on most desktops), so output that
    only a lenient locale could print fails here too. Undecodable output is escaped, not fatal."""
    full = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_PROXY": "127.0.0.1,localhost"}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "gtwizard", *args],
        input=stdin,
        capture_output=True,
        text=True,
        errors="backslashreplace",
        env=full,
        timeout=180,
    )


def assert_one_line_failure(out: subprocess.CompletedProcess[str], codes: Sequence[int]) -> str:
    """Exit with one of `codes` and exactly one clean `gtwizard: ...` line on stderr; return it."""
    assert out.returncode in codes, (out.returncode, out.stderr)
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("gtwizard: "), out.stderr
    assert "Traceback" not in out.stderr and "unexpected error" not in out.stderr, out.stderr
    assert "\x1b" not in out.stderr, "raw escape sequences must never reach the terminal"
    return lines[0]


def written_files(root: Path) -> list[Path]:
    """Every file under `root` (the config and state dirs must stay empty after a failure)."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def setup_args(host: str, *extra: str) -> list[str]:
    """`gtwizard setup` for Open WebUI with a pasted key; `--host=` so hosts starting with '-' stay
    a value."""
    preset = ["--preset", "open-webui", f"--host={host}", "--aliases", "helpdesk", "--key-stdin"]
    preset.append("--yes")  # no terminal here: a change needs --yes
    return ["setup", *preset, *extra]
