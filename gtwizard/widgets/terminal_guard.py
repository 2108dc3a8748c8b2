"""The TUI's last check: no character a tenant sent acts on the terminal the wizard draws on.

Text reaches the screen through Textual's `Content` and Rich's `Text`, and both pass it through
one translation table on the way in; out of the box those tables drop only BEL, backspace,
vertical tab, form feed and carriage return, so an ESC (and with it OSC 52, which writes the
clipboard) or a C1 CSI would reach the terminal. `install` gives both functions
`gtwizard.safetext.EscapingTable` instead (the same five still dropped): every other control,
format and bidi character is shown as its escape (`\\x1b`, `\\u202e`), as on the CLI.

Strings from a tenant are already made harmless where they enter (gtwizard.safetext.visible);
this is the net for what was stored before that (a key id in an old config.toml) and for any
path that one day forgets. tests/tui/test_hostile_tenant_tui.py proves it holds in the real
terminal.
"""

from __future__ import annotations

from typing import Any

from gtwizard.safetext import EscapingTable


def _guard(function: Any) -> None:
    (table,) = function.__defaults__
    if not isinstance(table, EscapingTable):
        function.__defaults__ = (EscapingTable(dict(table)),)


def install() -> None:
    """Make Textual's and Rich's control-code stripping escape every dangerous character."""
    import rich.control
    import textual.content

    # Both take their table as a default argument (`_translate_table=...`): that is the one place
    # every Content and every Text is cleaned, whoever builds it.
    _guard(textual.content._strip_control_codes)
    _guard(rich.control.strip_control_codes)


def installed() -> bool:
    """Whether both tables are the escaping one (a Textual or Rich upgrade may move them)."""
    import rich.control
    import textual.content

    functions = (textual.content._strip_control_codes, rich.control.strip_control_codes)
    return all(isinstance((f.__defaults__ or (None,))[0], EscapingTable) for f in functions)
