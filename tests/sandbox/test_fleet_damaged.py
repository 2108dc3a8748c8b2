"""Fleet runs over a profile whose journal is damaged or whose check breaks: every other profile
is still reported, the damaged one with its one-line error, never a crash of the whole run. Real
CLI processes (and, for a bug, the CLI in this process) against the sandbox tenant."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.cli_helpers import run_cli
from support.rotation_helpers import setup_profile

from gtwizard.cli import main
from gtwizard.lifecycle.journal import journal_path


def _setup(sandbox: Any, name: str, tmp_path: Path) -> None:
    setup_profile(sandbox, name, ["--env-file", str(tmp_path / f"{name}.env")], {})


@pytest.mark.parametrize("damage", ["[]", '"x"'])
def test_check_all_reports_every_profile_beside_a_damaged_journal(
    sandbox: Any, tmp_path: Path, damage: str
) -> None:
    for name in ("a", "p", "z"):
        _setup(sandbox, name, tmp_path)
    journal_path("p").write_text(damage)
    text = run_cli(["check", "--all", "--timeout", "10"])
    assert text.returncode == 1, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("OK     a:") and lines[2].startswith("OK     z:"), text.stdout
    bad = lines[1]
    assert bad.startswith("FAILED p:") and "unreadable" in bad and "move it away" in bad, bad
    assert "resolve: " not in bad  # nothing resolves it but what the error says
    assert "2 of 3 profile(s) ok, 1 failed" in text.stdout and not text.stderr, text.stderr
    answer = json.loads(run_cli(["check", "--all", "--json", "--timeout", "10"]).stdout)
    records = {r["profile"]: r for r in answer["profiles"]}
    assert records["p"]["ok"] is False and "unreadable" in records["p"]["error"]
    assert answer["counts"] == {"ok": 2, "failed": 1}


def test_check_all_prints_a_profile_that_failed_unexpectedly_and_the_others(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """A bug in one profile's check (here: looking up its work in progress) is that profile's
    one line; the run still prints every other profile and exits 70 (a bug was met)."""
    from gtwizard.lifecycle import journal

    for name in ("a", "p"):
        _setup(sandbox, name, tmp_path)
    real = journal.open_work

    def broken(profile: str) -> Any:
        if profile == "p":
            raise KeyError("boom")
        return real(profile)

    monkeypatch.setattr(journal, "open_work", broken)
    code = main(["check", "--all", "--timeout", "10"])
    out = capsys.readouterr().out
    assert code == 70, out
    lines = out.splitlines()
    assert lines[0].startswith("OK     a:"), out
    assert lines[1].startswith("FAILED p: stopped by an unexpected error (KeyError)"), out
    assert "1 of 2 profile(s) ok, 1 failed" in out
