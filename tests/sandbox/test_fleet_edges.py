"""Fleet edges (issue 20, item 10): `check --all` in config order and never "ok" while a rotation
waits; `schedule` names the profiles a timer cannot rotate to the end, and never writes units that
start a `uv run` checkout without saying so. Real CLI processes against sandbox tenants."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from support.cli_helpers import mint_setup_args, run_cli
from support.rotation_helpers import setup_profile

from gtwizard.profiles import get_profile, save_profile


def _setup(sandbox: Any, name: str, tmp_path: Path, *extra: str) -> None:
    env_file = tmp_path / f"{name}.env"
    setup_profile(sandbox, name, ["--env-file", str(env_file), *extra], {})


def test_check_all_prints_in_config_order_whatever_finishes_first(
    sandbox: Any, tmp_path: Path
) -> None:
    from gtwizard.sandbox import start_in_thread

    slow = start_in_thread()
    try:
        _setup(slow, "first", tmp_path)  # first in config.toml, and its tenant answers slowly
        for name in ("second", "third"):
            _setup(sandbox, name, tmp_path)
        slow.set_faults(latency_ms=700)
        text = run_cli(["check", "--all", "--jobs", "3", "--timeout", "20"])
        answer = run_cli(["check", "--all", "--jobs", "3", "--timeout", "20", "--json"])
    finally:
        slow.stop()
    named = [line.split()[1].rstrip(":") for line in text.stdout.splitlines()[:3]]
    assert named == ["first", "second", "third"], text.stdout
    result = json.loads(answer.stdout)
    assert [r["profile"] for r in result["profiles"]] == ["first", "second", "third"]


def test_check_all_is_not_ok_while_a_rotation_waits(sandbox: Any, tmp_path: Path) -> None:
    op = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    for name in ("fine", "waits"):
        _setup(sandbox, name, tmp_path)
    rotated = run_cli(["rotate", "--profile", "waits", "--yes", "--json"], env=op)
    assert json.loads(rotated.stdout)["state"] == "waiting", rotated.stderr

    out = run_cli(["check", "--all", "--json", "--timeout", "10"])
    assert out.returncode == 1, out.stderr
    result = json.loads(out.stdout)
    records = {r["profile"]: r for r in result["profiles"]}
    assert records["fine"]["ok"] is True and records["fine"]["result"] == "ok"
    waiting = records["waits"]
    assert waiting["ok"] is False and waiting["result"] == "waiting"
    assert not [c for c in waiting["checks"] if c["status"] == "fail"]  # the checks passed
    # check --all ran without the operator token, so the command that needs it names it
    finish = "GTWIZARD_OPERATOR_TOKEN=… gtwizard rotate --finish --profile waits"
    assert finish in waiting["in_progress"]["commands"] and finish in waiting["hint"]
    assert "waiting" in waiting["error"]
    assert result["ok"] is False and result["counts"] == {"ok": 1, "waiting": 1}
    assert "waits" in result["error"]

    text = run_cli(["check", "--all", "--timeout", "10"])
    assert text.returncode == 1
    line = next(line for line in text.stdout.splitlines() if " waits:" in line)
    assert line.startswith("WAITING waits:") and f"resolve: {finish}" in line, line
    assert any(line.startswith("OK     fine:") for line in text.stdout.splitlines())
    # the command it names resolves it
    done = run_cli(["rotate", "--finish", "--profile", "waits", "--revoke-without-proof"], env=op)
    assert done.returncode == 0, done.stderr
    again = json.loads(run_cli(["check", "--all", "--json", "--timeout", "10"]).stdout)
    assert again["ok"] is True and again["counts"] == {"ok": 2}


def test_schedule_names_the_profiles_that_cannot_rotate_unattended(
    sandbox: Any, tmp_path: Path
) -> None:
    _setup(sandbox, "proven", tmp_path, "--keep-operator-token")
    _setup(sandbox, "bare", tmp_path)
    _setup(sandbox, "proofless", tmp_path, "--keep-operator-token")
    proven = get_profile("proven")
    proven.openwebui_url = "http://127.0.0.1:8080"  # its proof channel (setup --prove-url)
    save_profile(proven)

    out = run_cli(["schedule", "--dir", str(tmp_path / "units"), "--json"])
    assert out.returncode == 0, out.stderr
    gaps = {g["profile"]: g["reasons"] for g in json.loads(out.stdout)["cannot_run_unattended"]}
    assert set(gaps) == {"bare", "proofless"}
    assert len(gaps["bare"]) == 2 and "operator token" in gaps["bare"][0]
    assert "proof channel" in gaps["bare"][1]
    assert len(gaps["proofless"]) == 1 and "proof channel" in gaps["proofless"][0]

    text = run_cli(["schedule", "--print"])
    said = text.stdout[text.stdout.index("cannot rotate unattended") :]
    assert "2 profile(s) cannot rotate unattended" in text.stdout
    assert "bare:" in said and "proofless:" in said and "proven" not in said
    assert "--keep-operator-token" in said

    # an operator token bound to the tenant in the environment counts (not an unbound one)
    bound = {
        "GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token,
        "GTWIZARD_OPERATOR_TOKEN_HOST": sandbox.base_url,
    }
    out = run_cli(["schedule", "--print", "--json"], env=bound)
    gaps = {g["profile"]: g["reasons"] for g in json.loads(out.stdout)["cannot_run_unattended"]}
    assert len(gaps["bare"]) == 1 and "proof channel" in gaps["bare"][0]
    unbound = run_cli(
        ["schedule", "--print", "--json"], env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    )
    gaps = {g["profile"]: g["reasons"] for g in json.loads(unbound.stdout)["cannot_run_unattended"]}
    assert len(gaps["bare"]) == 2


def _program(path: Path) -> Path:
    """A `gtwizard` script like the one an installer writes (this Python, gtwizard's main)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"#!{sys.executable}\nimport sys\nfrom gtwizard.cli import main\nsys.exit(main())\n"
    )
    path.chmod(0o755)
    return path


def _schedule(program: Path, *folders: Path) -> tuple[dict[str, Any], str]:
    env = {**os.environ, "PATH": os.pathsep.join(str(f) for f in folders)}
    out = subprocess.run(
        [str(program), "schedule", "--print", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    service = answer["units"]["gtwizard-rotate-due.service"]
    start = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    return answer, start


def test_units_written_from_a_uv_run_checkout(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"  # a project checkout, its .venv made by `uv sync`
    (checkout / ".venv").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\nname = 'gtwizard'\n")
    (checkout / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    dev = _program(checkout / ".venv" / "bin" / "gtwizard")
    tools = tmp_path / "tools" / "gtwizard"  # as `uv tool install` lays it out
    (tools).mkdir(parents=True)
    (tools / "pyvenv.cfg").write_text("home = /usr/bin\n")
    installed = _program(tools / "bin" / "gtwizard")
    link = tmp_path / "local-bin" / "gtwizard"
    link.parent.mkdir()
    link.symlink_to(installed)

    # an installed gtwizard on PATH: the units start it, and say so
    answer, start = _schedule(dev, dev.parent, link.parent)
    assert start == f"ExecStart={installed} rotate --due --json", start
    assert str(installed) in answer["warnings"][0]

    # none: the units start the checkout, with a warning that they break when it moves
    answer, start = _schedule(dev, dev.parent)
    assert start == f"ExecStart={dev} rotate --due --json", start
    assert str(checkout) in answer["warnings"][0] and "uv tool install" in answer["warnings"][0]
    text = subprocess.run(
        [str(dev), "schedule", "--print"],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(dev.parent)},
        timeout=120,
    )
    assert text.stderr.startswith("warning: the units start gtwizard from the project checkout")

    # the installed one itself: no warning
    answer, start = _schedule(link, link.parent)
    assert start == f"ExecStart={installed} rotate --due --json" and answer["warnings"] == []


def test_setup_with_a_kept_token_is_enough_for_the_timer_when_proven(
    sandbox: Any, tmp_path: Path
) -> None:
    """The other side of the list: a profile with both, and nothing else, lists nobody."""
    args = mint_setup_args(sandbox.base_url, "helpdesk", "--profile", "solo", "--yes")
    args += ["--env-file", str(tmp_path / "solo.env"), "--keep-operator-token"]
    out = run_cli(args, env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token})
    assert out.returncode == 0, out.stderr
    solo = get_profile("solo")
    solo.openwebui_url = "http://127.0.0.1:8080"
    save_profile(solo)
    answer = json.loads(run_cli(["schedule", "--print", "--json"]).stdout)
    assert answer["cannot_run_unattended"] == []
    assert "Every profile can rotate unattended" in run_cli(["schedule", "--print"]).stdout
