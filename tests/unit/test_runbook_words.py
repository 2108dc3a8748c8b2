"""The runbook's manual rotation names the variables the profile's env file actually holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.checks_helpers import make_profile, write_env_file

from gtwizard.runbook import render_runbook


def by_hand(text: str) -> str:
    """The runbook's 'by hand' rotation section."""
    part = text.split("by hand", 1)[1]
    return part.split("\n## ", 1)[0]


def test_a_singular_env_file_is_named_by_its_singular_variables(sandbox: Any, tmp_path: Path):
    profile, key = make_profile(sandbox, tmp_path)
    write_env_file(profile, key)  # OPENAI_API_BASE_URL + OPENAI_API_KEY, as setup writes
    section = by_hand(render_runbook(profile))
    assert (
        "OPENAI_API_KEY," in section and f"OPENAI_API_BASE_URL=`{profile.openai_base}`" in section
    )
    assert "OPENAI_API_KEYS" not in section and "OPENAI_API_BASE_URLS" not in section
    assert key not in render_runbook(profile)


def test_a_plural_env_file_is_named_by_its_lists(sandbox: Any, tmp_path: Path) -> None:
    profile, key = make_profile(sandbox, tmp_path)
    Path(profile.target_place).write_text(
        f"OPENAI_API_BASE_URLS=https://api.openai.com/v1;{profile.openai_base}\n"
        f"OPENAI_API_KEYS=sk-other;{key}\nRAG_OPENAI_API_KEY={key}\n"
    )
    section = by_hand(render_runbook(profile))
    assert "OPENAI_API_KEYS entry at the same position" in section
    assert "RAG_OPENAI_API_KEY" in section and " OPENAI_API_KEY," not in section
    assert key not in render_runbook(profile) and "sk-other" not in render_runbook(profile)


def test_an_unreadable_env_file_gets_both_forms(sandbox: Any, tmp_path: Path) -> None:
    profile, _ = make_profile(sandbox, tmp_path)
    Path(profile.target_place).unlink(missing_ok=True)
    section = by_hand(render_runbook(profile))
    assert "OPENAI_API_KEYS entry" in section and "only the single pair, OPENAI_API_KEY" in section


def test_setup_refuses_a_quoted_line_by_its_number_and_names_the_way_out(
    sandbox: Any, tmp_path: Path
) -> None:
    from support.cli_helpers import mint_setup_args, run_cli
    from support.rotation_helpers import NAMES, tenant_keys

    env_file = tmp_path / "owui.env"
    original = 'WEBUI_NAME=Chat\nOPENAI_API_BASE_URL=https://api.openai.com/v1\nOPENAI_API_KEY="sk-proj-Abc123456789"\n'
    env_file.write_text(original)
    before = {k.id for k in tenant_keys(sandbox)}
    args = mint_setup_args(sandbox.base_url, NAMES, "--env-file", str(env_file))
    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    out = run_cli(args, env=env)
    assert out.returncode == 2, out.stderr
    assert f"line 3 of {env_file} (OPENAI_API_KEY=" in out.stderr
    assert "--env-dialect compose" in out.stderr and "Abc123456789" not in out.stderr
    assert env_file.read_text() == original and {k.id for k in tenant_keys(sandbox)} == before
    ok = run_cli([*args, "--env-dialect", "compose"], env=env)
    assert ok.returncode == 0, ok.stderr
    assert "sk-proj-Abc123456789;" in env_file.read_text()  # the other connection kept
