"""`setup --env-file` writes only into an env file, and only into one no other profile uses.

Found by driving the CLI as operators do: a device node or FIFO given as the env file (replaced
by a file holding the key, or a read that never returns), a compose YAML or gtwizard's own
config.toml (the key appended, the file broken), two profiles of one tenant in one file (the
second replacing the first one's key). Each is refused before any key is minted, read from the
real sandbox's key list, with the file left as it was. The diff never shows a URL's password.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support.cli_helpers import mint_setup_args, run_cli
from support.rotation_helpers import tenant_keys

from gtwizard.profiles import get_profile

pytestmark = pytest.mark.slow

NAMES = ["helpdesk"]


def _setup(sandbox, env_file: Path, profile: str, *extra: str):
    args = mint_setup_args(
        sandbox.base_url, NAMES, "--env-file", str(env_file), "--profile", profile, *extra
    )
    return run_cli(args, env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}, timeout=60)


def _refused(out, *words: str) -> None:
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1, out.stderr
    for word in words:
        assert word in out.stderr, out.stderr


def test_a_fifo_is_refused_before_any_key(sandbox, isolated_dirs: Path) -> None:
    fifo = isolated_dirs / "owui.env"
    os.mkfifo(fifo)
    before = {k.id for k in tenant_keys(sandbox)}
    out = _setup(sandbox, fifo, "fifo")  # a read of it would block: the timeout would fail this
    _refused(out, "is a FIFO, not a regular file")
    assert {k.id for k in tenant_keys(sandbox)} == before
    assert fifo.is_fifo()


@pytest.mark.parametrize(
    "name,text",
    [
        ("docker-compose.yml", "services:\n  webui:\n    image: open-webui\n"),
        ("config.json", '{"OPENAI_API_KEY": "x"}\n'),
        ("settings.toml", "[profiles.web]\nkey_id = 'k'\n"),
    ],
)
def test_a_file_that_is_no_env_file_is_refused_and_left_alone(
    sandbox, isolated_dirs: Path, name: str, text: str
) -> None:
    target = isolated_dirs / name
    target.write_text(text)
    before = {k.id for k in tenant_keys(sandbox)}
    out = _setup(sandbox, target, "notenv")
    _refused(out, "does not look like an env file", "line 1")
    assert target.read_text() == text and not target.with_name(name + ".bak").exists()
    assert {k.id for k in tenant_keys(sandbox)} == before


def test_gtwizards_own_config_is_no_env_file(sandbox, isolated_dirs: Path) -> None:
    first = _setup(sandbox, isolated_dirs / "a.env", "first")
    assert first.returncode == 0, first.stderr
    config = isolated_dirs / "config" / "config.toml"
    text = config.read_text()
    out = _setup(sandbox, config, "second")
    _refused(out, "does not look like an env file")
    assert config.read_text() == text


def test_an_env_file_with_multiline_values_and_bare_names_is_accepted(
    sandbox, isolated_dirs: Path
) -> None:
    """What real env files hold stays acceptable: comments, `export`, a bare NAME (docker takes
    it from the environment), a compose value quoted over several lines."""
    env_file = isolated_dirs / "owui.env"
    env_file.write_text(
        '# Open WebUI\nexport WEBUI_NAME=Chat\nHTTP_PROXY\nBANNER="line one\nline two"\n\n'
    )
    out = _setup(sandbox, env_file, "ok", "--env-dialect", "compose")
    assert out.returncode == 0, out.stderr
    assert 'BANNER="line one\nline two"' in env_file.read_text()


def test_a_second_profile_of_the_same_tenant_may_not_take_the_file(
    sandbox, isolated_dirs: Path
) -> None:
    env_file = isolated_dirs / "owui.env"
    first = _setup(sandbox, env_file, "alpha")
    assert first.returncode == 0, first.stderr
    held = env_file.read_text()
    before = {k.id for k in tenant_keys(sandbox)}
    out = _setup(sandbox, env_file, "beta")
    _refused(out, "already holds profile 'alpha'", "--replace --profile alpha")
    assert env_file.read_text() == held
    assert {k.id for k in tenant_keys(sandbox)} == before
    assert get_profile("alpha").target_place == str(env_file)


def test_the_diff_never_shows_a_urls_password(sandbox, isolated_dirs: Path) -> None:
    env_file = isolated_dirs / "owui.env"
    env_file.write_text(
        "DATABASE_URL=postgres://webui:Pg-s3cret-77@db:5432/webui\n"
        "REDIS_URL=redis://:RedisPw999@redis:6379/0\n"
    )
    out = _setup(sandbox, env_file, "dry", "--dry-run", "--json")
    assert out.returncode == 0, out.stderr
    diff = json.loads(out.stdout)["preview"]["diff"]
    assert "REDIS_URL=redis://:…@redis:6379/0" in diff
    assert "Pg-s3cret-77" not in out.stdout + out.stderr
    assert "RedisPw999" not in out.stdout + out.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_the_operators_env_file_stays_theirs(sandbox, isolated_dirs: Path) -> None:
    """Root edits a user's env file (the user runs docker compose): the file and its backup keep
    that user as owner, so the user can still read them."""
    env_file = isolated_dirs / "owui.env"
    env_file.write_text("WEBUI_NAME=Chat\n")
    os.chown(env_file, 1000, 1000)
    out = _setup(sandbox, env_file, "owned")
    assert out.returncode == 0, out.stderr
    for path in (env_file, env_file.with_name("owui.env.bak")):
        found = path.stat()
        assert (found.st_uid, found.st_gid) == (1000, 1000), path
        assert found.st_mode & 0o777 == 0o600
