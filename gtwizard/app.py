"""The Textual application: owns the wizard state and moves between step screens.

Each step screen is installed once, so going Back finds it exactly as the operator left it; the
answers themselves live in `WizardState`, which the core and the CLI share.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerFailed

from gtwizard.errors import GtwizardError
from gtwizard.presets.catalog import Catalog, load_catalog
from gtwizard.widgets.keybar import BROWSER_KEYS
from gtwizard.wizard import STEP_TITLES, STEPS, WizardState

if TYPE_CHECKING:
    from gtwizard.profiles import Profile
    from gtwizard.setup.session import SetupSession


# step -> (module, class): a screen's module is imported, and the screen built and installed,
# the first time the operator reaches it, so start-up pays only for the first screen.
STEP_SCREENS: dict[str, tuple[str, str]] = {
    "product": ("gtwizard.screens.product", "ProductScreen"),
    "tenant": ("gtwizard.screens.tenant", "TenantScreen"),
    "key": ("gtwizard.screens.key", "KeyScreen"),
    "target": ("gtwizard.screens.target", "TargetScreen"),
    "mint": ("gtwizard.screens.mint", "MintScreen"),
    "storage": ("gtwizard.screens.storage", "StorageScreen"),
    "review": ("gtwizard.screens.review", "ReviewScreen"),
    "apply": ("gtwizard.screens.apply", "ApplyScreen"),
    "checks": ("gtwizard.screens.checks", "ChecksScreen"),
    "summary": ("gtwizard.screens.summary", "SummaryScreen"),
}

# The workers that make, undo or apply a key, by group, and what a quit does with one in flight.
# "wait": it ends on its own within its requests' timeouts, and the quit settles what it leaves (a
# mint cut off mid-request would land on the tenant after the quit looked: a live key nobody
# records). "cancel": a rotation stops as Ctrl-C stops `gtwizard rotate`; its journal keeps the
# place and the quit message names the command that resolves it (a rotation may wait on a proof
# or on the operator's answer for as long as it takes).
KEY_WORK: dict[str, str] = {
    "target-check": "wait",
    "mint-verify": "wait",
    "storage-mint": "wait",
    "apply": "wait",
    "welcome-remove": "wait",
    "rotate": "cancel",
}
SETTLING = "settling this run's key"


class WizardApp(App[int]):
    """gtwizard's TUI: the setup flow, one screen per step."""

    CSS_PATH = "app.tcss"
    TITLE = "gtwizard"
    BINDINGS = [
        Binding("ctrl+q", "quit_wizard", "Quit", priority=True),
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        # in a browser (`gtwizard serve`) ctrl+n and ctrl+q belong to the browser: these do the
        # same, and the key bar shows them there instead (priority: a text field would otherwise
        # take alt+n as the letter n)
        Binding(BROWSER_KEYS["ctrl+q"], "quit_wizard", "Quit", show=False, priority=True),
        Binding(BROWSER_KEYS["ctrl+n"], "screen.next", "Next", show=False, priority=True),
    ]

    def __init__(
        self,
        state: WizardState | None = None,
        *,
        catalog: Catalog | None = None,
        start_step: str = "product",
    ) -> None:
        from gtwizard.widgets.terminal_guard import install

        install()  # before anything is drawn: no tenant's text acts on the terminal
        super().__init__()
        self.state = state or WizardState()
        self.catalog = catalog or load_catalog()
        self.start_step = start_step
        self.steps = tuple(step for step in STEPS if step in STEP_SCREENS)
        self.crash_message: str | None = None  # the one line for the terminal after a crash
        self.quit_message: str | None = None  # what ctrl+q left behind, in one line
        self.quitting = False  # ctrl+q was pressed: the quit settles the key work, then exits

    def step_screen(self, step: str) -> str:
        """The installed screen of `step` (built on first use); returns its name for push/switch."""
        if not self.is_screen_installed(step):
            import importlib

            module, cls = STEP_SCREENS[step]
            screen_cls = getattr(importlib.import_module(module), cls)
            screen = screen_cls(self.catalog) if step == "product" else screen_cls()
            self.install_screen(screen, name=step)
        return step

    def _handle_exception(self, error: Exception) -> None:
        """Every unhandled exception (in a handler, a timer or a worker) ends here.

        Textual's own version prints a traceback with every local variable (a key, a token, a
        request body in clear). Here the redacted report goes to the log, `crash_message` keeps
        the one line that `run_app` prints once the terminal is restored, and the app exits 70.
        """
        from gtwizard.crash import EXIT_CRASH, crash_line

        cause = error.error if isinstance(error, WorkerFailed) else error
        line = crash_line(cause)
        self._return_code = EXIT_CRASH
        if self._exception is None:  # Pilot's run_test re-raises it, so tests still see it
            self._exception = error
            self._exception_event.set()
        if self.crash_message is None:
            self.crash_message = line
        self._close_messages_no_wait()

    def get_default_screen(self) -> Screen:
        """The first screen is the bottom of the stack, where Textual's empty default would be.

        Pushed from `on_mount` instead, it was laid out and rendered once while Textual still
        held back the display for the app's own mount, that frame was thrown away and the screen
        rendered again: about a fifth of the time to the first paint.
        """
        if self.start_step == "welcome":
            from gtwizard.screens.welcome import WelcomeScreen

            return WelcomeScreen()
        return self.get_screen(self.step_screen(self.start_step))

    def on_mount(self) -> None:
        self.title = "gtwizard — connect a product to your GT API"
        self._test_crash_hook()

    def _test_crash_hook(self) -> None:
        """Test hook (GTWIZARD_TEST_CRASH=tui:… or tui-worker:…): crash once the UI is up."""
        from gtwizard.testhooks import crash_for_test, crash_place

        place = crash_place()
        if place == "tui":
            self.set_timer(0.5, lambda: crash_for_test("tui"))
        elif place == "tui-worker":
            work = partial(crash_for_test, "tui-worker")
            self.set_timer(0.5, lambda: self.run_worker(work, thread=True))

    def start_setup(self) -> None:
        """From the welcome screen into the setup flow (welcome stays underneath)."""
        self.push_screen(self.step_screen(self.steps[0]))

    def open_checks(self, profile: Profile) -> None:
        """Run the live checks of an existing profile (from the welcome screen or the palette).

        The screen keeps the profile and its report itself: `state.profile` is the profile this
        run's setup saved, and a check opened in the middle of a setup must not take its place."""
        from gtwizard.screens.checks import ChecksScreen

        self.push_screen(ChecksScreen(standalone=True, profile=profile))

    def action_help(self) -> None:
        from gtwizard.screens.help import HelpScreen

        screen = self.screen
        title = getattr(screen, "HELP_TITLE", "") or type(screen).__name__.removesuffix("Screen")
        # a class docstring is written for engineers: never shown (every screen has a HELP)
        text = getattr(screen, "HELP", "") or (
            "No help for this screen: the bar at the bottom shows its keys; Esc goes back."
        )
        self.push_screen(HelpScreen(title, text))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("New setup", "Walk the setup flow from the start", self.start_setup)
        yield SystemCommand("Help", "What this screen is for, and its keys", self.action_help)
        try:
            from gtwizard.profiles import load_profiles

            profiles = load_profiles()
        except GtwizardError:
            profiles = {}
        for name, profile in profiles.items():
            yield SystemCommand(
                f"Check {name}",
                "Run the live checks for this profile",
                lambda p=profile: self.open_checks(p),
            )
            yield SystemCommand(
                f"Rotate {name}",
                "Rotate this profile's key: the new one is verified before the old is revoked",
                lambda p=profile: self.open_rotate(p),
            )
            yield SystemCommand(
                f"Runbook {name}",
                "Write the operator runbook (no secrets)",
                lambda p=profile: self.write_runbook(p),
            )

    def open_rotate(self, profile: Profile) -> None:
        from gtwizard.screens.rotate import RotateScreen

        self.push_screen(RotateScreen(profile.name, profile.target_kind))

    def write_runbook(self, profile: Profile) -> None:
        from gtwizard.runbook import write_runbook

        try:
            path = write_runbook(profile)
        except GtwizardError as exc:
            self.notify(exc.one_line(), severity="error")
        else:
            self.notify(f"Runbook written to {path}")

    def has_previous(self, step: str) -> bool:
        return self.steps.index(step) > 0

    def go_next(self, step: str) -> None:
        index = self.steps.index(step)
        if index + 1 < len(self.steps):
            self._go_to(self.steps[index + 1])
            return
        following = STEPS[STEPS.index(step) + 1] if step != STEPS[-1] else None
        title = STEP_TITLES.get(following or "", "the next step")
        self.notify(f"{title} is not available in this build yet.", severity="warning")

    def go_back(self, step: str) -> None:
        index = self.steps.index(step)
        if index > 0:
            self._go_to(self.steps[index - 1])

    def _go_to(self, step: str) -> None:
        """Show another step's screen in the current one's place, with Textual's public calls.

        The first screen is the bottom of the stack (`get_default_screen`), and Textual cannot
        switch the bottom screen away (`switch_screen` drops a result callback that only
        `push_screen` gives; a stack's base screen, a mode's too, has none). So from the bottom
        the next step is pushed over it, back to the screen underneath is a pop, and between any
        other two steps the top is switched.
        """
        name = self.step_screen(step)
        stack = self.screen_stack
        if len(stack) > 1 and stack[-2] is self.get_screen(name):
            self.pop_screen()
        elif len(stack) == 1:
            self.push_screen(name)
        else:
            self.switch_screen(name)

    async def fresh_session(self, *, force: bool = False) -> SetupSession:
        """The setup session for the current answers; a key made for other answers is undone."""
        signature = self.state.key_choices()
        old = self.state.session
        if old is not None and not force and self.state.key_signature == signature:
            return old
        replaces_own = self.state.profile is not None  # this run saved it: re-setup replaces it
        if old is not None and old.has_key and not old.applied_to_target:
            await old.rollback()
        elif old is not None:
            old.release()
        from gtwizard.setup.session import SetupSession

        request = self.state.setup_request(self.catalog)
        request.replace = request.replace or replaces_own
        session = SetupSession(request)
        session.warnings.extend(self.state.target_notes)  # the Target step checked it before
        self.state.session = session
        self.state.key_signature = signature
        self.state.profile = None
        self.state.check_report = None
        return session

    def action_quit_wizard(self) -> None:
        """Leave, ending this run's key in a defined state, and say truthfully what exists.

        The quit runs as a worker: while it waits for key work in flight the app still answers
        (a second ctrl+q says what it waits for)."""
        if self.quitting:
            self.notify(f"Quitting: {self._waiting_for() or SETTLING}…")
            return
        self.quitting = True
        self.run_worker(self._quit(), group="quit", exclusive=True)

    def _key_work(self) -> list[Worker]:
        """The key work still in flight (see KEY_WORK)."""
        return [w for w in self.workers if w.group in KEY_WORK and not w.is_finished]

    def _waiting_for(self) -> str:
        """What the quit waits for, in words (empty: nothing in flight)."""
        groups = {w.group for w in self._key_work()}
        if "rotate" in groups:
            return "stopping the rotation where its journal keeps the place"
        if groups & {"storage-mint", "mint-verify"}:
            return "waiting for the key being made to land, to undo it"
        if "apply" in groups:
            return "waiting for Apply to finish writing"
        if groups:
            return "waiting for the work in flight to end"
        return ""

    async def _quit(self) -> None:
        from gtwizard.setup.quit import end_of_run

        self.notify(f"Quitting: {self._waiting_for() or SETTLING}…")
        while work := self._key_work():  # a worker that ends may start another (it is waited too)
            for worker in work:
                if KEY_WORK[worker.group] == "cancel" and not worker.is_cancelled:
                    worker.cancel()
            await asyncio.sleep(0.05)
        state = self.state
        message = await end_of_run(state.session, state.profile, state.rotated)
        self.quit_message = f"Quit: {message}"
        self.exit(0, message=self.quit_message)
