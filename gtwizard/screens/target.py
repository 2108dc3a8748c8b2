"""Step 4 — Target: where the key goes, from the targets registered for the product; everything
about it that needs no key is checked here, before any key is minted."""

from __future__ import annotations

from rich.markup import escape
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, RadioSet, Select, Static

from gtwizard.errors import GtwizardError
from gtwizard.kinds import TargetKind
from gtwizard.screens.base import StepScreen
from gtwizard.targets.registry import TargetSpec
from gtwizard.widgets.toggles import ChoiceSet, MarkedCheckbox, MarkedRadioButton, StepSelect
from gtwizard.wizard import settings_spec, targets_for

DIALECTS = [
    ("docker run --env-file", "docker"),
    ("docker compose .env", "compose"),
    ("systemd EnvironmentFile", "systemd"),
]


def prove_question(product: str) -> str:
    return (
        f"How can gtwizard reach this {product} to prove it? Optional: with its URL and an admin "
        "credential, check and rotate chat there as an ordinary user and read the connection it "
        "really uses."
    )


# Open WebUI's own panes keep their ids; a target built from its settings gets one pane of its own
BUTTONS = {TargetKind.ENV_FILE: "target-env", TargetKind.ADMIN_API: "target-admin"}
PANES = {TargetKind.ENV_FILE: "target-env-pane", TargetKind.ADMIN_API: "target-admin-pane"}


def button_id(kind: TargetKind) -> str:
    return BUTTONS.get(kind, f"target-kind-{kind}")


def pane_id(kind: TargetKind) -> str:
    return PANES.get(kind, f"target-pane-{kind}")


def proof_ids(kind: TargetKind) -> tuple[str, str, str]:
    """The proof channel's fields of a pane (the same Open WebUI, whichever way it is set up):
    its URL, its admin credential, and Keep."""
    if kind == TargetKind.ENV_FILE:
        return "#target-prove-url", "#target-prove-token", "#target-prove-keep"
    if kind == TargetKind.ADMIN_API:
        return "#target-url", "#target-token", "#target-keep-admin"
    return f"#target-{kind}-prove-url", f"#target-{kind}-prove-token", f"#target-{kind}-prove-keep"


class TargetScreen(StepScreen):
    """Next checks the target (its preflight, and its edit planned with a placeholder key);
    the key is minted only after it passes."""

    HELP = (
        "Choose where the product gets its settings. For Open WebUI: the env file it reads at "
        "start (docker --env-file, compose .env, systemd EnvironmentFile), or the admin API of a "
        "running Open WebUI. For an env file, give Open WebUI's URL and an admin credential if "
        "you can: gtwizard then proves the key there as an ordinary user and reads the "
        "connection Open WebUI really uses (an Open WebUI that has already started ignores env "
        "edits). Next checks the target before any key is made (nothing is written): the file "
        "can be edited, the admin credential is an admin's. The base URL and the plan follow on "
        "Review, once the key exists."
    )

    step = "target"

    def __init__(self) -> None:
        super().__init__()
        self.specs: list[TargetSpec] = []
        self.setting_ids: dict[str, tuple[TargetKind, str]] = {}  # field id -> (kind, key)

    def offered(self) -> list[TargetSpec]:
        return targets_for(self.state.product_slug)

    def compose_body(self) -> ComposeResult:
        self.specs = self.offered()
        kinds = [spec.kind for spec in self.specs]
        if self.state.target_kind not in kinds:
            self.state.target_kind = kinds[0]
        with ChoiceSet(id="target-kind", then=self.kind_entered):
            for spec in self.specs:
                yield MarkedRadioButton(
                    spec.label,
                    value=self.state.target_kind == spec.kind,
                    id=button_id(spec.kind),
                )
        for spec in self.specs:
            if spec.kind == TargetKind.ENV_FILE:
                yield from self.env_pane()
            elif spec.kind == TargetKind.ADMIN_API:
                yield from self.admin_pane()
            else:
                yield from self.settings_pane(spec)
        yield Static("", id="target-status")

    def env_pane(self) -> ComposeResult:
        with VerticalScroll(id="target-env-pane", can_focus=False):
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
            yield from self.proof_fields(TargetKind.ENV_FILE, "Open WebUI")

    def admin_pane(self) -> ComposeResult:
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

    def settings_pane(self, spec: TargetSpec) -> ComposeResult:
        """One field per declared setting (its label the title, its default the placeholder),
        and the proof channel's fields when the product is proven through one."""
        values = self.state.target_settings.get(str(spec.kind), {})
        with VerticalScroll(id=pane_id(spec.kind), classes="target-settings-pane", can_focus=False):
            for setting in spec.settings:
                field_id = f"target-setting-{setting.key}"
                self.setting_ids[field_id] = (spec.kind, setting.key)
                field = Input(
                    value=values.get(setting.key, ""),
                    placeholder=setting.default or ("required" if setting.required else "optional"),
                    id=field_id,
                )
                field.border_title = setting.label
                yield field
            if spec.proof_channel:
                yield from self.proof_fields(spec.kind, spec.product)

    def proof_fields(self, kind: TargetKind, product: str) -> ComposeResult:
        url, token, keep = (selector.removeprefix("#") for selector in proof_ids(kind))
        question = "target-prove-question" if kind == TargetKind.ENV_FILE else f"target-{kind}-ask"
        yield Static(prove_question(product), id=question, classes="prompt")
        yield Input(
            value=self.state.openwebui_url, placeholder="optional: http://openwebui:8080", id=url
        )
        yield Input(
            value=self.state.openwebui_token or "",
            password=True,
            placeholder="optional: admin API key or JWT",
            id=token,
        )
        yield MarkedCheckbox(
            "Keep the credential with the key, for check and rotate",
            value=self.state.keep_admin_token,
            id=keep,
        )

    def on_mount(self) -> None:
        self.titles()
        self.show_kind()
        super().on_mount()

    def titles(self) -> None:
        """Border titles of the fields (a settings field has its label as title from the start)."""
        titles = {
            "#target-path": "Env file path",
            "#target-datadir": "Open WebUI's DATA_DIR, if known",
            "#target-url": "Open WebUI URL",
            "#target-token": "Admin credential (API key or JWT)",
            "#target-audience": "Who may use the models",
        }
        for spec in self.specs:
            if spec.kind == TargetKind.ADMIN_API:
                continue
            if spec.kind == TargetKind.ENV_FILE or spec.proof_channel:
                url, token, _ = proof_ids(spec.kind)
                titles[url] = f"{spec.product} URL, to prove it"
                titles[token] = "Its admin credential"
        for selector, title in titles.items():
            for widget in self.query(selector):
                widget.border_title = title

    @on(events.ScreenResume)
    async def offer_again(self) -> None:
        """The product changed since this step was drawn: offer its targets instead (Textual
        then runs StepScreen's own handler, which focuses the step's field)."""
        if [spec.kind for spec in self.offered()] != [spec.kind for spec in self.specs]:
            self.setting_ids.clear()
            await self.recompose()
            self.titles()
            self.show_kind()
            self.refresh_next()

    def field(self) -> Widget | None:
        return self.query_one("#target-kind")

    def next_hint(self) -> str:
        return f"Enter: check the target, then {self.following_title()}"

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
        kind = self.state.target_kind
        for spec in self.specs:
            self.query_one(f"#{pane_id(spec.kind)}").display = spec.kind == kind
        chosen = next((spec for spec in self.specs if spec.kind == kind), None)
        if chosen is None or not (chosen.kind in BUTTONS or chosen.proof_channel):
            return
        url, token, keep = proof_ids(kind)  # shown as the other pane left them
        self.query_one(url, Input).value = self.state.openwebui_url
        self.query_one(token, Input).value = self.state.openwebui_token or ""
        self.query_one(keep, Checkbox).value = self.state.keep_admin_token

    @on(RadioSet.Changed, "#target-kind")
    def kind_changed(self, event: RadioSet.Changed) -> None:
        self.set_kind(event.pressed.id)

    def set_kind(self, chosen: str | None) -> None:
        kind = next((s.kind for s in self.specs if button_id(s.kind) == chosen), None)
        if kind is not None:
            self.state.target_kind = kind
        self.show_kind()
        self.refresh_next()

    def proof_fields_of(self, which: int) -> set[str]:
        """Every pane's proof-channel field of one sort (0 URL, 1 credential, 2 Keep): they all
        hold the same answer, the same Open WebUI's."""
        return {proof_ids(spec.kind)[which].removeprefix("#") for spec in self.specs}

    @on(Input.Changed)
    def input_changed(self, event: Input.Changed) -> None:
        name = event.input.id or ""
        field = {
            "target-path": "env_path",
            "target-audience": "audience",
            "target-datadir": "openwebui_data_dir",
        }.get(name)
        if field:
            setattr(self.state, field, event.value)
        elif name in self.setting_ids:
            owner, key = self.setting_ids[name]
            self.state.target_settings.setdefault(str(owner), {})[key] = event.value
        elif name in self.proof_fields_of(0):
            self.state.openwebui_url = event.value
        elif name in self.proof_fields_of(1):
            self.state.openwebui_token = event.value.strip() or None
        self.refresh_next()

    @on(Select.Changed, "#target-dialect")
    def dialect_changed(self, event: Select.Changed) -> None:
        self.state.env_dialect = str(event.value)

    @on(Checkbox.Changed)
    def checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "target-nopersist":
            self.state.disable_persistent_config = event.value
        elif (event.checkbox.id or "") in self.proof_fields_of(2):
            self.state.keep_admin_token = event.value

    def next_blocker(self) -> str | None:
        blocked = self.blocking_field()
        return blocked[1] if blocked else None

    def blocking_field(self) -> tuple[str, str] | None:
        """(the field still to fill, what to do) for the chosen target, or None when ready."""
        kind = self.state.target_kind
        if kind == TargetKind.ENV_FILE:
            if not self.state.env_path.strip():
                return "#target-path", "Enter the env file's path."
            return self.proof_blocker(kind, "Open WebUI")
        if kind == TargetKind.ADMIN_API:
            if not self.state.openwebui_url.strip():
                return "#target-url", "Enter Open WebUI's URL."
            if not self.state.openwebui_token:
                return "#target-token", "Enter an admin credential."
            return None
        spec = settings_spec(kind)
        if spec is None:
            return None
        values = self.state.target_settings.get(str(kind), {})
        for setting in spec.settings:
            if setting.required and not setting.default and not values.get(setting.key, "").strip():
                return f"#target-setting-{setting.key}", f"Enter {setting.label}."
        return self.proof_blocker(kind, spec.product) if spec.proof_channel else None

    def proof_blocker(self, kind: TargetKind, product: str) -> tuple[str, str] | None:
        """A credential needs the URL it is for; Keep needs a credential."""
        url, token, _ = proof_ids(kind)
        if self.state.openwebui_token and not self.state.openwebui_url.strip():
            return url, f"Enter {product}'s URL for the credential, or clear the credential."
        if self.state.keep_admin_token and not self.state.openwebui_token:
            return token, "Enter the admin credential to keep, or untick Keep."
        return None

    def action_next(self) -> None:
        if self.next_blocker() is not None:
            super().action_next()
            return
        self.query_one("#target-status", Static).update("Checking the target (no key is made yet)…")
        self.check()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a field: the next empty field of this target, or on (the check)."""
        event.stop()
        event.prevent_default()
        blocked = self.blocking_field()
        if blocked is None:
            self.action_next()
        else:  # the field itself (focus_next would stop at the pane's scroll container)
            self.query_one(blocked[0]).focus()

    @work(exclusive=True, group="target-check", exit_on_error=False)
    async def check(self) -> None:
        """Everything about the target that needs no key, before the key is minted (or pasted):
        its preflight, and its whole edit planned with a placeholder key. Nothing is written."""
        status = self.query_one("#target-status", Static)
        try:
            target = self.state.target()
            session = await self.wizard.fresh_session()
            session.request.target = target
            session.request.keep_admin_token = self.state.keep_admin_token  # ticked on this step
            session.warnings.clear()
            # a new target is planned, applied and checked again (Review, Apply, Checks)
            session.plan = None
            self.state.profile = None
            self.state.check_report = None
            self.state.target_notes = []
            await session.check_target()
        except GtwizardError as exc:
            status.update(f"✗ {escape(exc.on_screen())}")
            return
        self.state.target_notes = list(session.warnings)
        status.update("")
        self.wizard.go_next(self.step)
