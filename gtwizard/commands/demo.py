"""`gtwizard demo`: the whole wizard against the embedded sandbox tenant, nothing real touched.

The sandbox runs in a background thread on loopback; its operator token is handed to the wizard
in memory (automatic minting), and everything the demo writes goes under a demo folder in the
state dir: for the demo run GTWIZARD_CONFIG_DIR, GTWIZARD_STATE_DIR and GTWIZARD_CACHE_DIR point
inside it (profile, journal, ledger, audit log, caches), the key goes to its demo-local file
(never the operator's keyring), and the env file beside it; every other target's place (Continue's
config, LiteLLM's, LibreChat's, the Kubernetes manifests) starts inside it too (each setting's
`demo` value in gtwizard.targets.registry). The sandbox's keys die with it, so when the demo ends
the folder is removed: no profile of a stopped tenant stays behind to fail `gtwizard check`. What
the operator pointed a target at outside the folder is left there, and the last line names it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from gtwizard.commands import COMMANDS
from gtwizard.kinds import TargetKind


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help=COMMANDS["demo"],
        description="Start the sandbox GT tenant on loopback and open the wizard with its host "
        "filled in. Every target's place starts inside the demo folder; a file you point a "
        "target at outside it is named when the demo ends.",
    )
    p.add_argument("--tls", action="store_true", help="serve the sandbox over HTTPS (own CA)")
    p.add_argument(
        "--openwebui-url", metavar="URL", help="use a running Open WebUI instead of an env file"
    )
    p.set_defaults(func=run)


DIR_VARS = ("GTWIZARD_CONFIG_DIR", "GTWIZARD_STATE_DIR", "GTWIZARD_CACHE_DIR")


def demo_dir() -> Path:
    """Where the demo keeps its env file and other outputs."""
    from gtwizard.paths import state_dir

    return state_dir() / "demo"


def demo_state(sandbox, folder):
    """The answers the demo starts with: sandbox host and token, demo-local files."""
    from gtwizard.wizard import WizardState

    return WizardState(
        host_text=sandbox.base_url.removesuffix("/api/tenant"),
        demo=True,
        profile_name="demo",
        operator_token=sandbox.operator_token,
        ca_bundle=sandbox.ca_file,
        secrets_file=folder / "demo-secrets.json",
        env_path=str(folder / "openwebui.env"),
        target_settings=demo_places(folder),
    )


def demo_places(folder: Path) -> dict[str, dict[str, str]]:
    """Every target's place inside the demo folder (the Target step's fields start with these),
    the folders they go in made: a target's real default (~/.continue/config.yaml) is never
    the demo's."""
    from gtwizard.paths import ensure_private_dir
    from gtwizard.targets.registry import settings_kinds

    places: dict[str, dict[str, str]] = {}
    for spec in settings_kinds():
        for setting in spec.settings:
            if setting.demo:
                path = folder / setting.demo
                ensure_private_dir(path.parent)
                places.setdefault(str(spec.kind), {})[setting.key] = str(path)
    return places


@contextlib.contextmanager
def demo_dirs(folder: Path) -> Iterator[None]:
    """Config, state and cache inside the demo folder for the demo run; the caller's restored
    after."""
    saved = {name: os.environ.get(name) for name in DIR_VARS}
    os.environ["GTWIZARD_CONFIG_DIR"] = str(folder / "config")
    os.environ["GTWIZARD_STATE_DIR"] = str(folder / "state")
    os.environ["GTWIZARD_CACHE_DIR"] = str(folder / "cache")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run(args: argparse.Namespace) -> int:
    import shutil

    from gtwizard.commands.tui import run_app
    from gtwizard.credentials import OPENWEBUI, env_token
    from gtwizard.fileio import recording_writes
    from gtwizard.paths import ensure_private_dir
    from gtwizard.sandbox import start_in_thread

    folder = demo_dir()
    shutil.rmtree(folder, ignore_errors=True)  # a demo that was killed left its folder
    ensure_private_dir(folder)
    sandbox = start_in_thread(tls=bool(args.tls))
    code = 1
    written: list[Path] = []
    try:
        with demo_dirs(folder), recording_writes() as written:
            state = demo_state(sandbox, folder)
            if args.openwebui_url:
                state.target_kind = TargetKind.ADMIN_API
                state.openwebui_url = args.openwebui_url
                state.openwebui_token = env_token(OPENWEBUI)
            code = run_app(state)
    finally:
        sandbox.stop()
        logs = clear_demo(folder)
        left = outside(folder, written)
        print(ended(folder, logs, args.openwebui_url, left), flush=True)
    return code


def outside(folder: Path, written: list[Path]) -> list[Path]:
    """The files the demo wrote outside its folder that are there now, each once, in order
    (the demo removes only what is inside its folder)."""
    inside = folder.resolve()
    found: list[Path] = []
    for path in written:
        real = path.resolve()
        if not real.is_relative_to(inside) and real.is_file() and real not in found:
            found.append(real)
    return found


def clear_demo(folder: Path) -> Path | None:
    """Remove all the demo wrote but its log (a crash line names it); return the log's folder."""
    import shutil

    logs = folder / "state" / "logs"
    for path in [*folder.glob("*"), *folder.glob("state/*")]:
        if path == logs or path == logs.parent:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    if not logs.is_dir():  # no log was written: the emptied state folder goes too
        with contextlib.suppress(OSError):
            logs.parent.rmdir()
    return logs if logs.is_dir() else None


def ended(
    folder: Path, logs: Path | None, openwebui_url: str | None, left: Sequence[Path] = ()
) -> str:
    """The line the demo ends with: what is gone, and what stays outside gtwizard (`left`: the
    files it wrote outside its folder, named one by one)."""
    if left:
        undo = "remove them"
        if any(path.name.endswith(".bak") for path in left):
            undo += ", or put a file back from the .bak beside it"
        line = (
            "Demo over: the sandbox's keys die with it, so the demo's profile, key and files in "
            f"{folder} are gone too; outside it the demo wrote {', '.join(map(str, left))}, which "
            f"stay as it left them (they name the stopped sandbox: {undo}); your keyring was not "
            "used."
        )
    else:
        line = (
            "Demo over: the sandbox's keys die with it, so the demo's profile, key and files (in "
            f"{folder}) are gone too; nothing else was written and your keyring was not used."
        )
    if logs is not None:
        line += f" Its log stays in {logs}."
    if openwebui_url:
        line += (
            f" Open WebUI at {openwebui_url} keeps a connection to the stopped sandbox: remove "
            "it in Admin Panel > Settings > Connections."
        )
    return line
