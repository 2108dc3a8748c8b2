"""Step 10 — Summary: what was written where (secrets masked), the key, the base and why, what next."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from gtwizard.screens.base import StepScreen


class SummaryScreen(StepScreen):
    """The end of the flow; Next leaves the wizard."""

    HELP = (
        "First what is still to do, in order (restart Open WebUI for an env file, give ordinary "
        "users access to the models, check, rotate), then what was written where, the key and "
        "where it is stored, the base and why. ↑↓ scroll; Enter (Finish) leaves the wizard."
    )

    step = "summary"
    NEXT_LABEL = "Finish"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="summary-body")

    def on_screen_resume(self) -> None:
        self.query_one("#summary-body", Static).update(self.render_summary())
        self.refresh_next()

    def next_hint(self) -> str:
        return "↑↓ scroll · Enter: Finish (leaves the wizard)"

    def render_summary(self) -> Group | str:
        """Label | value rows; long values wrap inside their column, aligned."""
        from gtwizard.profiles import key_health

        profile = self.state.profile
        session = self.state.session
        if profile is None or session is None:
            return "Nothing was set up in this run."
        health = key_health(profile)
        report = self.state.check_report
        if report is None:
            checks = "not run"
        else:
            counts = ", ".join(f"{n} {s}" for s, n in report.summary().items() if n)
            warned = report.summary().get("warn", 0)
            verdict = (
                "some FAILED" if not report.ok else ("no failures" if warned else "all passed")
            )
            checks = f"{verdict} ({counts})"
        target = session.result().get("target") or {}
        written = f"{profile.target_kind}: {profile.target_place} (key masked)"
        if target.get("backup"):
            written += f"\nprevious version kept in {target['backup']}"
        due = (
            f"due now: {health.reason}"
            if health.rotation_due
            else f"next in about {profile.rotation_days - health.age_days} days"
        )
        rows = [
            ("Profile", f"{profile.name} — {profile.product_preset} → {profile.tenant_host}"),
            ("Written", written),
            (
                "Key",
                f"{profile.key_label}, preset {profile.key_preset}, scopes "
                f"{', '.join(profile.scopes)}",
            ),
            ("Allowlist", ", ".join(profile.agent_aliases + profile.raw_models)),
            ("Stored", f"{profile.storage_kind} — {profile.storage_location}"),
            ("Base", profile.openai_base),
            ("Why", str(profile.base_reason or "")),
            ("Checks", checks),
            ("Rotation", due),
        ]
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(ratio=1)
        for label, value in rows:
            table.add_row(label, value)
        return Group(
            Text.assemble(("Checks: ", "bold"), checks),
            Text(""),
            Text("Still to do, in order", style="bold underline"),
            self.render_next_steps(profile),
            Text(""),
            Text("What was set up", style="bold underline"),
            table,
        )

    def render_next_steps(self, profile) -> Table:
        """What is still to do, numbered, in order; commands on their own lines."""
        from gtwizard.nextsteps import next_steps
        from gtwizard.targets.registry import for_profile

        steps = Table.grid(padding=(0, 1))
        steps.add_column(no_wrap=True)
        steps.add_column(ratio=1)
        for number, step in enumerate(next_steps(profile, for_profile(profile)), 1):
            body = Text(step.title, style="bold")
            if step.detail:
                body.append("\n" + step.detail)
            for command in step.commands:
                body.append("\n$ " + command)
            if step.note:
                body.append("\n" + step.note)
            steps.add_row(f"{number}.", body)
        return steps

    def action_next(self) -> None:
        ok = self.state.check_report is not None and self.state.check_report.ok
        self.app.exit(0 if ok else 1, message=self.summary_line())

    def summary_line(self) -> str:
        profile = self.state.profile
        if profile is None:
            return "Nothing was set up."
        if self.state.demo:  # the sandbox stops with the demo, and its folder is removed
            return (
                f"Demo finished: profile '{profile.name}' was set up and checked against the "
                "sandbox, which stops now."
            )
        return f"Profile '{profile.name}' is set up. Check it later: gtwizard check --profile {profile.name}"
