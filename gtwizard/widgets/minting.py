"""The two ways to get a new key, shared by the Mint step (setup) and the Rotate screen.

Automatic minting needs the tenant's operator token: `OperatorTokenField` is a masked field with
its label in the border. Guided manual minting works with every tenant: `GuidedMint` shows the
tenant's /gt-api address and exactly what to make there, takes the pasted secret in a masked field
and posts `GuidedMint.Pasted` on Enter; the screen checks the key live (in a worker) and calls
`accepted` (masks and locks the field) or `refused`. Neither widget talks HTTP or keyring.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.markup import escape
from textual import on
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from gtwizard.redact import mask


class OperatorTokenField(Input):
    """The operator token, masked; used for the run (kept only where the operator asks)."""

    def __init__(self, value: str = "", *, placeholder: str = "gtop_…", **kwargs) -> None:
        super().__init__(value=value, password=True, placeholder=placeholder, **kwargs)

    def on_mount(self) -> None:
        self.border_title = "Operator token"


def guided_steps(
    console: str,
    preset: str,
    scopes: Sequence[str],
    names: Sequence[str],
    last: str,
    *,
    key_name: str | None = None,
    then: str | None = None,
) -> str:
    """What to make at /gt-api, numbered; `last` says what Enter does after the paste.

    `key_name` is the name to type for the key (gtwizard records it, and names the key by it
    from then on); `then` a last step that follows the paste (who revokes the old key)."""
    from gtwizard.setup.keys import guided_mint_steps

    hint = " (ctrl+y copies the address)"
    steps = guided_mint_steps(
        console, preset, scopes, names, last, copy_hint=hint, key_name=key_name, then=then
    )
    return "\n".join(f"{n}. {escape(step)}" for n, step in enumerate(steps, start=1))


def copy_console(app: App, address: str) -> None:
    """Copy the /gt-api address with OSC 52; many terminals ignore it, so also say it."""
    app.copy_to_clipboard(address)
    app.notify(f"Copied (if your terminal allows OSC 52): {address}")


class GuidedMint(Vertical):
    """Instructions, the masked paste field and its status line.

    Children are named after `prefix` (`PREFIX-instructions`, `PREFIX-paste`,
    `PREFIX-paste-status`), so each screen keeps its own ids.
    """

    DEFAULT_CSS = """
    GuidedMint {
        height: auto;
    }
    """

    class Pasted(Message):
        """Enter in the paste field: `secret` is to be checked live."""

        def __init__(self, guided: GuidedMint, secret: str) -> None:
            super().__init__()
            self.guided = guided
            self.secret = secret

        @property
        def control(self) -> GuidedMint:
            return self.guided

    def __init__(self, prefix: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.prefix = prefix

    def compose(self) -> ComposeResult:
        yield Static(id=f"{self.prefix}-instructions")
        yield Input(password=True, placeholder="paste the gtak_… secret", id=f"{self.prefix}-paste")
        yield Static("", id=f"{self.prefix}-paste-status")

    def on_mount(self) -> None:
        self.paste.border_title = "Pasted key"

    @property
    def paste(self) -> Input:
        return self.query_one(f"#{self.prefix}-paste", Input)

    def show_steps(self, text: str) -> None:
        self.query_one(f"#{self.prefix}-instructions", Static).update(text)

    def say(self, text: str) -> None:
        self.query_one(f"#{self.prefix}-paste-status", Static).update(text)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if event.input is not self.paste:
            return
        event.stop()
        event.prevent_default()  # Enter here checks the key live first
        self.say("Checking the key live…")
        self.post_message(self.Pasted(self, event.value))

    def accepted(self, secret: str, text: str) -> None:
        """The key passed its live check: show it masked, locked, and say what was found."""
        self.paste.value = mask(secret.strip())
        self.paste.disabled = True
        self.say(text)

    def refused(self, why: str) -> None:
        self.say(f"✗ {escape(why)}")

    def reset(self) -> None:
        """Ready for another paste (a new rotation, or answers that changed)."""
        self.paste.value = ""
        self.paste.disabled = False
        self.say("")
