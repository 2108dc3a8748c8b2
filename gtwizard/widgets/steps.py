"""The step bar: where the operator is in the flow, readable without colour."""

from __future__ import annotations

from rich.text import Text
from textual.events import Resize
from textual.widgets import Static

from gtwizard.wizard import STEP_TITLES, STEPS


class StepBar(Static):
    """`Step 2/10  ✓ Product › ▶ Tenant › Key …`; on narrow terminals `✓1 ▶2 Tenant 3 4 …`.

    Done steps carry a tick and the current one an arrow, so the bar reads the same without colour.
    """

    def __init__(self, current: str, *, steps: tuple[str, ...] = STEPS) -> None:
        super().__init__(classes="step-bar")
        self.current = current
        self.steps = steps

    def on_mount(self) -> None:
        self.update(self.render_steps(self.size.width or 80))

    def on_resize(self, event: Resize) -> None:
        self.update(self.render_steps(event.size.width))

    def render_steps(self, width: int) -> Text:
        full = self._full()
        return full if full.cell_len <= width - 2 else self._compact()

    def _lead(self) -> Text:
        index = self.steps.index(self.current)
        return Text(f"Step {index + 1}/{len(self.steps)}  ", style="bold")

    def _full(self) -> Text:
        index = self.steps.index(self.current)
        text = self._lead()
        for i, step in enumerate(self.steps):
            if i:
                text.append(" › ", style="dim")
            title = STEP_TITLES[step]
            if i < index:
                text.append(f"✓ {title}", style="dim")
            elif i == index:
                text.append(f"▶ {title}", style="bold reverse")
            else:
                text.append(title, style="dim")
        return text

    def _compact(self) -> Text:
        index = self.steps.index(self.current)
        text = self._lead()
        for i, step in enumerate(self.steps):
            if i:
                text.append(" ")
            if i < index:
                text.append(f"✓{i + 1}", style="dim")
            elif i == index:
                text.append(f"▶{i + 1} {STEP_TITLES[step]}", style="bold reverse")
            else:
                text.append(str(i + 1), style="dim")
        return text
