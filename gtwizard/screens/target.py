"""Step 6 — Target: Open WebUI's env file, or its admin API; checked before anything is written."""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, RadioSet, Select, Static

from gtwizard.errors import GtwizardError
from gtwizard.kinds import TargetKind
from gtwizard.screens.base import StepScreen
from gtwizard.widgets.toggles import ChoiceSet, MarkedCheckbox, MarkedRadioButton, StepSelect

DIALECTS = [
    ("docker run --env-file", "docker"),
    ("docker compose .env", "compose"),
    ("systemd EnvironmentFile", "systemd"),
]


PROVE_QUESTION = (
    "How can gtwizard reach this Open WebUI to prove it? Optional: with its URL and an admin "
    "credential, check and rotate chat there as an ordinary user and read the connection it "
    "really uses."
)
# the fields both panes share (the same Open WebUI, whichever way it is configured)
SHARED = {
    TargetKind.ENV_FILE: ("#target-prove-url", "#target-prove-token", "#target-prove-keep"),
    TargetKind.ADMIN_API: ("#target-url", "#target-token", "#target-keep-admin"),
}


class TargetScreen(StepScreen):
    """Next runs the preflight (PersistentConfig, admin rights), picks the base and plans the change."""

    HELP = (
        "Choose where Open WebUI gets its settings: the env file it reads at start (docker "
        "--env-file, compose .env, systemd EnvironmentFile), or the admin API of a running Open"
        " WebUI. For an env file, give Open WebUI's URL and an admin credential if you can: "
        "gtwizard then proves the key there as an ordinary user and reads the connection Open "
        "WebUI really uses (an Open WebUI that has already started ignores env edits). Next "
        "checks the target, picks the base URL as Open WebUI composes it, and plans the change."
    )

    step = "target"

    def compose_body(self) -> ComposeResult:
        with ChoiceSet(id="target-kind", then=self.kind_entered):
            yield MarkedRadioButton(
                "Env file Open WebUI reads at start",
                value=self.state.target_kind == TargetKind.ENV_FILE,
                id="target-env",
            )
            yield MarkedRadioButton(
                "Admin API of a running Open WebUI (applies live)",
                value=self.state.target_kind == TargetKind.ADMIN_API,
                id="target-admin",
            )
        with VerticalScroll(id="target-env-pane"):
            yield Input(
                value=self.state.env_path, placeholder="path to the env file", id="target-path"
            )
            yield StepSelect(
                DIALECTS,
                value=self.state.env_dialect,
                allow_blank=False,
                id="target-dialect",
                title="Who reads it",
            )
            yield Input(
                value=self.state.openwebui_data_dir,
                placeholder="optional: detects an earlier start of Open WebUI",
                id="target-datadir",
            )
            yield MarkedCheckbox(
                "ENABLE_PERSISTENT_CONFIG=false (env wins; UI edits lost at restart)",
                value=self.state.disable_persistent_config,
                id="target-nopersist",
            )
            yield Static(PROVE_QUESTION, id="target-prove-question", classes="prompt")
            yield Input(
                value=self.state.openwebui_url,
                placeholder="optional: http://openwebui:8080",
                id="target-prove-url",
            )
            yield Input(
                value=self.state.openwebui_token or "",
                password=True,
                placeholder="optional: admin API key or JWT",
                id="target-prove-token",
            )
            yield MarkedCheckbox(
                "Keep the credential with the key, for check and rotate",
                value=self.state.keep_admin_token,
                id="target-prove-keep",
            )
        with Vertical(id="target-admin-pane"):
            yield Input(
                value=self.state.openwebui_url, placeholder="http://openwebui:8080", id="target-url"
            )
            yield Input(
                value=self.state.openwebui_token or "",
                password=True,
                placeholder="admin API key or JWT",
                id="target-token",
            )
            yield Input(
                value=self.state.audience,
                placeholder="all | group:NAME,NAME | none",
                id="target-audience",
            )
            yield MarkedCheckbox(
                "Keep the credential with the key, for gtwizard rotate",
                value=self.state.keep_admin_token,
                id="target-keep-admin",
            )
        yield Static("", id="target-status")

    def on_mount(self) -> None:
        self.query_one("#target-path").border_title = "Env file path"
        self.query_one("#target-datadir").border_title = "Open WebUI's DATA_DIR, if known"
        self.query_one("#target-url").border_title = "Open WebUI URL"
        self.query_one("#target-token").border_title = "Admin credential (API key or JWT)"
        self.query_one("#target-prove-url").border_title = "Open WebUI URL, to prove it"
        self.query_one("#target-prove-token").border_title = "Its admin credential"
        self.query_one("#target-audience").border_title = "Who may use the models"
        self.show_kind()
        super().on_mount()

    def field(self) -> Widget | None:
        return self.query_one("#target-kind")

    def next_hint(self) -> str:
        return "Enter: check the target, then Review"

    def kind_entered(self) -> None:
        """Enter on the choice: with its fields filled, that is the answer (check and go on);
        otherwise the first field still to fill gets the focus."""
        pressed = self.query_one("#target-kind", RadioSet).pressed_button
        if pressed is not None:  # its Changed message may not have been handled yet
            self.set_kind(pressed.id)
        blocked = self.blocking_field()
        if blocked is None:
            self.action_next()
        else:  # the field itself (focus_next would stop at the pane's scroll container)
            self.query_one(blocked[0]).focus()

    def show_kind(self) -> None:
        env = self.state.target_kind == TargetKind.ENV_FILE
        self.query_one("#target-env-pane").display = env
        self.query_one("#target-admin-pane").display = not env
        url, token, keep = SHARED[self.state.target_kind]  # shown as the other pane left them
        self.query_one(url, Input).value = self.state.openwebui_url
        self.query_one(token, Input).value = self.state.openwebui_token or ""
        self.query_one(keep, Checkbox).value = self.state.keep_admin_token

    @on(RadioSet.Changed, "#target-kind")
    def kind_changed(self, event: RadioSet.Changed) -> None:
        self.set_kind(event.pressed.id)

    def set_kind(self, button_id: str | None) -> None:
        self.state.target_kind = (
            TargetKind.ENV_FILE if button_id == "target-env" else TargetKind.ADMIN_API
        )
        self.show_kind()
        self.refresh_next()

    @on(Input.Changed)
    def input_changed(self, event: Input.Changed) -> None:
        field = {
            "target-path": "env_path",
            "target-url": "openwebui_url",
            "target-prove-url": "openwebui_url",
            "target-audience": "audience",
            "target-datadir": "openwebui_data_dir",
        }.get(event.input.id or "")
        if field:
            setattr(self.state, field, event.value)
        elif event.input.id in ("target-token", "target-prove-token"):
            self.state.openwebui_token = event.value.strip() or None
        self.refresh_next()

    @on(Select.Changed, "#target-dialect")
    def dialect_changed(self, event: Select.Changed) -> None:
        self.state.env_dialect = str(event.value)

    @on(Checkbox.Changed, "#target-keep-admin, #target-prove-keep")
    def keep_admin_changed(self, event: Checkbox.Changed) -> None:
        self.state.keep_admin_token = event.value

    @on(Checkbox.Changed, "#target-nopersist")
    def nopersist_changed(self, event: Checkbox.Changed) -> None:
        self.state.disable_persistent_config = event.value

    def next_blocker(self) -> str | None:
        blocked = self.blocking_field()
        return blocked[1] if blocked else None

    def blocking_field(self) -> tuple[str, str] | None:
        """(the field still to fill, what to do) for the chosen target, or None when ready."""
        if self.state.target_kind == TargetKind.ENV_FILE:
            if not self.state.env_path.strip():
                return "#target-path", "Enter the env file's path."
            if self.state.openwebui_token and not self.state.openwebui_url.strip():
                return (
                    "#target-prove-url",
                    "Enter Open WebUI's URL for the credential, or clear the credential.",
                )
            if self.state.keep_admin_token and not self.state.openwebui_token:
                return "#target-prove-token", "Enter the admin credential to keep, or untick Keep."
        if self.state.target_kind == TargetKind.ADMIN_API:
            if not self.state.openwebui_url.strip():
                return "#target-url", "Enter Open WebUI's URL."
            if not self.state.openwebui_token:
                return "#target-token", "Enter an admin credential."
        return None

    def action_next(self) -> None:
        if self.next_blocker() is not None:
            super().action_next()
            return
        self.query_one("#target-status", Static).update("Checking the target and the base URL…")
        self.prepare()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a field: the next empty field of this target, or on (the preflight)."""
        event.stop()
        event.prevent_default()
        blocked = self.blocking_field()
        if blocked is None:
            self.action_next()
        else:  # the field itself (focus_next would stop at the pane's scroll container)
            self.query_one(blocked[0]).focus()

    @work(exclusive=True, group="target-prepare", exit_on_error=False)
    async def prepare(self) -> None:
        status = self.query_one("#target-status", Static)
        session = self.state.session
        if session is None or not session.has_key:
            status.update("✗ There is no key yet: go back to Storage.")
            return
        session.request.target = self.state.target()
        session.request.keep_admin_token = self.state.keep_admin_token  # ticked on this step
        session.warnings.clear()
        # a new plan must be applied again (the previous Apply wrote the old target)
        self.state.profile = None
        self.state.check_report = None
        try:
            await session.prepare_target()
        except GtwizardError as exc:
            status.update(f"✗ {escape(exc.one_line())}")
            return
        status.update("")
        self.wizard.go_next(self.step)
