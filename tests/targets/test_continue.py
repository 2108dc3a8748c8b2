"""The Continue target end to end: `gtwizard setup --target continue` writes a model entry per GT
name into the operator's config.yaml and the key into the .env beside it; the real `cn` answers
through the sandbox tenant with that key; a rotation proves the new key through cn before the old
one is revoked; bad input is refused before any key is minted."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from support.cli_helpers import run_cli
from support.continue_fixture import require_cn, run_as_user
from support.rotation_helpers import key_status, stored_key, tenant_keys

from gtwizard.errors import OperationFailed
from gtwizard.gt.keys import KeyManager
from gtwizard.openwebui.envfile import EnvFile
from gtwizard.presets.catalog import load_catalog
from gtwizard.profiles import get_profile
from gtwizard.sandbox.authlog import credential_hash
from gtwizard.setup.keys import KeyChoice
from gtwizard.targets.base import ProofRequest
from gtwizard.targets.continue_config import ContinueTarget
from gtwizard.targets.openwebui import connection_for
from gtwizard.targets.registry import for_profile

NAMES = "helpdesk,llama-3.1-8b-instruct"
HEAD = """\
# my own Continue config: nothing here may move
name: Mine
version: 0.0.1
schema: v1
models:
  # the local model I use every day
  - name: Local
    provider: ollama
    model: llama3   # keep this comment
"""
TAIL = """\
context:
  - provider: code
  - provider: "diff"   # quoted on purpose
"""
OPERATOR_CONFIG = HEAD + TAIL


def workspace(tmp_path: Path, text: str | None = OPERATOR_CONFIG) -> Path:
    """A workspace whose .continue/config.yaml is the operator's own."""
    folder = tmp_path / "ws" / ".continue"
    folder.mkdir(parents=True)
    if text is not None:
        (folder / "config.yaml").write_text(text, encoding="utf-8")
    return folder.parent


def setup_args(sandbox, config: Path, profile: str, *extra: str) -> list[str]:
    return [
        "setup",
        "--preset",
        "continue",
        "--host",
        sandbox.base_url,
        "--aliases",
        NAMES,
        "--mint",
        "--target",
        "continue",
        "--continue-config",
        str(config),
        "--storage",
        "file",
        "--yes",
        "--json",
        "--profile",
        profile,
        *extra,
    ]


def cli_env(sandbox, cn: Path | None = None) -> dict[str, str]:
    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    if cn is not None:
        env["GTWIZARD_CONTINUE_CLI"] = str(cn)
    return env


def env_secret(folder: Path) -> str | None:
    return EnvFile.parse((folder / ".env").read_bytes(), "compose").get("GT_API_KEY")


def revoke(sandbox, key_id: str) -> None:
    async def go() -> None:
        async with KeyManager(sandbox.base_url, sandbox.operator_token) as manager:
            await manager.revoke(key_id)

    asyncio.run(go())


def chats_with(sandbox, secret: str) -> list[int]:
    """Positions in the tenant's authorization log of chat calls made with `secret`."""
    digest = credential_hash(secret)
    return [
        i
        for i, (method, path, seen) in enumerate(sandbox.authorizations_seen())
        if method == "POST" and path.endswith("/chat/completions") and seen == digest
    ]


def set_up(sandbox, tmp_path: Path, profile: str) -> tuple[Path, Path, CompletedProcess[str]]:
    """The real cn, the operator's workspace and `gtwizard setup --target continue` into it."""
    cn = require_cn()
    ws = workspace(tmp_path)
    out = run_cli(
        setup_args(sandbox, ws / ".continue" / "config.yaml", profile), env=cli_env(sandbox, cn)
    )
    assert out.returncode == 0, out.stderr
    return cn, ws, out


@pytest.mark.slow
def test_setup_writes_the_config_and_env_and_cn_answers_with_the_new_key(
    own_sandbox, tmp_path: Path
) -> None:
    before = {k.id for k in tenant_keys(own_sandbox)}
    cn, ws, out = set_up(own_sandbox, tmp_path, "cn")
    folder = ws / ".continue"
    config = folder / "config.yaml"
    result = json.loads(out.stdout)
    target = result["target"]
    assert target["kind"] == "continue" and target["place"] == str(config)
    assert target["env_file"] == str(folder / ".env")
    assert target["models"] == ["GT API helpdesk", "GT API llama-3.1-8b-instruct"]
    key_id = result["key"]["id"]
    assert key_id not in before

    profile = get_profile("cn")
    secret = stored_key(profile)
    assert secret and secret.startswith("gtak_")
    assert secret not in out.stdout + out.stderr
    # the key is in the .env (0600), referenced (never inline) from config.yaml
    assert env_secret(folder) == secret
    assert stat.S_IMODE((folder / ".env").stat().st_mode) == 0o600
    text = config.read_text(encoding="utf-8")
    assert secret not in text
    # the operator's bytes are kept: gtwizard's entries sit between them, nothing else changed
    assert text.startswith(HEAD) and text.endswith(TAIL), text
    ours = text[len(HEAD) : -len(TAIL)]
    base = result["base"]["openai_base"]
    for name in NAMES.split(","):
        assert (
            f"  - name: GT API {name}\n    provider: openai\n    model: {name}\n"
            f"    apiBase: {base}\n    apiKey: ${{{{ secrets.GT_API_KEY }}}}\n"
        ) in ours
    assert (folder / "config.yaml.bak").read_text(encoding="utf-8") == OPERATOR_CONFIG

    # a user's own cn run in the workspace answers, with the new key at the tenant
    own_sandbox.record_authorization()
    for name in NAMES.split(","):
        run = run_as_user(cn, ws, f"GT API {name}", tmp_path / f"home-{name}")
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip(), run.stderr
    assert len(chats_with(own_sandbox, secret)) >= 2

    # gtwizard check proves it through cn too
    check = run_cli(["check", "--profile", "cn", "--json"], env=cli_env(own_sandbox, cn))
    checks = {c["id"]: c for c in json.loads(check.stdout)["checks"]}
    proof = checks["product-proof"]
    assert proof["status"] == "pass", proof
    assert "cn answered with helpdesk, llama-3.1-8b-instruct" in proof["detail"]
    assert secret not in check.stdout + check.stderr


@pytest.mark.slow
def test_rotation_proves_through_cn_before_the_old_key_is_revoked(
    own_sandbox, tmp_path: Path
) -> None:
    cn, ws, out = set_up(own_sandbox, tmp_path, "rot")
    folder = ws / ".continue"
    config = folder / "config.yaml"
    old_id = json.loads(out.stdout)["key"]["id"]
    old_secret = stored_key(get_profile("rot"))
    assert old_secret
    config_after_setup = config.read_bytes()

    own_sandbox.record_authorization()
    rotated = run_cli(
        ["rotate", "--profile", "rot", "--yes", "--json"], env=cli_env(own_sandbox, cn)
    )
    assert rotated.returncode == 0, rotated.stderr
    report = json.loads(rotated.stdout)
    assert report["complete"] is True
    new_id = report["new_key_id"]
    new_secret = stored_key(get_profile("rot"))
    assert new_secret and new_secret != old_secret
    assert new_secret not in rotated.stdout + rotated.stderr

    # the tenant's own list: the old key revoked, the new one live
    keys = {k.id: k for k in tenant_keys(own_sandbox)}
    assert keys[old_id].revoked_at is not None
    assert keys[new_id].revoked_at is None
    assert key_status(own_sandbox, old_secret) == 401
    # only the .env changed: the config refers to the key, it does not hold it
    assert env_secret(folder) == new_secret
    assert config.read_bytes() == config_after_setup
    assert EnvFile.parse((folder / ".env.bak").read_bytes(), "compose").get("GT_API_KEY") == (
        old_secret
    )

    # order at the tenant: cn chatted with the new key before the operator revoked the old one
    seen = own_sandbox.authorizations_seen()
    revoke = [i for i, (_m, path, _h) in enumerate(seen) if old_id in path and _m != "GET"]
    proofs = chats_with(own_sandbox, new_secret)
    assert revoke and proofs, (seen, revoke)
    assert max(proofs[:2]) < min(revoke), seen
    steps = [s["name"] for s in report["steps"]]
    assert steps.index("verify") < steps.index("revoke-old")
    verify = next(s for s in report["steps"] if s["name"] == "verify")
    assert "Continue's cn answered" in verify["detail"]

    # and a user's cn keeps answering, now with the new key
    run = run_as_user(cn, ws, "GT API helpdesk", tmp_path / "home-after")
    assert run.returncode == 0 and run.stdout.strip(), run.stderr


BAD_CONFIGS = {
    "unparseable": ("models:\n  - name: [unclosed\n", "is not valid YAML"),
    "flow-style": ("models: [{name: Local, provider: ollama, model: llama3}]\n", "flow style"),
    "not-a-mapping": ("- just\n- a list\n", "not a YAML mapping"),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_refused_before_any_mint(own_sandbox, tmp_path: Path, case: str) -> None:
    text, words = BAD_CONFIGS[case]
    ws = workspace(tmp_path, text)
    config = ws / ".continue" / "config.yaml"
    before = [k.id for k in tenant_keys(own_sandbox)]

    out = run_cli(setup_args(own_sandbox, config, "bad"), env=cli_env(own_sandbox))
    assert out.returncode in (1, 2), out.stdout + out.stderr
    assert words in out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert [k.id for k in tenant_keys(own_sandbox)] == before  # nothing minted
    assert config.read_text(encoding="utf-8") == text
    assert not (ws / ".continue" / ".env").exists()


def test_a_config_outside_a_continue_folder_is_refused_before_any_mint(
    own_sandbox, tmp_path: Path
) -> None:
    """Continue reads the key's .env only from ~/.continue or a workspace's .continue: a .env
    beside a config anywhere else would never be read, so setup says so instead of minting."""
    config = tmp_path / "elsewhere" / "config.yaml"
    config.parent.mkdir()
    before = [k.id for k in tenant_keys(own_sandbox)]
    out = run_cli(setup_args(own_sandbox, config, "odd"), env=cli_env(own_sandbox))
    assert out.returncode in (1, 2), out.stdout + out.stderr
    assert "not in a .continue folder" in out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert [k.id for k in tenant_keys(own_sandbox)] == before
    assert not config.exists() and not (config.parent / ".env").exists()


@pytest.mark.slow
def test_prove_fails_when_continue_does_not_use_the_key_or_the_tenant_refuses_it(
    own_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proof that passed while Continue held another key would let a rotation revoke the key
    Continue uses: the proof reads the .env as cn does, and cn's own 401 is a failure."""
    cn, ws, out = set_up(own_sandbox, tmp_path, "pf")
    profile = get_profile("pf")
    secret = stored_key(profile)
    assert secret
    target = for_profile(profile)
    base = json.loads(out.stdout)["base"]["openai_base"]

    def prove(key: str) -> str:
        request = ProofRequest(
            secret=key, profile=profile, openai_base=base, gt_base=own_sandbox.base_url
        )
        return asyncio.run(target.prove(request))

    monkeypatch.setenv("GTWIZARD_CONTINUE_CLI", str(cn))
    assert "cn answered with helpdesk, llama-3.1-8b-instruct" in prove(secret)
    with pytest.raises(OperationFailed, match="does not hold this key"):
        prove("gtak_" + "x" * 40)
    # gtwizard's entry hidden from cn's chat models (an operator's edit): cn would answer with
    # the first chat model instead, here one of the operator's own; that is no proof of ours
    config = ws / ".continue" / "config.yaml"
    original = config.read_text(encoding="utf-8")
    ref = "${{ secrets.GT_API_KEY }}"
    edited = original.replace(
        "    provider: ollama\n    model: llama3   # keep this comment\n",
        f"    provider: openai\n    model: helpdesk\n    apiBase: {base}\n    apiKey: {ref}\n",
    ).replace(
        "  - name: GT API helpdesk\n", "  - name: GT API helpdesk\n    roles: [autocomplete]\n"
    )
    assert edited.count("\n") == original.count("\n") + 3  # both edits made
    config.write_text(edited, encoding="utf-8")
    with pytest.raises(OperationFailed, match="not with the entry 'GT API helpdesk'"):
        prove(secret)
    config.write_text(original, encoding="utf-8")
    # the .env's key revoked at the tenant: cn itself gets the 401
    revoke(own_sandbox, profile.key_id)
    with pytest.raises(OperationFailed) as failed:
        prove(secret)
    assert "401" in failed.value.message
    assert secret not in failed.value.message + failed.value.hint


def test_a_new_key_replaces_gtwizards_entries_in_place(tmp_path: Path) -> None:
    """Applied twice (a re-setup, a rotation), the config keeps one entry per name and the
    operator's bytes; the .env keeps its other lines and holds the second key only."""
    folder = workspace(tmp_path) / ".continue"
    (folder / ".env").write_text("# mine\nOTHER_SECRET=keep-me\n", encoding="utf-8")
    target = ContinueTarget(folder / "config.yaml")
    choice = KeyChoice(
        load_catalog().key_preset("agentic-editor"),
        ("inference:chat",),
        ("helpdesk",),
        ("llama-3.1-8b-instruct", "text-embedding-small"),
        embedding_model="text-embedding-small",
    )
    keys = ["gtak_" + "a" * 40, "gtak_" + "b" * 40]
    texts = []
    for key in keys:
        connection = connection_for(choice, "https://gt.example/api/tenant/v1", key)
        target.check_edit(choice, connection.openai_base)
        plan = target.plan(connection, choice)
        review, fields = target.review(plan)
        assert key not in review + json.dumps(fields)
        asyncio.run(target.apply(connection, ca_bundle=None, plan=plan))
        texts.append((folder / "config.yaml").read_text(encoding="utf-8"))
    assert texts[0] == texts[1]  # the reference did not change, so neither did the file
    assert texts[1].count("name: GT API ") == 2  # chat names only: no embedding model
    assert texts[1].startswith(HEAD) and texts[1].endswith(TAIL)
    env = (folder / ".env").read_text(encoding="utf-8")
    assert env == f"# mine\nOTHER_SECRET=keep-me\nGT_API_KEY={keys[1]}\n"
    assert stat.S_IMODE((folder / ".env").stat().st_mode) == 0o600
    base = "https://gt.example/api/tenant/v1"
    assert asyncio.run(target.read_key(base, ca_bundle=None)) == keys[1]
    assert asyncio.run(target.holds(keys[1], base, ca_bundle=None)) is True
    assert asyncio.run(target.holds(keys[0], base, ca_bundle=None)) is False
    assert asyncio.run(target.read_key("https://elsewhere.example/v1", ca_bundle=None)) is None


def test_a_missing_continue_folder_is_refused_before_any_mint(own_sandbox, tmp_path: Path) -> None:
    config = tmp_path / "nowhere" / ".continue" / "config.yaml"
    before = [k.id for k in tenant_keys(own_sandbox)]
    out = run_cli(setup_args(own_sandbox, config, "gone"), env=cli_env(own_sandbox))
    assert out.returncode in (1, 2), out.stdout + out.stderr
    assert f"the folder {config.parent} does not exist" in out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert [k.id for k in tenant_keys(own_sandbox)] == before
    assert not config.parent.exists()


def test_without_cn_a_rotation_keeps_both_keys_until_the_operators_word(
    own_sandbox, tmp_path: Path
) -> None:
    """Nothing here can run Continue: the new key is written, nothing is revoked, check warns;
    `--finish --revoke-without-proof` is the operator's word."""
    folder = workspace(tmp_path) / ".continue"
    no_cn = cli_env(own_sandbox)
    no_cn["GTWIZARD_CONTINUE_CLI"] = str(tmp_path / "no-cn-here")
    out = run_cli(setup_args(own_sandbox, folder / "config.yaml", "nocn"), env=no_cn)
    assert out.returncode == 0, out.stderr
    old_id = json.loads(out.stdout)["key"]["id"]

    check = run_cli(["check", "--profile", "nocn", "--json"], env=no_cn)
    proof = {c["id"]: c for c in json.loads(check.stdout)["checks"]}["product-proof"]
    assert proof["status"] == "warn" and "cn" in proof["detail"], proof

    rotated = run_cli(["rotate", "--profile", "nocn", "--yes", "--json"], env=no_cn)
    report = json.loads(rotated.stdout)
    assert report["complete"] is False, report
    assert rotated.returncode == 0, rotated.stderr
    assert any("--revoke-without-proof" in step for step in report["remaining"]), report
    new_secret = env_secret(folder)
    keys = {k.id: k for k in tenant_keys(own_sandbox)}
    assert keys[old_id].revoked_at is None  # both keys live: nothing proved the new one
    assert len([k for k in keys.values() if k.revoked_at is None]) == 2
    assert new_secret and key_status(own_sandbox, new_secret) == 200

    finish = ["rotate", "--finish", "--profile", "nocn", "--revoke-without-proof", "--yes"]
    done = run_cli(finish, env=no_cn)
    assert done.returncode == 0, done.stdout + done.stderr
    assert tenant_keys_by_id(own_sandbox)[old_id].revoked_at is not None
    assert env_secret(folder) == new_secret == stored_key(get_profile("nocn"))


def tenant_keys_by_id(sandbox) -> dict:
    return {k.id: k for k in tenant_keys(sandbox)}


def test_a_narrower_key_drops_gtwizards_entries_for_names_it_no_longer_reaches(
    tmp_path: Path,
) -> None:
    """Re-set up with fewer names: cn must not keep offering a model the new key gets 403s
    for. Only gtwizard's own entries go (its name prefix and key reference); the operator's
    stay byte for byte."""
    folder = workspace(tmp_path) / ".continue"
    target = ContinueTarget(folder / "config.yaml")
    preset = load_catalog().key_preset("agentic-editor")
    base = "https://gt.example/api/tenant/v1"
    texts = []
    for names in (("helpdesk", "llama-3.1-8b-instruct"), ("helpdesk",)):
        choice = KeyChoice(preset, ("inference:chat",), ("helpdesk",), names)
        connection = connection_for(choice, base, "gtak_" + "c" * 40)
        plan = target.plan(connection, choice)
        asyncio.run(target.apply(connection, ca_bundle=None, plan=plan))
        texts.append((folder / "config.yaml").read_text(encoding="utf-8"))
    assert "name: GT API llama-3.1-8b-instruct" in texts[0]
    assert "llama-3.1-8b-instruct" not in texts[1]
    assert texts[1].count("name: GT API ") == 1
    assert texts[1].startswith(HEAD) and texts[1].endswith(TAIL)
    assert (folder / "config.yaml.bak").read_text(encoding="utf-8") == texts[0]
