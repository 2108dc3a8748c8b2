"""The key bar: the active bindings in one line of text.

Textual's Footer builds a widget per key and costs about a third of gtwizard's start-up; this
shows the same information (every shown binding of the focused chain, disabled ones dimmed) as a
single Static, refreshed whenever the bindings change. No mouse is needed for anything.

In a browser (`gtwizard serve`) some keys never reach the page (ctrl+n opens a window, ctrl+q
quits Firefox): the app binds an alternate for each (BROWSER_KEYS) and the bar shows that one.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

# key the browser keeps -> the alternate the app also binds (see WizardApp.BINDINGS)
BROWSER_KEYS = {"ctrl+n": "alt+n", "ctrl+q": "alt+q"}


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        padding: 0 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.show_keys)
        self.show_keys()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def show_keys(self, *_: object) -> None:
        seen: set[str] = set()
        parts: list[Text] = []
        web = self.app.is_web
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            if web and binding.key in BROWSER_KEYS:
                binding = binding.with_key(BROWSER_KEYS[binding.key])
            key = Text(self.app.get_key_display(binding), style="bold" if enabled else "dim")
            parts.append(Text.assemble(key, " ", (binding.description, "" if enabled else "dim")))
        if self.app.ENABLE_COMMAND_PALETTE:
            parts.append(Text.assemble(("^p", "bold"), " palette"))
        self.update(Text("  ").join(parts))
