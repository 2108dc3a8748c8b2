"""The Textual application: owns the wizard state and moves between step screens.

Each step screen is installed once, so going Back finds it exactly as the operator left it; the
answers themselves live in `WizardState`, which the core and the CLI share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from gtwizard.errors import GtwizardError
from gtwizard.presets.catalog import Catalog, load_catalog
from gtwizard.profiles import Profile
from gtwizard.setup.session import SetupSession
from gtwizard.wizard import STEP_TITLES, STEPS, WizardState


def _screen_factories() -> dict[str, Callable[[WizardApp], Screen]]:
    from gtwizard.screens.apply import ApplyScreen
    from gtwizard.screens.checks import ChecksScreen
    from gtwizard.screens.key import KeyScreen
    from gtwizard.screens.mint import MintScreen
    from gtwizard.screens.product import ProductScreen
    from gtwizard.screens.review import ReviewScreen
    from gtwizard.screens.storage import StorageScreen
    from gtwizard.screens.summary import SummaryScreen
    from gtwizard.screens.target import TargetScreen
    from gtwizard.screens.tenant import TenantScreen

    return {
        "product": lambda app: ProductScreen(app.catalog),
        "tenant": lambda app: TenantScreen(),
        "key": lambda app: KeyScreen(),
        "mint": lambda app: MintScreen(),
        "storage": lambda app: StorageScreen(),
        "target": lambda app: TargetScreen(),
        "review": lambda app: ReviewScreen(),
        "apply": lambda app: ApplyScreen(),
        "checks": lambda app: ChecksScreen(),
        "summary": lambda app: SummaryScreen(),
    }


class WizardApp(App[int]):
    """gtwizard's TUI: the setup flow, one screen per step."""

    CSS_PATH = "app.tcss"
    TITLE = "gtwizard"
    BINDINGS = [
        Binding("ctrl+q", "quit_wizard", "Quit", priority=True),
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
    ]

    def __init__(
        self,
        state: WizardState | None = None,
        *,
        catalog: Catalog | None = None,
        start_step: str = "product",
    ) -> None:
        super().__init__()
        self.state = state or WizardState()
        self.catalog = catalog or load_catalog()
        self.start_step = start_step
        self.factories = _screen_factories()
        self.steps = tuple(step for step in STEPS if step in self.factories)

    def on_mount(self) -> None:
        self.title = "gtwizard — connect a product to your GT API"
        for step in self.steps:
            self.install_screen(self.factories[step](self), name=step)
        if self.start_step == "welcome":
            from gtwizard.screens.welcome import WelcomeScreen

            self.push_screen(WelcomeScreen())
        else:
            self.push_screen(self.start_step)

    def start_setup(self) -> None:
        """From the welcome screen into the setup flow (welcome stays underneath)."""
        self.push_screen(self.steps[0])

    def open_checks(self, profile: Profile) -> None:
        """Run the live checks of an existing profile (from the welcome screen or the palette)."""
        from gtwizard.screens.checks import ChecksScreen

        self.state.profile = profile
        self.state.check_report = None
        self.push_screen(ChecksScreen(standalone=True))

    def action_help(self) -> None:
        from gtwizard.screens.help import HelpScreen

        screen = self.screen
        title = getattr(screen, "HELP_TITLE", "") or type(screen).__name__.removesuffix("Screen")
        text = getattr(screen, "HELP", "") or (screen.__doc__ or "").strip()
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
                "Rotate this profile's key without downtime",
                lambda n=name: self.open_rotate(n),
            )
            yield SystemCommand(
                f"Runbook {name}",
                "Write the operator runbook (no secrets)",
                lambda p=profile: self.write_runbook(p),
            )

    def open_rotate(self, name: str) -> None:
        from gtwizard.screens.rotate import RotateScreen

        self.push_screen(RotateScreen(name))

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
            self.switch_screen(self.steps[index + 1])
            return
        following = STEPS[STEPS.index(step) + 1] if step != STEPS[-1] else None
        title = STEP_TITLES.get(following or "", "the next step")
        self.notify(f"{title} is not available in this build yet.", severity="warning")

    def go_back(self, step: str) -> None:
        index = self.steps.index(step)
        if index > 0:
            self.switch_screen(self.steps[index - 1])

    async def fresh_session(self, *, force: bool = False) -> SetupSession:
        """The setup session for the current answers; a key made for other answers is undone."""
        signature = self.state.key_choices()
        old = self.state.session
        if old is not None and not force and self.state.key_signature == signature:
            return old
        if old is not None and old.has_key:
            await old.rollback()
        session = SetupSession(self.state.setup_request(self.catalog))
        self.state.session = session
        self.state.key_signature = signature
        self.state.profile = None
        self.state.check_report = None
        return session

    def action_quit_wizard(self) -> None:
        """Leave without writing anything (nothing is written before Apply)."""
        self.exit(0, message="Quit: nothing was written.")
