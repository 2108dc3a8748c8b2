"""The Target protocol (issue 22, part 2): every kind has a target behind one protocol, and the key
runs (setup, rotation, recovery) ask it instead of branching on the kind.

The targets are built exactly as a saved profile or an interrupted setup's draft names them, and
driven on real files here (the env file); the admin-API target's network side is exercised
against a real Open WebUI by tests/real/test_openwebui_admin.py and the rotation tests.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from pathlib import Path

import pytest

from gtwizard.kinds import TargetKind
from gtwizard.presets.catalog import load_catalog
from gtwizard.profiles import Profile
from gtwizard.setup.keys import KeyChoice
from gtwizard.targets.base import ClientTarget, NoTarget
from gtwizard.targets.openwebui import AdminApiTarget, EnvFileTarget, connection_for
from gtwizard.targets.registry import SPECS, Where, build, for_draft

ROOT = Path(__file__).resolve().parents[2] / "gtwizard"
KEY_RUNS = [
    *sorted((ROOT / "rotation").glob("*.py")),
    *sorted((ROOT / "setup").glob("*.py")),
    *sorted((ROOT / "keyrun").glob("*.py")),
]
PROTOCOL = [
    name
    for name, member in inspect.getmembers(ClientTarget)
    if not name.startswith("_") and (callable(member) or isinstance(member, property))
]
SECRET = "gtak_" + "s" * 40


def choice() -> KeyChoice:
    preset = load_catalog().key_preset("chat-client")
    return KeyChoice(
        preset=preset,
        scopes=("inference:chat",),
        agent_aliases=("helpdesk",),
        raw_models=(),
        embeddings=False,
        embedding_model=None,
    )


def test_every_kind_has_a_target_with_the_whole_protocol() -> None:
    assert set(SPECS) <= set(TargetKind) and TargetKind.NONE in SPECS
    assert {
        "read_key",
        "apply",
        "plan",
        "preflight",
        "ready",
        "record_in",
        "prove",
        "holds",
    } <= set(PROTOCOL)
    for kind in SPECS:
        target = build(Where(kind=kind, place="/tmp/x.env" if kind != "admin-api" else "http://o"))
        assert target.kind == kind
        missing = [name for name in PROTOCOL if not hasattr(target, name)]
        assert not missing, (kind, missing)


def test_the_key_runs_never_branch_on_the_target_kind() -> None:
    """rotation/, setup/ and keyrun/ ask the target; a comparison with a kind's text is a regression.
    (`target_kind` may still be read to record or show it.)"""
    branch = re.compile(r"""target_kind\s*[!=]=|[!=]=\s*["'](env-file|admin-api)["']""")
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in KEY_RUNS
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if branch.search(line)
    ]
    assert found == []
    assert not [
        f
        for path in KEY_RUNS
        for f in re.findall(r"isinstance\([^)]*(?:EnvFileTarget|AdminApiTarget)", path.read_text())
    ]


def test_env_file_target_plans_applies_reads_back_and_records(tmp_path: Path) -> None:
    path = tmp_path / "openwebui.env"
    path.write_text("WEBUI_NAME=ours\n")
    target = build(Where(kind="env-file", place=str(path), dialect="compose"))
    assert isinstance(target, EnvFileTarget) and target.reads_at_start and target.applies
    base = "https://gt.example/api/tenant/v1"
    connection = connection_for(choice(), base, SECRET)
    target.check_edit(choice(), base)
    plan = target.plan(connection, choice())
    assert SECRET not in plan.diff and path.read_text() == "WEBUI_NAME=ours\n"
    applied = asyncio.run(target.apply(connection, ca_bundle=None, plan=plan))
    line, changed = target.describe(applied)
    assert changed and str(path) in line
    assert "WEBUI_NAME=ours" in path.read_text()  # the operator's own line is kept
    assert asyncio.run(target.read_key(base, ca_bundle=None)) == SECRET
    assert target.summary(plan, applied)["changed"] is True
    profile = Profile(name="p", tenant_host="gt.example")
    target.record_in(profile)
    assert profile.env_dialect == "compose"


def test_a_draft_names_its_target_and_an_admin_read_needs_the_credential() -> None:
    draft = {"target_kind": "admin-api", "target_place": "http://127.0.0.1:9"}
    target = for_draft(draft, None)
    assert isinstance(target, AdminApiTarget) and not target.reads_at_start
    from gtwizard.errors import InvalidInput

    with pytest.raises(InvalidInput, match="needs its admin credential"):
        asyncio.run(target.read_key("http://127.0.0.1:9/v1", ca_bundle=None))
    assert isinstance(for_draft({}, None), NoTarget)
    assert isinstance(for_draft({"target_kind": "from-a-newer-gtwizard"}, None), NoTarget)


def test_no_target_applies_nothing() -> None:
    target = NoTarget()
    assert not target.applies and not target.reads_at_start
    assert asyncio.run(target.read_key("x", ca_bundle=None)) is None
    ready = asyncio.run(
        target.ready(
            choice(), "x", ca_bundle=None, profile=Profile(name="p", tenant_host="t.example")
        )
    )
    assert ready == "no client target: the key is only stored"
