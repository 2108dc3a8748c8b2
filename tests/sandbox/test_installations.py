"""Two installations on one tenant: each owns only what it made (issue 19, part 3).

Two hosts of one Ansible inventory both set up profile `openwebui` on one tenant: here two state,
config and cache dirs (GTWIZARD_STATE_DIR / _CONFIG_DIR / _CACHE_DIR), each driving the real CLI
in child processes against one sandbox tenant. Whatever one does (setup, keys, keys
--revoke-orphans --yes, rotate --due, rotate --finish), the other's keys stay live: read from the
tenant's own key list and proven by a chat with each installation's key.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import json
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.cli_helpers import mint_setup_args, run_cli
from support.lifecycle_helpers import FULL_KEY, env_key
from support.rotation_helpers import tenant_keys

from gtwizard.gt.client import GTClient
from gtwizard.gt.keys import KeyManager, MintRequest

PROFILE = "openwebui"
ALIAS = "helpdesk"


@dataclass
class Installation:
    """One installation's dirs (as one host of an inventory would have them) and its env file."""

    name: str
    root: Path
    token: str

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)  # the host's folder its env file goes in

    @property
    def env_file(self) -> Path:
        return self.root / "openwebui.env"

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "GTWIZARD_CONFIG_DIR": str(self.root / "config"),
            "GTWIZARD_STATE_DIR": str(self.root / "state"),
            "GTWIZARD_CACHE_DIR": str(self.root / "cache"),
            "GTWIZARD_OPERATOR_TOKEN": self.token,
            **extra,
        }

    def cli(self, *args: str, env: dict[str, str] | None = None) -> Any:
        out = run_cli(list(args), env={**self.env(), **(env or {})}, timeout=300)
        assert not FULL_KEY.search(out.stdout + out.stderr), "a full key in the output"
        return out

    def json(self, *args: str, code: int = 0) -> dict[str, Any]:
        out = self.cli(*args, "--json")
        assert out.returncode == code, (self.name, args, out.stdout, out.stderr)
        return json.loads(out.stdout)

    @property
    def identity(self) -> str:
        return json.loads((self.root / "state" / "installation.json").read_text())["id"]

    def key(self) -> str:
        secret = env_key(self.env_file)
        assert secret, f"{self.name}: no key in its env file"
        return secret

    @contextlib.contextmanager
    def inside(self) -> Iterator[None]:
        """This process as this installation (to edit its config as an operator would)."""
        with pytest.MonkeyPatch.context() as patch:
            for name, value in self.env().items():
                patch.setenv(name, value)
            yield


@pytest.fixture
def tenant(own_sandbox: Any) -> Any:
    """A tenant of this test's own: every key on it is one of these installations' or the test's."""
    return own_sandbox


@pytest.fixture
def pair(tenant: Any, tmp_path: Path) -> tuple[Installation, Installation]:
    """Two installations, each with profile `openwebui` set up (minted) on the one tenant."""
    a = Installation("host-a", tmp_path / "host-a", tenant.operator_token)
    b = Installation("host-b", tmp_path / "host-b", tenant.operator_token)
    for inst in (a, b):
        args = mint_setup_args(tenant.base_url, ALIAS, "--profile", PROFILE)
        args += ["--env-file", str(inst.env_file)]
        out = inst.cli(*args)
        assert out.returncode == 0, out.stderr
    assert a.identity != b.identity
    return a, b


def _chat(tenant: Any, secret: str) -> str:
    async def go() -> str:
        async with GTClient(tenant.base_url, secret, max_retries=0) as client:
            return (await client.chat(ALIAS, [{"role": "user", "content": "ping"}])).text

    return asyncio.run(go())


def assert_both_live(tenant: Any, pair: tuple[Installation, Installation], where: str) -> None:
    """Each installation's key (the one its Open WebUI holds) is live on the tenant's own list and
    answers a chat."""
    listed = {k.prefix: k for k in tenant_keys(tenant)}
    for inst in pair:
        secret = inst.key()
        record = next((k for p, k in listed.items() if p and secret.startswith(p)), None)
        assert record is not None, f"{where}: {inst.name}'s key is not on the tenant"
        assert not record.revoked, f"{where}: {inst.name}'s key {record.id} was revoked"
        assert record.name.endswith("." + inst.identity), record.name
        assert _chat(tenant, secret), f"{where}: no chat with {inst.name}'s key"


def _rows(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k["id"]: k for t in data["tenants"] for k in t["keys"]}


def _current_id(inst: Installation, profile: str = PROFILE) -> str:
    data = inst.json("profiles", "show", profile)
    return data["key_id"]


def _mint(tenant: Any, name: str) -> str:
    async def go() -> str:
        async with KeyManager(tenant.base_url, tenant.operator_token) as manager:
            request = MintRequest(
                name=name,
                purpose="inference",
                scopes=("inference:chat",),
                agent_aliases=(ALIAS,),
                raw_models=(),
            )
            return (await manager.mint(request)).id

    return asyncio.run(go())


def _age(inst: Installation) -> None:
    from gtwizard.profiles import get_profile, save_profile

    with inst.inside():
        profile = get_profile(PROFILE)
        profile.key_created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
        save_profile(profile)


@pytest.mark.slow
def test_two_installations_keep_each_others_keys_live(
    tenant: Any, pair: tuple[Installation, Installation]
) -> None:
    a, b = pair
    assert_both_live(tenant, pair, "after both setups")

    # each sees its own key as ours and active, the other's as another installation's
    for me, other in ((a, b), (b, a)):
        rows = _rows(me.json("keys"))
        mine, theirs = rows[_current_id(me)], rows[_current_id(other)]
        assert (mine["owner"], mine["status"], mine["profile"]) == ("ours", "active", PROFILE)
        assert theirs["owner"] == "other-installation" and theirs["status"] == "live"
        assert theirs["installation"] == other.identity and theirs["profile"] is None

    # an orphan of each (a mint of theirs whose answer and journal were lost), same profile name
    orphans = {
        inst.name: _mint(
            tenant, f"gtwizard-{PROFILE}-open-webui-20200101-000000-abcd.{inst.identity}"
        )
        for inst in pair
    }
    for me, other in ((a, b), (b, a)):
        other_before = _current_id(other)
        done = me.json("keys", "--revoke-orphans", "--yes")
        assert done["revoked"] == [orphans[me.name]], done
        live = {k.id for k in tenant_keys(tenant) if not k.revoked}
        assert other_before in live
        assert orphans[other.name] in live or other is a, "the other's orphan was revoked"
        assert_both_live(tenant, pair, f"{me.name}: keys --revoke-orphans --yes")
    human = a.cli("keys")
    assert human.returncode == 0, human.stderr
    assert f"this installation: {a.identity}" in human.stdout
    assert "another installation's" in human.stdout and _current_id(b) in human.stdout

    # rotate --due on each, with the other's keys due too: only its own profile is touched
    for inst in pair:
        _age(inst)
    for me, other in ((a, b), (b, a)):
        before_other = _current_id(other)
        result = me.json("rotate", "--due")
        (record,) = result["profiles"]
        assert record["outcome"] == "waiting", record  # an env file: it waits for proof
        assert _current_id(other) == before_other
        sweep = me.json("keys", "--revoke-orphans", "--yes")
        assert sweep["revoked"] == [], "a rotation's keys are in progress, the other's not ours"
        rows = _rows(sweep)
        assert rows[record["new_key_id"]]["status"] == "in-progress"
        assert rows[record["old_key_id"]]["status"] == "active"  # still the profile's key
        assert_both_live(tenant, pair, f"{me.name}: rotate --due")
    for me in pair:
        old = _current_id(me)
        out = me.cli("rotate", "--finish", "--revoke-without-proof", "--profile", PROFILE)
        assert out.returncode == 0, out.stderr
        assert {k.id: k for k in tenant_keys(tenant)}[old].revoked
        done = me.json("keys", "--revoke-orphans", "--yes")
        assert done["revoked"] == [] and done["orphans"] == []
        assert_both_live(tenant, pair, f"{me.name}: rotate --finish, keys --revoke-orphans")


def _at_terminal(inst: Installation, args: list[str], typed: str) -> subprocess.CompletedProcess:
    """Run gtwizard with a real terminal on stdin (a pty) and type `typed` into it."""
    leader, follower = pty.openpty()
    env = {**os.environ, **inst.env()}
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gtwizard", *args],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        os.write(leader, (typed + "\n").encode())
        out, err = proc.communicate(timeout=120)
    finally:
        os.close(leader)
        os.close(follower)
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def test_revoking_another_installations_key_takes_its_own_confirmation(
    tenant: Any, pair: tuple[Installation, Installation]
) -> None:
    a, b = pair
    theirs, mine = _current_id(b), _current_id(a)

    def live(key_id: str) -> bool:
        return not {k.id: k for k in tenant_keys(tenant)}[key_id].revoked

    # --yes does not cover a key that is not ours, with or without --json
    for extra in ([], ["--json"]):
        out = a.cli("keys", "--revoke-key", theirs, "--yes", *extra)
        assert out.returncode == 2, out.stdout + out.stderr
        said = json.dumps(json.loads(out.stdout)) if extra else out.stderr
        assert "--confirm-foreign" in said and theirs in said
        assert live(theirs)
    # at a terminal, anything but the key's id cancels
    wrong = _at_terminal(a, ["keys", "--revoke-key", theirs, "--yes"], "y")
    assert wrong.returncode == 2 and "another installation's" in wrong.stdout, wrong.stderr
    assert live(theirs)
    # our own active key is never revoked by name: its client would be left on a dead key
    refused = a.cli("keys", "--revoke-key", mine, "--yes", "--confirm-foreign", mine)
    assert refused.returncode == 2 and "rotate it" in refused.stderr
    assert live(mine)
    # a confirmation for a key not being revoked, and an id no tenant lists, are refused
    stray = a.cli("keys", "--confirm-foreign", theirs)
    assert stray.returncode == 2 and "--revoke-key" in stray.stderr
    unknown = a.cli("keys", "--revoke-key", "key_0000000000000000", "--confirm-foreign", "x")
    assert unknown.returncode == 2
    assert live(theirs) and live(mine)
    assert_both_live(tenant, pair, "after the refusals")

    # named again: revoked (B's Open WebUI is down now, as the operator chose)
    done = a.json("keys", "--revoke-key", theirs, "--confirm-foreign", theirs)
    assert done["revoked"] == [theirs] and not live(theirs) and live(mine)

    # an unknown key (not named for gtwizard), confirmed by typing its id at a terminal
    seeded, _ = tenant.seed_key(["inference:chat"], agent_aliases=[ALIAS], name="made-by-hand")
    typed = _at_terminal(a, ["keys", "--revoke-key", seeded], seeded)
    assert typed.returncode == 0, typed.stdout + typed.stderr
    assert "not made by gtwizard" in typed.stdout and not live(seeded)
    assert live(mine) and _chat(tenant, a.key())


def test_keys_made_before_identities_stay_ours_by_the_ledger(
    tenant: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration: a profile set up by a gtwizard that gave keys no identity (legacy names). Its
    ledger says which keys are its own: they are ours (active, or an orphan that --revoke-orphans
    takes); a legacy-named key in no ledger here is another installation's; rotation goes on and
    the next key carries the identity."""
    from gtwizard.cli import main
    from gtwizard.lifecycle.ledger import KeyState, Ledger
    from gtwizard.setup import keystep

    old = Installation("old-host", tmp_path / "old-host", tenant.operator_token)
    with old.inside():
        # the older gtwizard, in this process: names without an identity, none made
        with monkeypatch.context() as older:
            older.setattr(
                keystep,  # where setup's mint names its key
                "key_name",
                lambda profile, product: f"gtwizard-{profile}-{product}-20240101-000000-abcd",
            )
            args = mint_setup_args(tenant.base_url, ALIAS, "--profile", "old", "--json")
            with contextlib.redirect_stdout(io.StringIO()) as said:
                code = main([*args, "--env-file", str(old.env_file)])
            assert code == 0, said.getvalue()
        assert not (old.root / "state" / "installation.json").exists()
        # an old rotation left its superseded key live; its ledger still names it
        left = _mint(tenant, "gtwizard-old-open-webui-20230101-000000-1234")
        Ledger.load("old").record(
            KeyState.SUPERSEDED, name="gtwizard-old-open-webui-20230101-000000-1234", key_id=left
        )
    # a legacy-named key of the same profile name that this installation never made
    foreign = _mint(tenant, "gtwizard-old-open-webui-20230101-000000-9999")

    data = old.json("keys", code=1)  # one orphan of ours
    assert data["installation"] is None
    rows = _rows(data)
    current = _current_id(old, "old")
    assert (rows[current]["owner"], rows[current]["status"]) == ("ours", "active")
    assert (rows[left]["owner"], rows[left]["status"]) == ("ours", "orphan")
    assert rows[left]["ledger_state"] == "superseded" and rows[left]["profile"] == "old"
    assert rows[foreign]["owner"] == "other-installation"
    assert data["orphans"] == [left]
    done = old.json("keys", "--revoke-orphans", "--yes")
    assert done["revoked"] == [left]
    states = {k.id: k.revoked for k in tenant_keys(tenant)}
    assert states[left] and not states[foreign] and not states[current]

    # rotation of the legacy key: the new one carries the identity, the legacy one is retired
    out = old.cli("rotate", "--profile", "old", "--yes")
    assert out.returncode == 0, out.stderr
    out = old.cli("rotate", "--finish", "--revoke-without-proof", "--profile", "old")
    assert out.returncode == 0, out.stderr
    after = old.json("keys")
    rows = _rows(after)
    new = _current_id(old, "old")
    assert after["installation"] == old.identity
    assert rows[new]["name"].endswith("." + old.identity) and rows[new]["status"] == "active"
    assert rows[current]["status"] == "revoked" and rows[current]["owner"] == "ours"
    assert not {k.id: k.revoked for k in tenant_keys(tenant)}[foreign]
    assert _chat(tenant, old.key())
