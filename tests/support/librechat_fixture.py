"""LibreChat's own config schema (npm librechat-data-provider) for tests, run with node.

scripts/install-librechat-schema.sh installs it into a cache folder; GTWIZARD_LIBRECHAT_SCHEMA
overrides where. LibreChat's server cannot run here (it needs MongoDB), so its schema is the real
product part a test can run: tests/support/librechat_schema.js loads a file with js-yaml and
`configSchema.strict().safeParse`s it, as LibreChat's loadCustomConfig does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conftest import missing_service

LCDP_VERSION = "0.8.524"
SCRIPT = Path(__file__).with_name("librechat_schema.js")


def schema_dir() -> Path:
    """Where scripts/install-librechat-schema.sh put librechat-data-provider."""
    explicit = os.environ.get("GTWIZARD_LIBRECHAT_SCHEMA")
    if explicit:
        return Path(explicit)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "gtwizard" / f"librechat-data-provider-{LCDP_VERSION}"


def require_schema() -> Path:
    """The install's node_modules, or a skip (a failure under GTWIZARD_REQUIRE_REAL_SERVICES=1)."""
    modules = schema_dir() / "node_modules"
    done = (schema_dir() / ".gtwizard-complete").is_file()
    if not done or not (modules / "librechat-data-provider").is_dir():
        missing_service(
            f"librechat-data-provider {LCDP_VERSION} is not installed in {schema_dir()} "
            "(run scripts/install-librechat-schema.sh)"
        )
    if shutil.which("node") is None:
        missing_service("node is not on PATH (LibreChat's schema runs with it)")
    return modules


def librechat_parse(
    path: Path, endpoint: str, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """LibreChat's verdict on `path`, with `env` as LibreChat's process environment (its .env);
    the secret reaches node through the environment, never argv."""
    modules = require_schema()
    child_env = {"PATH": os.environ.get("PATH", ""), "NODE_PATH": str(modules), **(env or {})}
    out = subprocess.run(
        ["node", str(SCRIPT), str(path), endpoint],
        capture_output=True,
        text=True,
        env=child_env,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout)
    return result
