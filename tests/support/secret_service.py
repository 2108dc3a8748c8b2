"""A real, private Secret Service for tests: dbus-daemon plus gnome-keyring-daemon in a temp dir.

Tests must exercise the real keyring path (SecretStorage over D-Bus), not a mock, and must never
touch the developer's own keyring. This helper starts a throwaway session bus from its own config
(no service activation, so nothing else can be auto-started on it and an unlock prompt fails fast),
then gnome-keyring-daemon on that bus with its data under the temp dir. The password goes in on
stdin without a newline (`--unlock` reads to EOF), never in argv.

`unlock=False` starts the daemon without a password: with a fresh data dir there is then no
default collection; with a data dir made earlier by an unlocked run, the collection is locked.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PROGRAMS = ("dbus-daemon", "gnome-keyring-daemon")
SECRETS_NAME = "org.freedesktop.secrets"

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:dir={socket_dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class SecretServiceUnavailable(RuntimeError):
    """The private Secret Service could not be started (the reason is in the message)."""


def missing_programs() -> list[str]:
    """Programs this helper needs that are not on PATH."""
    return [name for name in PROGRAMS if shutil.which(name) is None]


@dataclass
class SecretServiceHandle:
    """What a test needs: the bus address (as env) and where the keyring files live."""

    address: str
    data_dir: Path
    password: str
    env: dict[str, str] = field(default_factory=dict)


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _start_bus(workdir: Path, socket_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start dbus-daemon; `socket_dir` must be short (a unix socket path holds ~107 bytes)."""
    config = workdir / "bus.conf"
    config.write_text(_BUS_CONFIG.format(socket_dir=socket_dir), encoding="utf-8")
    with (workdir / "bus.log").open("wb") as log:
        proc = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--print-address=1", "--nofork"],
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
    assert proc.stdout is not None
    address = proc.stdout.readline().decode().strip()  # dbus-daemon prints it once ready
    if not address:
        _stop(proc)
        log = (workdir / "bus.log").read_text(errors="replace").strip()
        raise SecretServiceUnavailable(f"dbus-daemon printed no address: {log}")
    return proc, address


def _service_state(address: str) -> str:
    """'absent', 'no-collection', 'locked' or 'unlocked' for the Secret Service on `address`."""
    from jeepney import DBusAddress, MessageType, Properties, new_method_call
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus=address) as conn:
        reply = conn.send_and_get_reply(message_bus.NameHasOwner(SECRETS_NAME), timeout=2)
        if not reply.body[0]:
            return "absent"
        service = DBusAddress(
            "/org/freedesktop/secrets", SECRETS_NAME, "org.freedesktop.Secret.Service"
        )
        reply = conn.send_and_get_reply(
            new_method_call(service, "ReadAlias", "s", ("default",)), timeout=2
        )
        path = reply.body[0] if reply.header.message_type == MessageType.method_return else "/"
        if path == "/":
            return "no-collection"
        collection = DBusAddress(path, SECRETS_NAME, "org.freedesktop.Secret.Collection")
        reply = conn.send_and_get_reply(Properties(collection).get("Locked"), timeout=2)
        return "locked" if reply.body[0][1] else "unlocked"


@contextmanager
def running_secret_service(
    workdir: Path,
    *,
    unlock: bool = True,
    data_dir: Path | None = None,
    password: str | None = None,
    timeout: float = 10.0,
) -> Iterator[SecretServiceHandle]:
    """Start a private bus and gnome-keyring on it; yield its handle; stop both on exit.

    Raises SecretServiceUnavailable when programs are missing or the service does not come up
    in the expected state within `timeout` seconds.
    """
    missing = missing_programs()
    if missing:
        raise SecretServiceUnavailable(f"missing programs: {', '.join(missing)}")
    workdir.mkdir(parents=True, exist_ok=True)
    data = data_dir or workdir / "data"
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    home = workdir / "home"
    home.mkdir(mode=0o700, exist_ok=True)
    password = password if password is not None else secrets.token_hex(16)

    run_dir = workdir / f"run-{secrets.token_hex(4)}"
    run_dir.mkdir(mode=0o700)
    socket_dir = Path(tempfile.mkdtemp(prefix="gtwbus-"))
    bus: subprocess.Popen[bytes] | None = None
    daemon: subprocess.Popen[bytes] | None = None
    try:
        bus, address = _start_bus(run_dir, socket_dir)
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        control = socket_dir / "control"  # gnome-keyring puts a socket here too: keep it short
        control.mkdir(mode=0o700)
        env.update(
            DBUS_SESSION_BUS_ADDRESS=address,
            XDG_DATA_HOME=str(data),
            HOME=str(home),
            XDG_RUNTIME_DIR=str(control),
        )
        args = [
            "gnome-keyring-daemon",
            "--foreground",
            "--components=secrets",
            f"--control-directory={control}",
        ]
        if unlock:
            args.insert(2, "--unlock")
        with (run_dir / "gkd.log").open("wb") as log:
            daemon = subprocess.Popen(
                args, env=env, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT
            )
        assert daemon.stdin is not None
        if unlock:
            daemon.stdin.write(password.encode())  # no newline: it would become part of it
        daemon.stdin.close()

        wanted = {"unlocked"} if unlock else {"no-collection", "locked"}
        deadline = time.monotonic() + timeout
        state = "absent"
        while True:
            if daemon.poll() is not None:
                raise SecretServiceUnavailable(
                    f"gnome-keyring-daemon exited early: {(run_dir / 'gkd.log').read_text()!r}"
                )
            state = _service_state(address)
            if state in wanted:
                break
            if time.monotonic() > deadline:
                raise SecretServiceUnavailable(f"Secret Service not ready: {state}")
            time.sleep(0.02)
        yield SecretServiceHandle(
            address=address,
            data_dir=data,
            password=password,
            env={"DBUS_SESSION_BUS_ADDRESS": address},
        )
    finally:
        _stop(daemon)
        _stop(bus)
        shutil.rmtree(socket_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def real_secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretServiceHandle]:
    """One unlocked private Secret Service per test module (import this name to use it)."""
    from conftest import missing_service

    if missing_programs():
        missing_service(f"Secret Service programs missing: {', '.join(missing_programs())}")
    try:
        with running_secret_service(tmp_path_factory.mktemp("secret-service")) as handle:
            yield handle
    except SecretServiceUnavailable as exc:
        missing_service(f"could not start a private Secret Service: {exc}")
