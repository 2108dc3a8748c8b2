"""`gtwizard probe HOST`: where does the connection to a tenant break, if it does?

Prints the canonical GT base and both OpenAI base forms, then one line per step (DNS, TCP, TLS, GT
API) with a word status, so it reads the same without colour and in logs. Exit 0 when a GT API
answers, 1 when it does not, 2 when the host (or the CA bundle) is invalid.
"""

from __future__ import annotations

import argparse

from gtwizard.commands import COMMANDS, print_json, seconds
from gtwizard.errors import EXIT_FAILED, EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "probe",
        help=COMMANDS["probe"],
        description="Parse the tenant host, show its GT base and OpenAI base forms, and probe "
        "DNS, TCP, TLS and the GT API (a GT API answers 401 without a key).",
    )
    p.add_argument("host", metavar="HOST", help="tenant host, e.g. tenant.example.com")
    p.add_argument("--ca-bundle", metavar="FILE", help="extra CA certificates (PEM) to trust")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--timeout", type=seconds, default=5.0, metavar="S", help="seconds per step (default 5)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from gtwizard.gt.probe import probe_host

    report = asyncio.run(probe_host(args.host, ca_bundle=args.ca_bundle, timeout=args.timeout))
    if args.json:
        print_json(report.to_json())
    else:
        host = report.host
        print(f"host         {host.netloc}")
        print(f"GT base      {host.gt_base}")
        print(f"OpenAI base  {host.openai_bases[0]}  (the form GT documents)")
        print(f"OpenAI base  {host.openai_bases[1]}  (what clients that append /models need)")
        for step in report.steps:
            print(f"{step.name:<12} {'ok' if step.ok else 'FAIL':<5} {step.detail}")
        print(f"GT API       {'reachable' if report.gt_api else 'NOT reachable'}")
    return EXIT_OK if report.gt_api else EXIT_FAILED
