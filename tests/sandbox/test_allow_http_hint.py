"""An Open WebUI URL over plain http to another machine is refused with a hint the command in use
can follow: `setup` and `profiles set` take --allow-http-openwebui; `check` and `rotate` do not,
so theirs names the `profiles set` command that allows it for the profile (and that command
works). Real CLI processes against the sandbox tenant."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.cli_helpers import run_cli
from support.rotation_helpers import setup_profile

from gtwizard.profiles import get_profile

URL = "http://192.0.2.7:8080"  # TEST-NET-1: not loopback, never reached by these tests
ALLOW = f"gtwizard profiles set p --prove-url {URL} --allow-http-openwebui"


@pytest.fixture
def waiting(sandbox: Any, tmp_path: Path) -> dict[str, str]:
    """Profile p (env file, no proof channel) with a rotation waiting for its proof."""
    setup_profile(sandbox, "p", ["--env-file", str(tmp_path / "p.env")], {})
    op = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    out = run_cli(["rotate", "--profile", "p", "--yes", "--json"], env=op)
    assert json.loads(out.stdout)["state"] == "waiting", out.stderr
    return {**op, "GTWIZARD_OPENWEBUI_TOKEN": "x"}


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--profile", "p", "--openwebui-url", URL],
        ["rotate", "--finish", "--profile", "p", "--openwebui-url", URL],
        ["rotate", "--abort", "--profile", "p", "--openwebui-url", URL],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_check_and_rotate_name_the_command_that_allows_plain_http(
    waiting: dict[str, str], args: list[str]
) -> None:
    out = run_cli(args, env=waiting)
    assert out.returncode == 2, out.stderr
    assert len(out.stderr.splitlines()) == 1 and "Traceback" not in out.stderr
    assert "over plain http" in out.stderr and ALLOW in out.stderr, out.stderr
    assert "or pass --allow-http-openwebui" not in out.stderr
    # the command in use really has no such flag: the hint must not send the operator there
    flagged = run_cli([*args, "--allow-http-openwebui"], env=waiting)
    assert flagged.returncode == 2 and "unrecognized arguments" in flagged.stderr
    # nothing changed: the rotation still waits
    assert get_profile("p").openwebui_url is None
    status = json.loads(run_cli(["status", "--json"], env=waiting).stdout)
    assert status["profiles"][0]["in_progress"]["state"] == "waiting"


def test_the_named_command_allows_it(waiting: dict[str, str]) -> None:
    out = run_cli(ALLOW.split()[1:], env=waiting)
    assert out.returncode == 0, out.stderr
    profile = get_profile("p")
    assert profile.openwebui_url == URL and profile.allow_http_openwebui is True


def test_setup_keeps_naming_its_own_flag(sandbox: Any, tmp_path: Path) -> None:
    args = ["setup", "--preset", "open-webui", "--host", sandbox.base_url, "--aliases"]
    args += ["helpdesk", "--key-stdin", "--openwebui-url", URL, "--yes", "--storage", "none"]
    out = run_cli(args, env={"GTWIZARD_OPENWEBUI_TOKEN": "x"}, stdin="gtak_x\n")
    assert out.returncode == 2, out.stderr
    assert "or, if the network in between is trusted, pass --allow-http-openwebui" in out.stderr
