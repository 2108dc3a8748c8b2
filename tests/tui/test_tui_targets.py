"""The Target step from the target registry, and the target checked before any key (issues 22, 23).

The Target step offers the targets registered for the chosen product; a target built from its
declared settings gets one generic pane. Its check (preflight, and the edit planned with a
placeholder key) runs there, before Mint: a target that would be refused costs no key, which the
tenant's own key list shows.

No product target beyond Open WebUI's is registered on main while these tests are written (each
comes with its own module), so a small real one is registered here for the test: `NotesTarget`,
a "product" that reads its GT connection from one file, written atomically (0600, backup kept).
"""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.rotation_helpers import tenant_keys
from support.tui_drive import (
    back_to,
    choose_product,
    demo_state,
    drive,
    next_to,
    paste_into,
    settle,
    step_of,
)
from support.tui_helpers import text_of
from textual.widgets import Input, Static

from gtwizard.app import WizardApp
from gtwizard.errors import InvalidInput
from gtwizard.kinds import TargetKind
from gtwizard.lifecycle.journal import open_journal
from gtwizard.profiles import get_profile, load_profiles
from gtwizard.targets.base import ProofUnavailable
from gtwizard.targets.registry import Setting, TargetSpec, settings_kinds

pytestmark = pytest.mark.usefixtures("fail_keyring")

NOTES_KIND = TargetKind.CONTINUE  # a kind the registry does not fill on main yet
NOTES_PRODUCT = "continue"
NOTES_LABEL = "Notes file the test product reads"


@dataclass(frozen=True)
class NotesTarget:
    """The smallest real target: `GT_BASE=...` and `GT_KEY=...` in one file the product reads."""

    path: Path
    kind = NOTES_KIND
    product = "Notes"
    reads_at_start: bool = True
    applies: bool = True
    proof_url: str | None = None
    credential: str | None = None
    can_prove: bool = False

    @property
    def place(self) -> str:
        return str(self.path)

    @property
    def action(self) -> str:
        return f"write {self.path} (0600; the previous version kept as .bak)"

    async def preflight(self, *, ca_bundle, gt_base, names, profile) -> list[str]:
        if not self.path.parent.is_dir():
            raise InvalidInput(
                f"{self.path.parent} is not a folder", "give a file in an existing folder"
            )
        return []

    def check_edit(self, choice, openai_base: str) -> None:
        from gtwizard.fileio import check_replaceable, real_path

        check_replaceable(real_path(self.path))

    async def ready(self, choice, openai_base, *, ca_bundle, profile) -> str:
        self.check_edit(choice, openai_base)
        return f"{self.path} writable"

    def text(self, openai_base: str, key: str) -> str:
        return f"GT_BASE={openai_base}\nGT_KEY={key}\n"

    def plan(self, connection, choice) -> str:
        from gtwizard.redact import mask

        return self.text(connection.openai_base, mask(connection.api_key))

    async def apply(self, connection, *, ca_bundle, plan) -> Path | None:
        from gtwizard.fileio import atomic_write

        data = self.text(connection.openai_base, connection.api_key).encode()
        return atomic_write(self.path, data, backup=True)

    def describe(self, applied: Any) -> tuple[str, bool]:
        return f"wrote {self.path}", True

    def review(self, plan: Any) -> tuple[str, dict[str, Any]]:
        return str(plan), {"text": plan}

    def summary(self, plan: Any, applied: Any) -> dict[str, Any]:
        return {"backup": str(applied) if applied else None}

    async def read_key(self, openai_base: str, *, ca_bundle) -> str | None:
        if not self.path.exists():
            return None
        lines = dict(line.split("=", 1) for line in self.path.read_text().splitlines())
        return lines.get("GT_KEY")

    async def holds(self, secret, openai_base, *, ca_bundle) -> bool | None:
        return None

    def restart_step(self, profile) -> None:
        return None

    async def prove(self, request) -> str:
        raise ProofUnavailable("the notes product cannot be asked from here")

    def record_in(self, profile) -> None:
        profile.target_settings = {"notes": str(self.path)}

    def access_notes(self, choice) -> list[str]:
        return []


NOTES_SPEC = TargetSpec(
    NOTES_KIND,
    NOTES_LABEL,
    "Notes",
    lambda where: NotesTarget(Path(where.settings.get("notes") or where.place)),
    settings=(
        Setting("notes", "--notes-file", "Notes file path", required=True, path=True),
        Setting("section", "--notes-section", "Section in it", default="gt"),
    ),
    place_key="notes",
    presets=(NOTES_PRODUCT,),
)


@pytest.fixture
def notes_target(monkeypatch: pytest.MonkeyPatch) -> Iterator[TargetSpec]:
    from gtwizard.targets import registry

    monkeypatch.setitem(registry.SPECS, NOTES_KIND, NOTES_SPEC)
    yield NOTES_SPEC


def key_ids(sandbox) -> set[str]:
    return {key.id for key in tenant_keys(sandbox)}


def nav_status(app: WizardApp) -> str:
    return str(app.screen.query_one("#nav-status").render())


def accepted(base: str, key: str) -> int:
    return httpx.get(f"{base}/models", headers={"Authorization": f"Bearer {key}"}).status_code


async def test_a_settings_target_is_set_up_through_its_own_pane(
    sandbox, demo_folder: Path, notes_target: TargetSpec
) -> None:
    notes = demo_folder / "notes.env"
    app = WizardApp(demo_state(sandbox, demo_folder, product_slug=NOTES_PRODUCT))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "target")
        screen = app.screen
        radios = [button.id for button in screen.query("#target-kind RadioButton")]
        assert radios == [f"target-kind-{NOTES_KIND}"], "only the product's own targets"
        assert not screen.query("#target-env-pane") and not screen.query("#target-admin-pane")
        field = screen.query_one("#target-setting-notes", Input)
        section = screen.query_one("#target-setting-section", Input)
        assert field.border_title == "Notes file path" and section.border_title == "Section in it"
        assert section.placeholder == "gt", "a default is the placeholder"

        await pilot.press("enter")  # the choice: its required field is empty, so it is next
        await settle(pilot)
        assert step_of(pilot) == "target" and app.focused is field
        assert "Notes file path" in nav_status(app)
        await paste_into(pilot, "#target-setting-notes", str(notes))
        assert app.state.target_settings[str(NOTES_KIND)] == {"notes": str(notes)}

        await next_to(pilot, "mint")
        await back_to(pilot, "target")  # Back keeps the answer
        assert screen.query_one("#target-setting-notes", Input).value == str(notes)
        await next_to(pilot, "mint")
        await next_to(pilot, "storage")
        await next_to(pilot, "review")
        change = text_of(app.screen.query_one("#review-change", Static))
        assert f"Changes to {notes}" in change and "GT_KEY=gtak_" in change
        assert str(app.screen.query_one("#nav-next").label) == "Write ›"
        await drive(pilot, "summary")

    assert stat.S_IMODE(notes.stat().st_mode) == 0o600
    values = dict(line.split("=", 1) for line in notes.read_text().splitlines())
    assert values["GT_BASE"] == sandbox.base_url + "/v1"
    assert accepted(values["GT_BASE"], values["GT_KEY"]) == 200, "the written key is live"
    profile = get_profile("demo")
    assert profile.target_kind == NOTES_KIND and profile.target_place == str(notes)
    assert profile.target_settings == {"notes": str(notes)}
    assert profile.product_preset == NOTES_PRODUCT


async def test_the_target_step_follows_the_product(
    sandbox, demo_folder: Path, notes_target: TargetSpec
) -> None:
    app = WizardApp(demo_state(sandbox, demo_folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "target")
        radios = [button.id for button in app.screen.query("#target-kind RadioButton")]
        beyond = [
            f"target-kind-{spec.kind}" for spec in settings_kinds() if "open-webui" in spec.presets
        ]
        assert radios == ["target-env", "target-admin", *beyond], "Open WebUI's own two, then more"
        assert "target-kind-kubernetes" in radios  # Open WebUI on Kubernetes is one of them
        await choose_product(pilot, "continue")
        assert app.state.product_slug == NOTES_PRODUCT
        await drive(pilot, "target")
        radios = [button.id for button in app.screen.query("#target-kind RadioButton")]
        assert radios == [f"target-kind-{NOTES_KIND}"]
        assert app.state.target_kind == NOTES_KIND
        assert app.focused is app.screen.query_one("#target-kind")


async def test_a_product_without_a_target_keeps_open_webuis_two(sandbox, demo_folder) -> None:
    app = WizardApp(demo_state(sandbox, demo_folder, product_slug="aider"))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "target")
        radios = [button.id for button in app.screen.query("#target-kind RadioButton")]
        assert radios == ["target-env", "target-admin"]
        assert app.screen.query_one("#target-path", Input).value.endswith("openwebui.env")


async def refused_at_target(app: WizardApp, pilot, sandbox) -> str:
    """Next on Target is refused: the step stays, says why, and no key exists anywhere."""
    before = await asyncio.to_thread(key_ids, sandbox)
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert step_of(pilot) == "target"
    said = text_of(app.screen.query_one("#target-status", Static))
    assert said.startswith("✗"), said
    assert await asyncio.to_thread(key_ids, sandbox) == before, "no key was minted"
    session = app.state.session
    assert session is None or not session.has_key
    assert open_journal("demo") is None and not load_profiles()
    return said


async def test_an_env_file_another_user_could_swap_is_refused_before_any_key(
    own_sandbox, demo_folder: Path
) -> None:
    """A link into a folder anyone may write (no sticky bit): refused on Target, no key minted;
    with the path fixed the same run goes on and mints exactly one key."""
    open_dir = demo_folder / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    link = demo_folder / "linked.env"
    link.symlink_to(open_dir / "openwebui.env")
    before = await asyncio.to_thread(key_ids, own_sandbox)
    app = WizardApp(demo_state(own_sandbox, demo_folder, env_path=str(link)))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "target")
        said = await refused_at_target(app, pilot, own_sandbox)
        assert "anyone may write" in said
        assert not (open_dir / "openwebui.env").exists()

        await paste_into(pilot, "#target-path", str(demo_folder / "openwebui.env"))
        await drive(pilot, "summary")
    made = await asyncio.to_thread(key_ids, own_sandbox) - before
    assert made == {get_profile("demo").key_id}, "one key, made after the target passed"


async def test_a_settings_target_in_a_missing_folder_is_refused_before_any_key(
    own_sandbox, demo_folder: Path, notes_target: TargetSpec
) -> None:
    blocker = demo_folder / "a-file"
    blocker.write_text("not a folder\n")
    state = demo_state(own_sandbox, demo_folder, product_slug=NOTES_PRODUCT)
    state.target_settings = {str(NOTES_KIND): {"notes": str(blocker / "notes.env")}}
    app = WizardApp(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "target")
        said = await refused_at_target(app, pilot, own_sandbox)
        assert f"{blocker} is not a folder" in said
    assert blocker.read_text() == "not a folder\n"
