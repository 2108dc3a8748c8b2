"""`gtwizard probe` as an operator runs it (a real subprocess) against real servers: the sandbox
over HTTP and HTTPS, a web server that is no GT API, a closed port, a name that cannot resolve."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gtwizard.gt.probe import probe_host


def run_probe(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    return subprocess.run(
        [sys.executable, "-m", "gtwizard", "probe", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def steps(result: subprocess.CompletedProcess[str]) -> dict[str, dict]:
    return {s["name"]: s for s in json.loads(result.stdout)["steps"]}


@pytest.fixture(scope="module")
def not_gt_server() -> Iterator[str]:
    """A real web server that answers every path with 200 JSON and no authentication."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"hello": "world"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_http_sandbox_is_a_reachable_gt_api(sandbox):
    result = run_probe(f"http://{sandbox.host}")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"GT base      http://{sandbox.host}/api/tenant" in out
    assert f"http://{sandbox.host}/api/tenant/v1" in out
    assert "FAIL" not in out
    assert "GT API       reachable" in out
    for name in ("dns", "tcp", "gt_api"):
        assert any(line.startswith(name) and " ok " in line for line in out.splitlines())


def test_json_output_shape(sandbox):
    result = run_probe(f"http://{sandbox.host}/api/tenant/v1/", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"ok", "host", "gt_base", "openai_bases", "steps", "gt_api"}
    assert data["host"] == sandbox.host
    assert data["gt_base"] == sandbox.base_url
    assert data["openai_bases"] == [sandbox.base_url, sandbox.base_url + "/v1"]
    assert data["gt_api"] is True
    assert [s["name"] for s in data["steps"]] == ["dns", "tcp", "gt_api"]
    assert all(s["ok"] is True and s["detail"] for s in data["steps"])
    assert "clients need the /v1 base" in data["steps"][-1]["detail"]


def test_tls_sandbox_with_its_ca(tls_sandbox):
    result = run_probe(tls_sandbox.host, "--ca-bundle", tls_sandbox.ca_file, "--json")
    assert result.returncode == 0, result.stderr
    found = steps(result)
    assert found["tls"]["ok"] is True
    assert "certificate verified" in found["tls"]["detail"]


def test_tls_sandbox_without_its_ca_fails_at_tls(tls_sandbox):
    result = run_probe(f"https://{tls_sandbox.host}")
    assert result.returncode == 1
    tls_line = next(line for line in result.stdout.splitlines() if line.startswith("tls"))
    assert "FAIL" in tls_line and "--ca-bundle" in tls_line
    assert "GT API       NOT reachable" in result.stdout


def test_web_server_that_is_not_a_gt_api(not_gt_server):
    result = run_probe(not_gt_server, "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["gt_api"] is False
    assert steps(result)["tcp"]["ok"] is True
    assert "not a GT API" in steps(result)["gt_api"]["detail"]


def test_closed_port_fails_at_tcp():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run_probe(f"http://127.0.0.1:{port}", "--json")
    assert result.returncode == 1
    assert steps(result)["tcp"]["ok"] is False
    assert "refused" in steps(result)["tcp"]["detail"]
    assert "gt_api" not in steps(result)


def test_unresolvable_name_fails_at_dns():
    result = run_probe("gtwizard-test.invalid")
    assert result.returncode == 1
    assert any(line.startswith("dns") and "FAIL" in line for line in result.stdout.splitlines())


@pytest.mark.parametrize(
    "host", ["https://exa mple.com", "ftp://tenant.example", "http://tenant.example", ""]
)
def test_invalid_host_exits_2_with_one_line(host):
    result = run_probe(host)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_missing_ca_bundle_exits_2(sandbox, tmp_path):
    result = run_probe(sandbox.host, "--ca-bundle", str(tmp_path / "missing.pem"))
    assert result.returncode == 2
    assert "--ca-bundle" in result.stderr
    assert "Traceback" not in result.stderr


async def test_unversioned_paths_are_reported():
    from gtwizard.sandbox import start_in_thread

    handle = start_in_thread(unversioned_paths=True)
    try:
        report = await probe_host(f"http://{handle.host}")
    finally:
        handle.stop()
    assert report.gt_api is True
    assert "unversioned paths are served too" in report.steps[-1].detail
