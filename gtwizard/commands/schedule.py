"""`gtwizard schedule`: scheduled rotation with the scheduler the host already has (systemd).

Writes (or prints, with --print) three units: a timer that starts `gtwizard-rotate-due.service`
(`gtwizard rotate --due --json`), which pulls in `gtwizard-check-all.service` (`gtwizard check
--all --json`) to run after it, whether the rotation failed or not. Each service is a oneshot with
the journal as its log and no terminal; each fails on its own, so `systemctl --failed` shows a
failed rotation apart from a failed check. Files are written atomically and only when they
change; a unit file that gtwizard did not write is never overwritten.

A rotation from the timer never asks and never revokes without a proof: an env-file target with
no Open WebUI URL stops in the visible `waiting` state (`gtwizard status` names the commands).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gtwizard.commands import COMMANDS, print_json

MARKER = "# Written by gtwizard schedule; `gtwizard schedule` rewrites it."
TIMER = "gtwizard-rotate-due.timer"
ROTATE_SERVICE = "gtwizard-rotate-due.service"
CHECK_SERVICE = "gtwizard-check-all.service"
DEFAULT_CALENDAR = "daily"
SYSTEM_DIR = Path("/etc/systemd/system")


INSTALL_PLAIN = "install gtwizard at a plain path (e.g. uv tool install, or pipx install)"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "schedule",
        help=COMMANDS["schedule"],
        description="Write a systemd timer and services that run 'gtwizard rotate --due --json' "
        "and then 'gtwizard check --all --json' (the journal is the log; no terminal needed). "
        "Prints the systemctl commands that enable the timer. Cron works too: see the README.",
    )
    scope = p.add_mutually_exclusive_group()
    scope.add_argument(
        "--user", action="store_true", help="user units (~/.config/systemd/user; the default)"
    )
    scope.add_argument(
        "--system", action="store_true", help=f"system units ({SYSTEM_DIR}), run as this user"
    )
    p.add_argument(
        "--on-calendar",
        metavar="SPEC",
        default=DEFAULT_CALENDAR,
        help=f"when to run, as systemd's OnCalendar= (default {DEFAULT_CALENDAR!r}; "
        "'systemd-analyze calendar SPEC' shows when it elapses)",
    )
    p.add_argument(
        "--jobs", type=int, metavar="N", help="profiles handled at once by each run (default 4)"
    )
    p.add_argument("--print", action="store_true", help="print the units; write nothing")
    p.add_argument(
        "--dir", metavar="DIR", help="write the units into DIR instead of systemd's directory"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


# ---- rendering ------------------------------------------------------------------------------------


def _quote(word: str, *, dollar: bool = True) -> str:
    """One ExecStart= (or Environment=, dollar=False) word: `%` (and `$`) escaped, quoted if need be."""
    text = word.replace("%", "%%")
    if dollar:
        text = text.replace("$", "$$")
    if text and not any(c in text for c in " \t\"'\\;"):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def gtwizard_command() -> tuple[list[str], str | None]:
    """How the timer starts gtwizard, and a warning when that start will not last.

    This gtwizard's script by its absolute path (else `python -m gtwizard`). Run from a project
    checkout (`uv run gtwizard`, the script inside the checkout's virtual environment), the units
    would start the checkout, and break when it moves or its environment is rebuilt: so an
    installed gtwizard found on PATH outside the checkout (`uv tool install`, pipx) is used
    instead, and without one the warning says so."""
    import os
    import shutil
    import sys

    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "gtwizard" and os.access(script, os.X_OK):
        program = script.absolute()
    elif found := shutil.which("gtwizard"):
        program = Path(found).absolute()
    else:  # the interpreter as it was started (a venv's python, not the one it links to)
        program = Path(sys.executable).absolute()
    argv = (
        [str(program.resolve())] if program.name == "gtwizard" else [str(program), "-m", "gtwizard"]
    )
    checkout = _checkout_of(program) or _checkout_of(program.resolve())
    if checkout is None:
        return argv, None
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(folder or ".").absolute() / "gtwizard"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            installed = candidate.resolve()
            if _checkout_of(candidate) is None and _checkout_of(installed) is None:
                return [str(installed)], (
                    f"the units start the installed gtwizard {installed}, not this checkout's "
                    f"({checkout}): keep it up to date (uv tool upgrade gtwizard)"
                )
    return argv, (
        f"the units start gtwizard from the project checkout {checkout} (its .venv): they break "
        f"when it moves or its .venv is rebuilt; {INSTALL_PLAIN}, then run gtwizard schedule again"
    )


def _checkout_of(program: Path) -> Path | None:
    """The project checkout whose virtual environment holds `program` (a venv folder, with its
    pyvenv.cfg, inside a folder with a pyproject.toml), or None for an installed gtwizard."""
    for folder in program.absolute().parents:
        if (folder / "pyvenv.cfg").is_file():
            return folder.parent if (folder.parent / "pyproject.toml").is_file() else None
    return None


def _plain(what: str, value: str, fix: str) -> str:
    """`value`, refused when it holds a control character: a unit file cannot carry one safely.

    A newline would end the line and start another directive of the operator's unit (an
    ExecStartPre= of someone's choosing); systemd's own escapes differ by directive. So refuse.
    """
    from gtwizard.errors import InvalidInput

    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise InvalidInput(
            f"the {what} {value!r} holds a newline or another control character, which a "
            "systemd unit cannot carry safely",
            fix,
        )
    return value


def _environment() -> list[str]:
    """The profiles the operator sees now are the ones the timer handles: pin both directories."""
    from gtwizard.paths import config_dir, state_dir

    pairs = [("GTWIZARD_CONFIG_DIR", config_dir()), ("GTWIZARD_STATE_DIR", state_dir())]
    for name, path in pairs:
        _plain(f"directory in {name}", str(path), f"set {name} to a plain path")
    return [f"Environment={_quote(f'{name}={path}', dollar=False)}" for name, path in pairs]


def _service(description: str, argv: list[str], extra: list[str], system: bool) -> str:
    import getpass

    lines = [
        MARKER,
        "[Unit]",
        f"Description={description}",
        "After=network-online.target",
        "Wants=network-online.target",
        *extra,
        "",
        "[Service]",
        "Type=oneshot",
        f"ExecStart={' '.join(_quote(_plain('command', w, INSTALL_PLAIN)) for w in argv)}",
        *_environment(),
        "StandardInput=null",
        "StandardOutput=journal",
        "StandardError=journal",
        "SyslogIdentifier=gtwizard",
        "UMask=0077",
        "NoNewPrivileges=yes",
        "TimeoutStartSec=2h",
    ]
    if system:
        lines.append(f"User={getpass.getuser()}")
    return "\n".join(lines) + "\n"


def render_units(
    *, calendar: str, jobs: int | None, system: bool, base: list[str] | None = None
) -> dict[str, str]:
    """File name -> text of the timer and both services; `base` starts gtwizard."""
    base = base or gtwizard_command()[0]
    more = ["--jobs", str(jobs)] if jobs else []
    rotate = _service(
        "gtwizard: rotate the keys that are due (rotate --due)",
        [*base, "rotate", "--due", "--json", *more],
        # the check runs after the rotation, also when the rotation failed (Wants, not Requires)
        [f"Wants={CHECK_SERVICE}", f"Before={CHECK_SERVICE}"],
        system,
    )
    check = _service(
        "gtwizard: check every profile (check --all)",
        [*base, "check", "--all", "--json", *more],
        [],
        system,
    )
    timer = "\n".join(
        [
            MARKER,
            "[Unit]",
            "Description=gtwizard: rotate due keys, then check every profile",
            "",
            "[Timer]",
            f"OnCalendar={calendar}",
            "RandomizedDelaySec=30min",
            "Persistent=true",
            f"Unit={ROTATE_SERVICE}",
            "",
            "[Install]",
            "WantedBy=timers.target",
        ]
    )
    return {TIMER: timer + "\n", ROTATE_SERVICE: rotate, CHECK_SERVICE: check}


# ---- checks and writing ---------------------------------------------------------------------------


def _check_calendar(spec: str) -> None:
    """Refuse a spec systemd cannot parse (checked with systemd-analyze when it is installed)."""
    import shutil
    import subprocess

    from gtwizard.errors import InvalidInput

    bad = InvalidInput(
        f"--on-calendar {spec!r} is not a systemd calendar specification",
        "for example daily, weekly, 'Mon *-*-* 03:00' (see 'man systemd.time')",
    )
    if not spec.strip() or any(ord(c) < 32 for c in spec):
        raise bad
    tool = shutil.which("systemd-analyze")
    if tool is None:
        return
    try:
        done = subprocess.run(
            [tool, "calendar", spec], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return
    if done.returncode != 0:
        raise bad


def _directory(args: argparse.Namespace) -> Path:
    import os

    if args.dir:
        return Path(args.dir).expanduser().absolute()
    if args.system:
        return SYSTEM_DIR
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def _write(directory: Path, units: dict[str, str]) -> list[dict[str, Any]]:
    """Write each unit atomically when it changed; refuse to replace a file gtwizard did not write."""
    from gtwizard.errors import InvalidInput, OperationFailed
    from gtwizard.fileio import atomic_write

    current: dict[str, str | None] = {}
    for name in units:
        path = directory / name
        try:
            current[name] = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            current[name] = None
        except (OSError, UnicodeDecodeError) as exc:
            raise OperationFailed(f"cannot read {path} ({exc})", "check its permissions") from None
        text = current[name]
        if text is not None and MARKER not in text:
            raise InvalidInput(
                f"{path} exists and was not written by gtwizard schedule; nothing was written",
                "move it away, or write the units elsewhere with --dir DIR",
            )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OperationFailed(
            f"cannot create {directory} ({exc.strerror})",
            "run as a user who may write there (--system needs root), or use --print",
        ) from None
    files = []
    for name, text in units.items():
        path = directory / name
        changed = current[name] != text
        if changed:
            try:
                atomic_write(path, text.encode("utf-8"), mode=0o644, backup=False)
            except OSError as exc:
                raise OperationFailed(
                    f"cannot write {path} ({exc.strerror})",
                    "run as a user who may write there (--system needs root), or use --print",
                ) from None
        files.append({"path": str(path), "changed": changed})
    return files


def enable_commands(system: bool, in_place: bool) -> list[str]:
    ctl = "systemctl" if system else "systemctl --user"
    commands = [f"{ctl} daemon-reload", f"{ctl} enable --now {TIMER}"]
    if not in_place:
        where = "/etc/systemd/system" if system else "~/.config/systemd/user"
        commands.insert(0, f"copy the three files into {where}")
    if not system:
        commands.append("loginctl enable-linger $USER   # run while you are logged out too")
    return commands


def run(args: argparse.Namespace) -> int:
    import sys

    from gtwizard.credentials import Settings
    from gtwizard.fleet import check_jobs, unattended_gaps

    _check_calendar(args.on_calendar)
    jobs = check_jobs(args.jobs) if args.jobs is not None else None
    base, warning = gtwizard_command()
    units = render_units(calendar=args.on_calendar, jobs=jobs, system=args.system, base=base)
    scope = "system" if args.system else "user"
    gaps = unattended_gaps(Settings.from_environ())
    found = {"cannot_run_unattended": gaps, "warnings": [warning] if warning else []}
    if warning and not args.json:
        print(f"warning: {warning}", file=sys.stderr)
    if args.print:
        if args.json:
            print_json({"ok": True, "scope": scope, "units": units, **found})
        else:
            for name, text in units.items():
                print(f"# --- {name}\n{text}")
            _print_gaps(gaps)
        return 0
    directory = _directory(args)
    files = _write(directory, units)
    commands = enable_commands(args.system, in_place=not args.dir)
    if args.json:
        out = {"ok": True, "scope": scope, "directory": str(directory), "files": files}
        print_json({**out, "commands": commands, **found})
        return 0
    for record in files:
        print(f"{'wrote' if record['changed'] else 'unchanged'} {record['path']}")
    print("Then enable the timer:")
    for command in commands:
        print(f"  {command}")
    _print_gaps(gaps)
    return 0


def _print_gaps(gaps: list[dict[str, Any]]) -> None:
    """Which profiles the timer cannot rotate to the end, and why (said after the units)."""
    if not gaps:
        print(
            "Every profile can rotate unattended. A rotation needs the operator token without a "
            "terminal: set up new profiles with --keep-operator-token (and --keep-admin-token "
            "for the admin API)."
        )
        return
    print(f"{len(gaps)} profile(s) cannot rotate unattended:")
    for gap in gaps:
        print(f"  {gap['profile']}:")
        for reason in gap["reasons"]:
            print(f"    - {reason}")
