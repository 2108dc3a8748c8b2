"""Welcome: the saved profiles with their status, and what to do next with each."""

from __future__ import annotations

from rich.console import Group
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from gtwizard.errors import GtwizardError
from gtwizard.screens.base import NotifyingScreen, wizard_app
from gtwizard.widgets.keybar import KeyBar


def profile_line(profile) -> Group:
    """`name  product → host`, then indented `key … · 12 d old · keyring · last check ✓ ok`.

    The details hang under the name: a line too long for the terminal wraps to the same indent,
    never back to column 0 where it would read as another profile.
    """
    from gtwizard.profiles import key_health

    health = key_health(profile)
    title = Table.grid(padding=(0, 2))  # a long host wraps in its own column, not under the name
    title.add_column(no_wrap=True, style="bold")
    title.add_column()
    title.add_row(profile.name, f"{profile.product_preset} → {profile.tenant_host}")
    due = "ROTATE NOW" if health.rotation_due else "rotation not due"
    age = "age unknown" if health.age_days is None else f"{health.age_days} d old"
    details = Text(f"key {profile.key_label} · {age} · {due} · {profile.storage_kind}")
    last = profile.last_check
    if last is None:
        details.append(" · never checked")
    else:
        details.append(f" · last check {'✓ ok' if last.ok else '✗ FAILED'} {last.at:%Y-%m-%d}")
    work = work_in_progress(profile.name)
    if work is not None:
        details.append(f"\nIN PROGRESS: {work.summary()} → {work.next_commands()[0]}", style="bold")
    return Group(title, Padding(details, (0, 0, 0, 4)))


def work_in_progress(name: str):
    """The profile's interrupted or waiting setup/rotation (shown with the command that ends it)."""
    from gtwizard.lifecycle.journal import open_journal

    try:
        return open_journal(name)
    except GtwizardError:
        return None


PAGE = 50  # profiles listed at once; with more, a filter (/) narrows the list as you type


def matching(profiles: dict, query: str) -> list:
    """The profiles whose name, product or host contains every word of `query` (any case)."""
    words = query.lower().split()
    if not words:
        return list(profiles.values())
    found = []
    for p in profiles.values():
        hay = f"{p.name} {p.product_preset} {p.tenant_host}".lower()
        if all(w in hay for w in words):
            found.append(p)
    return found


def keep_highlight(before: list[str | None], at: int | None, shown: list[str]) -> int:
    """The index to highlight in `shown` after the list is drawn again: the profile that was
    highlighted (`before[at]`), else (it is gone, or filtered out) the nearest that is still
    listed, the one after it first; else the first."""
    if at is None or not 0 <= at < len(before):
        return 0
    nearest = [*before[at:], *reversed(before[:at])]
    return next((shown.index(name) for name in nearest if name in shown), 0)


class WelcomeScreen(NotifyingScreen):
    """Lists profiles; n starts a new setup, c checks, r rotates, b writes the runbook, x removes.

    With more than PAGE profiles only the first PAGE that match the filter are listed (each line
    reads the profile's journal, and a thousand lines made the first paint twice as slow); `/`
    goes to the filter, which narrows the list as you type."""

    HELP = (
        "Your saved profiles, each with its key's age, whether rotation is due, where the key is "
        "stored and its last check. Choose one with ↑↓, then: c checks it live (Enter too), r "
        "rotates its key (the new key is proven before the old one is revoked), b writes its "
        "operator runbook (no secrets), x removes it (asks first: its keys are revoked and its "
        "stored key deleted). n starts a new setup. With many profiles, / filters the list by "
        "name, product or host as you type."
    )
    BINDINGS = [
        Binding("slash", "filter", "Filter", show=False),
        Binding("n", "new", "New"),
        Binding("c", "check", "Check"),
        Binding("r", "rotate", "Rotate"),
        Binding("b", "runbook", "Runbook"),
        Binding("x", "remove", "Remove"),
    ]
    AUTO_FOCUS = "#welcome-profiles"
    profiles: dict = {}  # replaced by reload, never changed in place

    def compose(self) -> ComposeResult:
        with Vertical(classes="step-body"):
            yield Static(
                "[b]gtwizard[/b] — connect a product to your tenant's GT API, check it, rotate "
                "its key.\nSaved profiles: choose one with ↑↓, then press a letter from the bar "
                "at the bottom (c check, r rotate, …).",
                classes="prompt",
            )
            filter_input = Input(placeholder="filter: name or host", id="welcome-filter")
            filter_input.display = False
            yield filter_input
            yield OptionList(id="welcome-profiles")
            yield Static("", id="welcome-status")
        yield KeyBar()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        from gtwizard.profiles import load_profiles

        try:
            self.profiles = load_profiles()
        except GtwizardError as exc:
            self.query_one("#welcome-profiles", OptionList).clear_options()
            self.query_one("#welcome-status", Static).update(f"✗ {escape(exc.on_screen())}")
            return
        self.query_one("#welcome-filter", Input).display = len(self.profiles) > PAGE
        self.show_matching()

    def show_matching(self) -> None:
        option_list = self.query_one("#welcome-profiles", OptionList)
        before = [option_list.get_option_at_index(i).id for i in range(option_list.option_count)]
        at = option_list.highlighted
        option_list.clear_options()
        status = self.query_one("#welcome-status", Static)
        query = self.query_one("#welcome-filter", Input).value
        found = matching(self.profiles, query)
        listed = [p.name for p in found[:PAGE]]
        option_list.add_options(Option(profile_line(p), id=p.name) for p in found[:PAGE])
        if listed:
            option_list.highlighted = keep_highlight(before, at, listed)
        if not self.profiles:
            status.update("No profiles yet: press n.")
        elif len(self.profiles) > PAGE:
            shown = min(len(found), PAGE)
            status.update(
                f"{shown} of {len(found)} matching ({len(self.profiles)} profiles); "
                "/ filters by name or host."
            )
        else:
            status.update("")

    def action_filter(self) -> None:
        box = self.query_one("#welcome-filter", Input)
        if box.display:
            box.focus()

    @on(Input.Changed, "#welcome-filter")
    def filter_changed(self) -> None:
        self.show_matching()

    @on(Input.Submitted, "#welcome-filter")
    def filter_done(self) -> None:
        self.query_one("#welcome-profiles", OptionList).focus()

    def chosen(self):
        from gtwizard.profiles import get_profile

        option_list = self.query_one("#welcome-profiles", OptionList)
        if option_list.highlighted is None:
            self.notify("Pick a profile first.", severity="warning")
            return None
        name = option_list.get_option_at_index(option_list.highlighted).id
        return get_profile(name or "")

    def action_new(self) -> None:
        wizard_app(self).start_setup()

    def action_check(self) -> None:
        profile = self.chosen()
        if profile is not None:
            wizard_app(self).open_checks(profile)

    def action_rotate(self) -> None:
        profile = self.chosen()
        if profile is not None:
            wizard_app(self).open_rotate(profile)

    def action_runbook(self) -> None:
        profile = self.chosen()
        if profile is None:
            return
        from gtwizard.runbook import write_runbook

        try:
            path = write_runbook(profile)
        except GtwizardError as exc:
            self.notify(exc.on_screen(), severity="error")
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

    @work(thread=True, exclusive=True, group="welcome-remove", exit_on_error=False)
    def remove_profile(self, name: str) -> None:
        """Keyring calls block (with a timeout): off the UI thread."""
        from gtwizard.credentials import Settings
        from gtwizard.lifecycle.removal import remove_profile_fully
        from gtwizard.profiles import get_profile

        state = wizard_app(self).state
        try:
            # the environment's token only where it belongs in this session (never re-read)
            token = state.grants_for_saved(get_profile(name)).operator.token
            done = remove_profile_fully(name, operator_token=token, credentials=Settings())
        except GtwizardError as exc:
            self.app.call_from_thread(self.notify, exc.on_screen(), severity="error")
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

    HELP_TITLE = "Remove a profile"
    HELP = (
        "Remove deletes the profile, revokes its keys on the tenant and deletes its stored key; "
        "the client it configured then needs another key. Cancel (where the focus starts) or Esc "
        "changes nothing."
    )
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
