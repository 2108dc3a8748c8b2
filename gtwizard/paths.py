"""Where gtwizard keeps its files.

platformdirs gives the per-OS defaults; `GTWIZARD_CONFIG_DIR`, `GTWIZARD_STATE_DIR` and
`GTWIZARD_CACHE_DIR` override them (tests and automation use these so nothing touches the real home
directory).
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "gtwizard"
CONFIG_NAME = "config.toml"


def config_dir() -> Path:
    """Directory for config.toml and user presets (no secrets live here)."""
    override = os.environ.get("GTWIZARD_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME))


def config_file() -> Path:
    """config.toml: the profiles (no secrets)."""
    return config_dir() / CONFIG_NAME


def state_dir() -> Path:
    """Directory for logs, the audit log, journals and (only with consent) the secrets file."""
    override = os.environ.get("GTWIZARD_STATE_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME))


def cache_dir() -> Path:
    """Directory for derived data that is only kept to save time (the parsed preset catalog, the
    validated profiles of a large config.toml): deleting it loses nothing. Apart from the state
    dir, so a refused run still writes nothing there."""
    override = os.environ.get("GTWIZARD_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME))


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) with mode 0700 for the leaf; tighten it if it already exists.

    A link on the way (a state dir linked elsewhere) is followed, never replaced, and refused when
    another user controls it (see `fileio.real_path`).
    """
    from gtwizard.fileio import real_path

    real_path(path)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if (path.stat().st_mode & 0o777) != 0o700:
        path.chmod(0o700)
    return path
