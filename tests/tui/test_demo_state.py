"""The demo keeps its profile and key in its own folder and removes them when it ends; a profile
whose tenant is a stopped loopback sandbox is named as such by `check`, not as a DNS/VPN problem."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support.cli_helpers import mint_setup_args, run_cli

from gtwizard.commands import demo


def test_demo_dirs_point_config_and_state_into_the_folder_and_restore_them(tmp_path: Path):
    from gtwizard.paths import cache_dir, config_dir, state_dir

    before = (config_dir(), state_dir(), cache_dir())
    with demo.demo_dirs(tmp_path / "demo"):
        assert config_dir() == tmp_path / "demo" / "config"
        assert state_dir() == tmp_path / "demo" / "state"
        assert cache_dir() == tmp_path / "demo" / "cache"
    assert (config_dir(), state_dir(), cache_dir()) == before


def test_the_demo_run_leaves_nothing_but_its_log(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """`gtwizard demo` with the TUI replaced by a run that saves a profile and stores a key where
    the demo says: afterwards no profile anywhere, the folder emptied, one line saying so."""
    import argparse

    from gtwizard.commands import tui
    from gtwizard.logfile import write_log
    from gtwizard.paths import config_dir, state_dir
    from gtwizard.profiles import load_profiles

    real_config = config_dir()
    seen: dict[str, object] = {}

    def fake_app(state, **kwargs) -> int:
        seen["config"], seen["state"] = config_dir(), state_dir()
        seen["storage_file"] = state.secrets_file
        (config_dir()).mkdir(parents=True)
        (config_dir() / "config.toml").write_text("[profiles.demo]\n")
        Path(state.secrets_file).write_text("{}")
        Path(state.env_path).write_text("OPENAI_API_KEY=gtak_x\n")
        write_log("a crash report")
        return 0

    monkeypatch.setattr(tui, "run_app", fake_app)
    folder = demo.demo_dir()
    code = demo.run(argparse.Namespace(tls=False, openwebui_url=None))
    assert code == 0
    assert seen["config"] == folder / "config" and seen["state"] == folder / "state"
    assert seen["storage_file"] == folder / "demo-secrets.json"
    left = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert left == ["state/logs/gtwizard.log"], left
    assert config_dir() == real_config and load_profiles() == {}
    out = capsys.readouterr().out
    assert "Demo over" in out and "are gone too" in out and "keyring was not used" in out
    assert str(folder / "state" / "logs") in out


def test_check_names_a_stopped_sandbox(isolated_dirs: Path) -> None:
    """Set up against a sandbox, stop it, check: the hint names the sandbox and how to start it."""
    from gtwizard.sandbox import start_in_thread

    sandbox = start_in_thread(tls=False)
    try:
        out = run_cli(
            mint_setup_args(sandbox.base_url, ["helpdesk"], "--profile", "gone"),
            env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token},
        )
        assert out.returncode == 0, out.stderr
        netloc, port = sandbox.base_url.split("//")[1].split("/")[0], sandbox.port
    finally:
        sandbox.stop()
    checked = run_cli(["check", "--profile", "gone", "--json"], env=dict(os.environ))
    assert checked.returncode == 1, checked.stderr
    reach = next(c for c in json.loads(checked.stdout)["checks"] if c["id"] == "tenant-reachable")
    assert reach["status"] == "fail"
    assert f"the sandbox tenant at {netloc} is not running" in reach["hint"]
    assert f"gtwizard sandbox --port {port} or gtwizard demo" in reach["hint"]
    assert "DNS/VPN" not in reach["hint"]


def test_a_demo_without_a_log_leaves_no_empty_state_folder(
    monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    import argparse

    from gtwizard.commands import tui
    from gtwizard.paths import state_dir

    def fake_app(state, **kwargs) -> int:
        (state_dir() / "journal").mkdir(parents=True)
        (state_dir() / "journal" / "demo.json").write_text("{}")
        return 0

    monkeypatch.setattr(tui, "run_app", fake_app)
    folder = demo.demo_dir()
    assert demo.run(argparse.Namespace(tls=False, openwebui_url=None)) == 0
    assert list(folder.iterdir()) == [], "nothing left in the demo folder, not even state/"
    assert "Its log stays" not in capsys.readouterr().out
