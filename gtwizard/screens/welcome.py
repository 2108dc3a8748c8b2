"""Welcome: the saved profiles with their status, and what to do next with each."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from gtwizard.errors import GtwizardError
from gtwizard.widgets.keybar import KeyBar


def profile_line(profile) -> Text:
    """`name · product → host · key 12 d (due in 78 d) · keyring · last check ✓ ok`."""
    from gtwizard.profiles import key_health

    health = key_health(profile)
    text = Text(f"{profile.name}", style="bold")
    text.append(f"  {profile.product_preset} → {profile.tenant_host}\n    ")
    due = "ROTATE NOW" if health.rotation_due else "rotation not due"
    text.append(f"key {profile.key_id} · {health.age_days} d old · {due} · {profile.storage_kind}")
    last = profile.last_check
    if last is None:
        text.append(" · never checked")
    else:
        text.append(f" · last check {'✓ ok' if last.ok else '✗ FAILED'} {last.at:%Y-%m-%d}")
    work = work_in_progress(profile.name)
    if work is not None:
        text.append(
            f"\n    IN PROGRESS: {work.summary()} → {work.next_commands()[0]}", style="bold"
        )
    return text


def work_in_progress(name: str):
    """The profile's interrupted or waiting setup/rotation (shown with the command that ends it)."""
    from gtwizard.lifecycle.journal import open_journal

    try:
        return open_journal(name)
    except GtwizardError:
        return None


class WelcomeScreen(Screen):
    """Lists profiles; n starts a new setup, c checks, r rotates, b writes the runbook, x removes."""

    BINDINGS = [
        Binding("n", "new", "New"),
        Binding("c", "check", "Check"),
        Binding("r", "rotate", "Rotate"),
        Binding("b", "runbook", "Runbook"),
        Binding("x", "remove", "Remove"),
    ]
    AUTO_FOCUS = "#welcome-profiles"

    def compose(self) -> ComposeResult:
        with Vertical(classes="step-body"):
            yield Static(
                "[b]gtwizard[/b] — connect a product to your tenant's GT API, check it, rotate "
                "its key.\nSaved profiles (pick one, then a key below):",
                classes="prompt",
            )
            yield OptionList(id="welcome-profiles")
            yield Static("", id="welcome-status")
        yield KeyBar()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        from gtwizard.profiles import load_profiles

        option_list = self.query_one("#welcome-profiles", OptionList)
        option_list.clear_options()
        try:
            profiles = load_profiles()
        except GtwizardError as exc:
            self.query_one("#welcome-status", Static).update(f"✗ {escape(exc.one_line())}")
            return
        option_list.add_options(Option(profile_line(p), id=p.name) for p in profiles.values())
        if profiles:
            option_list.highlighted = 0
        else:
            self.query_one("#welcome-status", Static).update("No profiles yet: press n.")

    def chosen(self):
        from gtwizard.profiles import get_profile

        option_list = self.query_one("#welcome-profiles", OptionList)
        if option_list.highlighted is None:
            self.notify("Pick a profile first.", severity="warning")
            return None
        name = option_list.get_option_at_index(option_list.highlighted).id
        return get_profile(name or "")

    def action_new(self) -> None:
        self.app.start_setup()  # type: ignore[attr-defined]

    def action_check(self) -> None:
        profile = self.chosen()
        if profile is not None:
            self.app.open_checks(profile)  # type: ignore[attr-defined]

    def action_rotate(self) -> None:
        profile = self.chosen()
        if profile is not None:
            self.app.open_rotate(profile)  # type: ignore[attr-defined]

    def action_runbook(self) -> None:
        profile = self.chosen()
        if profile is None:
            return
        from gtwizard.runbook import write_runbook

        try:
            path = write_runbook(profile)
        except GtwizardError as exc:
            self.notify(exc.one_line(), severity="error")
            return
        self.notify(f"Runbook written to {path}")
        self.reload()

    def action_remove(self) -> None:
        profile = self.chosen()
        if profile is not None:
            self.app.push_screen(ConfirmRemove(profile.name), self.removed)

    def removed(self, name: str | None) -> None:
        if name:
            self.remove_profile(name)

    @work(thread=True, exclusive=True, group="welcome-remove")
    def remove_profile(self, name: str) -> None:
        """Keyring calls block (with a timeout): off the UI thread."""
        from gtwizard.lifecycle.removal import remove_profile_fully

        state = self.app.state  # type: ignore[attr-defined]
        try:
            done = remove_profile_fully(name, operator_token=state.operator_token)
        except GtwizardError as exc:
            self.app.call_from_thread(self.notify, exc.one_line(), severity="error")
            return
        self.app.call_from_thread(
            self.notify,
            f"Removed {name}: {len(done['revoked'])} key(s) revoked, "
            f"{len(done['deleted_secrets'])} stored secret(s) deleted.",
        )
        self.app.call_from_thread(self.reload)

    @on(OptionList.OptionSelected, "#welcome-profiles")
    def selected(self) -> None:
        self.action_check()


class ConfirmRemove(ModalScreen[str | None]):
    """Removing deletes the profile and its stored secrets: ask first."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.profile_name = name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                f"Remove profile [b]{escape(self.profile_name)}[/b], revoke its keys on the "
                "tenant and delete its stored key? The client then needs another key."
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Remove", id="confirm-yes", variant="error", compact=True)
                yield Button("Cancel", id="confirm-no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()  # removing is never the default

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self.profile_name if event.button.id == "confirm-yes" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
