"""With `--json` every command prints exactly one JSON object, on success and on failure; a failure
is `{"ok": false, "error": "<one line>", "hint": "..."}` beside the usual one line on stderr."""

from __future__ import annotations

import json
import subprocess

import pytest
from support.resilience_helpers import assert_one_line_failure, gw

from gtwizard import cli


def one_failure(out: subprocess.CompletedProcess[str], code: int) -> dict:
    """Exactly one JSON object on stdout, of the failure shape, agreeing with the stderr line."""
    line = assert_one_line_failure(out, [code])
    failure = json.loads(out.stdout)  # one object: a second one would not parse
    assert set(failure) == {"ok", "error", "hint"} and failure["ok"] is False
    assert failure["error"] and "\n" not in failure["error"] and "\n" not in failure["hint"]
    assert failure["error"].rstrip(".") in line
    if failure["hint"]:
        assert failure["hint"].rstrip(".") in line
    return failure


def setup(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return gw(["setup", "--json", "--aliases", "helpdesk", *args], env=env)


def test_setup_with_a_bad_host(isolated_dirs) -> None:
    env_file = str(isolated_dirs / "owui.env")
    out = setup(
        "--preset", "open-webui", "--host=exa mple.com", "--key-stdin", "--env-file", env_file
    )
    assert "host" in one_failure(out, 2)["error"]


def test_setup_with_an_unknown_preset(isolated_dirs) -> None:
    env_file = str(isolated_dirs / "owui.env")
    out = setup(
        "--preset",
        "no-such-product",
        "--host=tenant.example.com",
        "--key-stdin",
        "--env-file",
        env_file,
    )
    failure = one_failure(out, 2)
    assert "no-such-product" in failure["error"] and "gtwizard presets" in failure["hint"]


def test_setup_mint_without_the_operator_token(sandbox, isolated_dirs) -> None:
    env_file = str(isolated_dirs / "owui.env")
    out = setup(
        "--preset", "open-webui", f"--host={sandbox.base_url}", "--mint", "--storage", "none",
        "--env-file", env_file,
    )  # fmt: skip
    failure = one_failure(out, 2)
    assert "operator token" in failure["error"] and "GTWIZARD_OPERATOR_TOKEN" in failure["hint"]


def test_setup_usage_error_is_json_too() -> None:
    failure = one_failure(gw(["setup", "--json", "--preset", "open-webui"]), 2)
    assert "--host" in failure["error"] and "--help" in failure["hint"]


def test_check_without_a_profile() -> None:
    failure = one_failure(gw(["check", "--json"]), 2)
    assert "no profile" in failure["error"] and "--profile" in failure["hint"]


def test_check_of_an_unknown_profile() -> None:
    assert "nope" in one_failure(gw(["check", "--json", "--profile", "nope"]), 2)["error"]


def test_status_with_a_broken_config(isolated_dirs) -> None:
    config = isolated_dirs / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text("[profiles\nthis is not toml", encoding="utf-8")
    failure = one_failure(gw(["status", "--json"]), 2)
    assert "config.toml" in failure["error"]
    ok = gw(["status"])  # without --json: the one line only, nothing on stdout
    assert_one_line_failure(ok, [2])
    assert ok.stdout == ""


def test_status_success_is_one_object() -> None:
    out = gw(["status", "--json"])
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["profiles"] == [] and "error" not in body


def test_a_command_that_printed_its_own_object_gets_no_second(monkeypatch, capsys) -> None:
    """`rotate --json` prints its object (with its steps) and then fails: no second object."""
    from gtwizard.commands import status
    from gtwizard.errors import OperationFailed

    def printed_then_failed(args) -> int:
        print(json.dumps({"ok": False, "error": "step 3 failed", "steps": []}))
        raise OperationFailed("step 3 failed", "run it again")

    monkeypatch.setattr(status, "run", printed_then_failed)
    assert cli.main(["status", "--json"]) == 1
    out = capsys.readouterr()
    assert json.loads(out.out)["steps"] == []
    assert out.err == "gtwizard: step 3 failed. run it again.\n"


@pytest.mark.parametrize(
    "args", [["rotate", "--json", "--yes"], ["profiles", "show", "x", "--json"]]
)
def test_other_commands_fail_in_the_same_shape(args: list[str]) -> None:
    one_failure(gw(args), 2)
