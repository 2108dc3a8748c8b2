"""Checkboxes and radio buttons whose state shows as a mark, not only as a colour.

Textual draws the same `X` for on and off and tells them apart by colour; with NO_COLOR or 16
colours that is unreadable. These show `X` (checkbox) or `●` (radio) only when on.
"""

from __future__ import annotations

from textual.widgets import Checkbox, RadioButton


class MarkedCheckbox(Checkbox):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "X" if self.value else " "


class MarkedRadioButton(RadioButton):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "●" if self.value else " "
