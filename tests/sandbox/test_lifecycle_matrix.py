"""Fault injection over the whole key lifecycle, against the sandbox tenant's own key list.

Setup, re-setup (--replace) and rotation are interrupted at every step boundary and inside each
step (after the mint request is journaled, after the mint answer, after the store write, after the
target write), with SIGKILL, with Ctrl-C (SIGINT) and with an error, then resolved the way
gtwizard tells the operator to (resume, finish or abort, read from `status`). After the
interruption and after the resolution, DESIGN §6b must hold: no live key that nothing refers to,
every target on a live key, no secret in any output or state file, and the run's words true.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.cli_helpers import mint_setup_args, run_cli
from support.lifecycle_helpers import assert_invariants, env_key, resolve
from support.rotation_helpers import key_status, setup_profile, tenant_keys
from support.secret_service import SecretServiceHandle, real_secret_service  # noqa: F401

from gtwizard.lifecycle.journal import CRASH_HOOK_ENV, CRASH_SIGNAL_ENV, open_journal
from gtwizard.profiles import load_profiles

NAMES = ["helpdesk"]
SETUP_POINTS = [
    "preflight",
    "mint:intent",
    "mint:answered",
    "mint",
    "store-pending:written",
    "store-pending",
    "apply:written",
    "apply",
    "save",
]
ROTATE_POINTS = [*SETUP_POINTS[:-1], "verify"]  # the same up to apply; then the proof
FINISH_POINTS = ["revoke-old", "promote"]
INSIDE = ["mint:answered", "store-pending:written", "apply:written"]
FINISH = ["--finish", "--revoke-without-proof"]


@pytest.fixture
def op_env(sandbox) -> dict[str, str]:
    return {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}


def interrupt(args: list[str], env: dict[str, str], point: str, how: str):
    out = run_cli(args, env={**env, CRASH_HOOK_ENV: point, CRASH_SIGNAL_ENV: how})
    expected = {"KILL": -signal.SIGKILL, "INT": 130, "RAISE": 1}[how]
    assert out.returncode == expected, (point, how, out.returncode, out.stderr)
    assert "Traceback" not in out.stderr
    return out


def check(sandbox, name: str, env_file: Path, texts: list[str], tmp: Path, where: str) -> None:
    assert_invariants(
        sandbox,
        prefix=f"gtwizard-{name}-",
        env_files=[env_file],
        texts=texts,
        state_dir=tmp / "state",
        where=where,
    )


def settled(sandbox, name: str, env_file: Path) -> None:
    """After resolution: nothing open; a saved profile's key is what its target holds, live."""
    assert open_journal(name) is None
    profile = load_profiles().get(name)
    if profile is not None:
        from support.rotation_helpers import stored_key

        held = env_key(env_file)
        assert held is not None and key_status(sandbox, held) == 200
        if profile.storage_kind != "none":
            assert stored_key(profile) == held


def setup_args(sandbox, name: str, env_file: Path, storage: str, *extra: str) -> list[str]:
    return mint_setup_args(
        sandbox.base_url,
        NAMES,
        "--profile",
        name,
        "--env-file",
        str(env_file),
        "--yes",
        *extra,
        storage=storage,
    )


def run_setup_case(
    sandbox, tmp_path, op_env, point, how, prefer_abort, storage="file", *, replace=False
):
    name = f"s{abs(hash((point, how, prefer_abort, storage, replace))) % 10**8}"
    env_file = tmp_path / f"{name}.env"
    texts: list[str] = []
    if replace:
        setup_profile(sandbox, name, ["--env-file", str(env_file)], op_env, storage=storage)
    out = interrupt(
        setup_args(sandbox, name, env_file, storage, *(["--replace"] if replace else [])),
        op_env,
        point,
        how,
    )
    texts += [out.stdout, out.stderr]
    where = f"setup{' --replace' if replace else ''} {storage} {point} {how}"
    check(sandbox, name, env_file, texts, tmp_path, where)
    if how != "KILL" and not replace and open_journal(name) is None:
        # Ctrl-C or an error before the target held the key: undone, and said so
        assert env_key(env_file) is None or load_profiles().get(name) is not None
    texts += resolve(name, op_env, prefer_abort=prefer_abort)
    check(sandbox, name, env_file, texts, tmp_path, where + " resolved")
    settled(sandbox, name, env_file)


@pytest.mark.slow
@pytest.mark.parametrize("prefer_abort", [False, True], ids=["resume", "abort"])
@pytest.mark.parametrize("point", SETUP_POINTS)
def test_setup_killed_then_resolved(sandbox, tmp_path, op_env, point, prefer_abort) -> None:
    run_setup_case(sandbox, tmp_path, op_env, point, "KILL", prefer_abort)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["INT", "RAISE"])
@pytest.mark.parametrize("point", SETUP_POINTS)
def test_setup_interrupted_or_failing_then_resolved(sandbox, tmp_path, op_env, point, how) -> None:
    run_setup_case(sandbox, tmp_path, op_env, point, how, prefer_abort=False)


@pytest.mark.slow
@pytest.mark.parametrize("prefer_abort", [False, True], ids=["resume", "abort"])
@pytest.mark.parametrize("point", SETUP_POINTS)
def test_resetup_killed_then_resolved(sandbox, tmp_path, op_env, point, prefer_abort) -> None:
    run_setup_case(sandbox, tmp_path, op_env, point, "KILL", prefer_abort, replace=True)


def run_rotate_case(sandbox, tmp_path, op_env, point, how, prefer_abort, storage="file") -> None:
    name = f"r{abs(hash((point, how, prefer_abort, storage))) % 10**8}"
    env_file = tmp_path / f"{name}.env"
    before = setup_profile(sandbox, name, ["--env-file", str(env_file)], op_env, storage=storage)
    old_secret = env_key(env_file)
    assert old_secret
    args = ["rotate", "--profile", name, "--yes"]
    if point in FINISH_POINTS:
        waited = run_cli(args, env=op_env)
        assert waited.returncode == 0, waited.stderr
        args = ["rotate", "--profile", name, *FINISH]
    out = interrupt(args, op_env, point, how)
    texts = [out.stdout, out.stderr]
    where = f"rotate {storage} {point} {how}"
    check(sandbox, name, env_file, texts, tmp_path, where)
    if point not in FINISH_POINTS:  # proof before revoke: the old key is never revoked unproven
        assert key_status(sandbox, old_secret) == 200, where
    texts += resolve(name, op_env, prefer_abort=prefer_abort)
    check(sandbox, name, env_file, texts, tmp_path, where + " resolved")
    settled(sandbox, name, env_file)
    after = load_profiles()[name]
    if after.key_id != before.key_id:  # finished: the old key is revoked, after the proof
        assert key_status(sandbox, old_secret) == 401, where
    else:  # aborted: the old key is back in the target and live
        assert env_key(env_file) == old_secret and key_status(sandbox, old_secret) == 200


@pytest.mark.slow
@pytest.mark.parametrize("prefer_abort", [False, True], ids=["resume", "abort"])
@pytest.mark.parametrize("point", ROTATE_POINTS + FINISH_POINTS)
def test_rotation_killed_then_resolved(sandbox, tmp_path, op_env, point, prefer_abort) -> None:
    run_rotate_case(sandbox, tmp_path, op_env, point, "KILL", prefer_abort)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["INT", "RAISE"])
@pytest.mark.parametrize("point", ROTATE_POINTS + FINISH_POINTS)
def test_rotation_interrupted_or_failing_then_resolved(
    sandbox, tmp_path, op_env, point, how
) -> None:
    run_rotate_case(sandbox, tmp_path, op_env, point, how, prefer_abort=False)


@pytest.mark.slow
@pytest.mark.parametrize("point", INSIDE)
def test_storage_none_inside_each_step(sandbox, tmp_path, op_env, point) -> None:
    """With no secret store the target is the only copy: which key it holds is read, not assumed."""
    run_setup_case(sandbox, tmp_path, op_env, point, "KILL", False, storage="none")
    run_rotate_case(sandbox, tmp_path, op_env, point, "KILL", False, storage="none")
    run_rotate_case(sandbox, tmp_path, op_env, point, "KILL", True, storage="none")


@pytest.mark.slow
@pytest.mark.secret_service
@pytest.mark.parametrize("point", INSIDE)
def test_keyring_inside_each_step(request, sandbox, tmp_path, op_env, monkeypatch, point) -> None:
    service: SecretServiceHandle = request.getfixturevalue("real_secret_service")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", service.address)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    run_setup_case(sandbox, tmp_path, op_env, point, "KILL", False, storage="keyring")
    run_rotate_case(sandbox, tmp_path, op_env, point, "KILL", True, storage="keyring")


# ---- concurrency, SSH without a keyring, failures after apply ---------------------------------


def test_two_rotations_at_once_one_is_refused(sandbox, tmp_path, op_env) -> None:
    """A second rotation, or a re-setup, of a profile being rotated is refused at once, naming the
    run that holds it; it mints nothing."""
    import os

    env_file = tmp_path / "twice.env"
    setup_profile(sandbox, "twice", ["--env-file", str(env_file)], op_env)
    sandbox.set_faults(latency_ms=400)  # the first rotation takes a few seconds
    try:
        first = subprocess.Popen(
            [sys.executable, "-m", "gtwizard", "rotate", "--profile", "twice", "--yes", "--json"],
            env={**os.environ, **op_env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            lock = tmp_path / "state" / "locks" / "twice.lock"
            for _ in range(200):
                if lock.exists() and lock.read_text():
                    break
                time.sleep(0.05)
            second = run_cli(["rotate", "--profile", "twice", "--yes"], env=op_env)
            setup = run_cli(
                setup_args(sandbox, "twice", tmp_path / "other.env", "file", "--replace"),
                env=op_env,
            )
            out, err = first.communicate(timeout=120)
        finally:
            if first.poll() is None:
                first.kill()
    finally:
        sandbox.clear_faults()
    assert first.returncode == 0, err
    assert second.returncode == 1 and "is busy" in second.stderr and "pid" in second.stderr
    assert setup.returncode == 1 and "is busy" in setup.stderr
    assert json.loads(out)["state"] == "waiting"
    ours = [k for k in tenant_keys(sandbox) if k.name.startswith("gtwizard-twice-")]
    assert len(ours) == 2  # the setup's key and one rotation's: the refused runs minted nothing
    check(sandbox, "twice", env_file, [second.stderr, setup.stderr], tmp_path, "concurrent")


def test_rotation_over_ssh_without_keyring_mints_nothing(
    sandbox, tmp_path, op_env, monkeypatch
) -> None:
    """No D-Bus session: the store is proven with a canary before any key is minted."""
    env_file = tmp_path / "ssh.env"
    setup_profile(sandbox, "ssh", ["--env-file", str(env_file)], op_env)
    from gtwizard.profiles import get_profile, save_profile

    profile = get_profile("ssh")
    profile.storage_kind, profile.storage_location = "keyring", "OS keyring"
    save_profile(profile)  # as if set up in the desktop session, rotated over plain SSH
    before = len(tenant_keys(sandbox))
    out = run_cli(
        ["rotate", "--profile", "ssh", "--yes"],
        env=op_env,
        drop=["DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND"],
    )
    assert out.returncode != 0
    assert len(tenant_keys(sandbox)) == before, "a key was minted that could not be stored"
    check(sandbox, "ssh", env_file, [out.stdout, out.stderr], tmp_path, "ssh")


def test_setup_refusals_happen_before_minting(sandbox, tmp_path, op_env) -> None:
    """A quoted value in the env file, a broken config.toml or a secret-shaped profile name is
    refused before any key exists: the tenant collects no revoked keys, the error is one line."""
    quoted = tmp_path / "quoted.env"
    quoted.write_text('OPENAI_API_BASE_URL="http://x/v1"\n')
    before = len(tenant_keys(sandbox))
    out = run_cli(setup_args(sandbox, "quoted", quoted, "file"), env=op_env)
    assert out.returncode == 2 and out.stderr.count("\n") == 1, out.stderr
    secretish = run_cli(
        setup_args(sandbox, "gtak_abcdefghijklmnopqrstuv", tmp_path / "n.env", "file"), env=op_env
    )
    assert secretish.returncode == 2 and "looks like a secret" in secretish.stderr
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[profiles\n")
    broken = run_cli(setup_args(sandbox, "broken", tmp_path / "b.env", "file"), env=op_env)
    assert broken.returncode == 2 and "config.toml" in broken.stderr
    assert len(tenant_keys(sandbox)) == before


def test_failure_after_apply_keeps_the_key_and_resume_finishes(sandbox, tmp_path, op_env) -> None:
    env_file = tmp_path / "late.env"
    out = interrupt(setup_args(sandbox, "late", env_file, "file"), op_env, "apply", "RAISE")
    assert "stays live" in out.stderr and "setup --resume --profile late" in out.stderr
    held = env_key(env_file)
    assert held and key_status(sandbox, held) == 200
    status = json.loads(run_cli(["status", "--json"]).stdout)
    assert status["in_progress"][0]["commands"][0] == "gtwizard setup --resume --profile late"
    resumed = run_cli(["setup", "--resume", "--profile", "late"], env=op_env)
    assert resumed.returncode == 0, resumed.stderr
    assert load_profiles()["late"].key_id and key_status(sandbox, held) == 200
    check(sandbox, "late", env_file, [out.stderr, resumed.stdout], tmp_path, "after apply")


def test_resetup_retires_the_old_key_only_after_the_new_one(sandbox, tmp_path, op_env) -> None:
    env_file = tmp_path / "again.env"
    first = setup_profile(sandbox, "again", ["--env-file", str(env_file)], op_env)
    old_secret = env_key(env_file)
    out = run_cli(setup_args(sandbox, "again", env_file, "file", "--replace"), env=op_env)
    assert out.returncode == 0, out.stderr
    assert "stays valid" in out.stdout  # env file, no Open WebUI: the old key waits for proof
    assert key_status(sandbox, old_secret) == 200
    resolve("again", op_env, prefer_abort=False)
    assert key_status(sandbox, old_secret) == 401
    assert load_profiles()["again"].key_id != first.key_id
    removed = run_cli(["profiles", "remove", "again", "--yes", "--json"], env=op_env)
    assert removed.returncode == 0, removed.stderr
    ours = [k for k in tenant_keys(sandbox) if k.name.startswith("gtwizard-again-")]
    assert ours and all(k.revoked for k in ours), "remove revokes every key of the profile"


@pytest.mark.secret_service
@pytest.mark.parametrize(("before", "after"), [("keyring", "file"), ("file", "keyring")])
def test_resetup_to_another_store_deletes_the_old_copy_there(
    request, sandbox, tmp_path, op_env, monkeypatch, before, after
) -> None:
    """A re-setup that keeps the key elsewhere leaves no copy of the old key in the old store."""
    from gtwizard.secrets import key_entry, open_store

    service: SecretServiceHandle = request.getfixturevalue("real_secret_service")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", service.address)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    name = f"move-{before}"
    env_file = tmp_path / f"{name}.env"
    first = setup_profile(sandbox, name, ["--env-file", str(env_file)], op_env, storage=before)
    old_store = open_store(before, path=None)
    old_entry = key_entry(name, first.key_id or "")
    assert old_store.get(old_entry) == env_key(env_file), "the first setup stored its key"
    out = run_cli(setup_args(sandbox, name, env_file, after, "--replace"), env=op_env)
    assert out.returncode == 0, out.stderr
    assert old_store.get(old_entry), "the old key stays stored until it is retired"
    texts = [out.stdout, *resolve(name, op_env, prefer_abort=False)]
    profile = load_profiles()[name]
    assert profile.storage_kind == after and profile.key_id != first.key_id
    assert old_store.get(old_entry) is None, f"the old key's copy is still in {before}"
    new_store = open_store(after, path=None)
    assert new_store.get(key_entry(name, profile.key_id or "")) == env_key(env_file)
    check(sandbox, name, env_file, texts, tmp_path, "after the move")


def test_keys_lists_and_revokes_orphans(own_sandbox, tmp_path) -> None:
    sandbox = own_sandbox
    op_env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}
    env_file = tmp_path / "orph.env"
    setup_profile(sandbox, "orph", ["--env-file", str(env_file)], op_env)
    stray_id, _ = sandbox.seed_key(["inference:chat"], agent_aliases=NAMES)
    import asyncio

    from gtwizard.gt.keys import KeyManager, MintRequest
    from gtwizard.setup.keys import key_name

    async def mint_stray(name: str) -> str:
        async with KeyManager(sandbox.base_url, sandbox.operator_token) as manager:
            minted = await manager.mint(
                MintRequest(
                    name=name,
                    purpose="inference",
                    scopes=("inference:chat",),
                    agent_aliases=tuple(NAMES),
                    raw_models=(),
                )
            )
            return minted.id

    # a key this installation minted that nothing refers to (a mint whose answer was lost, its
    # journal gone): its name carries this installation's identity
    orphan = asyncio.run(mint_stray(key_name("orph", "open-webui")))
    # a key named for the profile in the old form, in no ledger here: another installation's
    legacy = asyncio.run(mint_stray("gtwizard-orph-open-webui-20200101-000000"))
    listed = run_cli(["keys", "--json"], env=op_env)
    assert listed.returncode == 1
    data = json.loads(listed.stdout)
    assert data["orphans"] == [orphan]
    owners = {k["id"]: k["owner"] for t in data["tenants"] for k in t["keys"]}
    assert owners[legacy] == "other-installation" and owners[stray_id] == "unknown"
    fixed = run_cli(["keys", "--revoke-orphans", "--yes", "--json"], env=op_env)
    assert fixed.returncode == 0, fixed.stderr
    assert json.loads(fixed.stdout)["revoked"] == [orphan]
    live = {k.id for k in tenant_keys(sandbox) if not k.revoked}
    assert legacy in live and stray_id in live, "a key that is not ours was revoked"
    # the operator names the legacy key (it was this host's after all) and confirms it
    named = ["keys", "--revoke-key", legacy, "--confirm-foreign", legacy, "--json"]
    gone = run_cli(named, env=op_env)
    assert gone.returncode == 0 and json.loads(gone.stdout)["revoked"] == [legacy], gone.stderr
    check(sandbox, "orph", env_file, [listed.stdout, fixed.stdout], tmp_path, "keys")


def test_env_file_rotation_refused_when_open_webui_keeps_its_database(
    sandbox, tmp_path, op_env
) -> None:
    """Open WebUI answers at the profile's URL (it has started) and the env file does not win over
    its database: an env-file edit would change nothing, so the rotation says so and mints
    nothing."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from gtwizard.profiles import get_profile, save_profile

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/health" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"status": true}')

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env_file = tmp_path / "started.env"
        setup_profile(sandbox, "started", ["--env-file", str(env_file)], op_env)
        profile = get_profile("started")
        profile.openwebui_url = f"http://127.0.0.1:{server.server_address[1]}"
        save_profile(profile)
        before = len(tenant_keys(sandbox))
        out = run_cli(["rotate", "--profile", "started", "--yes"], env=op_env)
    finally:
        server.shutdown()
    assert out.returncode == 1, out.stderr
    assert "would not take effect" in out.stderr and "--openwebui-url" in out.stderr
    assert len(tenant_keys(sandbox)) == before
    assert open_journal("started") is None  # refused before a key: nothing left in progress


def test_a_mint_the_tenant_refused_leaves_nothing_in_progress(sandbox, tmp_path, op_env) -> None:
    """The tenant refuses the mint request with a 4xx, so it made no key: the run fails with one
    line and leaves no work in progress, and the next run just works."""
    env_file = tmp_path / "refused.env"
    setup_profile(sandbox, "refused", ["--env-file", str(env_file)], op_env)
    before = len(tenant_keys(sandbox))
    sandbox.set_faults(error_status=400, error_rate=1.0, path_prefix="/manage/v1/keys")
    try:
        out = run_cli(["rotate", "--profile", "refused", "--yes"], env=op_env)
    finally:
        sandbox.clear_faults()
    assert out.returncode == 1 and out.stderr.count("\n") == 1, out.stderr
    assert open_journal("refused") is None and len(tenant_keys(sandbox)) == before
    again = run_cli(["rotate", "--profile", "refused", "--yes"], env=op_env)
    assert again.returncode == 0, again.stderr
