"""`gtwizard schedule`: the systemd units it writes pass `systemd-analyze verify` (user and system)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import missing_service
from support.cli_helpers import run_cli

UNITS = ("gtwizard-rotate-due.timer", "gtwizard-rotate-due.service", "gtwizard-check-all.service")


def _analyze() -> str:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        missing_service("systemd-analyze is not installed (Debian package: systemd)")
    assert tool is not None
    return tool


def _verify(directory: Path, *scope: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    runtime = tmp_path / "runtime"  # --user wants a runtime dir; no user manager needs to run
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    return subprocess.run(
        [_analyze(), *scope, "verify", *(str(directory / name) for name in UNITS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize("scope", ["--user", "--system"])
def test_written_units_pass_systemd_analyze_verify(scope: str, tmp_path: Path) -> None:
    units = tmp_path / "units"
    out = run_cli(
        ["schedule", scope, "--dir", str(units), "--on-calendar", "Mon *-*-* 03:00", "--json"]
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert [Path(f["path"]).name for f in result["files"]] == list(UNITS)
    assert all(f["changed"] for f in result["files"])
    checked = _verify(units, *([scope] if scope == "--user" else []), tmp_path=tmp_path)
    # verify warns about unknown keys on stderr but still exits 0: both must be clean
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.strip() == "", checked.stderr

    rotate = (units / "gtwizard-rotate-due.service").read_text()
    check = (units / "gtwizard-check-all.service").read_text()
    timer = (units / "gtwizard-rotate-due.timer").read_text()
    assert "rotate --due --json" in rotate and "check --all --json" in check
    assert (
        "Wants=gtwizard-check-all.service" in rotate
    )  # the check runs after a failed rotation too
    assert "Requires=" not in rotate
    assert "StandardInput=null" in rotate and "StandardOutput=journal" in rotate
    assert "OnCalendar=Mon *-*-* 03:00" in timer and "Persistent=true" in timer
    assert f"GTWIZARD_CONFIG_DIR={os.environ['GTWIZARD_CONFIG_DIR']}" in rotate
    assert ("User=" in rotate) == (scope == "--system")
    for name in UNITS:
        assert oct((units / name).stat().st_mode & 0o777) == "0o644"

    again = json.loads(
        run_cli(
            ["schedule", scope, "--dir", str(units), "--json", "--on-calendar", "Mon *-*-* 03:00"]
        ).stdout
    )
    assert not any(f["changed"] for f in again["files"])  # written only when they change
    assert not list(units.glob("*.tmp")) and not list(units.glob("*.bak"))


def test_print_writes_nothing_and_a_bad_calendar_is_refused(tmp_path: Path) -> None:
    out = run_cli(["schedule", "--print", "--dir", str(tmp_path / "units")])
    assert out.returncode == 0, out.stderr
    assert "[Timer]" in out.stdout and "OnCalendar=daily" in out.stdout
    assert not (tmp_path / "units").exists()
    if shutil.which("systemd-analyze"):
        bad = run_cli(["schedule", "--print", "--on-calendar", "every tuesday-ish", "--json"])
        assert bad.returncode == 2
        assert "calendar" in json.loads(bad.stdout)["error"]


def test_a_unit_not_written_by_gtwizard_is_never_replaced(tmp_path: Path) -> None:
    units = tmp_path / "units"
    units.mkdir()
    mine = units / "gtwizard-check-all.service"
    mine.write_text("[Service]\nExecStart=/bin/true\n")
    out = run_cli(["schedule", "--dir", str(units), "--json"])
    assert out.returncode == 2
    assert "not written by gtwizard" in json.loads(out.stdout)["error"]
    assert mine.read_text() == "[Service]\nExecStart=/bin/true\n"
    assert sorted(p.name for p in units.iterdir()) == ["gtwizard-check-all.service"]


@pytest.mark.parametrize(
    ("variable", "tail"),
    [
        ("GTWIZARD_STATE_DIR", "state\nExecStartPre=/bin/sh -c 'id > /tmp/owned'"),
        ("GTWIZARD_CONFIG_DIR", "config\rx"),
        ("GTWIZARD_STATE_DIR", "state\x1b]52;c;aWQ=\x07"),
        ("GTWIZARD_CONFIG_DIR", "config\x85next"),  # C1 NEL: a line break to some readers
    ],
)
def test_a_directory_with_a_control_character_never_reaches_a_unit(
    tmp_path: Path, variable: str, tail: str
) -> None:
    """A newline in a directory would end Environment= and start a directive of its own."""
    units = tmp_path / "units"
    out = run_cli(["schedule", "--dir", str(units), "--json"], env={variable: str(tmp_path / tail)})
    assert out.returncode == 2, out.stdout
    answer = json.loads(out.stdout)
    assert not answer["ok"] and "control character" in answer["error"]
    assert variable in answer["hint"]
    assert not units.exists(), "nothing was written"
    printed = run_cli(["schedule", "--print"], env={variable: str(tmp_path / tail)})
    assert printed.returncode == 2 and "ExecStartPre" not in printed.stdout
    assert "\x1b" not in printed.stderr and "\x07" not in printed.stderr
    assert len(printed.stderr.strip().splitlines()) <= 2, printed.stderr
