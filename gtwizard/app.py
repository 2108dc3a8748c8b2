"""The Textual application: owns the wizard state and moves between step screens.

Each step screen is installed once, so going Back finds it exactly as the operator left it; the
answers themselves live in `WizardState`, which the core and the CLI share.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from gtwizard.presets.catalog import Catalog, load_catalog
from gtwizard.wizard import STEP_TITLES, STEPS, WizardState


def _screen_factories() -> dict[str, Callable[[WizardApp], Screen]]:
    from gtwizard.screens.product import ProductScreen
    from gtwizard.screens.tenant import TenantScreen

    return {
        "product": lambda app: ProductScreen(app.catalog),
        "tenant": lambda app: TenantScreen(),
    }


class WizardApp(App[int]):
    """gtwizard's TUI: the setup flow, one screen per step."""

    CSS_PATH = "app.tcss"
    TITLE = "gtwizard"
    BINDINGS = [Binding("ctrl+q", "quit_wizard", "Quit", priority=True)]

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
        self.push_screen(self.start_step)

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

    def action_quit_wizard(self) -> None:
        """Leave without writing anything (nothing is written before Apply)."""
        self.exit(0, message="Quit: nothing was written.")
