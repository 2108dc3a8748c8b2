"""The real Continue CLI (`cn`, npm @continuedev/cli) for tests, and a user's run of it.

scripts/install-continue.sh installs it into the cache; GTWIZARD_CONTINUE_CLI (the `cn` binary)
overrides that. The override is read when this module is imported, before the suite's hermetic
environment clears the GTWIZARD_ variables of the caller.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import missing_service

from gtwizard.targets.continue_config import CLI_VERSION, QUIET_ENV

EXPLICIT = os.environ.get("GTWIZARD_CONTINUE_CLI")


def cn_path() -> Path:
    if EXPLICIT:
        return Path(EXPLICIT)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "gtwizard" / f"continue-cli-{CLI_VERSION}" / "node_modules" / ".bin" / "cn"


def require_cn() -> Path:
    """The cn executable, or a skip (a failure under GTWIZARD_REQUIRE_REAL_SERVICES=1)."""
    cn = cn_path()
    if not os.access(cn, os.X_OK):
        missing_service(
            f"the Continue CLI {CLI_VERSION} is not installed at {cn} "
            "(run scripts/install-continue.sh)"
        )
    return cn


def run_as_user(
    cn: Path, workspace: Path, model_entry: str, home: Path
) -> subprocess.CompletedProcess[str]:
    """`cn -p` as a user runs it in `workspace` (whose .continue/ holds config.yaml and .env),
    with `model_entry` selected in a Continue home of its own and nothing else in the env."""
    (home / "index").mkdir(parents=True, exist_ok=True)
    (home / "index" / "globalContext.json").write_text(
        json.dumps({"cliSelectedModel": model_entry}), encoding="utf-8"
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "CONTINUE_GLOBAL_DIR": str(home)}
    env.update(QUIET_ENV)
    return subprocess.run(
        [str(cn), "-p", "say pong", "--config", str(workspace / ".continue" / "config.yaml")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        cwd=workspace,
        timeout=120,
        check=False,
    )
