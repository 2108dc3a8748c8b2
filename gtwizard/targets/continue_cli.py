"""The Continue CLI (`cn`, npm @continuedev/cli) as gtwizard runs it to prove a key.

`cn -p PROMPT --config FILE` answers one prompt with the config's chat model and exits. gtwizard
runs it as an operator would from the workspace that holds the config's `.continue` folder, so
cn finds the key where Continue looks for it (`.continue/.env`), never on argv. What differs
from an operator's run, and why:

- `CONTINUE_GLOBAL_DIR` is a private temporary folder (mode 0700, removed afterwards): cn keeps
  its sessions, logs and the selected model there, so the proof picks each of gtwizard's
  entries in turn (`cliSelectedModel`) without touching the operator's own state. Its verbose
  log says which entry cn used: a proof through another model of the operator's is refused.
  (That log holds the key cn used; it never leaves the private folder.)
- cn neither updates itself (`CONTINUE_CLI_AUTO_UPDATED`, `autoUpdateCli: false`) nor exports
  metrics. At each start cn 1.5 asks api.continue.dev for its latest version; it needs no
  answer (offline runs pass).
- Only a short list of the environment is passed on (no GTWIZARD_* credentials), without the
  profile's own variable, so the key comes from the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gtwizard.errors import OperationFailed

CLI_ENV = "GTWIZARD_CONTINUE_CLI"  # the cn executable, when it is not on PATH
PROMPT = "gtwizard check: reply with one short sentence."
PASS_THROUGH = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "SSL_CERT_FILE",
    "NODE_EXTRA_CA_CERTS",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
    "https_proxy",
    "http_proxy",
    "no_proxy",
)
QUIET = {
    "CONTINUE_CLI_AUTO_UPDATED": "1",  # cn 1.5 skips its self-update when this is set
    "CONTINUE_CLI_ENABLE_TELEMETRY": "0",
    "CONTINUE_METRICS_ENABLED": "0",
    "NO_COLOR": "1",
    "FORCE_NO_TTY": "1",
}
PERSISTED = "Using persisted model during initialization"
KILL_WAIT = 5.0


def find_cli(setting: str | None) -> str | None:
    """The cn to run: the profile's setting, else GTWIZARD_CONTINUE_CLI, else `cn` on PATH."""
    for candidate in (setting, os.environ.get(CLI_ENV)):
        if candidate:
            path = Path(candidate).expanduser()
            return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    return shutil.which("cn")


@dataclass(frozen=True)
class Answer:
    """One cn run: its exit status, its answer (stdout) and its complaint (stderr)."""

    returncode: int
    out: str
    err: str
    used: bool  # cn's log says it used the selected entry


async def ask(
    cli: str,
    config: Path,
    entry_name: str,
    *,
    drop: str,
    ca_bundle: str | None,
    timeout: float,
) -> Answer:
    """Run `cn -p` with `config`, `entry_name` selected, from the workspace of `config`."""
    with tempfile.TemporaryDirectory(prefix="gtwizard-cn-") as home:
        index = Path(home) / "index"
        index.mkdir()
        context = {"cliSelectedModel": entry_name, "autoUpdateCli": False}
        (index / "globalContext.json").write_text(json.dumps(context), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k in PASS_THROUGH and k != drop}
        env |= QUIET | {"CONTINUE_GLOBAL_DIR": home}
        if ca_bundle:
            env["NODE_EXTRA_CA_CERTS"] = ca_bundle
        args = [cli, "-p", PROMPT, "--config", str(config), "--verbose"]
        try:
            proc = await asyncio.create_subprocess_exec(
                *args,
                cwd=str(config.parent.parent),
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise OperationFailed(
                f"cannot run the Continue CLI {cli}: {exc.strerror}",
                f"install it (npm install -g @continuedev/cli) or point {CLI_ENV} at cn",
            ) from None
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            proc.kill()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), KILL_WAIT)
            raise OperationFailed(
                f"the Continue CLI did not answer within {timeout:g} s",
                "check that the tenant answers from here (gtwizard check) and run it again",
            ) from None
        log = Path(home) / "logs" / "cn.log"
        used = log.is_file() and any(
            PERSISTED in line and json.dumps(entry_name) in line
            for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
        )
    return Answer(
        proc.returncode if proc.returncode is not None else -1,
        out.decode("utf-8", "replace").strip(),
        err.decode("utf-8", "replace").strip(),
        used,
    )


def complaint(answer: Answer) -> str:
    """cn's own words for a failed run (it prints a JSON status line on failure)."""
    text = answer.err or answer.out
    for line in reversed(text.splitlines()):
        with contextlib.suppress(ValueError):
            data = json.loads(line)
            if isinstance(data, dict) and data.get("message"):
                return str(data["message"])
    last = text.splitlines()[-1] if text else f"exit status {answer.returncode}"
    return last[:300]
