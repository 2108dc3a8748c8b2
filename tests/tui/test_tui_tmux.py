"""The real `gtwizard demo` in tmux at 80x24, driven by send-keys to the Summary, then checked.

Headless like an SSH session: no D-Bus session and keyring's fail backend, so the demo stores the
key in its demo-local 0600 file. A private tmux server (own socket, no user config) keeps the test
away from any tmux the developer runs. Every wait polls the screen with a generous deadline.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import missing_service
from support.owui_fixture import docker_env_file
from support.tmux_session import Tmux
from support.tui_drive import ENV_FILE_EXPECTED, FAIL_BACKEND, NAMES

pytestmark = pytest.mark.tmux

DEADLINE_S = 60.0


def gtwizard_argv() -> list[str]:
    script = Path(sys.executable).with_name("gtwizard")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gtwizard"]


def headless_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env.update(
        GTWIZARD_CONFIG_DIR=str(tmp_path / "config"),
        GTWIZARD_STATE_DIR=str(tmp_path / "state"),
        PYTHON_KEYRING_BACKEND=FAIL_BACKEND,
        TERM="tmux-256color",
    )
    env.pop("NO_COLOR", None)
    return env


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        missing_service("tmux is not installed")
    session = Tmux(f"gtwizard-test-{os.getpid()}-{tmp_path.name}")
    env = headless_env(tmp_path)
    exports = " ".join(
        f"{k}={shlex.quote(env[k])}"
        for k in ("GTWIZARD_CONFIG_DIR", "GTWIZARD_STATE_DIR", "PYTHON_KEYRING_BACKEND", "TERM")
    )
    command = (
        f"unset DBUS_SESSION_BUS_ADDRESS NO_COLOR; {exports} "
        f"{shlex.join(gtwizard_argv())} demo; echo EXIT=$?; sleep 600"
    )
    session.run("new-session", "-d", "-s", "demo", "-x", "80", "-y", "24", command)
    try:
        yield session
    finally:
        subprocess.run([*session.base, "kill-server"], capture_output=True, timeout=30)


def test_demo_in_tmux_reaches_summary_with_passing_checks(tmux: Tmux, tmp_path: Path) -> None:
    tmux.wait_for("Step 1/10", "Open WebUI")
    tmux.keys("C-n")
    tmux.wait_for("Step 2/10", "✓ valid")
    tmux.keys("C-n")
    tmux.wait_for("Step 3/10", "names published on this tenant")
    tmux.wait_for("space Toggle")  # the allowlist has focus: its binding shows in the footer
    tmux.keys("Space", "Down", "Space")
    tmux.wait_for(*(f"[x] {name}" for name in NAMES))
    tmux.keys("C-n")
    tmux.wait_for("Step 4/10", "Env file Open WebUI reads")
    tmux.keys("C-n")  # the target checked before any key: preflight, the edit planned
    tmux.wait_for("Step 5/10", "Automatic")
    tmux.keys("C-n")
    tmux.wait_for("Step 6/10", "demo-local")
    tmux.keys("C-n")  # mints, stores in the demo file, then moves on
    tmux.wait_for("Step 7/10", "/api/tenant/v1", "Write ›")  # base choice, plan
    tmux.keys("C-n")
    tmux.wait_for("openwebui.env now?")  # Review asks before writing; Enter confirms
    tmux.keys("Enter")
    tmux.wait_for("Step 8/10", "[✓] Save the profile")
    tmux.keys("C-n")
    tmux.wait_for("Step 9/10", "! no failures; WARN = not fully proven — 7 pass, 2 warn, 4 skip")
    tmux.keys("C-n")
    summary = tmux.wait_for("Step 10/10", "no failures (7 pass, 2 warn, 4 skip)")
    assert "1. Restart Open WebUI" in summary, "the last mile comes first"
    assert "gtak_" not in summary.replace("gtak_…", ""), "no key in clear on the Summary"
    counts = Counter(ENV_FILE_EXPECTED.values())

    demo = tmp_path / "state" / "demo"  # the demo keeps its config and state in its own folder
    config = tomllib.loads((demo / "config" / "config.toml").read_text(encoding="utf-8"))
    last = config["profiles"]["demo"]["last_check"]
    assert last["ok"] is True
    assert {k: v for k, v in last["summary"].items() if v} == dict(counts)

    # The demo (and its sandbox thread) still runs: check the profile again from outside.
    assert not (tmp_path / "config" / "config.toml").exists(), "nothing in the real config"
    demo_dirs = {
        "GTWIZARD_CONFIG_DIR": str(demo / "config"),
        "GTWIZARD_STATE_DIR": str(demo / "state"),
    }
    out = subprocess.run(
        [*gtwizard_argv(), "check", "--profile", "demo", "--json"],
        capture_output=True,
        text=True,
        env={**headless_env(tmp_path), **demo_dirs},
        timeout=120,
    )
    report = json.loads(out.stdout)
    assert out.returncode == 0 and report["ok"] is True
    assert {c["id"]: c["status"] for c in report["checks"]} == ENV_FILE_EXPECTED

    env_file = demo / "openwebui.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = docker_env_file(env_file)
    assert values["OPENAI_API_BASE_URL"].endswith("/api/tenant/v1")
    assert json.loads(values["OPENAI_API_CONFIGS"])["0"]["model_ids"] == list(NAMES)
    assert stat.S_IMODE((demo / "demo-secrets.json").stat().st_mode) == 0o600

    tmux.keys("C-n")  # Finish
    tmux.wait_for("EXIT=0", "Demo finished: profile 'demo' was set up and checked", "Demo over")
    left = sorted(p.relative_to(demo) for p in demo.rglob("*") if p.is_file())
    assert left == [], f"the demo removes what it wrote: {left}"
    assert not (tmp_path / "config" / "config.toml").exists()
    status = subprocess.run(
        [*gtwizard_argv(), "status", "--json"],
        capture_output=True,
        text=True,
        env=headless_env(tmp_path),
        timeout=60,
    )
    assert json.loads(status.stdout)["profiles"] == [], "no stale demo profile to fail check"


def test_demo_in_tmux_enter_at_each_step_reaches_the_summary(tmux: Tmux, tmp_path: Path) -> None:
    """Issue 13: a newcomer presses Enter at each step (Enter picks one name on Key) and
    nothing else; every step's hint says what Enter does next."""
    walk = [
        ("Step 1/10", "Enter chooses the highlighted product"),
        ("Step 2/10", "Enter probes the tenant"),
        ("Step 2/10", "✓ Enter: on to Key"),
        ("Step 3/10", "Enter picks the highlighted name; Space toggles"),
        ("Step 3/10", "Enter: on to Target with 1 name"),
        ("Step 4/10", "Enter: check the target, then Mint"),  # the path is filled in
        ("Step 5/10", "Enter: on to Storage"),
        ("Step 6/10", "Enter mints and stores the key"),
        ("Step 6/10", "✓ Key stored. Enter: on to Review"),
        ("Step 7/10", "Enter: Write (asks first)"),
        ("openwebui.env now?", "Cancel"),
        ("Step 8/10", "Enter or ctrl+n: on to Checks"),
        ("Step 9/10", "Enter: on to Summary"),
    ]
    for place, hint in walk:
        tmux.wait_for(place, hint)
        time.sleep(0.3)  # the hint is drawn with the focus move; let the key land after it
        tmux.keys("Enter")
    summary = tmux.wait_for("Step 10/10", "Still to do, in order", "Checks: no failures")
    assert "Restart Open WebUI" in summary and "docker rm -f open-webui" in summary
    demo_config = tmp_path / "state" / "demo" / "config" / "config.toml"
    config = tomllib.loads(demo_config.read_text(encoding="utf-8"))
    assert config["profiles"]["demo"]["agent_aliases"] == [NAMES[0]]
    tmux.keys("Enter")  # Finish
    tmux.wait_for("EXIT=0", "Demo over")
    assert not demo_config.exists()
