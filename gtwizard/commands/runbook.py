"""`gtwizard runbook [--profile NAME] [-o FILE]`: the operator runbook for a profile, no secrets.

Without -o the runbook goes to the default place the checks look at (state dir, runbooks/); with
`-o -` it is printed instead and nothing is recorded.
"""

from __future__ import annotations

import argparse

from gtwizard.commands import COMMANDS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "runbook",
        help=COMMANDS["runbook"],
        description="Write markdown for the operator: product, tenant, base and why, key preset, "
        "scopes and allowlist, where the key lives, how to rotate and how to check. "
        "It never contains a secret.",
    )
    p.add_argument("--profile", metavar="NAME", help="profile (default: the default one)")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write it ('-' prints it; default: gtwizard's state dir)",
    )
    p.set_defaults(func=run)


def profile_named(name: str | None, what: str):  # Profile, imported lazily
    """The named profile, else the default one; a clear error when there is none."""
    from gtwizard.errors import InvalidInput
    from gtwizard.profiles import default_profile_name, get_profile

    chosen = name or default_profile_name()
    if not chosen:
        raise InvalidInput(
            f"no profile to {what}", "pass --profile NAME (see 'gtwizard profiles list')"
        )
    return get_profile(chosen)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from gtwizard.errors import InvalidInput
    from gtwizard.runbook import render_runbook, write_runbook

    profile = profile_named(args.profile, "write a runbook for")
    if args.output == "-":
        print(render_runbook(profile), end="")
        return 0
    path = Path(args.output).expanduser() if args.output else None
    if path is not None and not path.absolute().parent.is_dir():
        raise InvalidInput(
            f"the folder for {path} does not exist", "create it first, or pick another path"
        )
    written = write_runbook(profile, path)
    print(f"runbook for profile '{profile.name}' written to {written}")
    return 0
