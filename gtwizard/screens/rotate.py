"""Rotate: the journaled rotation with its steps shown live; never revokes before verifying.

The new key comes the same two ways as in setup: minted with the operator token (from the
environment, kept with the profile, or typed here, masked), or made by the operator at the
tenant's /gt-api page and pasted (masked, checked live by the rotation's mint step).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, RadioSet, Static

from gtwizard.errors import GtwizardError, InvalidInput
from gtwizard.kinds import TargetKind
from gtwizard.screens.base import NotifyingScreen, wizard_app
from gtwizard.screens.review import ConfirmApply
from gtwizard.services import typed_token_refusal
from gtwizard.widgets.keybar import KeyBar
from gtwizard.widgets.minting import GuidedMint, OperatorTokenField, copy_console, guided_steps
from gtwizard.widgets.toggles import ChoiceSet, MarkedRadioButton

if TYPE_CHECKING:
    from gtwizard.profiles import Profile
    from gtwizard.wizard import WizardState

MARKS = {
    "pending": "[ ]",
    "done": "[✓]",
    "resumed": "[✓]",
    "failed": "[✗]",
    "skipped": "[-]",
    "rolled-back": "[↺]",
    "waiting": "[…]",
}


PROVE_PROMPT = (
    "How can gtwizard reach this Open WebUI to prove the new key? With its URL and an admin "
    "credential, f proves it as an ordinary user before the old key goes."
)


class RotateScreen(NotifyingScreen):
    """s starts; a rotation in progress offers f (finish: prove, then revoke) and a (abort).

    Without an operator token the screen asks for one (masked) or guides a manual key: the
    tenant's /gt-api address, the name to give the key, what to make there, and a masked paste
    that starts the rotation; where the old key is then revoked by hand, the last step says so.
    An env-file target proves through Open WebUI's URL and an admin credential: the screen has
    fields for both (the recorded URL filled in; a URL typed here is recorded as the profile's
    proof channel when the rotation starts or finishes). Without them the rotation waits with
    both keys live; w then revokes on the operator's word. a and w ask before they act, and the
    key bar shows exactly the keys that act now.
    """

    DEFAULT_CSS = """
    #rotate-hint {
        color: $text-muted;
        height: auto;
    }
    #rotate-how, #rotate-proof {
        height: auto;
    }
    """

    HELP = (
        "The new key is minted with the operator token (from GTWIZARD_OPERATOR_TOKEN, kept with "
        "the profile, or typed here; used for this rotation only), or made by you at the "
        "tenant's /gt-api page (ctrl+y copies its address) and pasted: it is checked live "
        "before anything changes. s starts (Enter in the token field too); f finishes a waiting "
        "rotation (proves, then revokes the old key), a aborts it."
    )

    BINDINGS = [
        Binding("s", "start", "Start rotation"),
        Binding("enter", "start", "Start", show=False),
        Binding("f", "finish", "Finish"),
        Binding("a", "abort", "Abort"),
        Binding("w", "without_proof", "Revoke unproven"),
        Binding("ctrl+y", "copy_console", "Copy /gt-api"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, profile: str, target_kind: str = "") -> None:
        super().__init__()
        self.profile = profile
        self.target_kind = target_kind
        self.running = False
        self.ran = False  # a rotation ran to an end on this screen: the way in is not asked again
        self.pending: str | None = None  # the journal's state when a rotation is in progress
        self.offer_without_proof = False
        self.lines: list[str] = []  # the rotation's progress, as its Progress messages said it
        self.saved: Profile | None = None
        self.token_kept = False
        self.mode = "auto"
        # this profile's credentials: the environment's where they belong (state.grants_for_saved),
        # or the token typed on this screen
        self.operator_token: str | None = None
        self.given_token: str | None = None  # the one that came with it (not typed here)
        self.openwebui_token: str | None = None
        self.key_name: str | None = None  # the name a key made by hand is to be given
        self.proves_here = False  # an env-file Open WebUI profile: the proof fields are shown
        self.follow_outcome = False  # a run ended: its outcome is kept in view at the end

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="step-body", id="rotate-body"):
            yield Static(
                f"[b]Rotate the key of profile {escape(self.profile)}[/b]\n"
                "Mint a new key with the same scopes and allowlist, store it, apply it, prove it "
                "where Open WebUI uses it, and only then revoke the old one."
                + self.interruption_text(),
                classes="prompt",
                id="rotate-intro",
            )
            yield Static("", id="rotate-pending")
            with Vertical(id="rotate-how"):
                with ChoiceSet(id="rotate-mode"):
                    yield MarkedRadioButton(
                        "Automatic — mint the new key with the operator token",
                        value=True,
                        id="rotate-auto",
                    )
                    yield MarkedRadioButton(
                        "Guided manual — make the new key in the tenant app and paste it here",
                        id="rotate-manual",
                    )
                yield OperatorTokenField(id="rotate-token")
                yield GuidedMint("rotate", id="rotate-manual-pane")
            with Vertical(id="rotate-proof"):
                yield Static(PROVE_PROMPT, classes="prompt")
                yield Input(placeholder="optional: http://openwebui:8080", id="rotate-prove-url")
                yield Input(
                    password=True,
                    placeholder="optional: admin API key or JWT",
                    id="rotate-prove-token",
                )
            yield Static("", id="rotate-hint")
            yield Static("", id="rotate-steps")
            yield Static("", id="rotate-log")
        yield KeyBar()

    def interruption_text(self) -> str:
        from gtwizard.runbook import rotation_interruption

        note = rotation_interruption(self.target_kind)
        return f"\n[i]{escape(note)}[/i]" if note else ""

    @property
    def state(self) -> WizardState:
        return wizard_app(self).state

    def on_mount(self) -> None:
        from gtwizard.profiles import get_profile
        from gtwizard.rotation import STEPS

        body = self.query_one("#rotate-body")
        self.watch(body, "virtual_size", lambda _size: self.body_resized(), init=False)

        try:
            self.saved = get_profile(self.profile)
        except GtwizardError as exc:
            self.query_one("#rotate-log", Static).update(f"✗ {escape(exc.one_line())}")
        else:
            from gtwizard.rotation import suggested_key_name

            self.token_kept = bool(self.saved.operator_token_kept)
            found = self.state.rotate_credentials(self.saved)
            self.operator_token, self.openwebui_token, withheld = found
            self.given_token = self.operator_token
            if withheld:
                self.lines += [f"Not sent: {w}" for w in withheld]
                self.query_one("#rotate-log", Static).update(escape("\n".join(self.lines)))
            self.key_name = suggested_key_name(self.saved)
            self.show_proof_fields(self.saved)
        token = self.query_one("#rotate-token", OperatorTokenField)
        token.value = self.operator_token or ""
        if self.token_kept:
            token.placeholder = "kept with the profile: leave empty, or type another"
        self.show_guide()
        self.show_steps({step: "pending" for step in STEPS})
        self.show_pending()
        if not self.query_one("#rotate-how").display:
            self.focus_after_start()
        elif self.has_token():
            self.query_one("#rotate-mode").focus()
        else:
            token.focus()

    def show_proof_fields(self, profile: Profile) -> None:
        """The proof channel's fields, for an Open WebUI profile that writes an env file (an
        admin-API profile's target is its channel; other products are not proven there)."""
        from gtwizard.credentials import openwebui_url_of

        self.proves_here = (
            profile.product_preset == "open-webui" and profile.target_kind == TargetKind.ENV_FILE
        )
        url = self.query_one("#rotate-prove-url", Input)
        url.value = openwebui_url_of(profile) or ""
        url.border_title = "Open WebUI URL, to prove it"
        token = self.query_one("#rotate-prove-token", Input)
        token.border_title = "Its admin credential"
        if profile.admin_token_kept:
            token.placeholder = "kept with the profile: leave empty, or type another"
        elif self.openwebui_token:
            token.placeholder = "from GTWIZARD_OPENWEBUI_TOKEN: leave empty, or type another"

    def proof_channel(self) -> tuple[str | None, str | None]:
        """(Open WebUI URL typed here, the admin credential for this run): a credential from the
        environment or kept with the profile goes only to the profile's own recorded URL."""
        from gtwizard.credentials import openwebui_url_of
        from gtwizard.proofchannel import same_place

        if self.saved is None or not self.proves_here:
            return None, self.openwebui_token
        url = self.query_one("#rotate-prove-url", Input).value.strip() or None
        typed = self.query_one("#rotate-prove-token", Input).value.strip() or None
        recorded = openwebui_url_of(self.saved)
        moved = url is not None and not (recorded and same_place(recorded, url))
        return url if moved else None, typed or (None if moved else self.openwebui_token)

    @on(Input.Submitted, "#rotate-prove-url, #rotate-prove-token")
    def proof_submitted(self, event: Input.Submitted) -> None:
        """Enter in a proof field: finish a waiting rotation (or start one)."""
        event.stop()
        if self.pending is not None:
            self.action_finish()
        elif self.mode == "auto":
            self.action_start()

    def has_token(self) -> bool:
        return bool(self.operator_token) or self.token_kept

    def show_guide(self) -> None:
        """What to make at /gt-api: the name, the profile's preset, scopes and allowlist; then
        who revokes the old key (the operator, by hand, when gtwizard cannot)."""
        if self.saved is None:
            return
        from gtwizard.rotation import revoke_by_hand_note
        from gtwizard.tenant import parse_host

        profile = self.saved
        try:
            preset = wizard_app(self).catalog.key_preset(profile.key_preset).name
            console = parse_host(profile.tenant_host).gt_api_console
        except GtwizardError as exc:
            self.query_one(GuidedMint).show_steps(f"✗ {escape(exc.one_line())}")
            return
        self.query_one(GuidedMint).show_steps(
            guided_steps(
                console,
                preset,
                profile.scopes,
                [*profile.agent_aliases, *profile.raw_models],
                "it is checked live, and the rotation starts.",
                key_name=self.key_name,
                then=revoke_by_hand_note(profile, operator_token=bool(self.state.operator_token)),
            )
        )

    def show_way(self) -> None:
        """The way in (token or paste) only before a rotation; then the hint says what is next."""
        how = self.query_one("#rotate-how")
        how.display = not self.running and self.pending is None and not self.ran
        self.query_one("#rotate-steps").display = not how.display  # all pending until it starts
        self.query_one("#rotate-pending").display = self.pending is not None
        # the proof channel's fields while there is something to prove: before or while waiting
        proof = self.query_one("#rotate-proof")
        proof.display = self.proves_here and (how.display or self.pending is not None)
        self.query_one("#rotate-token").display = self.mode == "auto"
        self.query_one("#rotate-manual-pane").display = self.mode == "manual"
        hint = ""
        if how.display and self.mode == "auto":
            hint = (
                "s or Enter: start the rotation (the new key is minted with the token)"
                if self.has_token()
                else "Type the operator token and press Enter to start, or choose guided manual."
            )
        elif how.display:
            hint = "Make the key as listed and paste it: Enter checks it live, then starts."
        self.query_one("#rotate-hint", Static).update(hint)
        self.refresh_bindings()  # the key bar shows the keys that act now

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys that act now are bound (and shown in the key bar)."""
        idle = not self.running
        if action == "start":
            return idle and self.pending is None
        if action in ("finish", "abort"):
            return idle and self.pending is not None
        if action == "without_proof":
            return idle and self.offer_without_proof
        if action == "copy_console":
            return self.mode == "manual" and self.query_one("#rotate-how").display
        return True

    def show_pending(self) -> None:
        """A rotation (or re-setup) in progress: say so, and offer finish / abort."""
        from gtwizard.lifecycle.journal import open_journal

        try:
            journal = open_journal(self.profile)
        except GtwizardError as exc:
            self.query_one("#rotate-pending", Static).update(f"✗ {escape(exc.one_line())}")
            return
        self.pending = journal.state if journal else None
        text = ""
        if journal is not None:
            text = (
                f"[b]In progress:[/b] {escape(journal.summary())}\n"
                "Press f to finish (prove the new key, then revoke the old one) or a to abort "
                "(the old key back, the new one revoked; asks first)."
            )
        self.query_one("#rotate-pending", Static).update(text)
        self.show_way()

    def show_steps(self, statuses: dict[str, str]) -> None:
        self.query_one("#rotate-steps", Static).update(
            "\n".join(f"{MARKS.get(s, '[?]')} {escape(n)}" for n, s in statuses.items())
        )

    @on(RadioSet.Changed, "#rotate-mode")
    def mode_changed(self, event: RadioSet.Changed) -> None:
        self.mode = "manual" if event.pressed.id == "rotate-manual" else "auto"
        self.show_guide()  # the token may have been typed meanwhile: who revokes the old key
        self.show_way()
        if isinstance(event.radio_set, ChoiceSet) and event.radio_set.went_on:
            self.call_after_refresh(lambda: self.way_field().focus())

    def way_field(self) -> Input:
        if self.mode == "manual":
            return self.query_one(GuidedMint).paste
        return self.query_one("#rotate-token", OperatorTokenField)

    @on(Input.Changed, "#rotate-token")
    def token_changed(self, event: Input.Changed) -> None:
        self.operator_token = event.value.strip() or None
        self.show_way()

    @on(Input.Submitted, "#rotate-token")
    def token_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_start()

    @on(GuidedMint.Pasted)
    def pasted(self, event: GuidedMint.Pasted) -> None:
        if self.running or self.pending is not None:
            return
        self.launch(pasted=event.secret)

    def action_copy_console(self) -> None:
        if self.saved is not None:
            from gtwizard.tenant import parse_host

            copy_console(self.app, parse_host(self.saved.tenant_host).gt_api_console)

    def action_start(self) -> None:
        if self.running:
            return
        if self.pending is not None:
            self.notify("A rotation is in progress: f finishes it, a aborts it.")
            return
        if self.mode == "manual":
            self.query_one(GuidedMint).paste.focus()
            self.query_one("#rotate-hint", Static).update(
                "Paste the new key and press Enter: it is checked live, then the rotation starts."
            )
            return
        if not self.has_token():
            self.app.bell()
            self.query_one("#rotate-hint", Static).update(
                "Enter the operator token first, or choose guided manual (make and paste a key)."
            )
            self.query_one("#rotate-token").focus()
            return
        refusal = typed_token_refusal(self.operator_token, self.given_token)
        if refusal is not None:  # typed here: its form is checked before it goes anywhere
            self.app.bell()
            self.query_one("#rotate-hint", Static).update(escape(refusal))
            self.query_one("#rotate-token").focus()
            return
        self.launch()

    def action_finish(self) -> None:
        if not self.running and self.pending is not None:
            self.launch(finish=True)

    def action_abort(self) -> None:
        if self.running or self.pending is None:
            return
        from gtwizard.lifecycle.journal import open_journal

        journal = open_journal(self.profile)
        new = journal.new_key if journal is not None and journal.new_key_id else "the new key"
        undo = (
            f"you then delete {new} at /gt-api"
            if journal is not None and journal.mode == "manual"
            else f"{new} is revoked"
        )
        question = (
            f"Abort the rotation of {self.profile}? The old key goes back where Open WebUI reads "
            f"it and {undo}. If Open WebUI may already run on the new key, you are asked first."
        )
        self.app.push_screen(
            ConfirmApply("Abort", question, careful=True),
            lambda yes: self.launch(abort=True) if yes else None,
        )

    def action_without_proof(self) -> None:
        if self.running or not self.offer_without_proof:
            return
        from gtwizard.lifecycle.journal import open_journal

        journal = open_journal(self.profile)
        old = journal.old_key if journal is not None else "the old key"
        question = (
            f"Revoke the old key {old} without a proof? If Open WebUI still uses it, its chats "
            "fail until it restarts with the new key."
        )
        self.app.push_screen(
            ConfirmApply("Revoke", question, careful=True),
            lambda yes: self.launch(finish=True, revoke_without_proof=True) if yes else None,
        )

    async def ask(self, question: str) -> bool:
        """The rotation's yes/no question (abort: was Open WebUI restarted?), as a modal;
        Esc cancels the run (nothing changed)."""
        answer = await self.app.push_screen_wait(
            ConfirmApply("Yes", question, no="No", careful=True)
        )
        if answer is None:
            raise InvalidInput("cancelled; nothing was changed")
        return answer

    def worker_failed(self) -> None:
        self.running = False  # a failed run leaves the screen usable: s, f or a again
        self.show_pending()  # the keys that act now, in the key bar
        self.after_run()

    def launch(self, pasted: str | None = None, **mode: bool) -> None:
        self.running = True
        self.follow_outcome = False
        self.show_way()
        self.focus_after_start()
        self.rotate(pasted, **mode)

    def focus_after_start(self) -> None:
        """Focus the screen's scroll area: the screen's keys act there (s, Enter, f, a)."""
        self.query_one("#rotate-body").focus()

    class Progress(Message):
        """A line of the rotation's progress and the steps' statuses at that moment."""

        def __init__(self, text: str, steps: dict[str, str], *, restart: bool = False) -> None:
            super().__init__()
            self.text = text
            self.steps = steps
            self.restart = restart  # the log starts again with this line

    def on_rotate_screen_progress(self, message: Progress) -> None:
        if message.restart:
            self.lines.clear()
        self.lines.append(message.text)
        self.query_one("#rotate-log", Static).update(escape("\n".join(self.lines[-6:])))
        if message.steps:  # a line said before the rotation began leaves the steps as they are
            self.show_steps(message.steps)

    @work(exclusive=True, group="rotate", exit_on_error=False)
    async def rotate(self, pasted: str | None = None, **mode: bool) -> None:
        from gtwizard.rotation import ClientOnNewKey, ProofUnavailable, Rotation, RotationOptions

        self.lines.clear()

        def say(text: str) -> None:
            """The core's progress, as a message: the screen renders it in its own handler."""
            steps = {n: r.status for n, r in rotation.reports.items()}
            self.post_message(self.Progress(text, steps))

        prove_url, prove_token = self.proof_channel()
        if prove_url is not None:  # recorded as the profile's channel, as check --openwebui-url
            from gtwizard.proofchannel import set_proof_channel

            try:
                change = await set_proof_channel(self.profile, prove_url)
            except GtwizardError as exc:
                self.post_message(self.Progress(f"✗ {exc.one_line()}", {}, restart=True))
                self.running = False
                self.show_way()
                return
            from gtwizard.profiles import get_profile

            self.saved = saved = get_profile(self.profile)
            self.show_proof_fields(saved)
            self.post_message(self.Progress("; ".join(change.said), {}))
        rotation = Rotation(
            RotationOptions(
                profile=self.profile,
                operator_token=self.operator_token,
                openwebui_url=prove_url,
                openwebui_token=prove_token,
                pasted_key=pasted,
                pasted_key_name=self.key_name if pasted is not None else None,
                say=say,
                ask=self.ask,
                finish=mode.get("finish", False),
                abort=mode.get("abort", False),
                revoke_without_proof=mode.get("revoke_without_proof", False),
            )
        )
        self.offer_without_proof = False
        guided = self.query_one(GuidedMint)
        refused = False  # the pasted key was refused: nothing started, nothing changed
        try:
            try:
                result = await rotation.run()
            finally:  # also when a quit stops it: the quit message says where it stands
                if rotation.journal is not None and self.profile not in self.state.rotated:
                    self.state.rotated.append(self.profile)
        except GtwizardError as exc:
            refused = pasted is not None and rotation.reports["mint"].status != "done"
            if refused:  # the log and the steps go back to before the paste: paste another
                guided.refused(exc.one_line())
                pending = {name: "pending" for name in rotation.reports}
                again = f"✗ {exc.one_line()} Nothing was changed: paste another key."
                self.post_message(self.Progress(again, pending, restart=True))
            elif isinstance(exc, ProofUnavailable | ClientOnNewKey):
                say(f"✗ {exc.message}")  # the hint names CLI flags: this screen says its keys
            else:
                say(f"✗ {exc.one_line()}")
            if isinstance(exc, ProofUnavailable):
                self.offer_without_proof = True
                say(
                    "Restart Open WebUI, fill in its URL and admin credential above and press f; "
                    "or press w to revoke the old key without a proof: if Open WebUI still uses "
                    "it, its chats fail until it restarts with the new key."
                )
            if isinstance(exc, ClientOnNewKey):
                say("Press f to finish the rotation instead: the new key stays, the old one goes.")
        else:
            self.ran = True
            say(self.outcome(rotation, result, mode))
        if pasted is not None and rotation.reports["mint"].status == "done":
            new = rotation.journal.new_key if rotation.journal is not None else "the key"
            guided.accepted(pasted, f"✓ Key {escape(new)} accepted: it sees exactly the allowlist.")
            self.ran = True
        if not refused:
            self.show_steps({n: r.status for n, r in rotation.reports.items()})
        self.running = False
        self.show_pending()
        self.after_run()

    def after_run(self) -> None:
        """After a run (done, waiting or failed): a refused paste keeps the paste field, beside
        its refusal; otherwise the scroll area has the focus, where s and Enter act (never typed
        into the masked token field), scrolled to the outcome or the error and what remains."""
        if self.mode == "manual" and self.query_one("#rotate-how").display:
            self.way_field().focus()
            return
        self.focus_after_start()
        self.follow_outcome = True
        self.query_one("#rotate-body").scroll_end(animate=False)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """On to a field: the view follows the focus, not the log."""
        if event.widget.id != "rotate-body":
            self.follow_outcome = False

    def body_resized(self) -> None:
        """The body's content was laid out anew: after a run, stay at its end (the log's last
        lines take more than one layout: a scroll bar that appears wraps the text again)."""
        if self.follow_outcome and not self.running:
            self.query_one("#rotate-body").scroll_end(animate=False)

    @staticmethod
    def outcome(rotation: Any, result: dict[str, Any], mode: dict[str, bool]) -> str:
        journal = rotation.journal
        old, new = (journal.old_key, journal.new_key) if journal is not None else ("", "")
        if mode.get("abort"):
            return f"↺ aborted: the profile keeps key {old}."
        if rotation.waiting:
            here = [
                rotation.remaining()[0],
                "then press f here: with Open WebUI's URL and admin credential (the fields above) "
                "it proves the new key as a user and revokes the old one; without them, f "
                "then offers w, to revoke on your word",
                "or press a to undo (the old key back in the file, the new one revoked)",
            ]
            steps = "\n".join(f"  {n}. {s}" for n, s in enumerate(here, start=1))
            return (
                f"… waiting: the new key {new} is written; the old key {old} stays valid until "
                f"the new one is proven in Open WebUI. Still to do:\n{steps}"
            )
        return f"✓ rotated: new key {new}; the old key is revoked."
