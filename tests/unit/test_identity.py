"""This installation's identity: made once, shared by racing processes, carried by key names."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
from pathlib import Path

import pytest

from gtwizard.errors import OperationFailed
from gtwizard.lifecycle.identity import (
    identity_path,
    installation_id,
    known_installation_id,
    lost_mint_matches,
    parse_key_name,
)
from gtwizard.setup.keys import key_name

CONTRACT_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


def _make(
    state: str, barrier: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue
) -> None:
    os.environ["GTWIZARD_STATE_DIR"] = state
    barrier.wait()
    out.put(installation_id())


def test_racing_processes_end_with_one_identity(tmp_path: Path) -> None:
    """Eight processes create the identity at the same moment: the first writer wins and every
    one of them returns what it wrote."""
    state = tmp_path / "racing-state"
    ctx = multiprocessing.get_context("spawn")
    count = 8
    barrier, out = ctx.Barrier(count), ctx.Queue()
    workers = [ctx.Process(target=_make, args=(str(state), barrier, out)) for _ in range(count)]
    for worker in workers:
        worker.start()
    ids = [out.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert len(set(ids)) == 1
    saved = json.loads((state / "installation.json").read_text())
    assert saved["id"] == ids[0]
    assert (state / "installation.json").stat().st_mode & 0o777 == 0o600
    assert not list(state.glob(".installation.json.*")), "a temp file was left behind"


def test_identity_is_made_on_first_mint_and_kept() -> None:
    assert known_installation_id() is None
    name = key_name("web.prod_1", "open-webui")
    made = known_installation_id()
    assert made is not None and name.endswith("." + made)
    assert installation_id() == made  # kept, not made again
    assert CONTRACT_NAME.match(name) and name.startswith("gtwizard-web.prod_1-open-webui-")
    parsed = parse_key_name(name)
    assert parsed is not None and parsed.installation == made and not parsed.legacy


def test_the_longest_name_stays_within_the_contract() -> None:
    name = key_name("p" * 64, "generic-openai-http")
    assert CONTRACT_NAME.match(name) and len(name) <= 128


@pytest.mark.parametrize(
    ("name", "installation"),
    [
        ("gtwizard-openwebui-open-webui-20260101-101500-3fa2", None),  # before identities
        ("gtwizard-orph-open-webui-20200101-000000", None),  # an older form still
        # a profile name that ends like an identity does not fool the parser
        ("gtwizard-a.0123456789ab-open-webui-20260101-101500-3fa2", None),
        ("gtwizard-a.b-open-webui-20260101-101500-3fa2.0123456789ab", "0123456789ab"),
    ],
)
def test_names_are_parsed_from_their_anchored_tail(name: str, installation: str | None) -> None:
    parsed = parse_key_name(name)
    assert parsed is not None and parsed.installation == installation


def test_a_name_not_given_by_gtwizard_is_not_parsed() -> None:
    assert parse_key_name("open-webui-prod") is None
    assert parse_key_name("gtwizard") is None


def test_a_lost_mint_is_matched_only_under_this_identity() -> None:
    ours = key_name("p", "open-webui")
    theirs = ours.rsplit(".", 1)[0] + ".ffffffffffff"
    assert lost_mint_matches(ours, ours)
    assert not lost_mint_matches(theirs, theirs)  # a journal naming another identity: not ours
    assert not lost_mint_matches(ours, theirs) and not lost_mint_matches(ours, None)
    legacy = "gtwizard-p-open-webui-20240101-000000-abcd"
    assert lost_mint_matches(legacy, legacy)  # minted before identities: the exact name


def test_an_unreadable_identity_is_refused_in_one_line() -> None:
    path = identity_path()
    path.parent.mkdir(parents=True)
    path.write_text('{"id": "not an id"}')
    with pytest.raises(OperationFailed) as caught:
        key_name("p", "open-webui")
    assert "identity" in caught.value.message and "\n" not in caught.value.one_line()
    assert path.read_text() == '{"id": "not an id"}'  # never overwritten
