"""Child process for the TUI budgets: drive the wizard (or the minimal app) headless with Pilot.

    drive_tui.py minimal              run the minimal app, print its peak RSS
    drive_tui.py minimal+http READY_JSON
    drive_tui.py minimal+http+keyring READY_JSON
                                      the same after one request through gtwizard's HTTP client
                                      (and keyring's backend selected): floors of the budget
    drive_tui.py summary READY_JSON   walk the wizard to Summary against a sandbox, print peak RSS
    drive_tui.py responsive READY_JSON
                                      walk to Apply, slow the sandbox to 2 s, enter Checks and time
                                      F1 (help) and Esc (closed) while the checks wait on it;
                                      print the times

READY_JSON is the sandbox's ready line. Each prints one JSON line. Peak RSS is VmHWM of this
process, so each measurement gets a fresh process of its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

SLOW_MS = 2000
PRESSES = 6  # F1 and Esc, three times each


def peak_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


async def settle(pilot) -> None:
    """Wait until no worker is pending or running (a finished one may start the next)."""
    from textual.worker import WorkerState

    for _ in range(200):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(
            w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in pilot.app.workers
        ):
            return
    raise RuntimeError("the screen never settled")


def step_of(app) -> str:
    return getattr(app.screen, "step", type(app.screen).__name__)


async def forward_to(pilot, wanted: str) -> None:
    """Ctrl+N step by step until the wizard shows `wanted`."""
    for _ in range(12):
        await settle(pilot)
        if step_of(pilot.app) == wanted:
            return
        before = step_of(pilot.app)
        await pilot.press("ctrl+n")
        await settle(pilot)
        if step_of(pilot.app) == "ConfirmApply":  # Review asks before writing: Enter writes
            await pilot.press("enter")
            await settle(pilot)
        if step_of(pilot.app) == before:
            raise RuntimeError(f"stuck on {before}")
    raise RuntimeError(f"never reached {wanted}")


def wizard(ready: dict, folder: Path):
    from gtwizard.app import WizardApp
    from gtwizard.wizard import WizardState

    state = WizardState(
        host_text=ready["base_url"].removesuffix("/api/tenant"),
        demo=True,
        profile_name="bench",
        operator_token=ready["operator_token"],
        ca_bundle=ready.get("ca_file"),
        secrets_file=folder / "secrets.json",
        env_path=str(folder / "openwebui.env"),
        storage_kind="file",
        names=("helpdesk", "research-assistant"),
    )
    return WizardApp(state)


async def minimal() -> dict:
    sys.path.insert(0, str(Path(__file__).parent))
    from minimal_app import MinimalApp

    async with MinimalApp().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    return {"peak_kib": peak_rss_kib()}


async def minimal_with_stack(ready: dict, keyring: bool) -> dict:
    """The minimal app after loading what the flow must load: the HTTP stack (one real request to
    the sandbox through gtwizard's client) and, with `keyring`, keyring's Secret Service backend
    as the Storage step selects it. A floor under the memory budget, nothing of gtwizard's TUI."""
    from gtwizard.gt.http import make_client

    async with make_client() as client:
        await client.get(ready["base_url"] + "/v1/models")  # 401 without a key: still a round trip
    if keyring:
        from gtwizard.secrets import select_backend

        select_backend()
    return await minimal()


async def summary(ready: dict, folder: Path) -> dict:
    app = wizard(ready, folder)
    async with app.run_test(size=(80, 24)) as pilot:
        await forward_to(pilot, "summary")
        report = app.state.check_report
        if report is None or not report.ok:
            raise RuntimeError("the checks did not pass on the way to Summary")
    return {"peak_kib": peak_rss_kib()}


def slow_sandbox(ready: dict, ms: int) -> None:
    import urllib.request

    request = urllib.request.Request(
        ready["base_url"] + "/_sandbox/faults",
        data=json.dumps({"latency_ms": ms}).encode(),
        headers={"Authorization": f"Bearer {ready['operator_token']}"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).read()


def press(app, key: str) -> None:
    """Send one key the way Pilot does, minus Pilot's wait for the whole process to go idle
    (that wait measures Pilot, not the app: a plain Tab takes it 150+ ms on an idle screen)."""
    from textual import events

    event = events.Key(key, None)
    event.set_sender(app)
    app._driver.send_message(event)


def shown(app, kind: str) -> bool:
    """Whether the help over the Checks screen (`help`) or Checks itself (`checks`) is what the
    operator sees: the help is laid out (its text has a size), Checks is on top again."""
    screen = app.screen
    if kind == "checks":
        return step_of(app) == "checks"
    if type(screen).__name__ != "HelpScreen" or not screen.is_mounted:
        return False
    return any(widget.size.height > 0 for widget in screen.query("Static"))


async def responsive(ready: dict, folder: Path) -> dict:
    """F1 opens the help and Esc closes it while the checks wait on a slow tenant: each timed
    from the key event to the help laid out (or Checks back on top). Checks has nothing else to
    move to during the run (its list fills when the run ends), so focus cannot show a press."""
    from textual.worker import WorkerState

    app = wizard(ready, folder)
    times: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await forward_to(pilot, "apply")
        await asyncio.to_thread(slow_sandbox, ready, SLOW_MS)
        await pilot.press("ctrl+n")  # into Checks: the run starts and waits on the slow tenant
        if step_of(app) != "checks":
            raise RuntimeError(f"expected Checks, got {step_of(app)}")

        def checking() -> bool:
            return any(w.group == "checks" and w.state is WorkerState.RUNNING for w in app.workers)

        keys = [("f1", "help"), ("escape", "checks")] * ((PRESSES + 1) // 2)
        for key, effect in keys:
            await asyncio.sleep(0.1)
            if not checking():
                break  # the run ended (it waits on the tenant about once): what was measured
            start = time.perf_counter()
            press(app, key)
            while not shown(app, effect):
                if time.perf_counter() - start > 10:
                    raise RuntimeError(f"{key} never showed {effect}")
                await asyncio.sleep(0.001)
            elapsed = time.perf_counter() - start
            if checking():  # a press that overlapped the end of the run does not count
                times.append(elapsed)
        if not times:
            raise RuntimeError("no keypress was measured while the checks ran")
        await asyncio.to_thread(slow_sandbox, ready, 0)
        await settle(pilot)  # leave only after the run ended, as an operator would
    return {
        "press_ms": [round(t * 1000, 2) for t in times],
        "median_ms": statistics.median(times) * 1000,
    }


def main() -> None:
    mode = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="gtwizard-drive-") as tmp:
        # a config and state of its own: a profile saved by the previous run would make the
        # Tenant step ask for Replace, and the walk would stop there
        os.environ["GTWIZARD_CONFIG_DIR"] = str(Path(tmp) / "config")
        os.environ["GTWIZARD_STATE_DIR"] = str(Path(tmp) / "state")
        os.environ["GTWIZARD_CACHE_DIR"] = str(Path(tmp) / "cache")
        if mode == "minimal":
            result = asyncio.run(minimal())
        elif mode.startswith("minimal+"):
            ready = json.loads(sys.argv[2])
            result = asyncio.run(minimal_with_stack(ready, keyring=mode == "minimal+http+keyring"))
        else:
            ready = json.loads(sys.argv[2])
            runner = summary if mode == "summary" else responsive
            result = asyncio.run(runner(ready, Path(tmp)))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
