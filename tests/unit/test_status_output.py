"""`status --json`: the journals found with one listing, and the one JSON output rule."""

from __future__ import annotations

import io
import json

import pytest

from gtwizard import cli
from gtwizard.commands import print_json
from gtwizard.lifecycle.journal import Journal, journal_path
from gtwizard.profiles import Profile, save_profile


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_is_indented_at_a_terminal_and_one_line_elsewhere(monkeypatch) -> None:
    obj = {"ok": True, "items": [1, {"a": "b"}]}
    terminal = _Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    print_json(obj)
    assert terminal.getvalue() == json.dumps(obj, indent=2) + "\n"
    piped = io.StringIO()
    monkeypatch.setattr("sys.stdout", piped)
    print_json(obj)
    assert piped.getvalue() == json.dumps(obj) + "\n"
    assert json.loads(piped.getvalue()) == obj


def _status(capsys: pytest.CaptureFixture[str]) -> dict:
    assert cli.main(["status", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # not a terminal: one line, one object
    return json.loads(out)


def test_status_finds_work_in_progress_of_saved_and_unsaved_profiles(capsys) -> None:
    for name in ("calm", "busy", "broken"):
        save_profile(Profile(name=name, tenant_host="t.example.com", storage_kind="none"))
    Journal(profile="busy", old_key_id="key_1", mode="auto", storage_kind="none").save()
    Journal(
        profile="fresh", old_key_id=None, mode="auto", storage_kind="none", operation="setup"
    ).save()
    Journal(
        profile="calm", old_key_id="key_2", mode="auto", storage_kind="none", state="done"
    ).save()
    journal_path("broken").write_text("{not json")
    status = _status(capsys)
    work = {p["name"]: p["in_progress"] for p in status["profiles"]}
    assert work["calm"] is None  # its journal is done
    assert work["busy"]["state"] == "running" and work["busy"]["old_key_id"] == "key_1"
    assert work["broken"]["state"] == "unreadable"
    assert [w["profile"] for w in status["in_progress"]] == ["fresh"]


def test_status_without_a_journal_folder(capsys) -> None:
    save_profile(Profile(name="solo", tenant_host="t.example.com", storage_kind="none"))
    status = _status(capsys)
    assert status["default_profile"] == "solo"
    assert status["profiles"][0]["in_progress"] is None and status["in_progress"] == []


@pytest.mark.parametrize("text", ["[]", '"x"', "3", "null", "{}"])
def test_a_journal_that_is_not_an_object_is_unreadable_in_one_line(text: str, capsys) -> None:
    """Any top-level JSON but an object with a journal's fields is the same clear error, for
    status and for every command that loads the journal (no AttributeError, no exit 70)."""
    save_profile(Profile(name="p", tenant_host="t.example.com", storage_kind="none"))
    journal_path("p").parent.mkdir(parents=True, exist_ok=True)
    journal_path("p").write_text(text)
    status = _status(capsys)
    assert status["profiles"][0]["in_progress"]["state"] == "unreadable"
    for args in (["rotate", "--profile", "p", "--yes"], ["rotate", "--due"]):
        code = cli.main(args)
        said = capsys.readouterr()
        line = next(line for line in (said.out + said.err).splitlines() if "journal" in line)
        assert "unreadable" in line and "move it away" in line, said
        assert "unexpected" not in said.out + said.err and code == 1, said
