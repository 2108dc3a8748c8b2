"""Checkboxes, radio sets and selects that read without colour and let Enter move the form on.

Textual draws the same `X` for on and off and tells them apart by colour; with NO_COLOR or 16
colours that is unreadable. These show `X` (checkbox) or `●` (radio) only when on.

In a wizard Enter means "this is my answer": `ChoiceSet` picks the highlighted choice and moves
focus to the next field (space only picks), and `StepSelect` moves on once a choice is made in its
menu, so Enter never just opens and closes the same menu again. A checkbox toggles with Space only:
Enter on it does what the step's hint says Enter does (go on), never a silent tick.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.binding import Binding
from textual.widgets import Checkbox, RadioButton, RadioSet, Select


class MarkedCheckbox(Checkbox, inherit_bindings=False):
    # Space toggles; Enter is left to the screen (its "on to ..." as the hint line says)
    BINDINGS = [Binding("space", "toggle_button", "Toggle", show=True)]

    # Textual declares BUTTON_INNER a class attribute; a property draws the mark for the value
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "X" if self.value else " "


class MarkedRadioButton(RadioButton):
    # Textual declares BUTTON_INNER a class attribute; a property draws the mark for the value
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "●" if self.value else " "


class ChoiceSet(RadioSet):
    """A radio set where Enter picks the highlighted choice and then focuses the next field.

    `then`, when given, runs instead of focusing the next field: a step whose answer is complete
    once the choice is made (the Target step with its fields filled) goes on from there.
    """

    BINDINGS = [Binding("enter", "pick_and_go", "Choose", show=False)]

    def __init__(self, *args: Any, then: Callable[[], None] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.then = then

    # The last pick was made with Enter (go on), not Space (only pick). A screen that shows a
    # different field for each choice reads it in its Changed handler and focuses the field it
    # shows: the field focused by moving on may be the one the choice just hid.
    went_on = False

    def action_toggle_button(self) -> None:
        self.went_on = False
        super().action_toggle_button()

    def action_pick_and_go(self) -> None:
        super().action_toggle_button()
        self.went_on = True
        # after the screen has reacted to the choice (it may show, and focus, what follows)
        self.call_after_refresh(self._move_on)

    def _move_on(self) -> None:
        if not self.has_focus:
            return
        if self.then is not None:
            self.then()
        else:
            self.screen.focus_next()


class StepSelect(Select):
    """A select that hands focus to the next field once its menu closes on a choice.

    `title` is drawn in the border, as every other field's label is (a Select's own border
    title is not drawn: the border belongs to the part that shows the current value).
    """

    def __init__(self, *args, title: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.title = title

    def on_mount(self) -> None:
        from textual.widgets._select import SelectCurrent

        self.query_one(SelectCurrent).border_title = self.title

    def _watch_expanded(self, expanded: bool) -> None:
        super()._watch_expanded(expanded)
        if not expanded and self.is_mounted:
            self.call_after_refresh(self._move_on)

    def _move_on(self) -> None:
        if self.has_focus:
            self.screen.focus_next()
