"""Step 2 — Tenant: the host, validated as you type, probed live; and the profile's name."""

from __future__ import annotations

import re

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Checkbox, Input, LoadingIndicator, Static

from gtwizard.errors import GtwizardError
from gtwizard.screens.base import StepScreen
from gtwizard.tenant import HostError, TenantHost, parse_host
from gtwizard.widgets.toggles import MarkedCheckbox

CLI_DEFAULT_PROFILE = "default"


def suggested_profile_name(host: TenantHost) -> str:
    """The host as a profile name (letters, digits, '.', '_', '-'; a port joins with '-')."""
    name = host.hostname if host.port is None else f"{host.hostname}-{host.port}"
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._")
    return name[:64] or CLI_DEFAULT_PROFILE


class TenantScreen(StepScreen):
    """Host input with the parser's message; Enter probes, and once probed, Enter goes on."""

    HELP = (
        "Type the tenant host as the tenant app shows it. It is checked as you type; Enter "
        "probes it live (DNS, TCP, TLS, and whether a GT API answers: 401 without a key means "
        "yes), and once a GT API has answered, Enter goes on. Plain http is accepted only for "
        "loopback addresses. Tab reaches the profile name: the host is suggested; when a profile"
        " of that name exists you must tick Replace (or choose another name)."
    )

    step = "tenant"
    AUTO_FOCUS = "#tenant-host"

    def compose_body(self) -> ComposeResult:
        yield Static(
            "Tenant host as the tenant app shows it (https://… and …/api/tenant are fine).",
            classes="prompt",
        )
        with Horizontal(id="tenant-fields"):
            yield Input(
                value=self.state.host_text, placeholder="tenant.example.com", id="tenant-host"
            )
            yield Input(value=self.state.profile_name, id="tenant-profile")
        yield MarkedCheckbox("", value=self.state.replace_profile, id="tenant-replace")
        yield Static("", id="tenant-validation", classes="validation")
        yield Static("", id="tenant-bases")
        with Horizontal(id="tenant-probe-row"):
            yield LoadingIndicator(id="tenant-spinner")
            yield Static("", id="tenant-probe")

    def on_mount(self) -> None:
        self.query_one("#tenant-host").border_title = "Tenant host"
        self.query_one("#tenant-profile").border_title = "Profile name"
        self.query_one("#tenant-spinner").display = False
        self.probing = False
        self.existing = self.saved_profiles()
        # the host is the suggested name until the operator types one (the demo brings its own)
        self.name_follows_host = self.state.profile_name in ("", CLI_DEFAULT_PROFILE)
        self.validate(self.state.host_text)
        self.show_replace()
        super().on_mount()
        if self.state.probe_result is not None:
            self.show_probe(self.state.probe_result)

    def saved_profiles(self) -> set[str]:
        from gtwizard.profiles import load_profiles

        try:
            return set(load_profiles())
        except GtwizardError:
            return set()  # a broken config.toml is reported where profiles are saved

    def validate(self, text: str) -> None:
        validation = self.query_one("#tenant-validation", Static)
        bases = self.query_one("#tenant-bases", Static)
        try:
            host = parse_host(text)
        except HostError as exc:
            self.state.host = None
            validation.update("" if not text.strip() else f"✗ {escape(exc.on_screen())}")
            bases.update("")
        else:
            self.state.host = host
            validation.update(f"✓ valid — GT base {escape(host.gt_base)}")
            bases.update(
                "OpenAI base candidates: "
                f"{escape(host.openai_bases[0])}  or  {escape(host.openai_bases[1])}"
            )
            if self.name_follows_host:
                self.query_one("#tenant-profile", Input).value = suggested_profile_name(host)

    @on(Input.Changed, "#tenant-host")
    def host_changed(self, event: Input.Changed) -> None:
        if event.value != self.state.host_text:
            self.state.probe_result = None
            self.state.published = None  # another tenant publishes other names
            self.query_one("#tenant-probe", Static).update("")
        self.state.host_text = event.value
        self.validate(event.value)
        self.refresh_next()

    @on(Input.Changed, "#tenant-profile")
    def profile_changed(self, event: Input.Changed) -> None:
        if self.focused is event.input:  # typed by the operator, not suggested
            self.name_follows_host = False
        if event.value.strip() != self.state.profile_name:
            self.state.replace_profile = False
            self.query_one("#tenant-replace", Checkbox).value = False
        self.state.profile_name = event.value.strip()
        self.show_replace()
        self.refresh_next()

    @on(Checkbox.Changed, "#tenant-replace")
    def replace_changed(self, event: Checkbox.Changed) -> None:
        self.state.replace_profile = event.value
        self.refresh_next()

    def show_replace(self) -> None:
        box = self.query_one("#tenant-replace", Checkbox)
        exists = self.state.profile_name in self.existing
        box.display = exists
        if exists:
            # short enough for 80 columns; says what --replace does: a new key, the old one
            # retired only once the new one is proven
            box.label = "Replace it: new key; the old one retired once the new one works"

    @on(Input.Submitted, "#tenant-host")
    @on(Input.Submitted, "#tenant-profile")
    def host_submitted(self, event: Input.Submitted) -> None:
        # Enter in either field probes first (a typo'd host must not slip through from the
        # name field); once a GT API answered, it goes on
        event.prevent_default()
        if self.state.host is None:
            self.app.bell()
            return
        if self.probed_ok():
            self.action_next()
            return
        self.query_one("#tenant-spinner").display = True
        self.query_one("#tenant-probe", Static).update("Probing…")
        self.probing = True
        self.refresh_next()
        self.run_probe(self.state.host_text)

    def probed_ok(self) -> bool:
        report = self.state.probe_result
        return bool(report is not None and report.gt_api)

    @work(exclusive=True, group="tenant-probe", exit_on_error=False)
    async def run_probe(self, text: str) -> None:
        from gtwizard.services import probe_tenant

        try:
            report = await probe_tenant(text, ca_bundle=self.state.ca_bundle)
        except GtwizardError as exc:
            self.query_one("#tenant-probe", Static).update(f"✗ {escape(exc.on_screen())}")
            report = None
        finally:
            self.query_one("#tenant-spinner").display = False
            self.probing = False
        if report is not None and text == self.state.host_text:
            self.state.probe_result = report
            self.show_probe(report)
        self.refresh_next()

    def show_probe(self, report) -> None:
        lines = [
            f"{'ok  ' if step.ok else 'FAIL'} {escape(step.name)}: {escape(step.detail)}"
            for step in report.steps
        ]
        verdict = (
            "✓ A GT API answers at this host."
            if report.gt_api
            else "✗ No GT API answered; check the host, or go on if you know it is right."
        )
        self.query_one("#tenant-probe", Static).update("\n".join([*lines, verdict]))

    def next_blocker(self) -> str | None:
        if self.state.host is None:
            return "Enter a valid tenant host."
        from gtwizard.profiles import validate_profile_name

        try:
            validate_profile_name(self.state.profile_name)
        except GtwizardError:
            return "Profile name: 1-64 letters, digits, '.', '_', '-'."
        if self.state.profile_name in self.existing and not self.state.replace_profile:
            return f"Profile {self.state.profile_name} exists: tick Replace or rename."
        return None

    def next_hint(self) -> str:
        if self.probing:
            return "Probing the tenant…"
        if self.probed_ok():
            return "✓ Enter: on to Key"
        if self.state.probe_result is not None:
            return "Enter probes again · ctrl+n goes on anyway"
        return "Enter probes the tenant · ctrl+n skips the probe"
