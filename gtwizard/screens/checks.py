"""Step 9 — Checks: the runbook's checklist and the technical checks, live, with re-run.

Each row opens a detail screen (what it proves, the evidence, the remediation), so every checklist
item has a screen of its own.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from gtwizard.errors import GtwizardError
from gtwizard.screens.base import NotifyingScreen, StepScreen, wizard_app
from gtwizard.widgets.checks import check_row, evidence_table, remedy, status_text
from gtwizard.widgets.keybar import KeyBar


class ChecksScreen(StepScreen):
    """Runs every check for the saved profile; `r` runs them again, Enter opens one."""

    HELP = (
        "The runbook's validation checklist and the technical checks behind it, run live. Enter"
        " opens a check: what it proves, the evidence (for no-leak the model lists side by "
        "side), and how to fix it. r runs the checks again."
    )

    step = "checks"
    BINDINGS = [Binding("r", "rerun", "Re-run checks")]

    def __init__(self, *, standalone: bool = False, profile: Any = None) -> None:
        """In the setup flow the checks are of the profile this run saved (the wizard state's);
        standalone (welcome, palette) they are of `profile`, kept here: a check of a saved
        profile opened in the middle of a setup never touches that setup's state."""
        super().__init__(standalone=standalone)
        self._profile = profile
        self._report: Any = None

    @property
    def profile(self) -> Any:
        """The profile these checks are of (None in the flow before Apply saved one)."""
        return self._profile if self.standalone else self.state.profile

    @property
    def report(self) -> Any:
        """The last report of these checks (None: not run yet)."""
        return self._report if self.standalone else self.state.check_report

    @report.setter
    def report(self, report: Any) -> None:
        if self.standalone:
            self._report = report
        else:
            self.state.check_report = report

    def compose_body(self) -> ComposeResult:
        yield Static("", id="checks-summary")
        yield LoadingIndicator(id="checks-spinner")
        yield OptionList(id="checks-list")

    def on_mount(self) -> None:
        self.query_one("#checks-spinner").display = False
        super().on_mount()

    def on_screen_resume(self) -> None:
        if self.report is None and self.profile is not None:
            if not self.checking():  # back from the help during a run: let the run go on
                self.action_rerun()
        elif self.report is not None:
            self.show_report(self.report)
        self.refresh_next()

    def action_rerun(self) -> None:
        if self.profile is None:
            self.query_one("#checks-summary", Static).update("No profile yet: apply first.")
            return
        self.query_one("#checks-spinner").display = True
        self.query_one("#checks-summary", Static).update("Running the live checks…")
        self.run_all()

    def checking(self) -> bool:
        """Whether a run of the checks is under way."""
        return any(
            worker.node is self and worker.group == "checks" and not worker.is_finished
            for worker in self.workers
        )

    @work(exclusive=True, group="checks", exit_on_error=False)
    async def run_all(self) -> None:
        from gtwizard.checks import all_checks, run_checks
        from gtwizard.checks.load import context_for_profile
        from gtwizard.checks.record import remember
        from gtwizard.profiles import get_profile

        try:
            profile = get_profile(self.profile.name)
            owui, operator, withheld = self.state.check_credentials(profile)
            ctx = await context_for_profile(
                profile,
                self.wizard.catalog,
                timeout=15.0,
                openwebui_token=owui,
                operator_token=operator,
                withheld=withheld,
            )
            report = await run_checks(all_checks(ctx.profile), ctx)
        except GtwizardError as exc:
            self.query_one("#checks-summary", Static).update(f"✗ {escape(exc.on_screen())}")
            return
        finally:
            for spinner in self.query("#checks-spinner"):  # gone if the operator left meanwhile
                spinner.display = False
        self.report = report
        warning = remember(profile.name, report)
        if warning:
            self.notify(warning, severity="warning")
        self.show_report(report)
        self.refresh_next()
        if not self.standalone:
            self.focus_next_button()  # Enter goes on; Tab (or ↑) reaches the list of checks

    def show_report(self, report) -> None:
        counts = report.summary()
        if not report.ok:
            verdict = "✗ some checks failed"
        elif counts.get("warn"):
            verdict = "! no failures; WARN = not fully proven"
        else:
            verdict = "✓ every check passed"
        self.query_one("#checks-summary", Static).update(
            f"{verdict} — " + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        )
        option_list = self.query_one("#checks-list", OptionList)
        highlighted = option_list.highlighted
        option_list.clear_options()
        checklist = [r for r in report.results if self.is_checklist(r.id)]
        technical = [r for r in report.results if not self.is_checklist(r.id)]
        option_list.add_option(
            Option(Text("Runbook checklist", style="bold underline"), disabled=True)
        )
        option_list.add_options(Option(check_row(r), id=r.id) for r in checklist)
        option_list.add_option(
            Option(Text("Technical checks", style="bold underline"), disabled=True)
        )
        option_list.add_options(Option(check_row(r), id=r.id) for r in technical)
        if highlighted is not None and highlighted < option_list.option_count:
            option_list.highlighted = highlighted

    def is_checklist(self, check_id: str) -> bool:
        from gtwizard.checks import all_checks

        return any(c.id == check_id and c.checklist for c in all_checks())

    @on(OptionList.OptionSelected, "#checks-list")
    def open_detail(self, event: OptionList.OptionSelected) -> None:
        if self.report is None or event.option.id is None:
            return
        self.app.push_screen(CheckDetailScreen(event.option.id, self))

    def next_blocker(self) -> str | None:
        if self.report is None:
            return "Waiting for the checks…"
        return None

    def next_hint(self) -> str:
        if self.standalone:
            return "Enter on a check opens it · Esc goes back"
        if self.query_one("#checks-list", OptionList).has_focus:
            return "Enter opens the highlighted check · ctrl+n: on to Summary"
        return "Enter: on to Summary · Tab: the list"

    def on_descendant_focus(self) -> None:
        self.refresh_next()  # the hint says what Enter does where the focus is now


class CheckDetailScreen(NotifyingScreen):
    """One check: status, what it proves, evidence, remediation; `r` re-runs just this check."""

    HELP_TITLE = "One check"
    HELP = (
        "One check in full: its status, what it proves, the evidence it found and what to do "
        "when it did not pass. r runs this check again; Esc goes back to the list."
    )
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("r", "rerun", "Re-run")]

    def __init__(self, check_id: str, checks: ChecksScreen) -> None:
        super().__init__()
        self.check_id = check_id
        self.checks = checks  # the screen whose report (and profile) this check belongs to

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="step-body"):
            yield Static(id="detail-body")
        yield KeyBar()

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        from gtwizard.checks import all_checks

        result = self.checks.report.result(self.check_id)
        check = next(c for c in all_checks(self.checks.profile) if c.id == self.check_id)
        head = status_text(result.status)
        head.append(f"  {result.title}", style="bold")
        parts: list = [
            head,
            Text(f"Proves: {check.proves}"),
            Text(f"Result: {result.detail}"),
        ]
        table = evidence_table(result.evidence)
        if table is not None:
            parts += [Text("Evidence:", style="bold"), table]
        todo = remedy(result, check.remediation)
        if todo is not None:
            parts.append(Text(f"{todo[0]}: {todo[1]}"))
        parts.append(Text("r re-runs this check · Esc goes back", style="dim"))
        self.query_one("#detail-body", Static).update(Group(*parts))

    def action_rerun(self) -> None:
        self.rerun_one()

    @work(exclusive=True, group="check-detail", exit_on_error=False)
    async def rerun_one(self) -> None:
        from gtwizard.checks import CheckReport, all_checks, run_checks
        from gtwizard.checks.load import context_for_profile
        from gtwizard.profiles import get_profile

        state = wizard_app(self).state
        profile = get_profile(self.checks.profile.name)
        checks = all_checks(profile)
        wanted = self.needed(checks)
        catalog = wizard_app(self).catalog
        owui, operator, withheld = state.check_credentials(profile)
        ctx = await context_for_profile(
            profile,
            catalog,
            timeout=15.0,
            openwebui_token=owui,
            operator_token=operator,
            withheld=withheld,
        )
        partial = await run_checks([c for c in checks if c.id in wanted], ctx)
        merged = {r.id: r for r in self.checks.report.results}
        merged.update({r.id: r for r in partial.results})
        self.checks.report = CheckReport(
            profile.name, tuple(merged[c.id] for c in checks if c.id in merged)
        )
        self.show()

    def needed(self, checks) -> set[str]:
        """This check and everything it depends on."""
        by_id = {c.id: c for c in checks}
        wanted: set[str] = set()
        todo = [self.check_id]
        while todo:
            current = todo.pop()
            if current in wanted:
                continue
            wanted.add(current)
            todo.extend(by_id[current].requires)
        return wanted
