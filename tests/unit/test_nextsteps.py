"""The last mile after a setup, from one core function (the Summary and `setup` print it)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from gtwizard.kinds import TargetKind
from gtwizard.nextsteps import format_next_steps, next_steps
from gtwizard.profiles import Profile
from gtwizard.widgets.checks import remedy


def env_profile(dialect: str) -> Profile:
    return Profile(
        name="acme",
        tenant_host="tenant.example.com",
        target_kind=TargetKind.ENV_FILE,
        target_place="/srv/owui/openwebui.env",
        agent_aliases=["helpdesk"],
        env_dialect=dialect,
    )


@pytest.mark.parametrize(
    ("dialect", "command"),
    [
        ("docker", "docker rm -f open-webui"),
        ("compose", "docker compose up -d"),
        ("systemd", "sudo systemctl restart open-webui"),
    ],
)
def test_env_file_restart_comes_first_then_the_access_grant(dialect: str, command: str) -> None:
    steps = next_steps(env_profile(dialect))
    assert steps[0].title.startswith("Restart Open WebUI") and command in steps[0].commands
    assert steps[1].title == "Give ordinary users access to the models"
    assert "helpdesk" in steps[1].detail
    assert any("gtwizard rotate --profile acme" in c for s in steps for c in s.commands)
    text = format_next_steps(steps)
    assert text.startswith("1. Restart Open WebUI") and f"$ {command}" in text


def test_docker_run_is_not_told_that_a_restart_is_enough() -> None:
    restart = next_steps(env_profile("docker"))[0]
    assert "docker restart keeps the old key" in restart.detail
    assert "/srv/owui/openwebui.env" in " ".join(restart.commands)
    assert "ENABLE_PERSISTENT_CONFIG=false" in restart.note, "said after the commands"


def test_admin_api_with_an_audience_needs_no_restart_and_no_grant() -> None:
    profile = Profile(
        name="live",
        tenant_host="tenant.example.com",
        target_kind=TargetKind.ADMIN_API,
        target_place="https://owui.example.com",
        audience="all",
        openwebui_url="https://owui.example.com",
    )
    titles = [s.title for s in next_steps(profile)]
    assert not any("Restart" in t or "access" in t for t in titles)
    assert titles[0] == "Check it as an ordinary user"


def test_check_remedy_is_said_once_and_skips_say_how_to_run() -> None:
    failed = SimpleNamespace(status="fail", hint="narrow the allowlist")
    assert remedy(failed, "narrow the allowlist") == ("To fix", "narrow the allowlist")
    generic = SimpleNamespace(status="warn", hint="")
    assert remedy(generic, "do the thing") == ("To fix", "do the thing")
    skipped = SimpleNamespace(status="skip", hint="")
    label, text = remedy(skipped, "unrelated fix")
    assert label == "To run it" and "unrelated fix" not in text
    assert remedy(SimpleNamespace(status="pass", hint=""), "x") is None


def test_restart_note_says_what_tells_whether_the_database_kept_the_old_connection(
    tmp_path,
) -> None:
    """Issue 20: never "the Review step said" (the CLI has none); the note names the command that
    knows, with --openwebui-url when no proof channel is recorded, and nothing to run when the
    env file itself wins."""
    profile = env_profile("compose")
    profile.target_place = str(tmp_path / ".env")
    steps = next_steps(profile)
    text = format_next_steps(steps)
    assert "Review step" not in text
    restart = steps[0]
    command = "GTWIZARD_OPENWEBUI_TOKEN=... gtwizard check --profile acme --openwebui-url URL"
    assert restart.note.endswith(f"says whether that happened: {command}"), restart.note
    assert steps[-2].commands == (command,)

    profile.openwebui_url = "https://chat.example.com"  # a proof channel, no credential kept
    restart, *_, check, _ = next_steps(profile)
    assert restart.note.endswith(
        "whether that happened: GTWIZARD_OPENWEBUI_TOKEN=... gtwizard check --profile acme"
    ), restart.note
    assert check.title == "Check it as an ordinary user"
    assert check.commands == ("GTWIZARD_OPENWEBUI_TOKEN=... gtwizard check --profile acme",)
    profile.admin_token_kept = True
    assert next_steps(profile)[-2].commands == ("gtwizard check --profile acme",)

    (tmp_path / ".env").write_text("ENABLE_PERSISTENT_CONFIG=false\n")
    note = next_steps(profile)[0].note
    assert "ENABLE_PERSISTENT_CONFIG=false is set in it" in note and "check" not in note
