"""Step 2 — Tenant: the host, validated as you type, then probed live (DNS, TCP, TLS, GT API)."""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, LoadingIndicator, Static

from gtwizard.errors import GtwizardError
from gtwizard.screens.base import StepScreen
from gtwizard.tenant import HostError, parse_host


class TenantScreen(StepScreen):
    """Host input with the parser's message; Enter runs the probe in a worker."""

    HELP = (
        "Type the tenant host as the tenant app shows it. It is checked as you type; Enter "
        "probes it live (DNS, TCP, TLS, and whether a GT API answers: 401 without a key means "
        "yes). Plain http is accepted only for loopback addresses."
    )

    step = "tenant"
    AUTO_FOCUS = "#tenant-host"

    def compose_body(self) -> ComposeResult:
        yield Static(
            "Tenant host — as the tenant app shows it, e.g. tenant.example.com "
            "(https://… and …/api/tenant are fine too).",
            classes="prompt",
        )
        yield Input(value=self.state.host_text, placeholder="tenant.example.com", id="tenant-host")
        yield Static("", id="tenant-validation", classes="validation")
        yield Static("", id="tenant-bases")
        with Horizontal(id="tenant-probe-row"):
            yield LoadingIndicator(id="tenant-spinner")
            yield Static("", id="tenant-probe")

    def on_mount(self) -> None:
        self.query_one("#tenant-host").border_title = "Tenant host"
        self.query_one("#tenant-spinner").display = False
        self.validate(self.state.host_text)
        super().on_mount()
        if self.state.probe_result is not None:
            self.show_probe(self.state.probe_result)

    def validate(self, text: str) -> None:
        validation = self.query_one("#tenant-validation", Static)
        bases = self.query_one("#tenant-bases", Static)
        try:
            host = parse_host(text)
        except HostError as exc:
            self.state.host = None
            validation.update("" if not text.strip() else f"✗ {escape(exc.one_line())}")
            bases.update("")
        else:
            self.state.host = host
            validation.update(f"✓ valid — GT base {escape(host.gt_base)}")
            bases.update(
                "OpenAI base candidates: "
                f"{escape(host.openai_bases[0])}  or  {escape(host.openai_bases[1])}\n"
                "Press Enter to probe the tenant."
            )

    @on(Input.Changed, "#tenant-host")
    def host_changed(self, event: Input.Changed) -> None:
        if event.value != self.state.host_text:
            self.state.probe_result = None
            self.query_one("#tenant-probe", Static).update("")
        self.state.host_text = event.value
        self.validate(event.value)
        self.refresh_next()

    @on(Input.Submitted, "#tenant-host")
    def host_submitted(self) -> None:
        if self.state.host is None:
            self.app.bell()
            return
        self.query_one("#tenant-spinner").display = True
        self.query_one("#tenant-probe", Static).update("Probing…")
        self.run_probe(self.state.host_text)

    @work(exclusive=True, group="tenant-probe")
    async def run_probe(self, text: str) -> None:
        from gtwizard.gt.probe import probe_host

        try:
            report = await probe_host(text, ca_bundle=self.state.ca_bundle)
        except GtwizardError as exc:
            self.query_one("#tenant-probe", Static).update(f"✗ {escape(exc.one_line())}")
            report = None
        finally:
            self.query_one("#tenant-spinner").display = False
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
        return None
