"""The operator's files stay theirs (DESIGN §6d): a symlinked env file, secrets file or state dir is
written through to what the link names and the link is never replaced; a link that another local
user controls is refused before anything is minted.

"Another user" needs a second uid: as root the tests hand a folder or a link to `nobody`; as any
other user those tests skip (they cannot make a file another user owns).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from support.cli_helpers import mint_setup_args, run_cli

from gtwizard.errors import InvalidInput
from gtwizard.fileio import atomic_write, real_path
from gtwizard.gt.keys import KeyManager
from gtwizard.secrets import FileStore

NAMES = "helpdesk"
NOBODY = 65534
as_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="giving a file to another user needs root (chown)"
)


def live_keys(sandbox) -> set[str]:
    async def go():
        async with KeyManager(sandbox.base_url, sandbox.operator_token) as manager:
            return {k.id for k in await manager.list_keys() if not k.revoked}

    return asyncio.run(go())


# ---- the one function every write goes through -------------------------------------------------


def test_a_link_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "managed").mkdir()
    target = tmp_path / "managed" / "openwebui.env"
    target.write_bytes(b"WEBUI_NAME=ours\n")
    link = tmp_path / "openwebui.env"
    link.symlink_to("managed/openwebui.env")  # relative, as config management writes them

    backup = atomic_write(link, b"WEBUI_NAME=new\n")

    assert link.is_symlink() and os.readlink(link) == "managed/openwebui.env"
    assert target.read_bytes() == b"WEBUI_NAME=new\n"
    assert backup == target.with_name("openwebui.env.bak")
    assert backup.read_bytes() == b"WEBUI_NAME=ours\n"
    assert not (tmp_path / "openwebui.env.bak").exists(), "the backup lives beside the target"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["managed", "openwebui.env"]


def test_a_chain_of_links_and_a_linked_backup_are_followed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "env").write_bytes(b"A=1\n")
    (real / "kept").write_bytes(b"old backup\n")
    (real / "env.bak").symlink_to(real / "kept")  # the backup path is a link too
    (tmp_path / "hop").symlink_to(real / "env")
    (tmp_path / "link").symlink_to(tmp_path / "hop")

    assert real_path(tmp_path / "link") == real / "env"
    backup = atomic_write(tmp_path / "link", b"A=2\n")

    assert backup == real / "kept"
    assert (real / "env.bak").is_symlink() and (real / "kept").read_bytes() == b"A=1\n"
    assert (real / "env").read_bytes() == b"A=2\n"
    assert (tmp_path / "link").is_symlink() and (tmp_path / "hop").is_symlink()


def test_a_dangling_link_creates_its_target(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "dir" / "new.env")
    atomic_write(tmp_path / "link", b"X=1\n", backup=True)
    assert (tmp_path / "link").is_symlink()
    assert (tmp_path / "dir" / "new.env").read_bytes() == b"X=1\n"


def test_a_link_loop_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(InvalidInput, match="too many levels of symbolic links"):
        atomic_write(tmp_path / "a", b"X=1\n")


def test_a_link_into_a_folder_anyone_may_write_is_refused(tmp_path: Path) -> None:
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)  # world-writable, no sticky bit: anyone may swap the file
    (tmp_path / "link").symlink_to(open_dir / "env")
    with pytest.raises(InvalidInput, match="anyone may write"):
        atomic_write(tmp_path / "link", b"X=1\n")
    assert not (open_dir / "env").exists()
    open_dir.chmod(0o1777)  # sticky, as /tmp: entries stay their owner's
    atomic_write(tmp_path / "link", b"X=1\n")
    assert (open_dir / "env").read_bytes() == b"X=1\n"


@as_root
def test_a_link_into_another_users_folder_is_refused(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chown(theirs, NOBODY, NOBODY)
    (tmp_path / "link").symlink_to(theirs / "env")
    with pytest.raises(InvalidInput) as err:
        atomic_write(tmp_path / "link", b"X=1\n")
    assert "belongs to another user" in err.value.one_line()
    assert not (theirs / "env").exists()


@as_root
def test_a_link_another_user_owns_is_refused(tmp_path: Path) -> None:
    (tmp_path / "env").write_bytes(b"X=0\n")
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "env")
    os.lchown(link, NOBODY, NOBODY)
    with pytest.raises(InvalidInput, match="that link belongs to another user"):
        atomic_write(link, b"X=1\n")
    assert (tmp_path / "env").read_bytes() == b"X=0\n"


# ---- the operator's flows ----------------------------------------------------------------------


def test_setup_writes_a_symlinked_env_file_through(sandbox, isolated_dirs: Path) -> None:
    managed = isolated_dirs / "etc-managed"
    managed.mkdir()
    target = managed / "openwebui.env"
    target.write_bytes(b"# managed by ansible\nWEBUI_NAME=Chat\n")
    link = isolated_dirs / "openwebui.env"
    link.symlink_to(target)
    env = {"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token}

    out = run_cli(
        mint_setup_args(sandbox.base_url, NAMES, "--env-file", str(link), "--json"), env=env
    )

    assert out.returncode == 0, out.stderr
    assert link.is_symlink() and link.resolve() == target
    text = target.read_text()
    assert text.startswith("# managed by ansible\nWEBUI_NAME=Chat\n") and "gtak_" in text
    assert (
        managed / "openwebui.env.bak"
    ).read_bytes() == b"# managed by ansible\nWEBUI_NAME=Chat\n"
    assert target.stat().st_mode & 0o777 == 0o600
    assert json.loads(out.stdout)["key"]["id"] in live_keys(sandbox)


def test_setup_refuses_a_world_writable_link_target_before_minting(
    sandbox, isolated_dirs: Path
) -> None:
    open_dir = isolated_dirs / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    link = isolated_dirs / "openwebui.env"
    link.symlink_to(open_dir / "openwebui.env")
    before = live_keys(sandbox)

    out = run_cli(
        mint_setup_args(sandbox.base_url, NAMES, "--env-file", str(link)),
        env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token},
    )

    assert out.returncode == 2, out.stdout + out.stderr
    lines = out.stderr.strip().splitlines()
    assert any("anyone may write" in line for line in lines), out.stderr
    assert "Traceback" not in out.stderr
    assert live_keys(sandbox) == before, "refused before anything was minted"
    assert not (open_dir / "openwebui.env").exists() and link.is_symlink()


@as_root
def test_setup_refuses_a_link_into_another_users_folder_before_minting(
    sandbox, isolated_dirs: Path
) -> None:
    theirs = isolated_dirs / "theirs"
    theirs.mkdir()
    (theirs / "openwebui.env").write_bytes(b"WEBUI_NAME=theirs\n")
    os.chown(theirs, NOBODY, NOBODY)
    link = isolated_dirs / "openwebui.env"
    link.symlink_to(theirs / "openwebui.env")
    before = live_keys(sandbox)

    out = run_cli(
        mint_setup_args(sandbox.base_url, NAMES, "--env-file", str(link)),
        env={"GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token},
    )

    assert out.returncode == 2, out.stdout + out.stderr
    assert "belongs to another user" in out.stderr and "Traceback" not in out.stderr
    assert live_keys(sandbox) == before
    assert (theirs / "openwebui.env").read_bytes() == b"WEBUI_NAME=theirs\n"


def test_a_linked_secrets_file_stays_a_link_when_emptied(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    link = tmp_path / "secrets.json"
    link.symlink_to(tmp_path / "real" / "secrets.json")
    store = FileStore(link)
    store.put("lab/key", "gtak_" + "a" * 40)
    assert link.is_symlink() and "gtak_" in (tmp_path / "real" / "secrets.json").read_text()
    store.delete("lab/key")
    assert link.is_symlink(), "emptying the store removes the file, not the link"
    assert not (tmp_path / "real" / "secrets.json").exists()
    store.put("lab/key", "gtak_" + "b" * 40)
    assert link.is_symlink() and store.get("lab/key") == "gtak_" + "b" * 40


def test_a_linked_state_and_config_dir_stay_links(sandbox, tmp_path: Path) -> None:
    real_state, real_config = tmp_path / "real-state", tmp_path / "real-config"
    real_state.mkdir()
    real_config.mkdir()
    state, config = tmp_path / "state-link", tmp_path / "config-link"
    state.symlink_to(real_state)
    config.symlink_to(real_config)
    env = {
        "GTWIZARD_OPERATOR_TOKEN": sandbox.operator_token,
        "GTWIZARD_STATE_DIR": str(state),
        "GTWIZARD_CONFIG_DIR": str(config),
    }
    out = run_cli(
        mint_setup_args(sandbox.base_url, NAMES, "--env-file", str(tmp_path / "o.env")), env=env
    )
    assert out.returncode == 0, out.stderr
    assert state.is_symlink() and config.is_symlink()
    assert (real_config / "config.toml").is_file()
    assert any(real_state.iterdir())
