"""One module per CLI subcommand; each exposes `register(subparsers)`.

`COMMANDS` is the one place that names the commands and their one-line help, so `gtwizard --help`
lists them without importing a single command module; only the command being run is imported.
Modules here must stay cheap to import (no Textual, no httpx at module level).
"""

from __future__ import annotations

# Order is the order shown in `gtwizard --help`.
COMMANDS: dict[str, str] = {
    "tui": "the interactive wizard (the default when no command is given)",
    "demo": "walk the whole wizard against the embedded sandbox tenant",
    "presets": "list the product presets (GT runbooks), or show one",
    "probe": "check that a tenant host is reachable and serves a GT API (no key needed)",
    "sandbox": "run the sandbox GT tenant on loopback (prints one JSON ready line)",
    "setup": "set up a product against a tenant without the TUI",
    "check": "run the live validation checks for a profile",
    "rotate": "rotate a profile's key with no downtime",
    "schedule": "write a systemd timer that rotates due keys and checks every profile",
    "runbook": "write the operator runbook for a profile (no secrets)",
    "status": "key age, expiry, rotation due, storage and last check for every profile",
    "profiles": "list, show or remove profiles",
    "keys": "each tenant's keys: ours (beside the profiles), other installations', unknown; revoke orphans",
    "serve": "the TUI in a browser (textual-serve), bound to 127.0.0.1",
}


def print_json(obj: object) -> None:
    """Print the one object of a `--json` command: indented when stdout is a terminal (a person
    reads it), on one line otherwise (a pipe or a file: a program parses it).

    The rule is about speed: with `indent`, `json.dumps` runs CPython's pure-Python encoder; only
    without it does the C encoder run, 3-4 times faster (`status --json` with 1,000 profiles:
    22 ms indented, 7 ms on one line). Both are the same JSON to a parser.

    `ensure_ascii` stays on: every control, bidi and other non-ASCII character of a tenant's text
    leaves as a `\\uXXXX` escape, so the JSON on a terminal is as harmless as the human output."""
    import json
    import sys

    isatty = getattr(sys.stdout, "isatty", None)
    pretty = isatty is not None and isatty()
    text = json.dumps(obj, indent=2 if pretty else None, ensure_ascii=True)
    print(text, flush=True)


def seconds(text: str) -> float:
    """argparse `type` of an option in seconds: a finite number above 0 (`nan` and `inf` parse as
    floats and then pass every comparison or wait forever). argparse turns the refusal into the
    one-line usage error, exit 2."""
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a positive number of seconds (for example 20 or 2.5)"
        )
    return value


def days(text: str) -> int:
    """argparse `type` of a key's expiry in whole days, 1 to gt.contract.EXPIRES_DAYS_MAX (0 would
    mean no expiry, a huge number overflows the date it becomes)."""
    import argparse

    from gtwizard.gt.contract import EXPIRES_DAYS_MAX

    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= EXPIRES_DAYS_MAX:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of days from 1 to {EXPIRES_DAYS_MAX}"
        )
    return value
