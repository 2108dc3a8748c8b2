"""Live checks against the real sandbox tenant (no Open WebUI): each check passing and failing."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.checks_helpers import context, make_profile, statuses, write_env_file, write_runbook

from gtwizard.audit import audit_path
from gtwizard.checks import Check, all_checks, run_checks
from gtwizard.checks.base import CheckOutcome
from gtwizard.checks.load import context_for_profile
from gtwizard.commands import check as check_command
from gtwizard.errors import InvalidInput
from gtwizard.presets.catalog import load_catalog
from gtwizard.profiles import Profile, get_profile, save_profile
from gtwizard.runbook import render_runbook
from gtwizard.sandbox.catalog import DEMO_AGENT_ALIASES
from gtwizard.sandbox.silent import silent_listener

CHECKLIST_IDS = {"chat", "no-leak", "rotation-documented"}


def run_all(profile: Profile, key: str | None, **kw: Any) -> Any:
    return asyncio.run(run_checks(all_checks(), context(profile, key, **kw)))


def test_checklist_ids_match_the_open_webui_preset() -> None:
    product = load_catalog().product("open-webui")
    assert {c.id for c in product.validation_checklist} == CHECKLIST_IDS
    assert {c.id for c in all_checks() if c.checklist} == CHECKLIST_IDS


def test_everything_passes_for_a_sound_setup(sandbox: Any, tmp_path: Path) -> None:
    profile, key = make_profile(sandbox, tmp_path)
    write_env_file(profile, key)
    write_runbook(profile)
    report = run_all(profile, key)
    got = statuses(report)
    for check_id in (
        "tenant-reachable",
        "key-accepted",
        "key-stored",
        "key-age",
        "base-form",
        "least-privilege",
        "rotation-documented",
    ):
        assert got[check_id] == "pass", report.result(check_id)
    # over plain http (the sandbox) the title claims no TLS; the detail says what was used
    reach = report.result("tenant-reachable")
    assert reach.title == "Tenant reachable" and "TLS" not in reach.title
    assert "plain http" in reach.detail, reach.detail
    # without an Open WebUI URL: its own checks skip and say why; chat is proven through GT
    assert got["openwebui-reach"] == got["task-model"] == "skip"
    assert "no Open WebUI URL" in report.result("openwebui-reach").detail
    assert got["openwebui-config"] == "skip"
    assert "matches what was applied" in report.result("openwebui-config").detail
    # the two checks titled for a user were proven on the GT side only: warn, never pass
    for user_side in ("chat", "no-leak"):
        result = report.result(user_side)
        assert result.status == "warn", result
        assert "no Open WebUI URL" in result.detail
        assert "--openwebui-url" in result.hint and "GTWIZARD_OPENWEBUI_TOKEN" in result.hint
    assert "not proven for a user" in report.result("chat").detail
    assert got["embeddings"] == "skip"
    assert report.ok
    text = json.dumps(report.to_json())
    assert key not in text and key[-12:] not in text


def test_no_leak_fails_and_names_an_extra_alias(sandbox: Any, tmp_path: Path) -> None:
    profile, key = make_profile(
        sandbox, tmp_path, key_aliases=[*DEMO_AGENT_ALIASES, "finance-analyst"]
    )
    result = run_all(profile, key).result("no-leak")
    assert result.status == "fail"
    assert "finance-analyst" in result.detail
    assert "helpdesk" not in result.detail
    assert "finance-analyst" in result.evidence["gt_models"]


def test_no_leak_warns_when_an_allowlisted_name_is_missing(sandbox: Any, tmp_path: Path) -> None:
    profile, key = make_profile(sandbox, tmp_path, key_aliases=DEMO_AGENT_ALIASES[:1])
    report = run_all(profile, key)
    result = report.result("no-leak")
    assert result.status == "warn"
    assert DEMO_AGENT_ALIASES[1] in result.detail
    assert report.result("chat").status == "fail"  # that name cannot chat either
    assert DEMO_AGENT_ALIASES[1] in report.result("chat").detail


def test_least_privilege_fails_for_an_image_scope(sandbox: Any, tmp_path: Path) -> None:
    profile, key = make_profile(sandbox, tmp_path, scopes=["inference:chat", "inference:image"])
    result = run_all(profile, key).result("least-privilege")
    assert result.status == "fail"
    assert "/v1/images/generations" in result.detail
    assert "/v1/audio/speech" not in result.detail
    assert result.evidence["routes"]["POST /v1/audio/speech"] == 403


def test_embed_scope_without_configured_embeddings_is_too_wide(
    sandbox: Any, tmp_path: Path
) -> None:
    profile, key = make_profile(sandbox, tmp_path, scopes=["inference:chat", "inference:embed"])
    report = run_all(profile, key)
    assert report.result("least-privilege").status == "fail"
    assert "/v1/embeddings is allowed" in report.result("least-privilege").detail
    assert report.result("embeddings").status == "skip"


def test_configured_embeddings_pass_with_the_embed_scope(sandbox: Any, tmp_path: Path) -> None:
    profile, key = make_profile(
        sandbox, tmp_path, scopes=["inference:chat", "inference:embed"], embeddings=True
    )
    report = run_all(profile, key)
    assert report.result("least-privilege").status == "pass"
    result = report.result("embeddings")
    assert result.status == "pass", result
    assert result.evidence["dimension"] == 8


def test_configured_embeddings_fail_without_the_embed_scope(sandbox: Any, tmp_path: Path) -> None:
    profile, key = make_profile(sandbox, tmp_path, embeddings=True)
    report = run_all(profile, key)
    assert report.result("embeddings").status == "fail"
    assert "inference:embed" in report.result("embeddings").detail
    assert report.result("least-privilege").status == "fail"


def test_revoked_key_fails_and_its_dependents_skip(sandbox: Any, tmp_path: Path) -> None:
    profile, key = make_profile(sandbox, tmp_path)
    sandbox.revoke(profile.key_id)
    report = run_all(profile, key)
    got = statuses(report)
    assert got["tenant-reachable"] == "pass"
    assert got["key-accepted"] == "fail"
    assert "rejected" in report.result("key-accepted").detail
    for dependent in ("base-form", "least-privilege", "chat", "no-leak"):
        assert got[dependent] == "skip"
        assert "Key accepted" in report.result(dependent).detail
    assert not report.ok


def test_documented_base_form_fails_where_unversioned_paths_are_not_served(
    sandbox: Any, tmp_path: Path
) -> None:
    profile, key = make_profile(sandbox, tmp_path, openai_base=sandbox.base_url)
    result = run_all(profile, key).result("base-form")
    assert result.status == "fail"
    assert "404" in result.detail
    assert "/api/tenant/v1" in result.hint


def test_key_age_against_policy(sandbox: Any, tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    old, key = make_profile(sandbox, tmp_path, key_created_at=now - dt.timedelta(days=120))
    assert run_all(old, key).result("key-age").status == "warn"
    expired, key2 = make_profile(
        sandbox, tmp_path, name="gone", key_expires_at=now - dt.timedelta(days=1)
    )
    result = run_all(expired, key2).result("key-age")
    assert result.status == "fail" and "expired" in result.detail


def test_stored_key_missing_fails_and_target_only_skips(sandbox: Any, tmp_path: Path) -> None:
    profile, key = make_profile(sandbox, tmp_path, key_id="key_not_stored")
    result = run_all(profile, key).result("key-stored")
    assert result.status == "fail" and "key_not_stored" in result.detail
    profile.storage_kind, profile.storage_location = "none", ""
    assert run_all(profile, key).result("key-stored").status == "skip"


async def test_target_only_key_is_read_from_the_env_file(sandbox: Any, tmp_path: Path) -> None:
    profile, key = make_profile(sandbox, tmp_path, storage_kind="none", storage_location="")
    write_env_file(profile, key)
    ctx = await context_for_profile(profile, load_catalog(), timeout=5.0)
    assert ctx.api_key == key
    assert ctx.openwebui_url is None


def test_rotation_documented_needs_a_current_runbook(sandbox: Any, tmp_path: Path) -> None:
    profile, key = make_profile(sandbox, tmp_path)
    missing = run_all(profile, key).result("rotation-documented")
    assert missing.status == "fail" and "gtwizard runbook" in missing.hint
    write_runbook(profile)
    profile.key_id = "key_rotated_since"
    stale = run_all(profile, key).result("rotation-documented")
    assert stale.status == "fail" and "key id" in stale.detail


def test_runbook_says_what_users_notice_during_a_rotation(sandbox: Any, tmp_path: Path) -> None:
    profile, key = make_profile(sandbox, tmp_path)
    env_text = render_runbook(profile)
    assert profile.target_kind == "env-file" and "What users notice" in env_text
    assert "restarts" in env_text and "Model not found" not in env_text
    profile.target_kind, profile.target_place = "admin-api", "http://127.0.0.1:3000"
    admin_text = render_runbook(profile)
    assert "Model not found" in admin_text and "quiet time" in admin_text
    assert key not in admin_text


def test_env_file_drift_fails(sandbox: Any, tmp_path: Path) -> None:
    profile, key = make_profile(sandbox, tmp_path)
    write_env_file(profile, key, model_ids=[*DEMO_AGENT_ALIASES, "finance-analyst"])
    result = run_all(profile, key).result("openwebui-config")
    assert result.status == "fail"
    assert "model_ids" in result.detail and "finance-analyst" in result.detail


# ---- a host that accepts connections and never answers -------------------------------------------


@pytest.fixture
def silent_host() -> Iterator[str]:
    """A listening socket that accepts and then says nothing, ever."""
    with silent_listener() as port:
        yield f"http://127.0.0.1:{port}"


def test_dead_host_skips_dependents_and_returns(silent_host: str, tmp_path: Path) -> None:
    profile = Profile(
        name="dead",
        tenant_host=silent_host,
        openai_base=silent_host + "/api/tenant/v1",
        agent_aliases=["helpdesk"],
        key_id="key_x",
        storage_kind="none",
        embeddings=True,
    )
    report = run_all(profile, "gtak_" + "x" * 24, timeout=1.0)
    got = statuses(report)
    assert got["tenant-reachable"] == "fail"
    assert "timed out after 1 s" in report.result("tenant-reachable").detail
    for dependent in ("key-accepted", "base-form", "least-privilege", "embeddings", "chat"):
        assert got[dependent] == "skip", dependent
    assert got["no-leak"] == "skip"


# ---- the runner's own rules ----------------------------------------------------------------------


def _check(check_id: str, probe: Any, requires: tuple[str, ...] = ()) -> Check:
    return Check(check_id, check_id.title(), "proves", "fix it", probe, requires)


def test_runner_timeouts_errors_redaction_and_order(sandbox: Any, tmp_path: Path) -> None:
    profile, key = make_profile(sandbox, tmp_path)

    async def hangs(ctx: Any) -> CheckOutcome:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def leaks(ctx: Any) -> CheckOutcome:
        return CheckOutcome("warn", f"oops {ctx.api_key}", f"Bearer {ctx.api_key}", {"k": key})

    async def breaks(ctx: Any) -> CheckOutcome:
        raise RuntimeError("bug")

    async def fine(ctx: Any) -> CheckOutcome:
        return CheckOutcome("pass", "fine")

    checks = [
        _check("hangs", hangs),
        _check("leaks", leaks),
        _check("breaks", breaks),
        _check("after-hang", fine, ("hangs",)),
        _check("after-warn", fine, ("leaks",)),
    ]
    report = asyncio.run(run_checks(checks, context(profile, key), timeout=0.5))
    assert [r.id for r in report.results] == [c.id for c in checks]
    assert report.result("hangs").detail == "timed out after 0.5 s"
    assert (
        report.result("breaks").status == "fail"
        and "RuntimeError" in report.result("breaks").detail
    )
    assert report.result("after-hang").status == "skip"
    assert report.result("after-warn").status == "pass"  # a warning does not block dependents
    leaked = report.result("leaks")
    assert key not in leaked.detail + leaked.hint + json.dumps(leaked.evidence)
    assert key[-4:] in leaked.detail  # masked, still recognisable
    with pytest.raises(ValueError):
        asyncio.run(run_checks([_check("b", fine, ("a",))], context(profile, key)))


# ---- the command ---------------------------------------------------------------------------------


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="gtwizard")
    check_command.register(parser.add_subparsers())
    args = parser.parse_args(["check", *argv])
    return args.func(args)


def test_command_json_last_check_and_audit(
    sandbox: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile, key = make_profile(sandbox, tmp_path)
    write_env_file(profile, key)
    write_runbook(profile)
    assert cli("--json", "--timeout", "10") == 0
    out = capsys.readouterr().out
    assert key not in out
    data = json.loads(out)
    assert data["ok"] is True and data["profile"] == "work"
    assert {c["id"] for c in data["checks"]} >= CHECKLIST_IDS
    for item in data["checks"]:
        assert set(item) == {"id", "title", "status", "detail", "hint", "duration_ms"}
        assert item["status"] in ("pass", "fail", "warn", "skip")
    saved = get_profile("work").last_check
    assert saved is not None and saved.ok and saved.summary["pass"] >= 7
    assert saved.summary["warn"] == 2  # chat and no-leak: no Open WebUI, GT side only
    entry = json.loads(audit_path().read_text().splitlines()[-1])
    assert entry["action"] == "check" and entry["outcome"] == "ok"
    assert key not in audit_path().read_text()


def test_command_table_and_failure_exit(
    sandbox: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile, key = make_profile(sandbox, tmp_path)
    sandbox.revoke(profile.key_id)
    assert cli("--profile", "work") == 1
    out = capsys.readouterr().out
    assert "FAIL  key-accepted" in out and "SKIP  chat" in out
    assert out.rstrip().splitlines()[-1].startswith("FAILED:")
    assert key not in out
    saved = get_profile("work").last_check
    assert saved is not None and not saved.ok and saved.summary["fail"] >= 1


def test_command_bad_usage(sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidInput) as none_yet:
        cli()
    assert none_yet.value.exit_code == 2
    profile, _ = make_profile(sandbox, tmp_path)
    save_profile(profile)
    with pytest.raises(InvalidInput, match="no profile named 'nope'"):
        cli("--profile", "nope")
    monkeypatch.delenv("GTWIZARD_OPENWEBUI_TEST_PASSWORD", raising=False)
    with pytest.raises(InvalidInput, match="GTWIZARD_OPENWEBUI_TEST_PASSWORD"):
        cli("--test-user", "someone@example.com")
    from gtwizard.cli import main  # --timeout is refused by its parser: usage, exit 2

    assert main(["check", "--timeout", "0"]) == 2


def test_widening_a_keys_allowlist_on_the_tenant_makes_no_leak_fail(
    sandbox: Any, tmp_path: Path
) -> None:
    """Issue 5's scenario: a profile that checks clean, then the tenant widens its key."""
    import asyncio

    from gtwizard.gt.keys import KeyManager

    profile, key = make_profile(sandbox, tmp_path)
    assert run_all(profile, key).result("no-leak").status == "warn"  # no Open WebUI: GT side only

    async def widen() -> None:
        async with KeyManager(sandbox.base_url, sandbox.operator_token) as manager:
            record = await manager.update_allowlists(
                profile.key_id, agent_aliases=[*profile.agent_aliases, "finance-analyst"]
            )
            assert "finance-analyst" in record.agent_aliases

    asyncio.run(widen())
    result = run_all(profile, key).result("no-leak")
    assert result.status == "fail"
    assert "finance-analyst" in result.detail
