"""`gtwizard setup` at its edges: bad values refused before any key, a key never echoed, a
question answered with Ctrl-C or Ctrl-D, and a setup that fails or is interrupted midway saying
what it left and the command that resolves it. Against the sandbox tenant over real sockets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli_helpers import mint_setup_args, run_cli
from support.rotation_helpers import tenant_keys

NAMES = "helpdesk,llama-3.1-8b-instruct"


def _env(sandbox) -> dict[str, str]:
    return {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}


def _minted(sandbox) -> set[str]:
    """Every key the tenant lists, revoked ones too (a mint then a revoke is still a mint)."""
    return {key.id for key in tenant_keys(sandbox)}


def _one_line_refusal(out, code: int = 2) -> str:
    assert out.returncode == code, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1, out.stderr
    return out.stderr


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (
            ["--expires-days", "99999999"],
            "--expires-days: '99999999' is not a whole number of days from 1 to 3650",
        ),
        (
            ["--expires-days", "0"],
            "--expires-days: '0' is not a whole number of days from 1 to 3650",
        ),
        (
            ["--expires-days", "-5"],
            "--expires-days: '-5' is not a whole number of days from 1 to 3650",
        ),
        (["--env-file", ""], "--env-file is empty"),
        (["--env-file", "x.env", "--prove-url", " "], "--prove-url is empty"),
        (["--openwebui-url", ""], "--openwebui-url is empty"),
    ],
)
@pytest.mark.parametrize("dry_run", [False, True])
def test_bad_values_are_refused_before_any_key(
    sandbox, isolated_dirs: Path, extra: list[str], fragment: str, dry_run: bool
) -> None:
    before = _minted(sandbox)
    args = mint_setup_args(sandbox.base_url, NAMES, *extra, "--profile", "edges")
    out = run_cli([*args, *(["--dry-run"] if dry_run else [])], env=_env(sandbox))
    assert fragment in _one_line_refusal(out)
    assert _minted(sandbox) == before, "nothing may be minted"


@pytest.mark.parametrize("where", ["missing/x.yaml", "."])
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_snippet_path_that_cannot_be_written_is_refused_before_any_key(
    sandbox, isolated_dirs: Path, where: str, dry_run: bool
) -> None:
    before = _minted(sandbox)
    args = [
        "setup",
        "--preset",
        "hermes",
        "--host",
        sandbox.base_url,
        "--aliases",
        "helpdesk",
        "--mint",
        "--yes",
        "--storage",
        "file",
        "--snippet",
        str(isolated_dirs / where),
        *(["--dry-run"] if dry_run else []),
    ]
    err = _one_line_refusal(run_cli(args, env=_env(sandbox)))
    assert "does not exist" in err or "is a folder" in err
    assert _minted(sandbox) == before, "nothing may be minted"


def test_expires_days_in_range_is_sent(sandbox, isolated_dirs: Path) -> None:
    out = run_cli(
        mint_setup_args(sandbox.base_url, NAMES, "--expires-days", "1", "--json"),
        env=_env(sandbox),
    )
    assert out.returncode == 0, out.stderr
    key_id = json.loads(out.stdout)["key"]["id"]
    (record,) = [key for key in tenant_keys(sandbox) if key.id == key_id]
    assert record.expires_at, "a key asked to expire carries its expiry"


@pytest.mark.parametrize("command", ["setup", "probe"])
@pytest.mark.parametrize("as_json", [False, True])
def test_user_info_in_the_host_is_never_echoed(
    sandbox, isolated_dirs: Path, command: str, as_json: bool
) -> None:
    secret = "gtak_" + "S3cr3t" * 6
    host = f"https://{secret}@tenant.example.com"
    args = mint_setup_args(host, NAMES) if command == "setup" else ["probe", host]
    out = run_cli([*args, *(["--json"] if as_json else [])], env=_env(sandbox))
    assert out.returncode == 2, out.stderr
    assert secret not in out.stdout + out.stderr and "S3cr3t" not in out.stdout + out.stderr
    assert "tenant.example.com" in out.stdout + out.stderr
    assert "user name or password" in out.stdout + out.stderr


# ---- a real terminal: the pasted key is not echoed; Ctrl-D and Ctrl-C at the question --------


@pytest.fixture
def terminal(isolated_dirs: Path):
    """`start(args, env)` runs `gtwizard ARGS` in a private tmux server's 200x50 terminal and
    returns the session; the shell then prints EXIT=<code>."""
    import os
    import shlex
    import shutil
    import subprocess
    import sys

    from support.tmux_session import Tmux

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    session = Tmux(f"gtwizard-setup-{os.getpid()}-{isolated_dirs.name}")

    def start(args: list[str], env: dict[str, str]) -> Tmux:
        names = [n for n in os.environ if n.startswith("GTWIZARD_")] + list(env)
        script = isolated_dirs / "run.sh"  # the environment in a file, not on a command line
        merged = {**os.environ, **env}
        script.write_text(
            "unset DBUS_SESSION_BUS_ADDRESS\ntrap true INT\n"  # the shell outlives a Ctrl-C
            + "".join(f"export {n}={shlex.quote(merged[n])}\n" for n in sorted(set(names)))
            + f"{shlex.join([sys.executable, '-m', 'gtwizard', *args])}\n"
            + "echo EXIT=$?\nsleep 600\n"
        )
        session.run("new-session", "-d", "-s", "demo", "-x", "200", "-y", "50", f"sh {script}")
        return session

    try:
        yield start
    finally:
        subprocess.run([*session.base, "kill-server"], capture_output=True, timeout=30)


@pytest.mark.slow
def test_a_key_pasted_on_a_terminal_is_not_echoed(sandbox, terminal, isolated_dirs) -> None:
    from gtwizard.sandbox.catalog import DEMO_AGENT_ALIASES

    _, secret = sandbox.seed_key(["inference:chat"], agent_aliases=DEMO_AGENT_ALIASES)
    env_file = isolated_dirs / "owui.env"
    args = [
        "setup",
        "--preset",
        "open-webui",
        "--host",
        sandbox.base_url,
        "--aliases",
        ",".join(DEMO_AGENT_ALIASES),
        "--key-stdin",
        "--storage",
        "none",
        "--env-file",
        str(env_file),
        "--yes",
    ]
    tmux = terminal(args, {})
    tmux.wait_for("GT key (gtak_")
    tmux.keys("-l", secret)
    tmux.keys("Enter")
    screen = tmux.wait_for("EXIT=")
    assert "EXIT=0" in screen, screen
    assert secret not in screen and secret[:12] not in screen, "the pasted key is never shown"
    assert f"OPENAI_API_KEY={secret}\n" in env_file.read_text()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("key", "code", "said"),
    [
        ("C-d", 1, "cancelled; nothing was minted, stored or written"),
        ("C-c", 130, "interrupted; nothing was left half-written"),
        ("n", 1, "cancelled; nothing was minted, stored or written"),
    ],
)
def test_ctrl_d_and_ctrl_c_at_the_question(
    sandbox, terminal, isolated_dirs, key: str, code: int, said: str
) -> None:
    before = _minted(sandbox)
    args = mint_setup_args(
        sandbox.base_url, NAMES, "--profile", "asked", "--env-file", str(isolated_dirs / "e.env")
    )
    args.remove("--yes")
    tmux = terminal(args, _env(sandbox))
    tmux.wait_for("Go ahead? [y/N]")
    tmux.keys(key, *(["Enter"] if key == "n" else []))
    screen = tmux.wait_for("EXIT=")
    assert f"EXIT={code}" in screen and said in screen, screen
    assert "unexpected error" not in screen and "Traceback" not in screen, screen
    assert _minted(sandbox) == before, "nothing was minted"
    status = run_cli(["status", "--json"])
    assert "asked" not in status.stdout, "no setup left in progress"


# ---- a setup that fails or is interrupted midway names what it left and how to resolve it -----


def _journal_open(profile: str) -> bool:
    from gtwizard.lifecycle.journal import open_journal

    return open_journal(profile) is not None


def test_a_failed_mint_left_open_names_the_command_that_resolves_it(
    own_sandbox, isolated_dirs: Path
) -> None:
    profile = "k2"
    env_file = isolated_dirs / "k2.env"
    args = mint_setup_args(
        own_sandbox.base_url, NAMES, "--profile", profile, "--env-file", str(env_file)
    )
    own_sandbox.set_faults(error_status=500, error_rate=1.0, path_prefix="/manage/v1/keys")
    text = run_cli(args, env=_env(own_sandbox))
    as_json = run_cli([*args, "--profile", "k2j", "--json"], env=_env(own_sandbox))
    assert text.returncode == 1 and as_json.returncode == 1, (text.stderr, as_json.stderr)
    assert "Traceback" not in text.stderr + as_json.stderr
    assert _journal_open(profile), "the mint may have made the key: the journal stays open"
    assert f"gtwizard setup --abort --profile {profile}" in text.stderr, text.stderr
    assert "undone: nothing had been created" not in text.stderr
    report = json.loads(as_json.stdout)
    assert report["ok"] is False
    assert report["remaining"] == ["gtwizard setup --abort --profile k2j"], report
    assert "gtwizard setup --abort --profile k2j" in report["hint"]
    assert {step["name"] for step in report["steps"]} >= {"mint", "apply"}

    # the abort while the tenant still fails: its JSON too says what is left and what to run
    failed_abort = run_cli(
        ["setup", "--abort", "--profile", profile, "--json"], env=_env(own_sandbox)
    )
    assert failed_abort.returncode == 1, failed_abort.stderr
    report = json.loads(failed_abort.stdout)
    assert report["remaining"] == [f"gtwizard setup --abort --profile {profile}"], report
    assert report["steps"], report

    own_sandbox.clear_faults()
    for name in (profile, "k2j"):  # the command it named resolves it
        out = run_cli(["setup", "--abort", "--profile", name], env=_env(own_sandbox))
        assert out.returncode == 0, out.stderr
        assert not _journal_open(name)
    assert run_cli(args, env=_env(own_sandbox)).returncode == 0, "the retry now runs"


def _interrupted(sandbox, args: list[str], env: dict[str, str], after_s: float):
    """`gtwizard ARGS` sent SIGINT (Ctrl-C) after `after_s` seconds."""
    import os
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "gtwizard", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **_env(sandbox), **env},
    )
    time.sleep(after_s)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


@pytest.mark.slow
@pytest.mark.parametrize("as_json", [False, True])
def test_an_interrupted_mint_says_what_it_did(own_sandbox, isolated_dirs, as_json) -> None:
    """Ctrl-C while the mint's answer drips in: the undo finds the key by its name and revokes
    it, and the output says exactly that (never the generic "nothing was left half-written")."""
    own_sandbox.set_faults(drip_ms=300, path_prefix="/manage/v1/keys")
    args = mint_setup_args(
        own_sandbox.base_url, NAMES, "--profile", "k4", "--env-file", str(isolated_dirs / "e")
    )
    code, out, err = _interrupted(own_sandbox, [*args, *(["--json"] if as_json else [])], {}, 4)
    own_sandbox.clear_faults()
    assert code == 130, (out, err)
    assert "nothing was left half-written" not in out + err, (out, err)
    assert "Traceback" not in err and err.count("\n") == 1, err
    keys = tenant_keys(own_sandbox)
    assert keys and all(key.revoked_at for key in keys), "the interrupted mint's key is revoked"
    assert f"revoked the key {keys[0].id}" in err
    assert not _journal_open("k4")
    if as_json:
        report = json.loads(out)
        assert report["error"] == "interrupted" and report["remaining"] == []
        assert f"revoked the key {keys[0].id}" in report["hint"]


@pytest.mark.parametrize("as_json", [False, True])
def test_an_interrupted_setup_whose_undo_failed_names_the_command(
    own_sandbox, isolated_dirs, as_json
) -> None:
    """Ctrl-C right after the mint answered, and the undo's revocation fails: the key stays
    live, so the output says so in the undo's words and names `setup --abort`."""
    from gtwizard.lifecycle.journal import CRASH_HOOK_ENV

    args = mint_setup_args(
        own_sandbox.base_url, NAMES, "--profile", "k5", "--env-file", str(isolated_dirs / "e")
    )
    out = run_cli(
        [*args, *(["--json"] if as_json else [])],
        env={
            **_env(own_sandbox),
            CRASH_HOOK_ENV: "mint:answered=INT,revoke:setup-undo:intent=RAISE",
        },
    )
    assert out.returncode == 130, (out.stdout, out.stderr)
    assert "nothing was left half-written" not in out.stdout + out.stderr
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1, out.stderr
    (key,) = tenant_keys(own_sandbox)
    assert key.revoked_at is None, "the undo failed: the key is live"
    assert _journal_open("k5")
    assert f"could not revoke {key.id}" in out.stderr, out.stderr
    assert "gtwizard setup --abort --profile k5" in out.stderr, out.stderr
    if as_json:
        report = json.loads(out.stdout)
        assert report["remaining"] == ["gtwizard setup --abort --profile k5"], report
        assert report["left"] and f"could not revoke {key.id}" in report["left"][0]
    resolved = run_cli(["setup", "--abort", "--profile", "k5"], env=_env(own_sandbox))
    assert resolved.returncode == 0, resolved.stderr
    assert tenant_keys(own_sandbox)[0].revoked_at, "the command it named revoked the key"


def test_a_key_list_that_left_records_out_never_marks_the_key_forgotten(
    own_sandbox, isolated_dirs: Path
) -> None:
    """A tenant whose key list carries ids that do not fit: the mint's answer is refused, and the
    undo's search by name sees no record, which proves nothing. The key may be live, so the
    journal stays open, the ledger does not say forgotten, and the output names the command."""
    from gtwizard.lifecycle.ledger import KeyState, Ledger

    profile = "hs-ids"
    own_sandbox.set_faults(hostile="ids", path_prefix="/manage/v1/keys")
    args = mint_setup_args(
        own_sandbox.base_url, NAMES, "--profile", profile, "--env-file", str(isolated_dirs / "e")
    )
    out = run_cli([*args, "--json"], env=_env(own_sandbox))
    own_sandbox.clear_faults()
    assert out.returncode == 1, out.stderr
    report = json.loads(out.stdout)
    assert "nothing had been created" not in report["hint"], report
    assert "may be live" in report["hint"], report
    assert report["remaining"] == [f"gtwizard setup --abort --profile {profile}"], report
    (key,) = tenant_keys(own_sandbox)
    assert key.revoked_at is None and key.name.startswith(f"gtwizard-{profile}-")
    assert _journal_open(profile), "status shows the setup in progress"
    states = [entry.state for entry in Ledger.load(profile).keys]
    assert KeyState.FORGOTTEN not in states, states
    resolved = run_cli(["setup", "--abort", "--profile", profile], env=_env(own_sandbox))
    assert resolved.returncode == 0, resolved.stderr
    assert tenant_keys(own_sandbox)[0].revoked_at, "the command it named revoked the key"
