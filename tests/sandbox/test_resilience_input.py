"""Hostile input, as real subprocesses: host strings, odd env files, a broken config.toml, servers
that answer garbage, wrong statuses, huge bodies or slow drips, and TLS that must not verify.

Every case ends in a correct result or one clear line with exit 1 or 2, and loses nothing: a
refused env file keeps its exact bytes, a failed setup writes no file and keeps no key.
"""

from __future__ import annotations

import json
import stat
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support.resilience_helpers import assert_one_line_failure, gw, written_files
from support.resilience_helpers import setup_args as pasted_setup

from gtwizard.openwebui.envfile import EnvFile, effective_openai_config
from gtwizard.sandbox import start_in_thread

FAKE_KEY = "gtak_" + "q" * 40


def setup_args(host: str, env_file: Path, *extra: str) -> list[str]:
    """Setup that keeps the key nowhere but in `env_file`."""
    return pasted_setup(host, "--storage", "none", "--env-file", str(env_file), *extra)


HOSTILE_HOSTS = [
    "",
    "   ",
    "https://",
    "https://user:pass@tenant.example.com",
    "https://tenant.example.com@evil.example",
    "tenant.example.com:99999",
    "tenant.example.com:-1",
    "http://tenant.example.com",
    "ftp://tenant.example.com",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "tenant example.com",
    "tenant\x1b[31m.example.com",
    "\u202etenant.example.com",
    "\u200btenant.example.com",
    "[::1",
    "[fe80::1%eth0]",
    "a" * 64 + ".example.com",
    "x." * 130 + "com",
    "tenant..example.com",
    "-bad-.example.com",
    "\U0001f4a5.example.com",
    "256.256.256.256",
    "tenant.example.com/api/tenant?key=" + FAKE_KEY,
    "tenant.example.com#frag",
    "tenant.example.com/api/tenant/v1/../../admin",
    "$(id).example.com",
    "tenant.example.com;id",
]


@pytest.mark.parametrize("host", HOSTILE_HOSTS, ids=range(len(HOSTILE_HOSTS)))
def test_hostile_host_is_refused_by_probe_and_setup(host: str, isolated_dirs: Path) -> None:
    probe = gw(["probe", "--", host])
    assert_one_line_failure(probe, [2])
    assert probe.stdout == ""
    env_file = isolated_dirs / "owui.env"
    setup = gw(setup_args(host, env_file), stdin=FAKE_KEY + "\n")
    line = assert_one_line_failure(setup, [2])
    assert FAKE_KEY not in line and FAKE_KEY not in setup.stdout
    assert not env_file.exists()
    assert written_files(isolated_dirs / "config") == []
    assert written_files(isolated_dirs / "state") == []


# --- env files -----------------------------------------------------------------------------------

WRITTEN_KEYS = {
    "OPENAI_API_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_API_BASE_URLS",
    "OPENAI_API_KEYS",
    "OPENAI_API_CONFIGS",
    "ENABLE_OPENAI_API",
}

ENV_CASES: list[tuple[str, bytes, str, str]] = [
    ("crlf", b"WEBUI_NAME=Lab\r\n# comment\r\nPORT=1\r\n", "docker", "edit"),
    ("bom", "\ufeffWEBUI_NAME=Lab\n# c\n".encode(), "docker", "edit"),
    ("bom-crlf-no-final-newline", "\ufeffA=1\r\nB=2".encode(), "docker", "edit"),
    ("no-final-newline", b"WEBUI_NAME=Lab", "docker", "edit"),
    ("mixed-line-endings", b"A=1\r\nB=2\nC=3\r\n", "docker", "edit"),
    ("duplicate-unrelated", b"WEBUI_NAME=a\nWEBUI_NAME=b\n", "docker", "edit"),
    (
        "duplicate-gt-key",
        b"OPENAI_API_KEY=gtak_old1\nOPENAI_API_BASE_URL={base}/v1\nOPENAI_API_KEY=gtak_old2\n",
        "docker",
        "edit",
    ),
    (
        "export-prefix",
        b"export OPENAI_API_BASE_URL={base}/v1\nexport OPENAI_API_KEY=gtak_old\n",
        "docker",
        "edit",
    ),
    ("comments", b"# OPENAI_API_KEY=commented\nWEBUI_NAME=Lab # trailing\n", "docker", "edit"),
    ("invalid-utf8-comment", b"# caf\xe9 au lait\nWEBUI_NAME=x\n", "docker", "edit"),
    (
        "quoted-compose",
        b"OPENAI_API_BASE_URL=\"{base}/v1\"\nOPENAI_API_KEY='gtak_old'\n",
        "compose",
        "edit",
    ),
    (
        "other-openai-connection",
        b"OPENAI_API_BASE_URL=https://api.openai.com/v1\nOPENAI_API_KEY=sk-a\n",
        "docker",
        "edit",
    ),
    # docker keeps quotes literally: the existing values cannot be carried over unquoted
    ("quoted-docker", b'WEBUI_NAME="My Lab"\nOPENAI_API_KEY="sk-abc"\n', "docker", "refuse"),
    ("quoted-gt-url-docker", b'OPENAI_API_BASE_URL="{base}/v1"\n', "docker", "refuse"),
    ("nul-byte", b"WEBUI_NAME=x\x00\n", "docker", "refuse"),
    (
        "configs-not-json",
        b"OPENAI_API_BASE_URLS=https://api.openai.com/v1\nOPENAI_API_KEYS=sk-a\nOPENAI_API_CONFIGS={bad\n",
        "docker",
        "refuse",
    ),
    (
        "empty-url-segment",
        b"OPENAI_API_BASE_URLS=https://api.openai.com/v1;\nOPENAI_API_KEYS=sk-a;sk-b\n",
        "docker",
        "refuse",
    ),
    (
        "keys-out-of-step",
        b"OPENAI_API_BASE_URLS=https://api.openai.com/v1;https://x.example/v1\nOPENAI_API_KEYS=sk-a\n",
        "docker",
        "refuse",
    ),
]


@pytest.fixture(scope="module")
def pasted_key(sandbox) -> str:
    _, secret = sandbox.seed_key(["inference:chat"], agent_aliases=["helpdesk"])
    return secret


def kept_lines(env: EnvFile) -> list[str]:
    """The lines setup must not touch (texts; line endings are compared separately)."""
    return [line.text for line in env.lines if line.key not in WRITTEN_KEYS]


@pytest.mark.parametrize(
    ("data", "dialect", "expect"), [c[1:] for c in ENV_CASES], ids=[c[0] for c in ENV_CASES]
)
def test_env_file_shapes(sandbox, pasted_key, isolated_dirs, data, dialect, expect) -> None:
    data = data.replace(b"{base}", sandbox.base_url.encode())
    env_file = isolated_dirs / "owui" / "owui.env"
    env_file.parent.mkdir()
    env_file.write_bytes(data)
    out = gw(
        setup_args(sandbox.base_url, env_file, "--env-dialect", dialect),
        stdin=pasted_key + "\n",
    )
    assert pasted_key not in out.stdout + out.stderr
    after = env_file.read_bytes()
    if expect == "refuse":
        assert_one_line_failure(out, [2])
        assert after == data, "a refusal must leave the file byte for byte"
        assert [p.name for p in env_file.parent.iterdir()] == ["owui.env"], "no backup, no temp"
        assert written_files(isolated_dirs / "config") == []
        return
    assert out.returncode == 0, out.stderr
    old, new = EnvFile.parse(data, dialect), EnvFile.parse(after, dialect)
    assert new.bom == old.bom
    assert kept_lines(new) == kept_lines(old), "unrelated lines must stay byte for byte"
    old_eols = [line.eol for line in old.lines if line.key not in WRITTEN_KEYS]
    new_eols = [line.eol for line in new.lines if line.key not in WRITTEN_KEYS]
    gained_final_newline = old_eols[-1:] == [""] and new_eols == [*old_eols[:-1], old.newline]
    assert new_eols == old_eols or gained_final_newline
    written = [line.eol for line in new.lines if line.key in WRITTEN_KEYS]
    assert set(written) == {old.newline}, "new lines follow the file's own line ending"
    config = effective_openai_config(new.values())
    urls, keys = config["OPENAI_API_BASE_URLS"], config["OPENAI_API_KEYS"]
    assert isinstance(urls, list) and isinstance(keys, list)
    index = urls.index(f"{sandbox.base_url}/v1")
    assert keys[index] == pasted_key
    assert (env_file.parent / "owui.env.bak").read_bytes() == data
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600


# --- a broken config.toml ------------------------------------------------------------------------

BROKEN_CONFIGS: list[tuple[str, bytes, str | None]] = [
    ("syntax", b'version = 1\ndefault_profile = "a"\n[profiles.a\ntenant_host = "x"\n', "line 3"),
    (
        "wrong-type",
        b'version = 1\n\n[profiles.a]\ntenant_host = "x.example"\nrotation_days = "soon"\n',
        "line 3",
    ),
    (
        "bad-choice",
        b'version = 1\n[profiles.a]\ntenant_host = "x.example"\nstorage_kind = "floppy"\n',
        "line 2",
    ),
    ("profiles-not-a-table", b"version = 1\nprofiles = 3\n", None),
    ("not-utf8", b'version = 1\n# caf\xe9\n[profiles.a]\ntenant_host = "x.example"\n', None),
]


@pytest.mark.parametrize(
    ("data", "where"), [c[1:] for c in BROKEN_CONFIGS], ids=[c[0] for c in BROKEN_CONFIGS]
)
@pytest.mark.parametrize("command", [["status"], ["profiles", "list"], ["status", "--json"]])
def test_broken_config_is_named_and_left_alone(isolated_dirs, data, where, command) -> None:
    config = isolated_dirs / "config" / "config.toml"
    config.parent.mkdir()
    config.write_bytes(data)
    out = gw(command)
    line = assert_one_line_failure(out, [2])
    assert str(config) in line
    if where:
        assert where in line
    if "--json" in command:  # the failure as one JSON object too, agreeing with the line
        failure = json.loads(out.stdout)
        assert failure["ok"] is False and str(config) in failure["error"]
    else:
        assert out.stdout == ""
    assert config.read_bytes() == data
    assert sorted(p.name for p in config.parent.iterdir()) == ["config.toml"]


# --- servers that misbehave ----------------------------------------------------------------------

SANDBOX_FAULTS = {
    "garbage": {"garbage_rate": 1.0},
    "500": {"error_status": 500},
    "503": {"error_status": 503},
    "404": {"error_status": 404},
    "429": {"error_status": 429, "retry_after": 0},
    "drop": {"drop_rate": 1.0},
}


def assert_probe_fails_at(out, step: str) -> None:
    """Probe reports per step on stdout: exactly the named step fails, no error text escapes."""
    assert out.returncode == 1, out.stdout + out.stderr
    assert out.stderr == ""
    failed = [line.split()[0] for line in out.stdout.splitlines() if " FAIL " in f"{line} "]
    assert failed == [step], out.stdout
    assert "NOT reachable" in out.stdout


def assert_setup_lost_nothing(out, root: Path, env_file: Path, secret: str) -> None:
    line = assert_one_line_failure(out, [1, 2])
    assert secret not in line and secret not in out.stdout
    assert not env_file.exists()
    assert written_files(root / "config") == [] and written_files(root / "state") == []


@pytest.mark.parametrize("fault", list(SANDBOX_FAULTS))
def test_sandbox_faults(sandbox, pasted_key, isolated_dirs, fault) -> None:
    env_file = isolated_dirs / "owui.env"
    sandbox.set_faults(**SANDBOX_FAULTS[fault])
    try:
        probe = gw(["probe", sandbox.base_url, "--timeout", "5"])
        setup = gw(setup_args(sandbox.base_url, env_file), stdin=pasted_key + "\n")
    finally:
        sandbox.clear_faults()
    assert_probe_fails_at(probe, "gt_api")
    assert_setup_lost_nothing(setup, isolated_dirs, env_file, pasted_key)


class Misbehaving(BaseHTTPRequestHandler):
    """A "huge" server answers 64 MiB of blanks; a "drip" server sends a byte every 0.2 s, forever."""

    protocol_version = "HTTP/1.1"
    HUGE = 64 * 1024 * 1024

    def do_GET(self) -> None:
        huge = getattr(self.server, "kind", "") == "huge"
        self.send_response(401 if huge and "Authorization" not in self.headers else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(self.HUGE))
        self.end_headers()
        try:
            if huge:
                block = b" " * 65536
                for _ in range(self.HUGE // len(block)):
                    self.wfile.write(block)
            else:
                while True:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.2)
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def misbehaving() -> Iterator[dict[str, str]]:
    servers = {}
    for kind in ("huge", "drip"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
        server.daemon_threads = True
        server.kind = kind  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[kind] = server
    try:
        yield {kind: f"http://127.0.0.1:{s.server_address[1]}" for kind, s in servers.items()}
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()


@pytest.mark.parametrize("kind", ["huge", "drip"])
def test_huge_bodies_and_slow_drips_end_with_one_line(misbehaving, isolated_dirs, kind) -> None:
    env_file = isolated_dirs / "owui.env"
    probe = gw(["probe", misbehaving[kind], "--timeout", "2"])
    assert_probe_fails_at(probe, "gt_api")
    setup = gw(setup_args(misbehaving[kind], env_file), stdin=FAKE_KEY + "\n")
    assert_setup_lost_nothing(setup, isolated_dirs, env_file, FAKE_KEY)


# --- TLS that must not verify --------------------------------------------------------------------


@pytest.fixture(scope="module")
def broken_tls() -> Iterator[dict[str, object]]:
    """Sandboxes with an expired and a wrong-host certificate (each trusted via its own CA)."""
    handles = {
        mode: start_in_thread(tls=True, cert_mode=mode) for mode in ("expired", "wrong_host")
    }
    try:
        yield handles
    finally:
        for handle in handles.values():
            handle.stop()


@pytest.mark.parametrize("case", ["expired", "wrong_host", "wrong_ca", "no_ca"])
def test_tls_failures(tls_sandbox, broken_tls, pasted_key, isolated_dirs, case) -> None:
    if case in broken_tls:
        handle = broken_tls[case]
        ca = ["--ca-bundle", handle.ca_file]
    else:
        handle = tls_sandbox
        # another sandbox's CA: a valid PEM, just not the one that signed this server
        ca = ["--ca-bundle", broken_tls["expired"].ca_file] if case == "wrong_ca" else []
    _, secret = handle.seed_key(["inference:chat"], agent_aliases=["helpdesk"])
    probe = gw(["probe", handle.base_url, "--timeout", "5", *ca])
    assert_probe_fails_at(probe, "tls")
    env_file = isolated_dirs / "owui.env"
    setup = gw(setup_args(handle.base_url, env_file, *ca), stdin=secret + "\n")
    assert_setup_lost_nothing(setup, isolated_dirs, env_file, secret)
