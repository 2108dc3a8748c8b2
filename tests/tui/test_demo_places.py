"""`gtwizard demo` writes inside its folder only: every target's place starts there (Continue's
real default is ~/.continue/config.yaml), and what the operator points outside it is named, one
file at a time, in the line the demo ends with, and left where it is."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace

import pytest
from support.tui_drive import demo_state, drive

from gtwizard.app import WizardApp
from gtwizard.commands import demo
from gtwizard.targets.registry import from_settings, settings_kinds


def inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def test_every_targets_place_starts_inside_the_demo_folder(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    stand_in = SimpleNamespace(
        base_url="http://127.0.0.1:1/api/tenant", operator_token="t", ca_file=None
    )
    state = demo.demo_state(stand_in, folder)
    for spec in settings_kinds():
        values = state.target_settings.get(str(spec.kind), {})
        for setting in spec.settings:
            if setting.path and (setting.required or setting.default):
                assert setting.key in values, f"{spec.kind}: {setting.flag} has no demo place"
        target = from_settings(spec, values)  # a required setting missing would raise here
        assert inside(Path(target.place), folder), f"{spec.kind}: {target.place}"
        for key, value in values.items():
            assert inside(Path(value), folder), f"{spec.kind} {key}: {value}"
            assert Path(value).parent.is_dir(), "its folder is there to write in"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The operator's home: HOME points at an empty folder of this test's."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    assert Path("~").expanduser() == path
    return path


async def test_the_demo_sets_up_continue_inside_its_folder_never_in_home(
    sandbox, demo_folder: Path, home: Path
) -> None:
    (home / ".continue").mkdir()  # Continue is installed: its real folder is there
    app = WizardApp(demo_state(sandbox, demo_folder, product_slug="continue"))
    async with app.run_test(size=(80, 24)) as pilot:
        await drive(pilot, "summary")
    continue_dir = demo_folder / "continue" / ".continue"
    assert (continue_dir / "config.yaml").is_file() and (continue_dir / ".env").is_file()
    assert "gtak_" in (continue_dir / ".env").read_text()
    assert list(home.rglob("*")) == [home / ".continue"], "nothing under the operator's home"


def test_what_the_demo_wrote_outside_its_folder_is_named_and_left(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """The operator pointed Continue at a real workspace: the demo's last line names each file it
    wrote there (the .bak too), removes none of them, and removes everything in its folder."""
    from gtwizard.commands import tui
    from gtwizard.fileio import atomic_write

    workspace = tmp_path / "project" / ".continue"
    workspace.mkdir(parents=True)
    (workspace / "config.yaml").write_text("models: []\n")

    def fake_app(state, **kwargs) -> int:
        place = Path(state.target_settings["continue"]["config"])
        atomic_write(place, b"inside: yes\n")  # the demo's own place: removed at the end
        atomic_write(workspace / "config.yaml", b"models: [gt]\n")  # keeps a .bak
        atomic_write(workspace / ".env", b"GT_API_KEY=gtak_x\n")
        atomic_write(workspace / ".env", b"GT_API_KEY=gtak_y\n")  # written twice, named once
        return 0

    monkeypatch.setattr(tui, "run_app", fake_app)
    folder = demo.demo_dir()
    assert demo.run(argparse.Namespace(tls=False, openwebui_url=None)) == 0
    out = capsys.readouterr().out
    written = [
        workspace / "config.yaml.bak",
        workspace / "config.yaml",
        workspace / ".env",
        workspace / ".env.bak",
    ]
    named = ", ".join(str(p.resolve()) for p in written)
    assert f"outside it the demo wrote {named}, which stay" in out, out
    assert "nothing else was written" not in out
    assert all(path.is_file() for path in written), "the demo removes only its own folder"
    assert list(folder.iterdir()) == []
    assert list(home.rglob("*")) == []


def test_the_last_line_mentions_a_bak_only_when_one_was_written(tmp_path: Path) -> None:
    env = tmp_path / ".continue" / ".env"
    line = demo.ended(tmp_path / "demo", None, None, [env])
    assert f"outside it the demo wrote {env}, which stay" in line and ".bak" not in line
    line = demo.ended(tmp_path / "demo", None, None, [env, env.with_name(".env.bak")])
    assert "put a file back from the .bak beside it" in line
