"""A multi-select list whose rows read `[x] name` / `[ ] name`, readable without colour."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class NamePicker(OptionList):
    """Space toggles the highlighted row; Enter confirms the choice (or picks a row when none is).

    Enter is "this is my answer", as in other multi-select prompts: with nothing chosen yet it
    picks the highlighted row (there is nothing to confirm), otherwise it posts `Confirmed` so the
    step can go on. `selected` keeps the order of the rows.
    """

    BINDINGS = [Binding("space", "toggle_row", "Toggle", show=True)]

    class Changed(Message):
        """The chosen names changed."""

        def __init__(self, picker: NamePicker) -> None:
            super().__init__()
            self.picker = picker

        @property
        def control(self) -> NamePicker:
            return self.picker

    class Confirmed(Changed):
        """Enter with at least one name chosen (handled apart: `on(Changed)` skips it)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows: list[tuple[str, str]] = []  # (value, label)
        self._chosen: set[str] = set()

    def set_rows(self, rows: Iterable[tuple[str, str]], chosen: Iterable[str]) -> None:
        self._rows = list(rows)
        self._chosen = {c for c in chosen if any(v == c for v, _ in self._rows)}
        self._redraw()

    @property
    def selected(self) -> list[str]:
        return [value for value, _ in self._rows if value in self._chosen]

    def _redraw(self) -> None:
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(
            Option(Text(f"[{'x' if value in self._chosen else ' '}] {label}"), id=value)
            for value, label in self._rows
        )
        if self._rows:
            self.highlighted = highlighted if highlighted is not None else 0

    def action_toggle_row(self) -> None:
        if self.highlighted is None or not self._rows:
            return
        value = self._rows[self.highlighted][0]
        self._chosen.symmetric_difference_update({value})
        self._redraw()
        self.post_message(self.Changed(self))

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self._chosen:
            self.post_message(self.Confirmed(self))
        else:
            self.action_toggle_row()
