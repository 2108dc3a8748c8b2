"""Load: 50 `gtwizard check` runs at once against one sandbox tenant all complete correctly.

Each run is a real child process of the real CLI (as 50 cron jobs or CI jobs would start it),
not 50 coroutines in one loop: that is what exercises the sandbox's connection handling, the
per-process start-up, and 50 processes recording their result into the same config.toml at once.
On 2 cores the 50 start-ups (mostly imports) dominate; the test takes on the order of a minute.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from support.cli_helpers import mint_setup_args, run_cli

from gtwizard.profiles import get_profile

RUNS = 50
# 50 Python start-ups saturate 2 cores for tens of seconds, and a check's clock runs while its
# process waits for CPU: the default 20 s per check is about a responsive machine, not this one.
CHECK_TIMEOUT = 90
NAMES = "helpdesk,research-assistant"


def _setup(sandbox: Any, tmp_path: Path) -> None:
    out = run_cli(
        mint_setup_args(
            sandbox.base_url,
            NAMES.split(","),
            "--env-file",
            str(tmp_path / "openwebui.env"),
            "--profile",
            "load",
            "--yes",
            "--json",
        ),
        env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token},
    )
    assert out.returncode == 0, out.stderr


async def _check() -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gtwizard",
        "check",
        "--profile",
        "load",
        "--json",
        "--timeout",
        str(CHECK_TIMEOUT),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    stdout, stderr = await process.communicate()
    return process.returncode or 0, stdout.decode(), stderr.decode()


async def _all_at_once() -> list[tuple[int, str, str]]:
    return await asyncio.gather(*(_check() for _ in range(RUNS)))


def _statuses(report: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["checks"]}


def test_fifty_concurrent_checks_all_complete_correctly(
    sandbox: Any, tmp_path: Path, isolated_dirs: Path
) -> None:
    _setup(sandbox, tmp_path)
    # one check alone first: what every concurrent run must agree with
    alone = run_cli(["check", "--profile", "load", "--json"])
    assert alone.returncode == 0, alone.stderr
    expected = _statuses(json.loads(alone.stdout))
    assert "fail" not in expected.values()

    results = asyncio.run(_all_at_once())

    assert len(results) == RUNS
    for code, stdout, stderr in results:
        assert stdout.strip(), stderr
        report = json.loads(stdout)
        failed = [(c["id"], c["detail"]) for c in report["checks"] if c["status"] == "fail"]
        assert code == 0, failed or stderr
        assert report["ok"] is True and report["profile"] == "load"
        assert _statuses(report) == expected
        assert "Traceback" not in stderr
    # 50 processes recorded their result at once: config.toml is still whole and names the
    # profile with a passing last check, and the audit log holds every run as one whole line
    profile = get_profile("load")
    assert profile.last_check is not None and profile.last_check.ok
    audit = Path(os.environ["GTWIZARD_STATE_DIR"]) / "audit.log"
    entries = [json.loads(line) for line in audit.read_text().splitlines()]
    checks = [e for e in entries if e["action"] == "check" and e["profile"] == "load"]
    assert len(checks) == RUNS + 1
    assert all(e["outcome"] == "ok" for e in checks)
