"""Step 10 — Summary: what was written where (secrets masked), the key, the base and why, what next."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from gtwizard.screens.base import StepScreen


class SummaryScreen(StepScreen):
    """The end of the flow; Next leaves the wizard."""

    HELP = (
        "What was written where, the key and where it is stored, the base and why, when to "
        "rotate, and the commands for later. Next (Finish) leaves the wizard."
    )

    step = "summary"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="summary-body")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#nav-next").label = "Finish"

    def on_screen_resume(self) -> None:
        self.query_one("#summary-body", Static).update(self.render_summary())
        self.refresh_next()

    def render_summary(self) -> str:
        from gtwizard.profiles import key_health

        profile = self.state.profile
        session = self.state.session
        if profile is None or session is None:
            return "Nothing was set up in this run."
        health = key_health(profile)
        report = self.state.check_report
        checks = (
            "not run"
            if report is None
            else ("all passed" if report.ok else "some FAILED")
            + " ("
            + ", ".join(f"{n} {s}" for s, n in report.summary().items() if n)
            + ")"
        )
        written = [f"  {escape(profile.target_kind)}: {escape(profile.target_place)} (key masked)"]
        backup = session.result().get("target", {}) or {}
        if backup.get("backup"):
            written.append(f"  previous version kept in {escape(backup['backup'])}")
        due = (
            f"rotation due now: {health.reason}"
            if health.rotation_due
            else f"next rotation in about {profile.rotation_days - health.age_days} days"
        )
        lines = [
            f"[b]Profile[/b] {escape(profile.name)} — {escape(profile.product_preset)} → "
            f"{escape(profile.tenant_host)}",
            "[b]Written[/b]",
            *written,
            f"[b]Key[/b] {escape(profile.key_id)}, preset {escape(profile.key_preset)}, scopes "
            f"{escape(', '.join(profile.scopes))}",
            f"  allowlist: {escape(', '.join(profile.agent_aliases + profile.raw_models))}",
            f"[b]Stored[/b] {escape(profile.storage_kind)} — {escape(profile.storage_location)}",
            f"[b]Base[/b] {escape(profile.openai_base)}",
            f"  why: {escape(str(profile.extra.get('base_reason', '')))}",
            f"[b]Checks[/b] {escape(checks)}",
            f"[b]Rotation[/b] {escape(due)}",
            "[b]Later[/b]",
            f"  gtwizard check --profile {escape(profile.name)}",
            f"  gtwizard rotate --profile {escape(profile.name)}",
            f"  gtwizard runbook --profile {escape(profile.name)} -o RUNBOOK.md",
        ]
        return "\n".join(lines)

    def action_next(self) -> None:
        ok = self.state.check_report is not None and self.state.check_report.ok
        self.app.exit(0 if ok else 1, message=self.summary_line())

    def summary_line(self) -> str:
        profile = self.state.profile
        if profile is None:
            return "Nothing was set up."
        return f"Profile '{profile.name}' is set up. Check it later: gtwizard check --profile {profile.name}"
